"""Check runs: a playbook that only reads, run from cron without an incident (docs/playbooks.md).

A playbook is a check when every step's risk is ``read`` (the validated risk, which can never
be lower than the call implies), so ``cockpit run morning-storage-check`` may run with nobody
at the keyboard and no incident: nothing it does can change the estate. Its result is what
a monitoring runner reads from ``cockpit status``: each check ok, warning, critical or
unknown, the worst as the exit code (0, 1, 2, 3).

:class:`CheckReport` listens to the engine's events and keeps each step's last outcome; a
failed step's level comes from the engine (``StepFinished.level``): the severity of the
expectation that did not hold, or unknown when the call itself failed (the check could not be
read). A step marked ``report: true`` is what the procedure produces (the weekly report
filled in, a forecast): its output is printed under the checks, so cron mails the report
itself, not only "ok". No I/O here; ``cockpit run`` prints the text or the JSON document.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cockpit.content.playbook import Playbook

from cockpit.content.step_base import Risk
from cockpit.engine.events import EngineEvent, StepFinished
from cockpit.engine.results import LEVELS, worst
from cockpit.timeline.redact import redact

#: Exit code of each level: the monitoring-plugin convention of ``cockpit status``.
EXIT_CODES = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
#: Version of the ``--json`` document (fields are only ever added within a version).
VERSION = 1


def changing_steps(playbook: Playbook) -> list[str]:
    """Ids of the steps that may change something (risk above read); empty: the playbook is a check."""
    return [s.id for s in playbook.steps if s.risk is not Risk.read]


@dataclass
class Check:
    """One step's outcome as a check: its level and what was found."""

    step_id: str
    title: str
    state: str = "pending"  # succeeded | failed | skipped | pending (the run stopped before it)
    level: str = "skipped"  # ok | warning | unknown | critical | skipped (not a check this time)
    finding: str = ""


class CheckReport:
    """An engine listener (``listeners=[report]``) that turns step outcomes into checks."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.checks = {s.id: Check(s.id, s.title) for s in playbook.steps}
        self.started = time.perf_counter()
        self.stopped: str = ""  # why the run stopped early (a person's answer was needed...)
        #: What the ``report: true`` steps produced, by step id (redacted: a check run prints it).
        self.reports: dict[str, str] = {}
        self._report_steps = {s.id for s in playbook.steps if s.report}

    def __call__(self, event: EngineEvent) -> None:
        if not isinstance(event, StepFinished) or event.step_id not in self.checks:
            return
        check = self.checks[event.step_id]
        check.state = event.state
        if event.state == "succeeded":
            check.level, check.finding = "ok", event.summary.removeprefix("succeeded: ")
            if event.step_id in self._report_steps:
                self.reports[event.step_id] = report_text(event.outputs)
        elif event.state == "skipped":
            check.level, check.finding = "skipped", event.summary
        else:  # failed, cancelled, unknown: no level from the engine means it could not be judged
            check.level = event.level or "unknown"
            check.finding = event.error or event.summary

    def retitle(self, titles: dict[str, str]) -> None:
        """Each check's title as the run rendered it: a title is a template
        (``{{ params.db_instance }} available``) that only the engine can fill."""
        for step_id, title in titles.items():
            if step_id in self.checks:
                self.checks[step_id].title = title

    def stop(self, step_id: str, why: str) -> None:
        """The run stopped at ``step_id`` (it needs a person): that check and those after it
        were not made, so they are unknown, never taken for ok."""
        self.stopped = why
        if step_id in self.checks:
            check = self.checks[step_id]
            check.state, check.level, check.finding = "failed", "unknown", why
        for check in self.checks.values():
            if check.state == "pending":
                check.level, check.finding = "unknown", f"not checked: the run stopped at {step_id or 'the start'}"

    def document(self) -> dict[str, Any]:
        """The ``cockpit run ID --json`` document of a check run (docs/playbooks.md, Check runs)."""
        checks = list(self.checks.values())
        counted = [c for c in checks if c.level in LEVELS]
        level = worst([c.level for c in counted])
        return {
            "version": VERSION,
            "playbook": self.playbook.id,
            "title": self.playbook.title,
            "generated_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "elapsed_seconds": round(time.perf_counter() - self.started, 3),
            "level": level,
            "exit_code": EXIT_CODES[level],
            "counts": {name: sum(1 for c in counted if c.level == name) for name in LEVELS},
            "stopped": self.stopped or None,
            "checks": [{"step": c.step_id, "title": c.title, "state": c.state, "level": c.level,
                        "finding": c.finding} for c in checks],
            "reports": [{"step": step_id, "title": self.checks[step_id].title, "text": body}
                        for step_id, body in self.reports.items()],
        }


def report_text(outputs: dict[str, Any]) -> str:
    """What a report step produced: a program's standard output, else its outputs as JSON.
    Redacted as everything the timeline keeps is: a check run prints it to cron's mail."""
    body = outputs.get("stdout")
    if not isinstance(body, str):
        body = json.dumps(outputs, indent=2, default=str, sort_keys=True)
    return redact(body.rstrip("\n"))


def text(doc: dict[str, Any]) -> str:
    """One screen: the verdict, then one line per check, worst first (skipped ones last).

    Lines are never cut: what a check found is what cron mails."""
    counts = doc["counts"]
    head = (f"{doc['playbook']}: {doc['level'].upper()} ({counts['critical']} critical, {counts['warning']} warning, "
            f"{counts['unknown']} unknown, {counts['ok']} ok) in {doc['elapsed_seconds']:.1f}s")
    order = {name: i for i, name in enumerate(reversed(LEVELS))}
    rows = sorted(doc["checks"], key=lambda c: order.get(c["level"], len(order)))
    lines = [head]
    for c in rows:
        word = c["level"].upper() if c["level"] not in ("ok", "skipped") else c["level"]
        finding = " ".join(str(c["finding"]).split())
        lines.append(f"  {word:<8} {c['title']}" + (f": {finding}" if finding and c["level"] != "ok" else ""))
    if doc.get("stopped"):
        lines.append(f"stopped: {doc['stopped']}")
    for report in doc.get("reports") or ():
        lines += ["", f"── {report['title']} ──", report["text"]]
    return "\n".join(lines)
