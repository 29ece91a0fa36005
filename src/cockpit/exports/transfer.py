"""JSON export and import: an incident with everything, restorable losslessly elsewhere.

Identity survives the trip: the incident keeps its id, each event its ``uid``, each run its
id and each step its ``(run_id, step_id)``. Importing is a merge keyed on those, in one
transaction: importing the same file twice adds nothing, and importing a later export of
the same incident adds only the new events. ``seq`` is *not* exported: it is this file's
commit order, and forcing foreign numbers into it would break "events after N" polling.
Each event's clock stamp (``hlc``) *is* exported and kept on import: the imported events
keep their order among themselves and against the events of the file they come back to.

The document is validated with pydantic before anything is written, so a hand-edited or
truncated file gets a one-line message with the offending field, never a traceback; and
everything imported goes through redaction, like every other write.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.exports.after_action import summary
from cockpit.timeline import hlc
from cockpit.timeline.figures import FIGURE_KINDS, figures
from cockpit.timeline.lifecycle import Timeline
from cockpit.timeline.model import Incident, TimelineError, iso, parse_ts, utc_now
from cockpit.timeline.schema import LATEST
from cockpit.timeline.store import dumps

FORMAT = "cockpit.incident"
VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Event(_Strict):
    uid: str
    #: Its place in the order (``timeline/hlc.py``); exports before schema 6 have none, and
    #: their events are stamped on import, in the document's order.
    hlc: str | None = Field(default=None, pattern=f"^{hlc.PATTERN.pattern}$")
    ts: str
    actor: str
    kind: str
    message: str
    data: dict[str, Any]


class _Step(_Strict):
    step_id: str
    state: str
    attempt: int
    outputs: dict[str, Any]
    error: str | None
    started_at: str | None
    finished_at: str | None
    updated_at: str


class _Run(_Strict):
    id: str
    incident_id: str
    playbook_id: str
    params: dict[str, Any]
    mode: str
    dry_run: bool
    read_only: bool = False  # absent in exports made before schema 4
    status: str
    actor: str
    started_at: str
    finished_at: str | None
    steps: list[_Step]


class _Incident(_Strict):
    id: str
    title: str
    severity: str
    mode: str
    status: Literal["open", "resolved"]
    commander: str | None
    scribe: str | None
    communications: str | None
    detected_at: str
    declared_at: str
    acknowledged_at: str | None
    mitigated_at: str | None
    resolved_at: str | None
    next_update_due: str | None
    updated_at: str
    created_by: str
    response_target_seconds: int | None = None  # schema 5; older exports have none


class _Document(_Strict):
    format: Literal["cockpit.incident"]
    version: Literal[1]
    schema_version: int
    exported_at: str
    incident: _Incident
    events: list[_Event]
    runs: list[_Run]
    #: The drill or after-action report as data (derived from the events; ignored on import,
    #: where it is recomputed from them).
    exercise: dict[str, Any] | None = None
    #: The figures the postmortem states (``figures.py``; derived, ignored on import).
    figures: dict[str, Any] | None = None


#: Stands for the events while the rest of the document is formatted (see :func:`write_json`).
_EVENTS = "\x00events\x00"


def _document(tl: Timeline, incident: Incident, events: Any) -> dict[str, Any]:
    """The export document of ``incident``, with ``events`` in the events' place."""
    runs = []
    for run in tl.runs(incident.id):
        steps = [{k: v for k, v in s.to_json().items() if k != "run_id"} for s in tl.step_states(run.id)]
        runs.append({**run.to_json(), "steps": steps})
    document = {
        "format": FORMAT, "version": VERSION, "schema_version": LATEST, "exported_at": iso(utc_now()),
        "incident": incident.to_json(),
        # What the postmortem says, for machines; read in one pass over the kinds it needs.
        "figures": figures(incident, tl.iter_events(incident.id, kinds=FIGURE_KINDS)).to_json(),
        "events": events,
        "runs": runs,
    }
    if incident.mode in ("drill", "tabletop"):
        report = summary(tl, incident.id)  # the exercise report, for machines
        if report is not None:
            document["exercise"] = report
    return document


def export_document(tl: Timeline, incident_id: str) -> dict[str, Any]:
    """The export document as data, every event in memory (what :func:`write_json` writes)."""
    incident = tl.incident(incident_id)
    return _document(tl, incident, [e.to_json() for e in tl.iter_events(incident.id)])


def write_json(tl: Timeline, incident_id: str, out: TextIO) -> None:
    """Write the export document to ``out``: the events one per line as SQLite reads them, so
    an incident of any size is exported holding one event at a time (an exercise's report
    still reads them all: its scoring needs them), the rest indented."""
    incident = tl.incident(incident_id)
    head, tail = json.dumps(_document(tl, incident, _EVENTS), indent=2, ensure_ascii=False).split(
        json.dumps(_EVENTS), 1)
    out.write(head + "[")
    separator = "\n    "
    for event in tl.iter_events(incident.id):
        out.write(separator + json.dumps(event.to_json(), ensure_ascii=False))
        separator = ",\n    "
    out.write(("]" if separator == "\n    " else "\n  ]") + tail + "\n")


