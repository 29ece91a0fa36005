"""The playbook format: what a runbook procedure looks like as data (see docs/playbooks.md).

These pydantic models, with each step kind's model in ``content/steps/`` and what every
step is built from in ``content/step_base.py``, are the single definition of the format:
the loader validates ``playbooks/*.yaml`` with them, ``cockpit playbook schema`` publishes
their JSON Schema for editors, and the engine executes the validated objects. Checks that need the whole playbook
(step references, goto cycles, templates, AWS operation names) live in
:mod:`cockpit.content.playbook_checks`, because a model validator cannot say which line of
the file is wrong.

Everything a step may do is explicit in its fields, so a reviewer reading the YAML sees the
exact call; ``risk`` is what the engine's read-only, dry-run and tabletop guards go by, and it
is inferred from the call where it can be (an AWS ``Put*`` can never be labelled ``read``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

from cockpit.content.step_base import Duration, Expression, StepBase, StepId, STEP_ID, Strict, PLAYBOOK_ID
from cockpit.content import steps as kinds
from cockpit.content.steps import Step


# -- header ------------------------------------------------------------------------------------


class AppliesTo(Strict):
    """When the cockpit offers this playbook."""

    severities: list[Literal["P0", "P1", "P2", "P3", "P4"]] = Field(default_factory=list)
    screens: list[str] = Field(default_factory=list, description="Screen names; empty: every screen.")


class Phase(Strict):
    id: StepId
    title: str = Field(min_length=1)
    budget: Duration | None = Field(None, description="Time budget of the phase, e.g. 15m.")


class Targets(Strict):
    """Recovery objectives the run is measured against (seed 003: RTO 1 h, RPO 15 min)."""

    rto: Duration | None = Field(None, description="Recovery time objective, e.g. 60m.")
    rpo: Duration | None = Field(None, description="Recovery point objective, e.g. 15m.")
    phases: list[Phase] = Field(default_factory=list)


#: Where a measure reads its figure: one output of one step, written out (no template).
MEASURE_SOURCE = r"^steps\.([a-z][a-z0-9_]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)$"
#: Measures whose target is the playbook's own ``targets.rto`` / ``targets.rpo``.
OBJECTIVES = ("rto", "rpo")


class Measure(Strict):
    """A figure the run records on the timeline when a step succeeds (docs/playbooks.md, Measures).

    Either ``value`` (a step output holding a duration, e.g. the replication lag at cut-over:
    the RPO achieved) or ``until`` (a step whose success means recovered: the time from the
    incident's detection to then is the RTO achieved). The engine writes it as a ``metric``
    event in the same transaction as the step's success, so every report reads one figure.
    """

    title: str = Field("", description="What the figure is, in a few words (shown in the postmortem).")
    value: str | None = Field(None, pattern=MEASURE_SOURCE,
                              description="steps.STEP.outputs.NAME: a number of `unit`s, e.g. a lag in seconds.")
    until: StepId | None = Field(None, description="A step whose success ends the time measured from detection.")
    unit: Literal["s", "m", "h"] = Field("s", description="What a `value` output counts: seconds, minutes, hours.")
    target: Duration | None = Field(None, description="Target (rto and rpo take targets.rto / targets.rpo).")

    @model_validator(mode="after")
    def _one_source(self) -> "Measure":
        if (self.value is None) == (self.until is None):
            raise ValueError("a measure needs exactly one of `value` (a step output) or `until` (a step)")
        if self.until is not None and self.unit != "s":
            raise ValueError("`unit` is for a `value`; an `until` measure is a time")
        return self

    @property
    def step_id(self) -> str:
        """The step whose success records this measure."""
        if self.until is not None:
            return self.until
        match = re.match(MEASURE_SOURCE, self.value or "")
        return match.group(1) if match else ""

    @property
    def output(self) -> str | None:
        match = re.match(MEASURE_SOURCE, self.value or "")
        return match.group(2) if match else None


class Parameter(Strict):
    """A typed input of the playbook, given with ``--param NAME=VALUE`` or in the guided screen."""

    type: Literal["string", "int", "float", "bool", "choice"] = "string"
    description: str = ""
    default: Any = None
    default_from: Expression | None = Field(
        None, description="Jinja expression over `screen` giving the default, e.g. "
        "\"screen.replication_pairs[0].destination\"; when it cannot be evaluated, `default` applies.")
    required: bool = Field(True, description="A required parameter with no default must be given.")
    pattern: str | None = Field(None, description="Regular expression a string value must match in full.")
    choices: list[str | int | float] | None = None
    secret: bool = Field(False, description="Redact the value in the timeline and previews.")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except (re.error, RecursionError, OverflowError) as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Parameter":
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice parameter needs `choices`")
        if self.type != "choice" and self.choices is not None:
            raise ValueError("`choices` is only for type: choice")
        if self.pattern is not None and self.type != "string":
            raise ValueError("`pattern` is only for type: string")
        if self.default is not None:
            self.coerce(self.default)  # raises ValueError naming what is wrong
        return self

    def coerce(self, raw: Any) -> Any:
        """The value of ``raw`` (a typed ``--param`` string or a YAML value) as this type.

        Raises ValueError with a message fit for the operator.
        """
        if self.type == "string":
            if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
                raise ValueError(f"expected a string, got {raw!r}")
            value: Any = str(raw)
            if self.pattern is not None and not re.fullmatch(self.pattern, value):
                raise ValueError(f"{value!r} does not match the pattern {self.pattern!r}")
            return value
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("true", "yes", "1", "on"):
                return True
            if text in ("false", "no", "0", "off"):
                return False
            raise ValueError(f"expected true or false, got {raw!r}")
        if self.type in ("int", "float"):
            if isinstance(raw, bool):
                raise ValueError(f"expected {'an integer' if self.type == 'int' else 'a number'}, got {raw!r}")
            try:
                return int(str(raw).strip()) if self.type == "int" else float(str(raw).strip())
            except ValueError:
                raise ValueError(f"expected {'an integer' if self.type == 'int' else 'a number'}, got {raw!r}") from None
        choices = self.choices or []
        for choice in choices:
            if raw == choice or str(raw) == str(choice):
                return choice
        raise ValueError(f"expected one of {', '.join(map(str, choices))}, got {raw!r}")


class Playbook(Strict):
    """A runbook procedure as data: header, targets, parameters, ordered steps."""

    id: str = Field(pattern=PLAYBOOK_ID, max_length=64)
    title: str = Field(min_length=1)
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    targets: Targets = Field(default_factory=Targets)
    measures: dict[Annotated[str, Field(pattern=STEP_ID, max_length=64)], Measure] = Field(
        default_factory=dict, description="Figures recorded when steps succeed: rto, rpo, or your own.")
    parameters: dict[Annotated[str, Field(pattern=STEP_ID)], Parameter] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, title="Cockpit playbook")

    _source: str | None = PrivateAttr(None)

    @property
    def source(self) -> str | None:
        """The file the playbook was loaded from."""
        return self._source

    def step(self, step_id: str) -> StepBase:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def _take_the_kinds() -> None:
    """A kind registered after this module was built (a plugin, a test's toy kind) is one a
    playbook file may name, and a kind forgotten is not: ``steps`` is validated, and the
    schema published, with the union of the kinds registered now."""
    Playbook.model_fields["steps"].annotation = list[kinds.step_union()]  # type: ignore[misc]
    Playbook.model_rebuild(force=True)


kinds.listen(_take_the_kinds)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a playbook file (``cockpit playbook schema``)."""
    schema = Playbook.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://cockpit.invalid/schema/playbook.schema.json", **schema}
