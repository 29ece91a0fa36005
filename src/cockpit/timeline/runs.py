"""Playbook runs and step states, persisted for the engine (which lives elsewhere).

The engine's promise — after a crash, resume at the current step and never silently re-run
a step that was started — rests on this table: it writes ``running`` *before* executing a
step and a terminal state after. A step found ``running`` on resume is one whose outcome is
unknown; the engine marks it ``unknown`` and asks the responder.

Each state change also appends the matching timeline event (``step_started``,
``step_succeeded``…) in the same transaction, so the timeline and the run state agree even
across kill -9.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cockpit.timeline.model import STEP_EVENT, EventKind, Mode, Run, StepRecord, StepState, TimelineError, iso, \
    normalise_ts, utc_now

if TYPE_CHECKING:
    from cockpit.timeline.run_hold import RunHold
    from cockpit.timeline.store import TimelineStore

    _Base = TimelineStore
else:
    _Base = object

_TERMINAL = {StepState.SUCCEEDED, StepState.FAILED, StepState.SKIPPED, StepState.CANCELLED}


class RunElsewhere(TimelineError):
    """The run belongs to a cockpit on another host (its events came through a share)."""


class RunsMixin(_Base):
    def hold_run(self, run_id: str) -> RunHold:
        """Drive ``run_id`` from this process only (:mod:`cockpit.timeline.run_hold`); raises
        :class:`~cockpit.timeline.run_hold.RunHeld` naming who drives it when another process
        does, and :class:`RunElsewhere` for a run another host's cockpit started (a shared
        incident's): only that cockpit may drive it, or a step could run on two hosts."""
        from cockpit.timeline.run_hold import hold_run

        node, actor = self.run_driver(run_id)
        if node is not None and node != self.node():
            raise RunElsewhere(f"run {run_id} is driven from another host, by {actor} (node {node}): follow it "
                               "there, or take it over (--take-over) once that host is gone")
        return hold_run(self.path, run_id, self.actor)

    def run_driver(self, run_id: str) -> tuple[str | None, str]:
        """``(node, actor)`` of the cockpit driving ``run_id``: node None when it is this file's."""
        row = self._row("SELECT node, actor FROM runs WHERE id = ?", (run_id,))
        if row is None:
            raise TimelineError(f"unknown run {run_id!r}")
        return row["node"], row["actor"]

    def take_over_run(self, run_id: str) -> None:
        """Drive from this file a run of a shared incident that another host's cockpit drove.

        The caller has made sure that cockpit is gone (``share/runs.py``: its presence is
        silent). The ``run_taken_over`` event tells every host (``project.fold_runs``: the
        driver of a run is the node of its latest ``run_started`` or ``run_taken_over``), so
        the old driver's cockpit stops at its next step. Should both still execute one step,
        the step claims in the share let one of them (``engine/claims.py``)."""
        node, actor = self.run_driver(run_id)
        run = self.run(run_id)
        if node is None:
            raise TimelineError(f"run {run_id} is already driven from this file")
        if run.status != "running":
            raise TimelineError(f"run {run_id} already {run.status}")
        with self.transaction() as conn:
            self._append(run.incident_id, EventKind.RUN_TAKEN_OVER,
                         f"Playbook {run.playbook_id} taken over from {actor} by {self.actor}",
                         {"run_id": run_id, "playbook_id": run.playbook_id, "from_node": node, "from_actor": actor})
            conn.execute("UPDATE runs SET node = NULL, actor = ? WHERE id = ?", (self.actor, run_id))

    def create_run(self, incident_id: str, playbook_id: str, params: dict[str, Any] | None = None,
                   mode: str = "incident", dry_run: bool = False, *, read_only: bool = False,
                   run_id: str | None = None) -> str:
        """Record that a playbook run started; returns its id (``run-`` + 12 hex digits)."""
        from cockpit.timeline.store import dumps

        try:
            mode = Mode(mode).value
        except ValueError:
            raise TimelineError(f"unknown mode {mode!r}") from None
        run_id = run_id or f"run-{uuid.uuid4().hex[:12]}"
        now = iso(utc_now())
        params = self.redactor.value(params or {})
        with self.transaction() as conn:
            event, inserted = self._append(
                incident_id, EventKind.RUN_STARTED,
                f"Playbook {playbook_id} started" + (" (dry run)" if dry_run else ""),
                {"run_id": run_id, "playbook_id": playbook_id, "params": params, "dry_run": dry_run,
                 "read_only": read_only, "mode": mode},
                uid=f"{run_id}-started", ts=now)
            if inserted:
                conn.execute("INSERT INTO runs (id, incident_id, playbook_id, params, mode, dry_run, read_only, "
                             "status, actor, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                             (run_id, event.incident_id, playbook_id, dumps(params), mode, int(dry_run),
                              int(read_only), self.actor, now))
        return run_id

    def finish_run(self, run_id: str, status: str) -> None:
        """Close a run (``succeeded``, ``failed``, ``cancelled``, ``aborted``)."""
        run = self.run(run_id)
        now = iso(utc_now())
        with self.transaction() as conn:
            _, inserted = self._append(run.incident_id, EventKind.RUN_FINISHED,
                                       f"Playbook {run.playbook_id} {status}",
                                       {"run_id": run_id, "playbook_id": run.playbook_id, "status": status},
                                       uid=f"{run_id}-finished", ts=now)
            if inserted:
                conn.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, now, run_id))

    def set_step_state(self, run_id: str, step_id: str, state: StepState | str, *, attempt: int = 1,
                       outputs: dict[str, Any] | None = None, error: str | None = None,
                       started_at: datetime | str | None = None, finished_at: datetime | str | None = None,
                       message: str | None = None, log: bool = True) -> StepRecord:
        """Upsert a step's state; ``running`` stamps started_at, a terminal state finished_at.
        Unless ``log=False``, also appends the matching step event (see ``STEP_EVENT``)."""
        from cockpit.timeline.store import dumps

        try:
            state = StepState(state)
        except ValueError:
            raise TimelineError(f"unknown step state {state!r}") from None
        run = self.run(run_id)
        now = iso(utc_now())
        started = normalise_ts(started_at) if started_at else (now if state is StepState.RUNNING else None)
        finished = normalise_ts(finished_at) if finished_at else (now if state in _TERMINAL else None)
        outputs = self.redactor.value(outputs or {})
        error = self.redactor.text(error) if error else None
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO step_states (run_id, step_id, state, attempt, outputs, error, started_at, finished_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, step_id) DO UPDATE SET "
                "state = excluded.state, attempt = excluded.attempt, outputs = excluded.outputs, "
                "error = excluded.error, started_at = COALESCE(excluded.started_at, started_at), "
                "finished_at = excluded.finished_at, updated_at = excluded.updated_at",
                (run_id, step_id, state.value, attempt, dumps(outputs), error, started, finished, now))
            kind = STEP_EVENT.get(state)
            if log and kind is not None:
                text = message or f"Step {step_id} {state.value}" + (f": {error}" if error else "")
                self._append(run.incident_id, kind, text,
                             {"run_id": run_id, "playbook_id": run.playbook_id, "step_id": step_id,
                              "attempt": attempt, "outputs": outputs, "error": error}, ts=now)
        return self.step_state(run_id, step_id)

    def run(self, run_id: str) -> Run:
        row = self._row("SELECT * FROM runs WHERE id = ?", (run_id,))
        if row is None:
            raise TimelineError(f"unknown run {run_id!r}")
        return Run.from_row(row)

    def runs(self, incident_id: str) -> list[Run]:
        incident = self.incident(incident_id)
        rows = self.conn.execute("SELECT * FROM runs WHERE incident_id = ? ORDER BY started_at, rowid", (incident.id,))
        return [Run.from_row(dict(r)) for r in rows]

    def step_state(self, run_id: str, step_id: str) -> StepRecord:
        row = self._row("SELECT * FROM step_states WHERE run_id = ? AND step_id = ?", (run_id, step_id))
        if row is None:
            raise TimelineError(f"run {run_id} has no step {step_id!r}")
        return StepRecord.from_row(row)

    def step_event_keys(self, incident_id: str) -> Iterator[tuple[int, str, Any, Any, Any]]:
        """``(seq, kind, run_id, step_id, attempt)`` of the incident's step events (started and
        every outcome) in timeline order, read out of their data by SQLite: what pairs a step's
        start with its outcome, without decoding every event of a long run."""
        incident = self.incident(incident_id)
        kinds = sorted(set(STEP_EVENT.values()))
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples
        return cursor.execute(
            "SELECT seq, kind, json_extract(data, '$.run_id'), json_extract(data, '$.step_id'), "
            "json_extract(data, '$.attempt') FROM events JOIN event_order USING (seq) "
            f"WHERE event_order.incident_id = ? AND kind IN ({','.join('?' * len(kinds))}) "
            "ORDER BY event_order.hlc, seq", (incident.id, *kinds))

    def step_states(self, run_id: str) -> list[StepRecord]:
        """In the order the steps were first recorded (the engine records them in playbook order)."""
        rows = self.conn.execute("SELECT * FROM step_states WHERE run_id = ? ORDER BY rowid", (run_id,))
        return [StepRecord.from_row(dict(r)) for r in rows]
