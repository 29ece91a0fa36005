"""Rows rebuilt from events: what another host's events make of an incident and its runs.

On the host that writes an event, the incident row and the run tables are updated in the
event's own transaction (``lifecycle.py``, ``runs.py``). A host that receives events from
the shared log rebuilds the same rows from them, in timeline order, so that every host ends
with the same rows whatever order the events arrived in:

- **the incident**: each lifecycle event carries what it set (``data["set"]``; ``declared``
  and ``shared`` the whole row), applied in timeline order, the last writer of a field
  winning. Two responders who change the severity at once leave two events; the row shows
  the later one, on every host;
- **a run driven on another host**: from its ``run_started``, ``run_finished`` and step
  events. A run this file drives is never rebuilt: its engine wrote states (pending,
  waiting) that no event carries. Which host drives a run can change: ``run_taken_over``.
"""

from __future__ import annotations

import json
from typing import Any

from cockpit.timeline import hlc
from cockpit.timeline.model import STEP_EVENT, EventKind, Incident, StepState

#: Events that may change the incident row.
LIFECYCLE_KINDS = (EventKind.DECLARED, EventKind.SHARED, EventKind.SEVERITY_CHANGED, EventKind.ROLE_ASSIGNED,
                   EventKind.STATUS_UPDATE, EventKind.ACKNOWLEDGED, EventKind.MITIGATED, EventKind.RESOLVED,
                   EventKind.REOPENED)
COLUMNS = tuple(name for name in Incident.__dataclass_fields__ if name != "id")
_REQUIRED = ("title", "severity", "mode", "status", "detected_at", "declared_at", "updated_at", "created_by")
_STATE_OF = {kind.value: state for state, kind in STEP_EVENT.items()}
_TERMINAL = {StepState.SUCCEEDED, StepState.FAILED, StepState.SKIPPED, StepState.CANCELLED}


def _rows(conn: Any, sql: str, params: tuple) -> Any:
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params)


def incident_row(conn: Any, incident_id: str) -> dict[str, Any] | None:
    """The incident row its events make (None: they do not make one, e.g. no ``declared``)."""
    marks = ",".join("?" * len(LIFECYCLE_KINDS))
    row: dict[str, Any] = {}
    for kind, ts, actor, data in _rows(
            conn, "SELECT e.kind, e.ts, e.actor, e.data FROM events e JOIN event_order o ON o.seq = e.seq "
                  f"WHERE o.incident_id = ? AND e.kind IN ({marks}) ORDER BY o.hlc, e.seq",
            (incident_id, *LIFECYCLE_KINDS)):
        data = json.loads(data or "{}")
        given = data.get("set")
        if isinstance(given, dict):
            row.update({k: v for k, v in given.items() if k in COLUMNS})
        elif kind == EventKind.DECLARED:  # written before events said what they set
            row.update({k: data.get(k) for k in ("title", "severity", "mode", "commander", "detected_at")},
                       status="open", declared_at=ts, updated_at=ts, created_by=actor)
    if any(not row.get(k) for k in _REQUIRED):
        return None
    return {k: row.get(k) for k in COLUMNS}


def fold_incident(conn: Any, incident_id: str) -> bool:
    """Inside a transaction: write the incident row its events make; False if they make none."""
    row = incident_row(conn, incident_id)
    if row is None:
        return False
    conn.execute(f"INSERT INTO incidents (id, {', '.join(row)}) VALUES (?{', ?' * len(row)}) "
                 f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{k} = excluded.{k}' for k in row)}",
                 (incident_id, *row.values()))
    return True


