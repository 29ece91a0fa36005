"""Snapshots as the stable JSON of ``cockpit status --json`` (docs/status-json.md) and as text.

The JSON has a ``version``; fields are only ever added within a version. Levels are the
words ``ok``, ``warning``, ``unknown``, ``critical``; timestamps are UTC ISO-8601 with ``Z``;
durations are seconds. Version 2 added ``unknown`` (a source that could not be read, a
reading without a recent datapoint) and the monitoring-plugin exit codes.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any

from cockpit.content.screen import Screen
from cockpit.sources.snapshot import Level, Snapshot, iso, utcnow

SCHEMA_VERSION = 2
PANES = ("alarms", "replication", "services")


def exit_code(level: Level) -> int:
    """The monitoring-plugin convention: 0 ok, 1 warning, 2 critical, 3 unknown."""
    return level.exit_code


def counts(snapshots: list[tuple[str, Snapshot[Any]]]) -> dict[str, int]:
    """Items at each level, over all sources; a source whose latest attempt failed counts
    once as ``unknown`` (whatever it holds is not known to be current), so "three sources
    could not be read" never adds up to nothing."""
    out = {lvl.label: 0 for lvl in Level}
    for _, snap in snapshots:
        for item in snap.items:
            level = getattr(item, "level", None)
            if isinstance(level, Level):
                out[level.label] += 1
        if snap.error is not None:
            out[Level.UNKNOWN.label] += 1
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Level):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return iso(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot_dict(snapshot: Snapshot[Any], pane: str, now: datetime) -> dict[str, Any]:
    age = snapshot.age(now)
    return {
        "pane": pane,
        "level": snapshot.level.label,
        "fetched_at": iso(snapshot.fetched_at),
        "age_seconds": None if age is None else round(age, 3),
        "stale": snapshot.stale,
        "error": snapshot.error.as_dict() if snapshot.error else None,
        "calls": snapshot.calls,
        "items": [_plain(item) for item in snapshot.items],
    }


def status_document(screen: Screen, snapshots: list[tuple[str, Snapshot[Any]]], elapsed: float) -> dict[str, Any]:
    """The whole ``cockpit status --json`` answer. ``snapshots`` pairs each with its pane."""
    now = utcnow()
    level = max((s.level for _, s in snapshots), default=Level.OK)
    return {
        "version": SCHEMA_VERSION,
        "screen": screen.name,
        "title": screen.title,
        "generated_at": iso(now),
        "elapsed_seconds": round(elapsed, 3),
        "level": level.label,
        "exit_code": exit_code(level),
        "counts": counts(snapshots),
        "sources": {s.source: snapshot_dict(s, pane, now) for pane, s in snapshots},
        "playbooks": list(screen.playbooks),
    }


_MARK = {"ok": "ok  ", "warning": "WARN", "unknown": "UNKN", "critical": "CRIT"}


def _line(item: dict[str, Any]) -> str:
    mark = _MARK.get(item.get("level", "ok"), "?")
    if "state" in item and "severity" in item:  # alarm
        return f"{mark} {item['region']} {item['name']} {item['state']} ({item['severity']}) {item['reason'][:80]}"
    if "rpo_seconds" in item:  # replication pair
        lag = item["latency_seconds"]
        lag_text = "no data" if lag is None else f"lag {lag:.0f}s / RPO {item['rpo_seconds']}s"
        return f"{mark} {item['id']}: {lag_text} {item['problem']}".rstrip()
    counts = f" {item['ready']}/{item['desired']}" if item.get("desired") is not None else ""
    scope = f"{item['scope']}/" if item.get("scope") and item.get("kind") != "endpoint" else ""
    problem = str(item.get("problem") or "")
    if problem == str(item["status"]):  # a pod's CrashLoopBackOff is its status and its problem: said once
        problem = ""
    if counts and problem.startswith(counts.strip()):  # "1/3 ready" says the counts already
        counts = ""
    return f"{mark} {item['kind']} {scope}{item['name']}: {item['status']}{counts} {problem}".rstrip()


def status_text(doc: dict[str, Any], *, all_items: bool = False) -> str:
    """A terse human summary: one header per source, then the items that are not ok."""
    out = [f"{doc['screen']}: {doc['level'].upper()} ({doc['generated_at']}, {doc['elapsed_seconds']:.2f}s)"]
    for name, src in doc["sources"].items():
        head = f"[{src['level'].upper():8}] {name}"
        if src["error"]:
            head += f" — {src['error']['kind']}: {src['error']['message']}"
        out.append(head)
        shown = [i for i in src["items"] if all_items or i.get("level") != "ok"]
        out.extend(f"    {_line(i)}" for i in shown)
        if len(shown) < len(src["items"]):
            out.append(f"    ({len(src['items']) - len(shown)} ok)")
    return "\n".join(out)
