"""What the screen's response plans say about what is firing now.

The models are content (``content/response.py``); this module holds them against the
alarms a screen polled, at a given "now", and says why in words a responder can check:

* :func:`suggest_level` — the incident level to declare at, from ``responses.levels``: the
  most severe row whose condition holds (the first listed among equals), with the alarm
  that made it and how long it has been firing;
* :func:`offers` — the playbooks ``responses.plans`` offer for what is firing, best first
  (plans triggered by critical alarms before warnings, then the file's order), each with
  the live state of its decision criteria (met / not met / unknown, and why);
* :func:`offers_for_alarm` — the plans that name one alarm (its detail view), whatever its
  state, their criteria still judged on everything that fires.

An alarm counts as firing in state ALARM only; its age is how long it has been in that
state (CloudWatch's ``StateUpdatedTimestamp``), so "S3 unavailable > 30 minutes" is checked
against 30 minutes in ALARM, not against the alarm merely being in ALARM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cockpit.content.response import Condition, Criterion, LevelRule, Plan, PlaybookRef, Responses
from cockpit.sources.alarms import AlarmItem

Status = Literal["met", "not met", "unknown"]


def minutes(seconds: float) -> str:
    """``45 s``, ``31 min``, ``2 h 05 min``: ages as a responder says them."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    h, m = divmod(seconds // 60, 60)
    return f"{h} h {m:02d} min"


def firing(alarms: tuple[AlarmItem, ...] | list[AlarmItem]) -> list[AlarmItem]:
    """The alarms in ALARM, longest-firing first (unknown age last)."""
    hot = [a for a in alarms if a.state == "ALARM"]
    hot.sort(key=lambda a: (a.updated_at is None, a.updated_at.timestamp() if a.updated_at else 0.0))
    return hot


def _named(condition: Condition, alarms: list[AlarmItem], pattern: Condition | None = None) -> list[AlarmItem]:
    """Firing alarms whose name and severity fit ``condition`` (name pattern from ``pattern`` if it has none)."""
    names = condition if condition.alarms is not None or pattern is None else pattern
    return [a for a in alarms if names.names(a.name) and (condition.severity is None or a.severity == condition.severity)]


def _old_enough(condition: Condition, alarms: list[AlarmItem], now: datetime) -> list[AlarmItem]:
    return [a for a in alarms if (age := a.age(now)) is not None and age >= condition.firing_for]


def holds(condition: Condition, hot: list[AlarmItem], now: datetime) -> list[AlarmItem]:
    """The alarms that make ``condition`` hold (longest-firing first), or [] when it does not."""
    candidates = _named(condition, hot)
    if condition.firing_for > 0:
        candidates = _old_enough(condition, candidates, now)
    return candidates if len(candidates) >= condition.count else []


@dataclass(frozen=True)
class Suggestion:
    """The level the matrix calls for, the row that says so and the alarms behind it."""

    level: str
    rule: LevelRule
    because: tuple[AlarmItem, ...]  # the row's alarms, longest-firing first
    firing: int  # alarms in ALARM on the screen
    critical: int  # of which critical
    now: datetime

    @property
    def reason(self) -> str:
        """``P1 suggested: 5 alarms firing (3 critical), greenlang-s3-5xx-errors-critical for 31 min``."""
        lead = self.because[0]
        age = lead.age(self.now)
        what = f"{self.firing} alarm{'s' if self.firing != 1 else ''} firing ({self.critical} critical)"
        return f"{self.level} suggested: {what}, {lead.name}" + (f" for {minutes(age)}" if age is not None else "")


def suggest_level(responses: Responses, alarms: tuple[AlarmItem, ...] | list[AlarmItem],
                  now: datetime) -> Suggestion | None:
    """The most severe level whose row holds (the first listed among equals); None when none does."""
    hot = firing(alarms)
    best: tuple[LevelRule, list[AlarmItem]] | None = None
    for rule in responses.levels:
        because = holds(rule, hot, now)
        if because and (best is None or rule.level < best[0].level):
            best = (rule, because)
    if best is None:
        return None
    rule, because = best
    return Suggestion(rule.level, rule, tuple(because), len(hot), sum(a.severity == "critical" for a in hot), now)


