"""The playbook format: what a runbook procedure looks like as data (see docs/playbooks.md).

These pydantic models are the single definition of the format: the loader validates
``playbooks/*.yaml`` with them, ``cockpit playbook schema`` publishes their JSON Schema for
editors, and the engine executes the validated objects. Checks that need the whole playbook
(step references, goto cycles, templates, AWS operation names) live in
:mod:`cockpit.content.playbook_checks`, because a model validator cannot say which line of
the file is wrong.

Everything a step may do is explicit in its fields, so a reviewer reading the YAML sees the
exact call; ``risk`` is what the engine's read-only, dry-run and tabletop guards go by, and it
is inferred from the call where it can be (an AWS ``Put*`` can never be labelled ``read``).
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal, Union

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, WithJsonSchema, field_validator, model_validator

from cockpit.content import aws_ops
from cockpit.content.durations import Duration as _Duration

Duration = Annotated[_Duration, WithJsonSchema({
    "anyOf": [{"type": "number", "minimum": 0},
              {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d)\s*)+$"}],
    "description": "Seconds, or a duration such as 90s, 15m, 1h30m.",
})]

STEP_ID = r"^[a-z][a-z0-9_]*$"
PLAYBOOK_ID = r"^[a-z0-9][a-z0-9-]*$"
#: A goto target that ends the run successfully (so no step may be called ``end``).
END = "end"

StepId = Annotated[str, Field(pattern=STEP_ID, max_length=64)]
JMESPath = Annotated[str, Field(min_length=1, description="A JMESPath expression (https://jmespath.org); "
                              "may contain {{ }} templates, rendered before it is compiled.")]
Template = Annotated[str, Field(description="Jinja2 template, e.g. '{{ params.bucket }}'.")]
Expression = Annotated[str, Field(min_length=1, description="A Jinja2 expression without braces, e.g. "
                                  "\"steps.check.outputs.lag > 900\".")]


#: What a failed expectation means in a check run (``cockpit run ID`` without an incident):
#: the monitoring-plugin levels of ``cockpit status`` (docs/status-json.md).
Severity = Literal["warning", "critical"]
#: What a step whose call itself failed means there, or an expectation that says "no data".
Level = Literal["unknown", "warning", "critical"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Risk(str, Enum):
    """How much a step can change; the engine's guards (read-only, dry-run, tabletop) use it."""

    read = "read"
    write = "write"
    destructive = "destructive"

    @property
    def rank(self) -> int:
        return ("read", "write", "destructive").index(self.value)


def _check_jmespath(value: str) -> str:
    """Compile-check a JMESPath; one with a template in it is checked as a template instead."""
    if "{{" in value or "{%" in value:
        return value
    try:
        jmespath.compile(value)
    except JMESPathError as exc:
        raise ValueError(f"not a valid JMESPath expression {value!r}: {str(exc).splitlines()[0]}") from None
    except (TypeError, ValueError, RecursionError):
        raise ValueError(f"not a valid JMESPath expression {value!r}") from None
    return value


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


# -- calls (shared by steps and by wait checks) ------------------------------------------------


_TESTS = ("equals", "not_equals", "in_", "exists", "contains", "matches", "less_than", "greater_than")