def fold_runs(conn: Any, incident_id: str, own_node: str) -> None:
    """Inside a transaction: rebuild the runs of the incident that another file drives, with
    their step states, from their events. A run's driver is the node stamped on its latest
    ``run_started`` or ``run_taken_over``: a run taken over from here stops being this file's
    to drive, and one taken over by this file becomes its own."""
    started: dict[str, tuple[dict[str, Any], str, str]] = {}
    drivers: dict[str, tuple[str, str]] = {}
    for kind, data, ts, actor, stamp in _rows(
            conn, "SELECT e.kind, e.data, e.ts, e.actor, o.hlc FROM events e JOIN event_order o ON o.seq = e.seq "
                  "WHERE o.incident_id = ? AND e.kind IN (?, ?) ORDER BY o.hlc, e.seq",
            (incident_id, EventKind.RUN_STARTED, EventKind.RUN_TAKEN_OVER)):
        given = json.loads(data or "{}")
        run_id = given.get("run_id")
        if not run_id:
            continue
        if kind == EventKind.RUN_STARTED:
            started[run_id] = (given, ts, actor)
        drivers[run_id] = (hlc.Stamp.parse(stamp).node, actor)
    mode = conn.execute("SELECT mode FROM incidents WHERE id = ?", (incident_id,)).fetchone()[0]
    for run_id, (data, ts, _) in started.items():
        node, actor = drivers[run_id]
        mine = conn.execute("SELECT node FROM runs WHERE id = ?", (run_id,)).fetchone()
        if node == own_node:
            if mine is not None and mine[0] is not None:  # taken over by this file (or back)
                conn.execute("UPDATE runs SET node = NULL, actor = ? WHERE id = ?", (actor, run_id))
            continue
        if mine is not None and mine[0] is None and node == _starter_node(conn, run_id):
            continue  # started here (before the file's node was known to the log) and never taken over: ours
        _fold_run(conn, incident_id, run_id, data, ts, actor, node, data.get("mode") or mode)


def _starter_node(conn: Any, run_id: str) -> str:
    row = conn.execute("SELECT o.hlc FROM events e JOIN event_order o ON o.seq = e.seq WHERE e.uid = ?",
                       (f"{run_id}-started",)).fetchone()
    return hlc.Stamp.parse(row[0]).node if row else ""


def _fold_run(conn: Any, incident_id: str, run_id: str, data: dict[str, Any], ts: str, actor: str, node: str,
              mode: str) -> None:
    status, finished = "running", None
    steps: dict[str, dict[str, Any]] = {}
    for kind, at, raw in _rows(
            conn, "SELECT e.kind, e.ts, e.data FROM events e JOIN event_order o ON o.seq = e.seq "
                  "WHERE o.incident_id = ? AND json_extract(e.data, '$.run_id') = ? ORDER BY o.hlc, e.seq",
            (incident_id, run_id)):
        event = json.loads(raw or "{}")
        if kind == EventKind.RUN_FINISHED:
            status, finished = event.get("status") or "finished", at
        elif kind in _STATE_OF and event.get("step_id"):
            state = _STATE_OF[kind]
            step = steps.setdefault(event["step_id"], {"started_at": None})
            step.update(state=state.value, attempt=int(event.get("attempt") or 1),
                        outputs=json.dumps(event.get("outputs") or {}, sort_keys=True, separators=(",", ":")),
                        error=event.get("error"), updated_at=at,
                        finished_at=at if state in _TERMINAL else None)
            if state is StepState.RUNNING:
                step["started_at"] = at
    params = json.dumps(data.get("params") or {}, sort_keys=True, separators=(",", ":"))
    conn.execute(
        "INSERT INTO runs (id, incident_id, playbook_id, params, mode, dry_run, read_only, status, actor, started_at, "
        "finished_at, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "status = excluded.status, finished_at = excluded.finished_at, node = excluded.node, actor = excluded.actor",
        (run_id, incident_id, data.get("playbook_id") or "?", params, mode, int(bool(data.get("dry_run"))),
         int(bool(data.get("read_only"))), status, actor, ts, finished, node))
    conn.execute("DELETE FROM step_states WHERE run_id = ?", (run_id,))
    conn.executemany(
        "INSERT INTO step_states (run_id, step_id, state, attempt, outputs, error, started_at, finished_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, step_id, s["state"], s["attempt"], s["outputs"], s["error"], s["started_at"], s["finished_at"],
          s["updated_at"]) for step_id, s in steps.items()])
