"""What a condition says, in words a person reads: ``when``, a decision's options and its suggestion."""

from __future__ import annotations

from typing import Any

from cockpit.content import templating
from cockpit.content.steps import ChooseStep
from cockpit.engine.operator import OptionState

RENDER_ERRORS = (templating.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError)


def truth(expression: str, ctx: dict[str, Any]) -> tuple[bool | None, str]:
    """(the truth of ``expression``, or None when it cannot be evaluated; and why not)."""
    try:
        return bool(templating.evaluate(expression, ctx)), ""
    except RENDER_ERRORS as exc:
        return None, str(exc) or exc.__class__.__name__


def holds(expression: str, ctx: dict[str, Any]) -> bool | None:
    """The truth of ``expression``; None when it cannot be evaluated (a missing output...)."""
    return truth(expression, ctx)[0]


def suggestion(step: ChooseStep, ctx: dict[str, Any]) -> str | None:
    """The option whose condition alone holds (a condition that cannot be evaluated does not hold)."""
    holding = [o.id for o in step.options if o.condition and holds(o.condition, ctx)]
    return holding[0] if len(holding) == 1 else None


def one_line(template: str, ctx: dict[str, Any]) -> tuple[str, str]:
    """(``template`` rendered on one line, or "" and why it cannot be)."""
    try:
        return " ".join(templating.render_text(template, ctx).split()), ""
    except RENDER_ERRORS as exc:
        return "", str(exc) or exc.__class__.__name__


def option_states(step: ChooseStep, ctx: dict[str, Any]) -> list[OptionState]:
    """Each option as a person reads it: label, met / not met, and the evidence behind it.

    The condition decides "met"; the person reads the rendered ``evidence`` instead of the
    expression. An option without evidence whose condition cannot be evaluated says which
    value is missing, in the template error's words, never the expression.
    """
    states = []
    for option in step.options:
        label = one_line(option.label, ctx)[0] or option.label
        met = None
        why = ""
        if option.condition:
            held, why = truth(option.condition, ctx)
            met = "unknown" if held is None else "met" if held else "not met"
        evidence, error = one_line(option.evidence, ctx) if option.evidence else ("", "")
        if error:
            evidence = f"cannot be shown: {error}"
        elif not evidence and met == "unknown":
            evidence = f"cannot be judged: {why}"
        states.append(OptionState(option.id, label, option.goto, met, evidence))
    return states