class Expectation(Strict):
    """One assertion on a response, e.g. ``{jmespath: Status, equals: ok}``. Exactly one test."""

    jmespath: JMESPath
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    exists: bool | None = None
    contains: Any = None
    matches: str | None = Field(None, description="Regular expression searched in the value.")
    less_than: int | float | str | None = None
    greater_than: int | float | str | None = None
    severity: Level | None = Field(None, description="What it means when this expectation does not hold, in a "
                                   "check run: warning, critical, or unknown (no data to judge); default: the "
                                   "step's `severity`.")
    finding: Template | None = Field(None, description="One line saying what was found when the expectation does "
                                     "not hold, e.g. '{{ value | length }} alarms in ALARM: {{ value | join(\', "
                                     "\') }}'; `value` is what the JMESPath found, `outputs` the step's outputs. Default: "
                                     "expected X, got Y.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("jmespath")
    @classmethod
    def _path_compiles(cls, value: str) -> str:
        return _check_jmespath(value)

    @model_validator(mode="after")
    def _one_test(self) -> "Expectation":
        given = [name for name in _TESTS if name in self.model_fields_set]
        if len(given) != 1:
            names = ", ".join(t.rstrip("_") for t in _TESTS)
            raise ValueError(f"an expectation needs exactly one test of: {names}")
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except (re.error, RecursionError, OverflowError) as exc:
                raise ValueError(f"matches: not a valid regular expression: {exc}") from None
        return self

    @property
    def test(self) -> tuple[str, Any]:
        """(name, operand) of the one test, e.g. ("in", ["ok", "degraded"])."""
        name = next(n for n in _TESTS if n in self.model_fields_set)
        return name.rstrip("_"), getattr(self, name)


Outputs = Annotated[dict[Annotated[str, Field(pattern=STEP_ID)], JMESPath],
                    Field(default_factory=dict, description="Output name -> JMESPath into the response.")]


class _WithOutputs(Strict):
    expect: list[Expectation] = Field(default_factory=list)
    outputs: Outputs

    @field_validator("outputs")
    @classmethod
    def _outputs_compile(cls, value: dict[str, str]) -> dict[str, str]:
        for path in value.values():
            _check_jmespath(path)
        return value


class AwsCall(_WithOutputs):
    """One AWS API call through aiobotocore, named as in botocore (``s3``, ``ListObjectsV2``)."""

    kind: Literal["aws"]
    service: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="botocore service name: s3, cloudwatch, route53...")
    operation: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$", description="PascalCase operation: HeadObject, UpdateHealthCheck...")
    params: dict[str, Any] = Field(default_factory=dict, description="The operation's parameters; strings are templates.")
    region: Template | None = Field(None, description="Region; default: the AWS settings of the environment.")
    presign: bool = Field(False, description="Generate a presigned URL (output `url`) instead of calling; "
                          "no request is made.")
    expires_in: int = Field(300, ge=1, le=604800, description="Lifetime of a presigned URL, seconds.")


K8sAction = Literal["rollout_restart", "rollout_status", "apply_configmap", "patch_configmap", "scale", "get",
                    "cordon", "drain", "delete"]
K8S_READ_ACTIONS = ("rollout_status", "get")


class K8sCall(_WithOutputs):
    """One Kubernetes action through kubernetes-asyncio (the current or configured context)."""

    kind: Literal["k8s"]
    action: K8sAction
    namespace: Template = "default"
    name: Template | None = Field(None, description="Object name; `get` without a name lists.")
    resource: Literal["deployment", "statefulset", "daemonset", "configmap", "pod", "node", "service",
                      "event"] = "deployment"
    data: dict[str, Template] | None = Field(None, description="ConfigMap data (apply_configmap, patch_configmap).")
    replicas: int | Template | None = Field(None, description="Replica count (scale).")

    @model_validator(mode="after")
    def _fields_for_action(self) -> "K8sCall":
        needs_name = self.action != "get"
        if needs_name and not self.name:
            raise ValueError(f"k8s action {self.action} needs `name`")
        if self.action in ("apply_configmap", "patch_configmap"):
            if self.data is None:
                raise ValueError(f"k8s action {self.action} needs `data`")
        elif self.data is not None:
            raise ValueError(f"`data` is only for apply_configmap and patch_configmap, not {self.action}")
        if self.action == "scale" and self.replicas is None:
            raise ValueError("k8s action scale needs `replicas`")
        if self.action != "scale" and self.replicas is not None:
            raise ValueError(f"`replicas` is only for scale, not {self.action}")
        if self.action.startswith("rollout") or self.action == "scale":
            if self.resource not in ("deployment", "statefulset", "daemonset"):
                raise ValueError(f"k8s action {self.action} works on a deployment, statefulset or daemonset")
        if self.action in ("cordon", "drain") and self.resource != "node":
            raise ValueError(f"k8s action {self.action} works on a node: give `resource: node`")
        if self.resource == "event" and self.action != "get":
            raise ValueError("events are only read: `resource: event` goes with `action: get`")
        return self


class HttpCall(_WithOutputs):
    """An HTTP request; ``expect`` and ``outputs`` read the JSON body."""

    kind: Literal["http"]
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    url: Template = Field(pattern=r"^(https?://|\{\{|\{%)", description="http(s) URL; may be a template.")
    headers: dict[str, Template] = Field(default_factory=dict)
    json_body: Any = Field(None, alias="json", description="A JSON body; strings inside are templates.")
    status: int | list[int] = Field(200, description="Expected status code(s).")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("status")
    @classmethod
    def _status_range(cls, value: int | list[int]) -> int | list[int]:
        for code in value if isinstance(value, list) else [value]:
            if not 100 <= code <= 599:
                raise ValueError(f"{code} is not an HTTP status code")
        return value


def sent_headers(rendered: dict[str, Any]) -> dict[str, str]:
    """The headers an ``http`` call sends, from its rendered ``headers``: one that renders empty
    is left out (an optional token left empty makes the request anonymous, not a malformed
    ``Authorization:``); the engine sends these and previews show these."""
    return {k: str(v) for k, v in rendered.items() if str(v).strip()}


