"""Checks that need the whole playbook, each reported at the line of the offending value.

pydantic validates each field on its own; these checks relate fields to each other: step ids
are unique, every ``goto`` names a step further down (a playbook only runs forward, so it can
never loop forever: to repeat something, use a ``wait`` step), templates parse and name only
parameters that exist and steps that run earlier, AWS operations and their parameter names
exist in botocore's service model, and each kind's own checks hold (``StepKind.problems`` in
``content/steps/``: a shell step's templates fill no element a program reads as code, a
``created_by`` names the step that created the resource, a decision's option ids are unique).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cockpit.content import steps as kinds, templating, urls
from cockpit.content.errors import Problem, did_you_mean
from cockpit.content.playbook import OBJECTIVES, Playbook
from cockpit.content.regions import region_problem
from cockpit.content.step_base import END, AwsCall, HttpCall, StepBase
from cockpit.content.yamlfile import Loc, line_for

#: Step keys whose strings are names, not templates.
_PLAIN_KEYS = {"id", "kind", "phase", "on_failure", "service", "operation", "action", "resource", "method",
               "risk", "outputs", "expect", "options", "check", "when", "until", "timeout", "interval",
               "retries", "retry_delay", "presign", "expires_in", "status", "exit_codes", "severity",
               "error_severity", "created_by"}
_EXPRESSION_KEYS = {"when", "until"}


class _Checker:
    def __init__(self, playbook: Playbook, data: dict[str, Any], lines: dict[Loc, int], path: Path | str):
        self.pb, self.data, self.lines, self.path = playbook, data, lines, path
        self.problems: list[Problem] = []
        self.index = {step.id: i for i, step in reversed(list(enumerate(playbook.steps)))}

    def report(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.path, line_for(loc, self.lines), message))

    def run(self) -> list[Problem]:
        self.check_ids()
        self.check_parameters()
        self.check_measures()
        for i, step in enumerate(self.pb.steps):
            loc: Loc = ("steps", i)
            kind = kinds.of(step)
            self.check_phase(step, loc)
            self.check_jumps(i, step, loc)
            self.check_templates(i, step, loc)
            for where, call in kind.calls(step):
                self.check_call(call, loc + where)
            earlier: dict[str, StepBase] = {}
            for before in self.pb.steps[:i]:
                earlier.setdefault(before.id, before)
            for where, message in kind.problems(step, earlier):
                self.report(loc + where, message)
        return sorted(self.problems, key=lambda p: p.line or 0)

    # -- structure -------------------------------------------------------------------------

    def check_ids(self) -> None:
        seen: dict[str, int] = {}
        for i, step in enumerate(self.pb.steps):
            if step.id in seen:
                self.report(("steps", i, "id"), f"duplicate step id {step.id!r} (first used by step {seen[step.id] + 1})")
            seen.setdefault(step.id, i)
        phase_ids: set[str] = set()
        for j, phase in enumerate(self.pb.targets.phases):
            if phase.id in phase_ids:
                self.report(("targets", "phases", j, "id"), f"duplicate phase id {phase.id!r}")
            phase_ids.add(phase.id)

    def check_phase(self, step: StepBase, loc: Loc) -> None:
        phases = [p.id for p in self.pb.targets.phases]
        if step.phase is not None and step.phase not in phases:
            where = did_you_mean(step.phase, phases) if phases else " (targets.phases declares none)"
            self.report(loc + ("phase",), f"unknown phase {step.phase!r}{where}")

    def check_jumps(self, i: int, step: StepBase, loc: Loc) -> None:
        jumps: list[tuple[Loc, str]] = []
        if step.on_failure_goto is not None:
            jumps.append((loc + ("on_failure",), step.on_failure_goto))
        jumps += [(loc + where, target) for where, target in kinds.of(step).jumps(step)]
        for where, target in jumps:
            if target == END:
                continue
            if target not in self.index:
                self.report(where, f"goto {target!r}: no such step{did_you_mean(target, list(self.index))}")
            elif self.index[target] <= i:
                self.report(where, f"goto {target!r} jumps back to step {self.index[target] + 1}: a playbook only "
                            "runs forward, so it can never loop (to repeat a check, use a wait step)")

    def check_parameters(self) -> None:
        for name, param in self.pb.parameters.items():
            if param.default_from is None:
                continue
            loc = ("parameters", name, "default_from")
            tree, error = templating.checked(param.default_from, expression=True)
            if tree is None:
                self.report(loc, f"default_from: {error}")
                continue
            roots = templating.free_names(tree)
            if roots - {"screen"}:
                self.report(loc, f"default_from may only read `screen`, not {', '.join(sorted(roots - {'screen'}))}")

    def check_measures(self) -> None:
        """A measure names a step that exists and an output it offers; rto and rpo take their
        target from ``targets`` (and need one there: a figure with nothing to compare is noise)."""
        for name, measure in self.pb.measures.items():
            loc: Loc = ("measures", name)
            step_id = measure.step_id
            where = loc + ("until" if measure.until is not None else "value",)
            if step_id not in self.index:
                self.report(where, f"measures.{name}: unknown step {step_id!r}{did_you_mean(step_id, list(self.index))}")
                continue
            if measure.output is not None:
                offered = list(kinds.outputs_of(self.pb.steps[self.index[step_id]]))
                if measure.output not in offered:
                    self.report(where, f"measures.{name}: step {step_id!r} has no output {measure.output!r}"
                                f"{did_you_mean(measure.output, offered)}")
            if name in OBJECTIVES:
                if measure.target is not None:
                    self.report(loc + ("target",), f"measures.{name}: the target is targets.{name}, not set here")
                elif getattr(self.pb.targets, name) is None:
                    self.report(loc, f"measures.{name}: targets.{name} is not set, so there is nothing to compare with")

    # -- templates -------------------------------------------------------------------------

    def check_templates(self, i: int, step: StepBase, loc: Loc) -> None:
        raw = self.data["steps"][i]
        for where, source, expression, extra in _template_values(raw, loc):
            field = ".".join(str(p) for p in where)
            tree, error = templating.checked(source, expression)
            if tree is None:
                self.report(where, f"{field}: template error: {error}")
                continue
            messages = {self.check_reference(i, chain, extra) for chain in templating.references(tree)}
            messages |= {f"unknown {what}" for what in templating.unknown_filters(tree)}
            for message in sorted(m for m in messages if m):
                self.report(where, f"{field}: {message}")

    def check_reference(self, i: int, chain: tuple[str, ...], extra: set[str]) -> str | None:
        root = chain[0]
        if root in templating.ENV.globals or root in extra:
            return None
        if root not in templating.CONTEXT_NAMES:
            names = ", ".join((*templating.CONTEXT_NAMES, *sorted(extra)))
            hint = " (environment variables are not available to templates)" if root == "env" else ""
            return f"unknown name {root!r}: templates see {names}{hint}"
        if root == "params" and len(chain) > 1 and chain[1] not in self.pb.parameters:
            return f"unknown parameter {chain[1]!r}{did_you_mean(chain[1], list(self.pb.parameters))}"
        if root == "incident" and len(chain) > 1 and chain[1] not in templating.INCIDENT_FIELDS:
            return f"incident has no field {chain[1]!r}{did_you_mean(chain[1], list(templating.INCIDENT_FIELDS))}"
        if root == "steps" and len(chain) > 1:
            target = chain[1]
            if target not in self.index:
                return f"unknown step {target!r}{did_you_mean(target, list(self.index))}"
            if self.index[target] >= i:
                return f"step {target!r} does not run before this step, so it has no outputs yet"
            if len(chain) > 2 and chain[2] not in templating.STEP_FIELDS:
                return f"steps.{target} has no {chain[2]!r} (use steps.{target}.outputs.NAME or .status)"
            if len(chain) > 3 and chain[2] == "outputs":
                offered = list(kinds.outputs_of(self.pb.steps[self.index[target]]))
                if chain[3] not in offered:
                    return f"step {target!r} has no output {chain[3]!r}{did_you_mean(chain[3], offered)}"
        return None

    # -- calls -----------------------------------------------------------------------------

    def check_call(self, call: AwsCall | HttpCall | Any, loc: Loc) -> None:
        """An AWS operation and its parameters exist in botocore's model; a URL is one."""
        if isinstance(call, AwsCall):
            self.check_aws(call, loc)
        elif isinstance(call, HttpCall):
            message = urls.problem(call.url)
            if message:
                self.report(loc + ("url",), f"url: {message}")

    def check_aws(self, call: AwsCall, loc: Loc) -> None:
        if call.region is not None and not templating.has_template(call.region):
            problem = region_problem(call.region)
            if problem:
                self.report(loc + ("region",), f"region: {problem}")
        model = _service_model(call.service)
        if model is None:
            self.report(loc + ("service",), f"unknown AWS service {call.service!r}"
                        f"{did_you_mean(call.service, list(_service_names()))}")
            return
        if call.operation not in model.operation_names:
            self.report(loc + ("operation",), f"{call.service} has no operation {call.operation!r}"
                        f"{did_you_mean(call.operation, list(model.operation_names))}")
            return
        shape = model.operation_model(call.operation).input_shape
        for where, message in _check_shape(shape, call.params, loc + ("params",), top=True):
            self.report(where, message)


