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
    """What must be firing: ``count`` alarms in ALARM, each for at least ``firing_for``,
    whose name matches ``alarms`` (a regex, searched; none: any alarm of the screen) and
    whose severity (the screen's ``alarms.severity`` rules) is ``severity`` (none: any)."""

    alarms: str | None = Field(None, description="Regular expression searched in the alarm name.")
    severity: AlarmSeverity | None = None
    count: int = Field(1, ge=1, le=10_000, description="At least this many matching alarms.")
    firing_for: Duration = Field(0.0, ge=0, description="Each in ALARM at least this long, e.g. 30m.")

    @field_validator("alarms")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {value!r}: {exc}") from None
        return value

    def names(self, alarm_name: str) -> bool:
        return self.alarms is None or re.search(self.alarms, alarm_name) is not None


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


class Responses(_Strict):
    """A screen's response matrix: levels to declare at, playbooks to run."""

    levels: list[LevelRule] = Field(default_factory=list, max_length=200)
    plans: list[Plan] = Field(default_factory=list, max_length=200)

    def playbook_refs(self) -> list[tuple[Loc, str]]:
        """Every playbook id named, with its place in the file (relative to ``responses``)."""
        return [(("plans", p, "playbooks", r, "id"), ref.id)
                for p, plan in enumerate(self.plans) for r, ref in enumerate(plan.playbooks)]


_ID_LINE = re.compile(r"^id:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def playbook_ids(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> set[str]:
    """The ids of the playbook files there are (shipped and ``extra_dirs``), cheaply.

    Only each file's top-level ``id:`` line is read: validating every playbook costs
    0.3-0.7 s, which a screen loaded before the first frame must not pay. A file whose id is
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
        try:
            value = yaml.safe_load(match.group(1))
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