@dataclass(frozen=True)
class Check:
    """One decision criterion judged on the live alarms."""

    criterion: Criterion
    status: Status
    detail: str
    #: How long in ALARM against how long is needed (``1 min of 30 min``, ``31 min ≥ 30 min``).
    against: str = ""

    @property
    def line(self) -> str:
        """``met: S3 API unavailable > 30 minutes (greenlang-s3-5xx-errors-critical in ALARM for 31 min, 30 min needed)``."""
        return f"{self.status}: {self.criterion.text} ({self.detail})"

    @property
    def short(self) -> str:
        """The line without the alarm's name, for a list at 80 columns: ``not met: … (1 min of 30 min)``."""
        return f"{self.status}: {self.criterion.text} ({self.against or self.detail})"


def check(criterion: Criterion, plan: Plan, hot: list[AlarmItem], now: datetime) -> Check:
    """Judge ``criterion`` (its alarm pattern, or the plan's) against what fires now."""
    named = _named(criterion, hot, plan)
    pattern = criterion.alarms if criterion.alarms is not None else plan.alarms
    if len(named) < criterion.count:
        what = f"alarms matching {pattern!r}" if pattern else "alarms"
        return Check(criterion, "not met", f"{len(named)} of {criterion.count} {what} in ALARM")
    need = minutes(criterion.firing_for)
    if criterion.firing_for <= 0:
        return Check(criterion, "met", f"{named[0].name} in ALARM")
    aged = [a for a in named if a.age(now) is not None]
    if len(aged) < criterion.count:
        return Check(criterion, "unknown", f"{named[0].name} in ALARM since an unknown time, {need} needed")
    old = _old_enough(criterion, aged, now)
    lead = aged[0]
    age = minutes(lead.age(now) or 0)
    if len(old) >= criterion.count:
        return Check(criterion, "met", f"{lead.name} in ALARM for {age}, {need} needed", f"{age} ≥ {need}")
    return Check(criterion, "not met", f"{lead.name} in ALARM for {age} of {need}", f"{age} of {need}")


@dataclass(frozen=True)
class Offer:
    """A playbook a plan offers now, why, and where its decision criteria stand."""

    playbook_id: str
    plan: Plan
    because: tuple[AlarmItem, ...]
    checks: tuple[Check, ...]

    @property
    def reason(self) -> str:
        names = ", ".join(a.name for a in self.because[:2]) + (f" +{len(self.because) - 2}" if len(self.because) > 2 else "")
        return f"{names}: {self.plan.reason}" if names else self.plan.reason


def _offer(ref: PlaybookRef, plan: Plan, because: list[AlarmItem], hot: list[AlarmItem], now: datetime) -> Offer:
    return Offer(ref.id, plan, tuple(because), tuple(check(c, plan, hot, now) for c in ref.criteria))


def offers(responses: Responses, alarms: tuple[AlarmItem, ...] | list[AlarmItem], now: datetime) -> list[Offer]:
    """The playbooks the plans offer for what is firing, best first, each once (its best plan).

    Best: plans whose alarms include a critical one before those of warnings only; then each
    plan's first playbook (the runbook's answer to that alarm family) before any plan's
    second, and so on; among equals, the order of the plans in the file.
    """
    hot = firing(alarms)
    ranked: list[tuple[int, int, int, Offer]] = []
    for p, plan in enumerate(responses.plans):
        because = holds(plan, hot, now)
        if not because:
            continue
        worst = 0 if any(a.severity == "critical" for a in because) else 1
        for r, ref in enumerate(plan.playbooks):
            ranked.append((worst, p, r, _offer(ref, plan, because, hot, now)))
    ranked.sort(key=lambda t: (t[0], t[2], t[1]))
    seen: set[str] = set()
    out = []
    for *_, offer in ranked:
        if offer.playbook_id not in seen:
            seen.add(offer.playbook_id)
            out.append(offer)
    return out


def offers_for_alarm(responses: Responses, alarm: AlarmItem, alarms: tuple[AlarmItem, ...] | list[AlarmItem],
                     now: datetime) -> list[Offer]:
    """The playbooks of the plans that name ``alarm`` (any state), in the file's order, each once."""
    hot = firing(alarms)
    out: list[Offer] = []
    seen: set[str] = set()
    for plan in responses.plans:
        if not plan.names(alarm.name) or (plan.severity is not None and alarm.severity != plan.severity):
            continue
        for ref in plan.playbooks:
            if ref.id not in seen:
                seen.add(ref.id)
                out.append(_offer(ref, plan, [alarm], hot, now))
    return out