Check = Annotated[Union[AwsCall, HttpCall, K8sCall], Field(discriminator="kind")]


# -- steps -------------------------------------------------------------------------------------


class StepBase(Strict):
    """What every step has. ``risk`` left out is inferred from the call (see each kind)."""

    id: StepId = Field(description="Unique within the playbook; templates read `steps.<id>.outputs`.")
    title: str = Field(min_length=1)
    phase: str | None = Field(None, description="Id of a phase in targets.phases.")
    instructions: str = Field("", description="Markdown: what to do and why.")
    risk: Risk | None = Field(None, description="read | write | destructive; default inferred from the call.")
    confirm: Template | None = Field(None, description="Text the responder types to confirm; required when "
                                     "risk is destructive.")
    timeout: Duration | None = None
    retries: int = Field(0, ge=0, le=20)
    retry_delay: Duration = 5.0
    on_failure: str = Field("abort", pattern=r"^(abort|continue|goto: ?[a-z][a-z0-9_]*)$",
                            description="abort | continue | goto:STEP_ID")
    when: Expression | None = Field(None, description="Run the step only when this expression holds.")
    severity: Severity = Field("critical", description="In a check run: what a failed expectation of this step "
                               "means (an expectation's own `severity` wins).")
    error_severity: Level = Field("unknown", description="In a check run: what it means when the call itself "
                                  "fails (an error answer, no answer). unknown: the check could not be read; say "
                                  "critical where the failure is the finding (is the bucket accessible?).")
    report: bool = Field(False, description="This step's output is what the procedure produces (a filled-in "
                         "report, a forecast): a check run prints it under its checks, and `--json` has it "
                         "under `reports`.")
    #: Which kind of step this is: each step model narrows it to its own ``Literal`` (the
    #: discriminator of :data:`Step`), and the per-kind homes (``content/step_kinds.py``,
    #: ``engine/step_kinds.py``) are keyed by it. Declared last so that the fields keep
    #: their order in the published schema.
    kind: str

    _line: int | None = PrivateAttr(None)

    @property
    def on_failure_goto(self) -> str | None:
        return self.on_failure.split(":", 1)[1].strip() if self.on_failure.startswith("goto") else None

    def inferred_risk(self) -> Risk:
        """The least risk the call itself implies; ``risk`` may raise it, never lower it."""
        return Risk.read

    @model_validator(mode="after")
    def _risk(self) -> "StepBase":
        if self.id == END:
            raise ValueError(f"`{END}` is reserved (goto: end finishes the run)")
        implied = self.inferred_risk()
        if self.risk is None:
            object.__setattr__(self, "risk", implied)
        elif self.risk.rank < implied.rank:
            raise ValueError(f"risk: {self.risk.value} is too low for this call, which is at least {implied.value}")
        if self.risk is Risk.destructive and not self.confirm:
            raise ValueError("a destructive step needs `confirm`: the text the responder types to go ahead")
        return self


def _aws_risk(service: str, operation: str, presign: bool) -> Risk:
    """Read when botocore's model or the reviewed list says so (``content/aws_ops.py``); else write."""
    return Risk.read if presign or aws_ops.is_read(service, operation) else Risk.write


class ManualStep(StepBase):
    """Something a person does; the checklist is ticked off in the guided screen."""

    kind: Literal["manual"]
    checklist: list[str] = Field(default_factory=list)


_ARGV_REF = re.compile(r"^argv\[(-?\d+)\]$")


def argv_index(ref: str) -> int | None:
    """``argv[N]`` -> N: how a shell step's ``created_by`` names an argument; None for any other name."""
    match = _ARGV_REF.match(ref)
    return int(match.group(1)) if match else None


class CreatedBy(Strict):
    """The guard of a step that must act only on what this run created (``created_by``).

    The engine compares the step's rendered ``param`` with ``output`` of ``step``, the earlier
    step whose call created the resource, and refuses the call unless that step succeeded in
    this run and its answer named exactly this resource: a delete can never reach anything
    the run did not create, whatever a parameter, a template or a resumed run says.
    """

    step: StepId = Field(description="The earlier aws step whose call created the resource.")
    output: str = Field(pattern=r"^(?:[a-z][a-z0-9_]*|argv\[-?\d+\])$",
                        description="That step's output naming what it created (read from the creating "
                        "call's answer); `argv[N]` for a shell step: the argument it created.")
    param: str = Field(min_length=1, description="This step's parameter that names the resource.")


