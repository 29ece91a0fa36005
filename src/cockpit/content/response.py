"""Response plans: a screen's ``responses:`` section — from what fires to what to do.

The runbooks pair their alerts with a severity and an action (seed 000's "Alert Response
Matrix" and "Incident Classification", seed 003's failover decision criteria, seed 001's
severity levels, seed 004's alarm table). A screen carries that pairing as data:

* ``levels``: which incident level (P0-P4) what is firing calls for. Each row is a
  :class:`Condition` (alarm name pattern, alarm severity, how many, how long in ALARM) and a
  level; the declare dialog suggests the most severe level whose condition holds, and says
  which row and which alarm made it.
* ``plans``: which playbooks to run for what is firing, best first, with the reason, and
  the playbook's decision criteria that can be checked live (seed 003's "S3 API
  unavailable > 30 minutes" is an alarm in ALARM for 30 minutes, not merely in ALARM).

Only the models live here (content never looks at live data); ``sources/response.py``
evaluates them against the alarms a screen polled. That every playbook named here exists is
checked when the screen is loaded (:func:`check_playbooks`), at the line that names it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cockpit.content.durations import Duration
from cockpit.content.errors import Problem
from cockpit.content.paths import content_files
from cockpit.content.yamlfile import Loc, line_for

AlarmSeverity = Literal["critical", "warning"]
Level = Literal["P0", "P1", "P2", "P3", "P4"]
Text = Annotated[str, Field(min_length=1, max_length=500)]
PlaybookId = Annotated[str, Field(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """What must be firing: ``count`` rows, each firing for at least ``firing_for``, whose
    severity is ``severity`` (none: any). A row is an alarm in ALARM whose name matches
    ``alarms`` (a regex, searched), or a ``metrics:`` row of the screen over its warning or
    critical threshold whose name matches ``metrics`` (seed 000's "Storage > 10 TB" is a
    reading, not an alarm). With neither pattern, any alarm of the screen (no metric row).
    An alarm's severity is the screen's ``alarms.severity`` rules'; a metric row's is the
    threshold it crosses. A metric row has no firing time, so ``firing_for`` never holds for one."""

    alarms: str | None = Field(None, description="Regular expression searched in the alarm name.")
    metrics: str | None = Field(None, description="Regular expression searched in the screen's metric row names.")
    severity: AlarmSeverity | None = None
    count: int = Field(1, ge=1, le=10_000, description="At least this many matching alarms.")
    firing_for: Duration = Field(0.0, ge=0, description="Each in ALARM at least this long, e.g. 30m.")

    @field_validator("alarms", "metrics")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {value!r}: {exc}") from None
        return value

    def names(self, alarm_name: str) -> bool:
        """Whether an alarm of this name is one of the condition's (any alarm with no pattern at all)."""
        if self.alarms is None:
            return self.metrics is None
        return re.search(self.alarms, alarm_name) is not None

    def names_metric(self, row_name: str) -> bool:
        """Whether the screen's metric row of this name is one of the condition's."""
        return self.metrics is not None and re.search(self.metrics, row_name) is not None


class LevelRule(Condition):
    """One row of the matrix: when the condition holds, declare at ``level``."""

    level: Level
    note: Text = Field(description="Where the row comes from (runbook, section), shown in the dialog.")


class Criterion(Condition):
    """A playbook's decision criterion that alarms can answer; ``alarms`` defaults to the plan's."""

    text: Text = Field(description="The criterion as the runbook words it.")
    source: Text | None = None


class PlaybookRef(_Strict):
    """A playbook of a plan, with the criteria of its decision that can be checked live."""

    id: PlaybookId
    criteria: list[Criterion] = Field(default_factory=list, max_length=20)


class Plan(Condition):
    """When the condition holds, offer ``playbooks`` (in this order), saying ``reason``."""

    playbooks: list[PlaybookRef] = Field(min_length=1, max_length=20)
    reason: Text = Field(description="Why these playbooks for these alarms (runbook, section).")

    @field_validator("playbooks", mode="before")
    @classmethod
    def _bare_ids(cls, value: Any) -> Any:
        """``- dr-failover`` is short for ``- {id: dr-failover}``."""
        if isinstance(value, list):
            return [{"id": v} if isinstance(v, str) else v for v in value]
        return value


