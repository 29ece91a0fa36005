"""``shell``: a program run with an argv list, never through a shell."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from cockpit.content import argv_rules, templating
from cockpit.content.step_base import CreatedBy, StepBase, Template, argv_index
from cockpit.content.steps.kind import StepKind, creator_of
from cockpit.content.yamlfile import Loc


class ShellStep(StepBase):
    """A program run with an argv list: no shell parses it, so a parameter cannot inject commands."""

    kind: Literal["shell"]
    argv: list[Template] = Field(min_length=1, description="Program and arguments; each element may be a "
                                 "template but is passed as one argument.")
    env: dict[str, Template] = Field(default_factory=dict, description="Extra environment variables.")
    cwd: Template | None = None
    exit_codes: list[int] = Field(default_factory=lambda: [0], description="Exit codes that mean success.")
    created_by: CreatedBy | None = Field(None, description="Act only on what this run created: `param` "
                                         "`argv[N]` (this step's rendered argument) must equal `output` "
                                         "`argv[M]` of the succeeded shell step `step` that created it.")

    @field_validator("argv", mode="before")
    @classmethod
    def _not_a_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("argv must be a list of strings, not one shell string: write e.g. "
                             "[\"aws\", \"s3\", \"ls\"] so no shell ever parses a parameter")
        return value

    @model_validator(mode="after")
    def _risk_declared(self) -> "ShellStep":
        if "risk" not in self.model_fields_set:
            raise ValueError("a shell step must declare `risk` (read, write or destructive): "
                             "Cockpit cannot tell what a program does")
        return self


class Shell(StepKind[ShellStep]):
    kind, model, implicit_outputs = "shell", ShellStep, ("exit_code", "stdout", "stderr", "seconds", "argv")
    expected = ("exit status 0",)

    def describe(self, step: ShellStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        render = templating.preview_value
        lines = [f"run: $ {shlex.join(str(a) for a in render(step.argv, ctx))}"]
        for key, value in render(step.env, ctx).items():
            lines.append(f"  env {key}={value}")
        if step.cwd:
            lines.append(f"  in {render(step.cwd, ctx)}")
        return lines

    def problems(self, step: ShellStep, earlier: Mapping[str, StepBase]) -> Iterator[tuple[Loc, str]]:
        # The argv rule of content/argv_rules.py, which the engine applies again before a run.
        for j, message in argv_rules.problems(list(step.argv)):
            yield ("argv", j), f"argv[{j}]: {message}"
        if step.created_by is not None:
            yield from self._created_by(step, earlier)

    @staticmethod
    def _created_by(step: ShellStep, earlier: Mapping[str, StepBase]) -> Iterator[tuple[Loc, str]]:
        """On a shell step both ends are arguments: ``param: argv[N]`` of this step, ``output:
        argv[M]`` of an earlier shell step that writes (``createdb NAME`` -> ``dropdb NAME``)."""
        guard = step.created_by
        assert guard is not None
        creator = yield from creator_of(step, earlier, ShellStep, "a shell step")
        if creator is None:
            return
        for field, ref, argv in (("output", guard.output, creator.argv), ("param", guard.param, step.argv)):
            index = argv_index(ref)
            if index is None or not -len(argv) <= index < len(argv):
                yield ("created_by", field), (f"created_by: {field} {ref!r} must be argv[N], an argument of the "
                                              f"{'creating' if field == 'output' else 'this'} step (it has {len(argv)})")
