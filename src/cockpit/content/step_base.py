"""What every step of the playbook format is built from: ids, durations, templates, risk,
the calls (aws, k8s, http) a step or a wait check makes, their expectations, and
:class:`StepBase`.

Each step kind adds its own model to these in its home, ``content/steps/<kind>.py``;
:mod:`cockpit.content.playbook` puts the steps together with the header into a playbook.
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
    #: discriminator of :data:`Step`), and the per-kind homes (``content/steps/``,
    #: ``engine/steps/``) are keyed by it. Declared last so that the fields keep
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


def aws_risk(service: str, operation: str, presign: bool) -> Risk:
    """Read when botocore's model or the reviewed list says so (``content/aws_ops.py``); else write."""
    return Risk.read if presign or aws_ops.is_read(service, operation) else Risk.write


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