class Alert(Condition):
    """One row of a runbook's alert response matrix: the alert as the runbook words it, its
    severity, the time within which on-call must respond, the action, and the playbook that
    does it. ``severity`` is the row's and is also matched: the alarm (or metric row) must be
    that severe. When an incident is declared while the row holds, ``respond_within`` is its
    response target (the tightest of the rows that hold)."""

    alert: Text = Field(description="The alert as the runbook words it, e.g. 'S3 5xx errors > 10/min'.")
    severity: AlarmSeverity  # type: ignore[assignment]  # required here: the matrix gives every row one
    respond_within: Duration = Field(gt=0, le=30 * 86400, description="The runbook's response time, e.g. 5m, 24h.")
    action: Text = Field(description="The on-call action, as the runbook words it.")
    playbook: PlaybookId = Field(description="The playbook that does the action.")
    note: Text | None = Field(None, description="Where the row comes from (runbook, section).")


class Responses(_Strict):
    """A screen's response matrix: alerts and their response times, levels to declare at,
    playbooks to run."""

    alerts: list[Alert] = Field(default_factory=list, max_length=200)
    levels: list[LevelRule] = Field(default_factory=list, max_length=200)
    plans: list[Plan] = Field(default_factory=list, max_length=200)

    def playbook_refs(self) -> list[tuple[Loc, str]]:
        """Every playbook id named, with its place in the file (relative to ``responses``)."""
        return ([(("alerts", a, "playbook"), alert.playbook) for a, alert in enumerate(self.alerts)]
                + [(("plans", p, "playbooks", r, "id"), ref.id)
                   for p, plan in enumerate(self.plans) for r, ref in enumerate(plan.playbooks)])


_SCALAR_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID_LINE = re.compile(r"^id:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def playbook_ids(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> set[str]:
    """The ids of the playbook files there are (shipped and ``extra_dirs``), cheaply.

    Only each file's top-level ``id:`` line is read: validating every playbook is
    slow (docs/performance.md), which a screen loaded before the first frame must not pay. A file whose id is
    here but which does not validate is reported when it is opened (and by
    ``cockpit playbook validate``).
    """
    ids: set[str] = set()
    for path in content_files("playbooks", extra_dirs):
        try:
            if path.stat().st_size > 128 * 1024:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        match = _ID_LINE.search(text)
        if match is None:
            continue
        try:  # libyaml when PyYAML has it: the same answer for one scalar, a fraction of the time
            value = yaml.load(match.group(1), Loader=_SCALAR_LOADER)
        except yaml.YAMLError:
            continue
        if isinstance(value, str):
            ids.add(value)
    return ids


def check_playbooks(responses: Responses, known: set[str], path: Path | str, lines: dict[Loc, int]) -> list[Problem]:
    """A problem, at its line, for every playbook the plans name that no file provides."""
    problems = []
    for loc, playbook_id in responses.playbook_refs():
        if playbook_id not in known:
            full = ("responses", *loc)
            listing = ", ".join(sorted(known)) or "none"
            problems.append(Problem(path, line_for(full, lines),
                                    f"responses.{'.'.join(map(str, loc[:-1]))}: no playbook named "
                                    f"{playbook_id!r} (available: {listing})"))
    return problems


def check_metric_rows(responses: Responses, names: list[str], path: Path | str, lines: dict[Loc, int]) -> list[Problem]:
    """A problem, at its line, for every ``metrics:`` pattern that names none of the screen's
    metric rows: such a row would never hold, silently (a renamed check, a typo)."""
    problems = []
    for section in ("alerts", "levels", "plans"):
        for index, condition in enumerate(getattr(responses, section)):
            if condition.metrics is not None and not any(condition.names_metric(n) for n in names):
                loc = ("responses", section, index, "metrics")
                problems.append(Problem(path, line_for(loc, lines),
                                        f"responses.{section}.{index}.metrics: {condition.metrics!r} names none of "
                                        f"the screen's metrics rows ({', '.join(names) or 'none'})"))
    return problems