def _template_values(value: Any, loc: Loc, key: Any = None, extra: frozenset[str] = frozenset()
                     ) -> Iterator[tuple[Loc, str, bool, set[str]]]:
    """(loc, source, is_expression, extra names) for every templated string of one step."""
    if isinstance(value, dict):
        is_step = len(loc) == 2 or key == "check"
        for k, v in value.items():
            child = loc + (k,)
            if k in _EXPRESSION_KEYS and isinstance(v, str):
                names = {"result"} if k == "until" else set()
                yield child, v, True, names
            elif is_step and k == "options" and isinstance(v, list):
                for j, option in enumerate(v):
                    if isinstance(option, dict):
                        if isinstance(option.get("condition"), str):
                            yield child + (j, "condition"), option["condition"], True, set()
                        if isinstance(option.get("label"), str):
                            yield child + (j, "label"), option["label"], False, set()
                        if isinstance(option.get("evidence"), str):
                            yield child + (j, "evidence"), option["evidence"], False, set()
            elif is_step and k == "expect" and isinstance(v, list):
                for j, exp in enumerate(v):
                    if isinstance(exp, dict):
                        for test, operand in exp.items():
                            if test == "finding" and isinstance(operand, str):  # reads the value it judged
                                yield child + (j, test), operand, False, {*extra, "value", "outputs"}
                            elif test not in ("matches", "severity"):
                                yield from _template_values(operand, child + (j, test), test, extra)
            elif is_step and k == "outputs" and isinstance(v, dict):
                yield from _template_values(v, child, k, extra)
            elif is_step and k == "check":
                yield from _template_values(v, child, "check", extra)
            elif not (is_step and k in _PLAIN_KEYS):
                yield from _template_values(v, child, k, extra)
    elif isinstance(value, list):
        for j, item in enumerate(value):
            yield from _template_values(item, loc + (j,), key, extra)
    elif isinstance(value, str) and templating.has_template(value):
        yield loc, value, False, set(extra)


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    import botocore.session  # imported here: only validation needs botocore's models

    return botocore.session.get_session()


