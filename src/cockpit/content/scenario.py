"""Scenario files: what to rehearse, as timed changes to the emulated estate.

A scenario (``scenarios/*.yaml``) is a list of timed ``events`` (each does exactly one
thing: set an alarm's state, move replication metrics — optionally as a ramp, change how
an HTTP endpoint answers, degrade a Kubernetes deployment or node, publish a metric, make
an AWS call as the world would, or just narrate) and ``reactions``: changes the estate makes
when the responders have done something (e.g. after the DR ConfigMap is applied and the
services restarted, the health endpoint answers ok from eu-central-1 and the 5xx alarm
returns to OK; once an AWS read shows the rollback, the errors stop).

For exercises (``cockpit exercise``, docs/exercises.md) a scenario also carries ``injects``
(what the participants are told, and when), ``expectations`` (what a good team does, by
when, as a rule checked against the timeline) and ``drill`` (the playbook a drill runs and
seed 003's DR test targets). Rules are data, not code, so a team can write its own.

Times are scenario time; ``--speed 60`` plays one scenario minute per real second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from cockpit.content.durations import Duration
from cockpit.content.errors import ContentError, NotFound
from cockpit.content.event_kinds import EventKind
from cockpit.content.paths import content_files
from cockpit.content.regions import check_region
from cockpit.content.yamlfile import line_for, load_model, load_yaml, read_content


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ramp(_Strict):
    """Move a value from where it is to ``to`` over ``over`` (scenario time)."""

    to: float
    over: Duration = 0.0


Level = float | Ramp


class AlarmChange(_Strict):
    name: str = Field(description="Alarm name, as seeded (e.g. greenlang-s3-5xx-errors-critical).")
    state: Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
    reason: str = "Scenario event"


class ReplicationChange(_Strict):
    pair: str = Field(description="Replication pair id: data-lake, reports or models.")
    latency_seconds: Level | None = None
    pending_operations: Level | None = None
    failed_operations: Level | None = None
    bytes_pending: Level | None = None
    published: bool | None = Field(None, description=(
        "false: S3 publishes no metrics for the pair any more (its source region's S3 API is down), so "
        "the last datapoint ages in CloudWatch; true: publishing resumes."))


class HttpChange(_Strict):
    endpoint: str = Field(description="Endpoint name, e.g. storage-health, flight-schools.")
    status: int = Field(200, ge=100, le=599)
    body: dict[str, Any] | None = None
    delay_ms: int = Field(0, ge=0, le=60_000)


class K8sChange(_Strict):
    deployment: str
    namespace: str = "greenlang"
    ready: int | None = Field(description="Ready replicas to report; null means healthy again.")


class NodeChange(_Strict):
    name: str
    ready: bool
    joins: bool = Field(False, description=(
        "true: a new node of this name joins the cluster, Ready (the node group's replacement instance); "
        "pods waiting for capacity are scheduled on it."))

    @model_validator(mode="after")
    def _joins_ready(self) -> "NodeChange":
        if self.joins and not self.ready:
            raise ValueError("a node that joins is Ready: give ready: true (make it NotReady with a later event)")
        return self


class MetricChange(_Strict):
    """The metric's level from now on: the estate publishes it every period (a number), or
    moves it there linearly (``{to: 212, over: 2m}``, scenario time), and alarms on it follow."""

    region: Annotated[str, AfterValidator(check_region)]
    namespace: str
    name: str
    dimensions: dict[str, str] = {}
    value: Level


class S3ObjectChange(_Strict):
    """Write a new version of an object: silent corruption is a bad version on top of good ones
    (seed 000's point-in-time restore brings the good one back)."""

    bucket: str
    key: str
    body: str = Field(description="The new (e.g. corrupt) content.")
    content_type: str = "application/octet-stream"


class DynamoItemChange(_Strict):
    """Overwrite (``item``) or delete (``delete`` = the key) one item, as a bad deploy would (seed 004)."""

    table: str = "flight-schools"
    item: dict[str, str | int | float | bool] | None = None
    delete: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one(self) -> "DynamoItemChange":
        if (self.item is None) == (self.delete is None):
            raise ValueError("give exactly one of item (to write) or delete (the key)")
        return self


class LogChange(_Strict):
    """Append lines to a runbook log group (what ``filter-log-events`` then finds)."""

    group: str
    lines: list[str] = Field(min_length=1)


class AccessKeyPolicyChange(_Strict):
    """The account's access-key rotation policy from now on, as an AWS Config
    ``access-keys-rotated`` rule with its auto-remediation enforces it: every IAM user's Active
    key older than ``max_age`` (world time, so a key seeded 88 days old goes at T+48h) is made
    Inactive, and calls signed with it are refused from then on (``estate/wsgi_iam_keys.py``)."""

    max_age: Duration | None = Field(description="e.g. 90d; null: keys never expire again.")


class OutageChange(_Strict):
    """A regional service outage, as AWS has them: S3's data plane in ``region`` answers 503
    ``ServiceUnavailable`` (some ``SlowDown``) on object reads, writes and listings of the
    region's buckets, while its control plane (bucket configuration, ``list-buckets``) and
    other regions keep answering; Route53 health checks of the regional endpoint fail. It
    lasts until a later event or reaction says ``over: true`` (the region recovers in the
    world, not because anyone failed over)."""

    service: Literal["s3"] = Field(description="The failing service (S3 is the one the runbooks' DR plan covers).")
    region: Annotated[str, AfterValidator(check_region)]
    over: bool = Field(False, description="true: the service in the region answers normally again.")


class BackupsChange(_Strict):
    """The platform's hourly database dumps stopped (seed 002: ``greenlang-backups/database/``)."""

    stopped_for: Duration = Field(gt=0, description=(
        "How long ago (world time) the backup job stopped, e.g. 3h: the dumps it would have written "
        "since are not there, so the newest backup is that old."))


class AwsCall(_Strict):
    """One AWS API call the estate makes as the world would: a deploy, a policy or capacity
    change (botocore's service name and operation, e.g. ``dynamodb`` ``UpdateTable``), so the
    responder finds the change where the runbook looks (describe-table, get-role-policy, ...)."""

    service: str = Field(pattern=r"^[a-z0-9-]+$", description="botocore service name, e.g. ecs, lambda, iam.")
    region: Annotated[str, AfterValidator(check_region)] = "us-east-1"
    operation: str = Field(pattern=r"^[A-Z][A-Za-z0-9]+$", description="API operation, e.g. UpdateTable.")
    params: dict[str, Any] = Field(default_factory=dict, description="The operation's parameters, as boto3 takes them.")
    as_user: str | None = Field(None, pattern=r"^[\w+=,.@-]{1,64}$", description=(
        "Make the call as this IAM user (an access key the estate creates for it), not as the world: "
        "CloudTrail then lists it under the user's name, as a person's change a responder can find."))


class AwsCondition(AwsCall):
    """A read of the live estate whose answer must satisfy ``holds`` (a JMESPath expression,
    true when it yields anything but false, null, an empty list/string/object). It counts only
    once it has been seen *not* holding: a reaction answers a change someone made, not the
    state the estate started in."""

    holds: str = Field(min_length=1, description="JMESPath over the answer, e.g. "
                                                 "\"Table.BillingModeSummary.BillingMode == 'PAY_PER_REQUEST'\".")

    @model_validator(mode="after")
    def _reads(self) -> "AwsCondition":
        import jmespath
        from jmespath.exceptions import JMESPathError

        from cockpit.content import aws_ops

        if not aws_ops.is_read(self.service, self.operation):
            raise ValueError(f"{self.service} {self.operation} is not a read: a reaction only looks, never changes")
        try:
            jmespath.compile(self.holds)
        except JMESPathError as exc:
            raise ValueError(f"holds: not a JMESPath expression: {exc}") from None
        return self


class K8sCondition(_Strict):
    """A read of the live cluster whose answer must satisfy ``holds`` (JMESPath, true as in
    ``AwsCondition``): the named object (null once it is gone) or, without ``name``, the list
    ``{items: [...]}``. Like ``aws``, it counts only once it has been seen *not* holding."""

    resource: Literal["node", "pod", "deployment", "event", "configmap"]
    namespace: str = Field("greenlang", description="Ignored for nodes, which belong to no namespace.")
    name: str | None = Field(None, description="The object to read; without it, every object of the resource.")
    holds: str = Field(min_length=1, description="JMESPath over the answer, e.g. \"spec.unschedulable\", "
                                                 "\"@ == `null`\" (the object is gone), "
                                                 "\"status.readyReplicas == spec.replicas\".")

    @model_validator(mode="after")
    def _compiles(self) -> "K8sCondition":
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            jmespath.compile(self.holds)
        except JMESPathError as exc:
            raise ValueError(f"holds: not a JMESPath expression: {exc}") from None
        return self


def _exactly_one_of(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    """Refuse ``model`` unless exactly one of the fields ``names`` is given (``what`` says of what)."""
    given = [name for name in names if getattr(model, name) is not None]
    if len(given) != 1:
        raise ValueError(f"{what} {', '.join(names)}; this one has {', '.join(given) if given else 'none'}")


def _the_one_of(model: BaseModel, names: tuple[str, ...]) -> str:
    return next(name for name in names if getattr(model, name) is not None)


_ACTIONS = ("say", "alarm", "replication", "http", "k8s", "node", "metric", "s3_object", "dynamodb_item", "log",
            "outage", "aws", "access_key_policy", "backups")


class Action(_Strict):
    """Exactly one change to the estate."""

    say: str | None = Field(None, description="Narration: shown on the scenario clock and logged.")
    alarm: AlarmChange | None = None
    replication: ReplicationChange | None = None
    http: HttpChange | None = None
    k8s: K8sChange | None = None
    node: NodeChange | None = None
    metric: MetricChange | None = None
    s3_object: S3ObjectChange | None = None
    dynamodb_item: DynamoItemChange | None = None
    log: LogChange | None = None
    outage: OutageChange | None = None
    aws: AwsCall | None = None
    access_key_policy: AccessKeyPolicyChange | None = None
    backups: BackupsChange | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Action":
        _exactly_one_of(self, _ACTIONS, "each event does exactly one of")
        return self

    @property
    def kind(self) -> str:
        return _the_one_of(self, _ACTIONS)


class Event(Action):
    at: Duration = Field(description="Scenario time at which it happens, e.g. 2m30s.")


class ConfigMapCondition(_Strict):
    namespace: str = "greenlang"
    name: str
    data: dict[str, str] = Field(description="Keys that must hold these values.")


class Trigger(_Strict):
    """What the responders must have done for a reaction to fire (all that is given)."""

    configmap: ConfigMapCondition | None = None
    restarted: list[str] = Field(default_factory=list,
                                 description="Deployments (namespace of the configmap) restarted after it changed.")
    health_check_disabled: str | None = Field(None, description="Route53 health check name, e.g. HC-PRIMARY-S3.")
    aws: AwsCondition | None = Field(None, description=(
        "A read of the estate that must come to hold: the rollback, failover or fix as AWS records it "
        "(the service's task definition, the table's billing mode, CloudTrail's RebootDBInstance)."))
    k8s: K8sCondition | None = Field(None, description=(
        "A read of the cluster that must come to hold: the node cordoned, gone, a deployment ready again."))
    after: list[str] = Field(default_factory=list, description=(
        "Reactions that must have fired first (a failback is one only after a failover): until they "
        "have, nothing else is watched, so restarts before them do not count."))

    @model_validator(mode="after")
    def _something(self) -> "Trigger":
        if not (self.configmap or self.restarted or self.health_check_disabled or self.aws or self.k8s):
            raise ValueError("a reaction needs at least one of configmap, restarted, health_check_disabled, aws, k8s")
        if self.restarted and not self.configmap:
            raise ValueError("'restarted' means restarted after the configmap changed: give 'configmap' too")
        return self


class Reaction(_Strict):
    id: str
    when: Trigger
    then: list[Action] = Field(min_length=1)
    say: str | None = None


_ID = r"^[a-z0-9][a-z0-9-]*$"
_SEVERITY = r"^[Pp][0-4]$"


class Inject(_Strict):
    """What the participants are told, when (scenario time): a page, a customer call, a rumour."""

    id: str = Field(pattern=_ID)
    at: Duration
    title: str = Field(min_length=1, description="One line: shown as the banner.")
    message: str = Field(min_length=1, description="What the participants read or hear.")
    audience: str | None = Field(None, description="Who receives it (e.g. on-call, incident commander, all).")


class _Timed(_Strict):
    """``within`` counts scenario time from the start of the exercise or, with ``after``,
    from when that inject was given ("ran the health check within 10m of the page")."""

    within: Duration | None = None
    after: str | None = Field(None, pattern=_ID, description="Inject id that ``within`` counts from.")


class DeclaredRule(_Timed):
    """The team classified the incident at ``severity`` or worse (P0 is worst)."""

    severity: str = Field(pattern=_SEVERITY)


class RanPlaybookRule(_Timed):
    """The team started playbook ``id``."""

    id: str = Field(pattern=_ID)


class StepRule(_Timed):
    """Step ``step`` of playbook ``playbook`` reached ``state`` (default: it succeeded) — the
    evidence that the work was done, not that someone wrote about it."""

    playbook: str = Field(pattern=_ID)
    step: str
    state: Literal["succeeded", "failed", "skipped"] = "succeeded"


class DecisionRule(_Timed):
    """Choose step ``step`` (of ``playbook``, if given) was answered with ``option`` (one of
    them, if a list; any option if not given)."""

    step: str
    playbook: str | None = Field(None, pattern=_ID)
    option: str | list[str] | None = None


class ApprovalBeforeRule(_Strict):
    """An approval (whose subject contains ``approval``, if given) came before step ``step`` ran."""

    step: str
    approval: str | None = None
    within: Duration | None = None


class StatusUpdatesRule(_Strict):
    """Status updates at least every ``every``: at least one, the first within ``every`` of the
    first inject, every gap after it at most ``every``, and the last one within ``every`` of the end."""

    every: Duration


class RoleRule(_Timed):
    """Someone holds ``role`` (assigned, or named commander when the incident was declared)."""

    role: Literal["commander", "scribe", "communications"]


class NoteRule(_Timed):
    """A note whose text contains ``contains`` (case-insensitive): what a discussion leaves."""

    contains: str = Field(min_length=1)


class EventRule(_Timed):
    """At least ``count`` timeline events of ``kind`` (whose message contains ``contains``, if given)."""

    kind: str
    contains: str | None = None
    count: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _known_kind(self) -> "EventRule":
        known = [k.value for k in EventKind]
        if self.kind not in known:
            raise ValueError(f"unknown event kind {self.kind!r} (one of {', '.join(known)})")
        return self


_RULES = ("declared", "ran_playbook", "step", "decision", "approval_before", "status_updates", "role", "note",
          "event")


class Evidence(_Strict):
    """Exactly one machine-checkable rule, judged from the timeline (``exercise/scoring.py``)."""

    declared: DeclaredRule | None = None
    ran_playbook: RanPlaybookRule | None = None
    step: StepRule | None = None
    decision: DecisionRule | None = None
    approval_before: ApprovalBeforeRule | None = None
    status_updates: StatusUpdatesRule | None = None
    role: RoleRule | None = None
    note: NoteRule | None = None
    event: EventRule | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Evidence":
        _exactly_one_of(self, _RULES, "each piece of evidence has exactly one rule of")
        return self

    @property
    def rule(self) -> str:
        return _the_one_of(self, _RULES)


class Expectation(_Strict):
    """What a good team does, by when, and the evidence that shows it: either one rule
    written inline, or ``any_of`` (one piece of evidence is enough: the restore step
    succeeded, *or* a tabletop team noted the version it would restore) or ``all_of``
    (every piece is needed). ``within`` counts scenario time from the start of the exercise,
    or from the inject named by ``after``."""

    id: str = Field(pattern=_ID)
    description: str = Field(min_length=1)
    declared: DeclaredRule | None = None
    ran_playbook: RanPlaybookRule | None = None
    step: StepRule | None = None
    decision: DecisionRule | None = None
    approval_before: ApprovalBeforeRule | None = None
    status_updates: StatusUpdatesRule | None = None
    role: RoleRule | None = None
    note: NoteRule | None = None
    event: EventRule | None = None
    any_of: list[Evidence] | None = Field(None, min_length=1)
    all_of: list[Evidence] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> "Expectation":
        _exactly_one_of(self, (*_RULES, "any_of", "all_of"), "each expectation has exactly one rule of")
        return self

    @property
    def rule(self) -> str:
        return _the_one_of(self, (*_RULES, "any_of", "all_of"))

    def evidence(self) -> list[Evidence]:
        """The pieces of evidence (one for an inline rule)."""
        if self.any_of or self.all_of:
            return list(self.any_of or self.all_of or [])
        return [Evidence(**{self.rule: getattr(self, self.rule)})]


class DrillTargets(_Strict):
    """Seed 003's "Test Metrics". ``null`` records the metric without judging it (e.g.
    availability in an outage scenario, where the application is down until the failover)."""

    failover_time: Duration | None = Field(3600.0, description="Disruption start to validation complete.")
    data_loss: Duration | None = Field(900.0, description="Replication lag at cut-over (the RPO).")
    availability: float | None = Field(99.0, ge=0, le=100, description="Percent of health probes ok during failover.")
    team_response: Duration | None = Field(900.0, description="First inject to first action.")


class Drill(_Strict):
    """How a drill on this scenario runs and what it measures."""

    playbook: str | None = Field(None, pattern=_ID, description="The playbook a drill runs by default.")
    cutover_step: str | None = Field(None, description="Step at whose start the data at risk is read.")
    validation_step: str | None = Field(None, description="Step whose success is 'validation complete' "
                                                          "(default: the run finishing).")
    rpo_pair: str = Field("data-lake", description="Replication pair whose lag is the data loss.")
    probe: str = Field("storage-health", description="Endpoint probed for availability during the failover.")
    targets: DrillTargets = DrillTargets()


class Scenario(_Strict):
    """A scenario file."""

    id: str = Field(pattern=_ID)
    title: str
    description: str = ""
    runbooks: list[str] = Field(default_factory=list, description="Seed runbooks it is drawn from.")
    severity: str = Field("P1", pattern=_SEVERITY, description="Severity a drill declares its incident at.")
    screen: str | None = Field(None, description="The screen `cockpit exercise` opens on (default: the configured one).")
    events: list[Event] = Field(min_length=1)
    reactions: list[Reaction] = Field(default_factory=list)
    injects: list[Inject] = Field(default_factory=list)
    expectations: list[Expectation] = Field(default_factory=list)
    drill: Drill = Drill()

    @model_validator(mode="after")
    def _ordered(self) -> "Scenario":
        for what, ids in (("reaction", [r.id for r in self.reactions]), ("inject", [i.id for i in self.injects]),
                          ("expectation", [e.id for e in self.expectations])):
            dupes = {i for i in ids if ids.count(i) > 1}
            if dupes:
                raise ValueError(f"duplicate {what} id(s): {', '.join(sorted(dupes))}")
        inject_ids = {i.id for i in self.injects}
        for exp in self.expectations:
            for piece in exp.evidence():
                after = getattr(getattr(piece, piece.rule), "after", None)
                if after is not None and after not in inject_ids:
                    raise ValueError(f"expectation {exp.id}: after {after!r} is not an inject of this scenario "
                                     f"({', '.join(sorted(inject_ids)) or 'it has none'})")
        earlier: set[str] = set()
        for reaction in self.reactions:
            unknown = [r for r in reaction.when.after if r not in earlier]
            if unknown:
                raise ValueError(f"reaction {reaction.id}: after names no earlier reaction: {', '.join(unknown)}")
            earlier.add(reaction.id)
        return self

    @property
    def duration(self) -> float:
        return max([e.at for e in self.events] + [i.at for i in self.injects])


def load_scenario_file(path: Path) -> Scenario:
    return load_model(Scenario, path)


def load_scenarios(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> dict[str, tuple[Scenario, Path]]:
    """Every scenario by id (a user's file overrides a shipped one with the same id)."""
    found: dict[str, tuple[Scenario, Path]] = {}
    for path in content_files("scenarios", extra_dirs):
        scenario = load_scenario_file(path)
        found[scenario.id] = (scenario, path)
    return found


def find_scenario(name: str, extra_dirs: list[Path] | tuple[Path, ...] = ()) -> tuple[Scenario, Path]:
    """A scenario by id, or by path to a file, with its path; NotFound lists the ones that exist."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        return load_scenario_file(candidate), candidate
    files = content_files("scenarios", extra_dirs)
    matches = [p for p in files if p.stem == name]
    if not matches:
        raise NotFound("scenario", name, [p.stem for p in files])
    scenario = load_scenario_file(matches[-1])
    if scenario.id != name:
        raise ContentError.single(matches[-1], line_for(("id",), load_yaml(read_content(matches[-1]), matches[-1])[1]),
                                  f"file is named {name!r} but its id is {scenario.id!r}")
    return scenario, matches[-1]
