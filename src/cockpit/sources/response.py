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

* :func:`alerts_holding` — the rows of the alert response matrix (``responses.alerts``)
  that hold, tightest response time first: what the declare dialog and the picker say
  on-call owes (respond within 5 min, investigate immediately, with this playbook).

An alarm counts as firing in state ALARM only; its age is how long it has been in that
state (CloudWatch's ``StateUpdatedTimestamp``), so "S3 unavailable > 30 minutes" is checked
against 30 minutes in ALARM, not against the alarm merely being in ALARM. A metric row of the
screen (``metrics:``, ``sources/metrics.py``) counts as firing while it is over its warning or
critical threshold, with that severity; it has no firing time (a reading, not a state), so a
``firing_for`` never holds for it. Rows name either kind by their own pattern (``alarms:``,
``metrics:``), never by a name prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from collections.abc import Sequence

from cockpit.content.response import Alert, Condition, Criterion, LevelRule, Plan, PlaybookRef, Responses
from cockpit.sources.alarms import AlarmItem
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import Level

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


@dataclass(frozen=True)
class MetricFiring:
    """A metric row of the screen over a threshold, held against the matrix like an alarm."""

    name: str
    severity: str  # critical | warning: the threshold it crosses
    status: str  # the reading, as the row shows it (``75 min``)
    problem: str  # which threshold (``above 60 min``)
    state: str = "ALARM"
    updated_at: None = None
    type: str = "metric row"

    def age(self, now: datetime | None = None) -> None:
        return None

    @property
    def said(self) -> str:
        """``p2-replication-lag at 75 min (above 60 min)``."""
        return f"{self.name} at {self.status}" + (f" ({self.problem})" if self.problem else "")


Firing = AlarmItem | MetricFiring
Metrics = Sequence[ServiceItem]

_SEVERITY = {Level.CRITICAL: "critical", Level.WARNING: "warning"}


def metric_firing(metrics: Metrics) -> list[MetricFiring]:
    """The screen's metric rows over a threshold (``kind == "metric"``; other service rows are not the matrix's)."""
    return [MetricFiring(m.name, _SEVERITY[m.level], m.status, m.problem)
            for m in metrics if m.kind == "metric" and m.level in _SEVERITY]


def within(seconds: float) -> str:
    """A response time as the runbook writes it: ``5 min``, ``24 h``, ``1 h 30 min``."""
    if seconds >= 3600 and int(seconds) % 3600 == 0:
        return f"{int(seconds) // 3600} h"
    return minutes(seconds)


def firing(alarms: Sequence[AlarmItem], metrics: Metrics = ()) -> list[Firing]:
    """The alarms in ALARM, longest-firing first (unknown age last), then the metric rows over a threshold."""
    hot: list[Firing] = [a for a in alarms if a.state == "ALARM"]
    hot.sort(key=lambda a: (a.updated_at is None, a.updated_at.timestamp() if a.updated_at else 0.0))
    return hot + list(metric_firing(metrics))


def said(item: Firing, now: datetime) -> str:
    """``greenlang-s3-5xx-errors-critical for 31 min`` / ``p2-replication-lag at 75 min (above 60 min)``."""
    if isinstance(item, MetricFiring):
        return item.said
    age = item.age(now)
    return item.name + (f" for {minutes(age)}" if age is not None else "")


def _names(condition: Condition, item: Firing) -> bool:
    return condition.names_metric(item.name) if isinstance(item, MetricFiring) else condition.names(item.name)


def _named(condition: Condition, alarms: list[Firing], pattern: Condition | None = None) -> list[Firing]:
    """Firing rows whose name and severity fit ``condition`` (name patterns from ``pattern`` if it has none)."""
    own = condition.alarms is not None or condition.metrics is not None
    names = condition if own or pattern is None else pattern
    return [a for a in alarms if _names(names, a) and (condition.severity is None or a.severity == condition.severity)]


def _old_enough(condition: Condition, alarms: list[Firing], now: datetime) -> list[Firing]:
    return [a for a in alarms if (age := a.age(now)) is not None and age >= condition.firing_for]


def holds(condition: Condition, hot: list[Firing], now: datetime) -> list[Firing]:
    """The alarms that make ``condition`` hold (longest-firing first), or [] when it does not."""
    candidates = _named(condition, hot)
    if condition.firing_for > 0:
        candidates = _old_enough(condition, candidates, now)
    return candidates if len(candidates) >= condition.count else []


@dataclass(frozen=True)
class AlertHold:
    """A row of the alert response matrix that holds now, and the rows that make it hold."""

    alert: Alert
    because: tuple[Firing, ...]

    @property
    def respond(self) -> str:
        """``respond within 5 min: Investigate immediately``."""
        return f"respond within {within(self.alert.respond_within)}: {self.alert.action}"

    @property
    def line(self) -> str:
        """``Respond within 5 min: Investigate immediately (S3 5xx errors > 10/min)``."""
        return f"R{self.respond[1:]} ({self.alert.alert})"


def alerts_holding(responses: Responses, alarms: Sequence[AlarmItem], now: datetime,
                   metrics: Metrics = ()) -> list[AlertHold]:
    """The matrix rows that hold, tightest response time first (the file's order among equals)."""
    hot = firing(alarms, metrics)
    held = [AlertHold(alert, tuple(because)) for alert in responses.alerts if (because := holds(alert, hot, now))]
    return sorted(held, key=lambda h: h.alert.respond_within)


@dataclass(frozen=True)
class Suggestion:
    """The level the matrix calls for, the row that says so and what fires behind it, and
    the response the alert matrix owes for it (the tightest row that holds)."""

    level: str
    rule: LevelRule
    because: tuple[Firing, ...]  # the row's alarms (longest-firing first) or metric rows
    firing: int  # alarms in ALARM on the screen
    critical: int  # of which critical
    now: datetime
    alert: AlertHold | None = None

    @property
    def reason(self) -> str:
        """``P1 suggested: 5 alarms firing (3 critical), greenlang-s3-5xx-errors-critical for 31 min``."""
        what = f"{self.firing} alarm{'s' if self.firing != 1 else ''} firing ({self.critical} critical)"
        return f"{self.level} suggested: {what}, {said(self.because[0], self.now)}"

    @property
    def respond_within(self) -> float | None:
        """The response target in seconds the matrix sets for what fires (None: no row holds)."""
        return self.alert.alert.respond_within if self.alert is not None else None


def suggest_level(responses: Responses, alarms: Sequence[AlarmItem], now: datetime,
                  metrics: Metrics = ()) -> Suggestion | None:
    """The most severe level whose row holds (the first listed among equals); None when none does."""
    hot = firing(alarms, metrics)
    best: tuple[LevelRule, list[Firing]] | None = None
    for rule in responses.levels:
        because = holds(rule, hot, now)
        if because and (best is None or rule.level < best[0].level):
            best = (rule, because)
    if best is None:
        return None
    rule, because = best
    held = alerts_holding(responses, alarms, now, metrics)
    alarms_hot = [a for a in hot if isinstance(a, AlarmItem)]
    return Suggestion(rule.level, rule, tuple(because), len(alarms_hot),
                      sum(a.severity == "critical" for a in alarms_hot), now, held[0] if held else None)


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


def check(criterion: Criterion, plan: Plan, hot: list[Firing], now: datetime) -> Check:
    """Judge ``criterion`` (its alarm pattern, or the plan's) against what fires now."""
    named = _named(criterion, hot, plan)
    own = criterion.alarms is not None or criterion.metrics is not None
    pattern = (criterion.alarms or criterion.metrics) if own else (plan.alarms or plan.metrics)
    if len(named) < criterion.count:
        kind = "alarms" if (criterion if own else plan).metrics is None else "rows"
        what = f"{kind} matching {pattern!r}" if pattern else "alarms"
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
    because: tuple[Firing, ...]
    checks: tuple[Check, ...]

    @property
    def reason(self) -> str:
        names = ", ".join(a.name for a in self.because[:2]) + (f" +{len(self.because) - 2}" if len(self.because) > 2 else "")
        return f"{names}: {self.plan.reason}" if names else self.plan.reason


def _offer(ref: PlaybookRef, plan: Plan, because: list[Firing], hot: list[Firing], now: datetime) -> Offer:
    return Offer(ref.id, plan, tuple(because), tuple(check(c, plan, hot, now) for c in ref.criteria))


def alert_plan(alert: Alert) -> Plan:
    """An alert matrix row as the plan it amounts to: its playbook, its response as the reason."""
    reason = f"respond within {within(alert.respond_within)}: {alert.action} ({alert.alert}, {alert.severity})"
    return Plan.model_construct(alarms=alert.alarms, metrics=alert.metrics, severity=alert.severity,
                                count=alert.count, firing_for=alert.firing_for,
                                playbooks=[PlaybookRef(id=alert.playbook)], reason=reason)


def offers(responses: Responses, alarms: Sequence[AlarmItem], now: datetime, metrics: Metrics = ()) -> list[Offer]:
    """The playbooks the plans and the alert matrix offer for what is firing, best first, each
    once (its best plan).

    Best: plans whose alarms include a critical one before those of warnings only; then each
    plan's first playbook (the runbook's answer to that alarm family) before any plan's
    second, and so on; among equals, the order of the plans in the file, then the alert
    matrix's rows (each a plan of one playbook, its response time and action the reason).
    """
    hot = firing(alarms, metrics)
    ranked: list[tuple[int, int, int, Offer]] = []
    plans = list(responses.plans) + [alert_plan(a) for a in responses.alerts]
    for p, plan in enumerate(plans):
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


def offers_for_alarm(responses: Responses, alarm: AlarmItem, alarms: Sequence[AlarmItem],
                     now: datetime, metrics: Metrics = ()) -> list[Offer]:
    """The playbooks of the plans (then the alert matrix's rows) that name ``alarm`` (any
    state), in the file's order, each once."""
    hot = firing(alarms, metrics)
    out: list[Offer] = []
    seen: set[str] = set()
    for plan in list(responses.plans) + [alert_plan(a) for a in responses.alerts]:
        if not plan.names(alarm.name) or (plan.severity is not None and alarm.severity != plan.severity):
            continue
        for ref in plan.playbooks:
            if ref.id not in seen:
                seen.add(ref.id)
                out.append(_offer(ref, plan, [alarm], hot, now))
    return out
