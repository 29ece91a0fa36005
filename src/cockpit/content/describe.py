"""The exact call a step makes, as text a responder can read and reproduce by hand.

``cockpit playbook show``, dry runs and the guided screen print the same lines: the AWS call
with its equivalent ``aws`` CLI command, the ``kubectl`` command, the HTTP request, the argv.
Values are rendered with what is known (parameters); what is not known yet (an earlier
step's output) shows as ``<steps.find_hc.outputs.id>``. What each kind says is its own
(``content/steps/``); this module adds what every step says (when, confirm, on failure).
"""

from __future__ import annotations

from typing import Any

from cockpit.content import steps as kinds, templating
from cockpit.content.durations import format_duration
from cockpit.content.playbook import Playbook
from cockpit.content.step_base import StepBase


def describe_step(step: StepBase, ctx: dict[str, Any], responder: bool = False) -> list[str]:
    """Lines saying exactly what ``step`` does, rendered with ``ctx`` (see templating.preview_context).

    ``responder``: for the person running the step (the guided screen), a decision's options
    show their evidence as it reads now, never the template condition an author wrote
    (``cockpit playbook show``, for authors, shows the condition).
    """
    render = templating.preview_value
    lines: list[str] = []
    if step.when:
        lines.append(f"only when: {step.when}")
    lines += kinds.of(step).describe(step, ctx, responder)
    if step.confirm:
        lines.append(f"confirm by typing: {render(step.confirm, ctx)}")
    if step.on_failure != "abort":
        lines.append(f"on failure: {step.on_failure}")
    return lines


def render_playbook(playbook: Playbook, assignments: tuple[str, ...] | list[str] = (), screen: Any = None) -> str:
    """The whole playbook as text: header, targets, parameters and every step's exact call.

    Parameters take the given ``NAME=VALUE`` assignments, else their defaults (from the screen
    when one is given); a parameter with neither previews as ``<params.NAME>``.
    """
    from cockpit.content.params import ParameterError, default_of, parse_assignments, shown_value

    given = parse_assignments(list(assignments))
    problems = [f"unknown parameter {n!r} for {playbook.id}" for n in given if n not in playbook.parameters]
    values: dict[str, Any] = {}
    for name, param in playbook.parameters.items():
        try:
            value = param.coerce(given[name]) if name in given else default_of(param, screen)
        except ValueError as exc:
            problems.append(f"parameter {name}: {exc}")
            continue
        if value is not None:
            values[name] = shown_value(value, param.secret)
    if problems:
        raise ParameterError(problems)
    ctx = templating.preview_context(values)
    out = [f"{playbook.id}: {playbook.title}"]
    if playbook.description:
        out += [f"  {line}" for line in playbook.description.strip().splitlines()]
    if playbook.tags:
        out.append(f"tags: {', '.join(playbook.tags)}")
    applies = playbook.applies_to
    if applies.severities or applies.screens:
        out.append(f"applies to: {', '.join(applies.severities) or 'any severity'}"
                   f" on {', '.join(applies.screens) or 'any screen'}")
    targets = playbook.targets
    if targets.rto or targets.rpo or targets.phases:
        bits = [f"RTO {format_duration(targets.rto)}" if targets.rto else "",
                f"RPO {format_duration(targets.rpo)}" if targets.rpo else ""]
        bits += [f"{p.id} {format_duration(p.budget)}" if p.budget else p.id for p in targets.phases]
        out.append("targets: " + ", ".join(b for b in bits if b))
    if playbook.parameters:
        out.append("parameters:")
        for name, param in playbook.parameters.items():
            shown = values.get(name, "(required)" if param.required else "(unset)")
            out.append(f"  {name} = {shown}  [{param.type}]" + (f"  {param.description.strip()}" if param.description else ""))
    out.append("steps:")
    for number, step in enumerate(playbook.steps, 1):
        phase = f"  ({step.phase})" if step.phase else ""
        risk = step.risk.value if step.risk else "read"
        out.append(f"{number:>3}. {step.id}  [{step.kind}, {risk}]  {templating.preview_value(step.title, ctx)}{phase}")
        out += [f"       {line}" for line in describe_step(step, ctx)]
    return "\n".join(out)