def export_json(tl: Timeline, incident_id: str) -> str:
    """:func:`write_json` into a string (``incident show --json``; tests)."""
    out = io.StringIO()
    write_json(tl, incident_id, out)
    return out.getvalue()


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "document"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}: {err['msg']}{more}"


#: Largest export read by `cockpit incident import` (an alarm storm's week is a few MB).
MAX_IMPORT_BYTES = 256 * 1024 * 1024


def load_document(path: Path) -> _Document:
    try:
        if path.is_file() and path.stat().st_size > MAX_IMPORT_BYTES:
            raise TimelineError(f"{path}: the file is {path.stat().st_size:,} bytes; "
                                f"imports are limited to {MAX_IMPORT_BYTES // 2**20} MiB")
        with path.open("rb") as handle:
            text = handle.read(MAX_IMPORT_BYTES + 1)
        if len(text) > MAX_IMPORT_BYTES:
            raise TimelineError(f"{path}: larger than {MAX_IMPORT_BYTES // 2**20} MiB; not imported")
        raw = json.loads(text.decode("utf-8"))
    except FileNotFoundError:
        raise TimelineError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TimelineError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise TimelineError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except RecursionError:  # the json module recurses once per nested array or object
        raise TimelineError(f"{path}: not a cockpit incident export: nested too deeply") from None
    try:
        return _Document.model_validate(raw)
    except ValidationError as exc:
        raise TimelineError(f"{path}: not a cockpit incident export: {_first_error(exc)}") from None
    except RecursionError:  # a deep value inside `data` reaches pydantic's recursion
        raise TimelineError(f"{path}: not a cockpit incident export: nested too deeply") from None


def _target_id(tl: Timeline, doc: _Document, renumber: bool) -> str:
    """Where this export goes. An incident is recognised by its first event's uid, not by its
    id alone: two files number their incidents independently, so INC-…-0001 here may be a
    different incident from INC-…-0001 there."""
    wanted = doc.incident.id.strip().upper()
    if doc.events:
        earlier = tl.event(doc.events[0].uid)
        if earlier is not None:
            return earlier.incident_id  # imported before (perhaps renumbered): merge
    holder = tl._row("SELECT title FROM incidents WHERE id = ?", (wanted,))
    if holder is None:
        return wanted
    if not renumber:
        raise TimelineError(f"{wanted} already exists in this file as a different incident ({holder['title']!r}); "
                            "import with --renumber to give it a new id")
    return tl._next_id(parse_ts(doc.incident.declared_at))


def import_document(tl: Timeline, doc: _Document, renumber: bool = False) -> tuple[Incident, int]:
    """Merge an export into this file; returns the incident and how many events were new."""
    red = tl.redactor
    inc = {k: (red.text(v) if isinstance(v, str) else v) for k, v in doc.incident.model_dump().items()}
    added = 0
    with tl.transaction() as conn:
        inc["id"] = _target_id(tl, doc, renumber)
        existing = tl._row("SELECT updated_at FROM incidents WHERE id = ?", (inc["id"],))
        columns = ", ".join(inc)
        if existing is None:
            conn.execute(f"INSERT INTO incidents ({columns}) VALUES ({', '.join('?' * len(inc))})", tuple(inc.values()))
        elif inc["updated_at"] > existing["updated_at"]:
            conn.execute(f"UPDATE incidents SET {', '.join(f'{k} = ?' for k in inc)} WHERE id = ?",
                         (*inc.values(), inc["id"]))
        for event in doc.events:
            _, inserted = tl._append(inc["id"], event.kind, event.message, event.data, uid=event.uid,
                                     ts=event.ts, actor=event.actor, stamp=event.hlc)
            added += inserted
        for run in doc.runs:
            conn.execute(
                "INSERT INTO runs (id, incident_id, playbook_id, params, mode, dry_run, read_only, status, actor, "
                "started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "status = excluded.status, finished_at = excluded.finished_at",
                (run.id, inc["id"], run.playbook_id, dumps(red.value(run.params)), run.mode, int(run.dry_run),
                 int(run.read_only), run.status, red.text(run.actor), run.started_at, run.finished_at))
            for step in run.steps:
                conn.execute(
                    "INSERT INTO step_states (run_id, step_id, state, attempt, outputs, error, started_at, "
                    "finished_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, step_id) "
                    "DO UPDATE SET state = excluded.state, attempt = excluded.attempt, outputs = excluded.outputs, "
                    "error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at, "
                    "updated_at = excluded.updated_at WHERE excluded.updated_at > step_states.updated_at",
                    (run.id, step.step_id, step.state, step.attempt, dumps(red.value(step.outputs)),
                     red.text(step.error) if step.error else None, step.started_at, step.finished_at,
                     step.updated_at))
    return tl.incident(inc["id"]), added


def import_file(tl: Timeline, path: Path, renumber: bool = False) -> tuple[Incident, int]:
    return import_document(tl, load_document(path), renumber)
