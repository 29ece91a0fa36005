"""Judging an answer: expectations and outputs by JMESPath, and JSON-safe values.

Every executor turns its answer into plain JSON data first (datetimes as ISO text, bodies
read and capped), so outputs can be stored in the timeline, shown in a UI and read by
later templates the same way whether the run is live or resumed from the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from cockpit.content import templating
from cockpit.content.step_base import Expectation


class StepFailure(Exception):
    """The step ran and did not do what it should (an error answer, a failed expectation)."""

    def __init__(self, message: str, outputs: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.outputs = outputs or {}


class NotStarted(StepFailure):
    """The step's program never started (not installed, no such working directory): nothing
    was checked, so a check run reads it as unknown whatever the step's ``error_severity``
    says a failed answer means."""


#: Levels of a check run, least to worst (as ``cockpit status``: unknown outranks warning).
LEVELS = ("ok", "warning", "unknown", "critical")


def worst(levels: list[str]) -> str:
    return max(levels, key=LEVELS.index, default="ok")


class CheckFailed(StepFailure):
    """The call answered and an expectation did not hold: a finding, not a failure to read.

    ``severities`` are the failed expectations' own (None: the step's ``severity`` decides),
    so a check run can say warning or critical where any other failure is unknown.
    """

    def __init__(self, message: str, outputs: dict[str, Any], severities: list[str | None]) -> None:
        super().__init__(message, outputs)
        self.severities = severities

    def level(self, step_severity: str) -> str:
        return worst([s or step_severity for s in self.severities])


class TimedOut(StepFailure):
    """The step ran past its bound and was stopped (see :mod:`cockpit.engine.bounds`)."""

    def __init__(self, message: str, after: float, outputs: dict[str, Any] | None = None) -> None:
        super().__init__(message, outputs)
        self.after = after


class Unmet(StepFailure):
    """A wait step's condition does not hold and, under the read-only guard, the step does not wait."""


@dataclass
class StepResult:
    """A step that did its job: what later steps may read, and one line for people."""

    outputs: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (botocore answers carry datetimes, bytes and Decimals)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        # In UTC, so playbooks can compare timestamps as text whatever the host's timezone
        # (botocore hands back local-time datetimes).
        return (value.astimezone(timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def search(path: str, data: Any, ctx: dict[str, Any]) -> Any:
    """Evaluate a JMESPath (rendered first: it may contain templates) over ``data``."""
    rendered = templating.render_text(path, ctx) if templating.has_template(path) else path
    try:
        return jmespath.search(rendered, data)
    except JMESPathError as exc:
        raise StepFailure(f"JMESPath {rendered!r}: {str(exc).splitlines()[0]}") from None


def _compare(test: str, value: Any, operand: Any) -> bool:
    if test == "equals":
        return value == operand or (value is not None and str(value) == str(operand) and not isinstance(operand, bool))
    if test == "not_equals":
        return not _compare("equals", value, operand)
    if test == "in":
        return any(_compare("equals", value, item) for item in operand)
    if test == "exists":
        return (value is not None) == bool(operand)
    if test == "contains":
        return value is not None and operand in value
    if test == "matches":
        return value is not None and re.search(operand, str(value)) is not None
    try:
        left, right = float(value), float(operand)
    except (TypeError, ValueError):
        return False
    return left < right if test == "less_than" else left > right


def unmet_expectations(expect: list[Expectation], data: Any, ctx: dict[str, Any],
                       outputs: dict[str, Any] | None = None) -> list[tuple[Expectation, str]]:
    """(expectation, one line saying what was found) for each one that does not hold.

    A ``finding`` reads ``value`` (what its JMESPath found) and ``outputs`` (the step's)."""
    problems = []
    for exp in expect:
        test, operand = exp.test
        operand = templating.render_value(operand, ctx)
        value = search(exp.jmespath, data, ctx)
        try:
            ok = _compare(test, value, operand)
        except TypeError:
            ok = False
        if not ok:
            problems.append((exp, _finding(exp, test, operand, value, {**ctx, "outputs": outputs or {}})))
    return problems


def _finding(exp: Expectation, test: str, operand: Any, value: Any, ctx: dict[str, Any]) -> str:
    """The expectation's own ``finding`` rendered with ``value``; else "expected X, got Y"."""
    if exp.finding:
        try:
            return " ".join(templating.render_text(exp.finding, {**ctx, "value": value}).split())
        except (templating.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError):
            pass  # a finding that cannot render must not hide the failure: say it plainly
    shown = str(value) if len(str(value)) <= 80 else str(value)[:77] + "..."
    return f"expected {exp.jmespath} {test} {operand!r}, got {shown}"


def failed_expectations(expect: list[Expectation], data: Any, ctx: dict[str, Any]) -> list[str]:
    """One line per expectation that does not hold (empty: all hold)."""
    return [line for _, line in unmet_expectations(expect, data, ctx)]


def extract_outputs(outputs: dict[str, str], data: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {name: search(path, data, ctx) for name, path in outputs.items()}


def judge(expect: list[Expectation], outputs: dict[str, str], data: Any, ctx: dict[str, Any],
          implicit: dict[str, Any]) -> dict[str, Any]:
    """Outputs of a call (declared and implicit); StepFailure when an expectation fails."""
    values = {**implicit, **extract_outputs(outputs, data, ctx)}
    problems = unmet_expectations(expect, data, ctx, values)
    if problems:
        raise CheckFailed("; ".join(line for _, line in problems), values, [exp.severity for exp, _ in problems])
    return values