class AwsStep(StepBase, AwsCall):
    kind: Literal["aws"]  # narrowed again: StepBase.kind (str) would otherwise win over the call's
    created_by: CreatedBy | None = Field(None, description="Act only on what this run created: `param` must "
                                         "equal `output` of the succeeded step `step`, or the call is refused.")

    def inferred_risk(self) -> Risk:
        return _aws_risk(self.service, self.operation, self.presign)


class K8sStep(StepBase, K8sCall):
    kind: Literal["k8s"]  # narrowed again: StepBase.kind (str) would otherwise win over the call's
    timeout: Duration | None = Field(None, description="rollout_status: how long to wait for the rollout.")

    def inferred_risk(self) -> Risk:
        return Risk.read if self.action in K8S_READ_ACTIONS else Risk.write


class HttpStep(StepBase, HttpCall):
    kind: Literal["http"]  # narrowed again: StepBase.kind (str) would otherwise win over the call's
    def inferred_risk(self) -> Risk:
        # A POST may be a query (seed 004's explain-match), so only PUT/PATCH/DELETE imply a write;
        # a POST left without `risk` is taken as a write (see below).
        return Risk.write if self.method in ("PUT", "PATCH", "DELETE") else Risk.read

    @model_validator(mode="after")
    def _post_defaults_to_write(self) -> "HttpStep":
        if self.method == "POST" and "risk" not in self.model_fields_set:
            object.__setattr__(self, "risk", Risk.write)
        return self


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


class WaitStep(StepBase):
    """Poll a read-only check every ``interval`` until ``until`` holds (or its expectations do)."""

    kind: Literal["wait"]
    check: Check
    until: Expression | None = Field(None, description="Expression over `result` (the check's outputs); "
                                     "without it, the check's `expect` must all hold.")
    interval: Duration = 10.0
    timeout: Duration = Field(300.0, description="Give up (the step fails) after this long.")

    @model_validator(mode="after")
    def _read_only_check(self) -> "WaitStep":
        check = self.check
        if isinstance(check, AwsCall) and _aws_risk(check.service, check.operation, check.presign) is not Risk.read:
            raise ValueError(f"a wait check must only read; {check.operation} changes state")
        if isinstance(check, K8sCall) and check.action not in K8S_READ_ACTIONS:
            raise ValueError(f"a wait check must only read; k8s {check.action} changes state")
        if isinstance(check, HttpCall) and check.method not in ("GET", "HEAD"):
            raise ValueError(f"a wait check must only read; use GET or HEAD, not {check.method}")
        if self.until is None and not check.expect:
            raise ValueError("a wait step needs `until` or expectations on its check")
        return self


class ApproveStep(StepBase):
    """A gate: a named person (typed in, or ``--approve-as``) approves before the run goes on."""

    kind: Literal["approve"]
    approver: str = Field(min_length=1, description="Role that must approve, e.g. engineering-leadership.")
    prompt: Template = Field(min_length=1)


class Option(Strict):
    id: StepId
    label: str = Field(min_length=1)
    goto: str | None = Field(None, pattern=STEP_ID, description="Step to go to (or `end`); default: the next step.")
    condition: Expression | None = Field(None, description="When exactly one option's condition holds, a "
                                         "headless run takes it.")
    evidence: Template | None = Field(None, description="What a person reads under the label, rendered with the "
                                      "run's values, e.g. '5xx alarm in {{ steps.a.outputs.state }} for "
                                      "{{ steps.a.outputs.since | age }}'. The condition itself is never shown.")


class ChooseStep(StepBase):
    """A decision; its options branch to other steps. Output ``choice`` is the option id."""

    kind: Literal["choose"]
    prompt: Template = Field(min_length=1)
    options: list[Option] = Field(min_length=2)


class NotifyStep(StepBase):
    """A rendered message to a Slack-compatible incoming webhook."""

    kind: Literal["notify"]
    text: Template = Field(min_length=1)
    channel: str | None = None
    webhook: Template | None = Field(None, description="Webhook URL; default: `webhook_url` from the config.")

    def inferred_risk(self) -> Risk:
        return Risk.write


Step = Annotated[
    Union[ManualStep, AwsStep, K8sStep, HttpStep, ShellStep, WaitStep, ApproveStep, ChooseStep, NotifyStep],
    Field(discriminator="kind"),
]
STEP_KINDS = ("manual", "aws", "k8s", "http", "shell", "wait", "approve", "choose", "notify")



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


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a playbook file (``cockpit playbook schema``)."""
    schema = Playbook.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://cockpit.invalid/schema/playbook.schema.json", **schema}