@functools.lru_cache(maxsize=1)
def _service_names() -> tuple[str, ...]:
    return tuple(_session().get_available_services())


@functools.lru_cache(maxsize=64)
def _service_model(service: str) -> Any:
    if service not in _service_names():
        return None
    return _session().get_service_model(service)


def _check_shape(shape: Any, value: Any, loc: Loc, top: bool = False) -> Iterator[tuple[Loc, str]]:
    """Unknown and (at the top) missing parameter names, following structures and lists."""
    if shape is None:
        if isinstance(value, dict) and value:
            yield loc, "this operation takes no parameters"
        return
    if shape.type_name == "structure" and isinstance(value, dict):
        members = list(shape.members)
        for name, sub in value.items():
            if name not in shape.members:
                yield loc + (name,), f"unknown parameter {name!r} for this operation{did_you_mean(str(name), members)}"
            else:
                yield from _check_shape(shape.members[name], sub, loc + (name,))
        if top:
            missing = [m for m in shape.required_members if m not in value]
            if missing:
                yield loc, f"missing required parameter{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
    elif shape.type_name == "list" and isinstance(value, list):
        for j, item in enumerate(value):
            yield from _check_shape(shape.member, item, loc + (j,))


def check_playbook(playbook: Playbook, data: dict[str, Any], lines: dict[Loc, int], path: Path | str) -> list[Problem]:
    """Every cross-field problem of a playbook that passed model validation, at its line."""
    return _Checker(playbook, data, lines, path).run()
