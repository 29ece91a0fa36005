"""Screens: what one system's cockpit watches, as a validated YAML file (``screens/*.yaml``).

A screen names the regions, alarm filters and severity rules, replication pairs with their
RPO, Kubernetes namespaces, ECS services, RDS instances, target groups, DynamoDB tables and
HTTP health endpoints of one system, the runbooks' CloudWatch thresholds and change windows, plus the thresholds that turn readings into
ok/warning/critical, the playbooks the cockpit offers for it and its response plans (what
level to declare and which playbook to run for what is firing: ``content/response.py``). A team adapts Cockpit to its
estate by editing these files, so every mistake is reported as ``file:line: what is wrong``
(through :mod:`cockpit.content.yamlfile`).

Endpoint URLs may reference environment variables (``${VAR}`` or ``${VAR:-default}``); they
are expanded when a source is built (:func:`expand_env`), not when the file is loaded, so
``cockpit demo`` can point a shipped screen at the emulated estate.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit.content.errors import ContentError, NotFound, Problem
from cockpit.content.paths import content_files
from cockpit.content.regions import check_region
from cockpit.content.response import Responses, check_metric_rows, check_playbooks, playbook_ids
from cockpit.content.yamlfile import load_yaml, read_content, validate

Severity = Literal["critical", "warning"]
AlarmState = Literal["ALARM", "INSUFFICIENT_DATA", "OK"]
Name = Annotated[str, Field(min_length=1, max_length=255)]
Region = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(check_region)]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(text: str, environ: dict[str, str] | None = None) -> str:
    """Replace ``${VAR}`` / ``${VAR:-default}``; an unset variable without default is an error."""
    env = os.environ if environ is None else environ

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = env.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise ValueError(f"environment variable {name} is not set (and has no ${{{name}:-default}})")

    return _ENV.sub(sub, text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression {value!r}: {exc}") from None
    return value


class SeverityRule(_Strict):
    """Alarms whose name matches ``match`` (a regex, searched) get ``severity`` when in ALARM."""

    match: str = Field(description="Regular expression searched in the alarm name.")
    severity: Severity
    note: str | None = Field(None, description="Where the rule comes from (runbook, matrix row).")

    _regex = field_validator("match")(_check_regex)


class Alarms(_Strict):
    """Which CloudWatch alarms the screen shows, and how severe each one is."""

    prefixes: list[Name] = Field(default_factory=list, description="Alarm name prefixes (any matches).")
    patterns: list[str] = Field(default_factory=list, description="Alarm name regexes (any matches).")
    states: list[AlarmState] = Field(default_factory=lambda: ["ALARM", "INSUFFICIENT_DATA"])
    recent_ok_minutes: int = Field(15, ge=0, description="Also show alarms that returned to OK this recently.")
    severity: list[SeverityRule] = Field(default_factory=list, description="First matching rule wins.")
    default_severity: Severity = "warning"
    regions: list[Region] = Field(default_factory=list, description="Default: the screen's regions.")

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        return [_check_regex(v) for v in values]

    def matches(self, name: str) -> bool:
        """Whether an alarm belongs on this screen (no filters: every alarm)."""
        if not self.prefixes and not self.patterns:
            return True
        return name.startswith(tuple(self.prefixes)) or any(re.search(p, name) for p in self.patterns)

    def severity_of(self, name: str) -> Severity:
        for rule in self.severity:
            if re.search(rule.match, name):
                return rule.severity
        return self.default_severity


class ReplicationPair(_Strict):
    """One S3 replication rule: source bucket → destination bucket, with its RPO budget."""

    id: Name
    source_bucket: Name
    destination_bucket: Name
    source_region: Region
    rule_id: Name = Field(description="The replication rule ID; S3 publishes metrics per rule.")
    rpo_seconds: int = Field(gt=0)
    warn_fraction: float = Field(0.5, gt=0, le=1, description="Lag above this share of the RPO is a warning.")


class Kubernetes(_Strict):
    """Kubernetes workloads to watch, through KUBECONFIG (or a named context)."""

    context: str | None = None
    namespaces: list[Name] = Field(min_length=1)
    deployments: list[Name] | Literal["all"] = "all"
    pods: bool = Field(True, description="List pods not Running, or restarting.")
    nodes: bool = Field(True, description="List nodes that are not Ready.")


class EcsCluster(_Strict):
    name: Name
    services: list[Name] | Literal["all"] = "all"


class Ecs(_Strict):
    region: Region
    clusters: list[EcsCluster] = Field(min_length=1)


class Rds(_Strict):
    region: Region
    instances: list[Name] = Field(min_length=1)


class TargetGroups(_Strict):
    region: Region
    names: list[Name] = Field(min_length=1)


class DynamoDB(_Strict):
    region: Region
    tables: list[Name] = Field(min_length=1)


class Endpoint(_Strict):
    """An HTTP health check: status code, optionally a JSON field, and latency."""

    name: Name
    url: Name = Field(description="May reference ${ENV_VAR} or ${ENV_VAR:-default}.")
    method: Literal["GET", "POST", "HEAD"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = Field(None, description="JSON body sent with POST.")
    expect_status: list[int] = Field(default_factory=lambda: [200])
    field: str | None = Field(None, description="JMESPath into the JSON answer, e.g. status.")
    expect: Any = Field(None, description="Value the field must equal (when field is set).")
    latency_warn_ms: int | None = Field(None, gt=0, description="Default: thresholds.http_latency_warn_ms.")
    timeout_seconds: float = Field(5.0, gt=0, le=60)

    @field_validator("expect_status", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @field_validator("field")
    @classmethod
    def _jmespath(cls, value: str | None) -> str | None:
        if value is not None:
            import jmespath
            from jmespath.exceptions import JMESPathError

            try:
                jmespath.compile(value)
            except JMESPathError as exc:
                raise ValueError(f"not a valid JMESPath expression {value!r}: {exc}") from None
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        probe = _ENV.sub(lambda m: m.group(2) or "http://placeholder", value)
        if not probe.startswith(("http://", "https://")) and not value.startswith("${"):
            raise ValueError(f"url must start with http:// or https:// (got {value!r})")
        return value


_STAT = re.compile(r"^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d{1,2})?|p100)$")


def _check_stat(value: str) -> str:
    if not _STAT.match(value):
        raise ValueError(f"not a CloudWatch statistic {value!r} (SampleCount, Average, Sum, Minimum, Maximum, p95...)")
    return value


class MetricRef(_Strict):
    """The denominator of a ratio check (``per``): another series, same region."""

    namespace: Name
    metric: Name
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str = "Sum"

    _stat = field_validator("stat")(_check_stat)


class MetricCheck(_Strict):
    """A runbook's CloudWatch threshold, watched: one series (or a ratio of two), read once a
    refresh with GetMetricData and held against ``*_above``/``*_below`` (in shown units:
    the raw value times ``scale``; a ratio is a percentage)."""

    name: Name
    region: Region | None = Field(None, description="Default: the screen's first region.")
    namespace: Name
    metric: Name
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str = "Average"
    period_seconds: int = Field(60, ge=60, le=86400 * 7)
    window_minutes: int = Field(15, ge=1, le=60 * 24 * 63,
                                description="How far back to read: the latest datapoint in it, or all of it reduced.")
    reduce: Literal["latest", "sum", "max", "average"] = Field(
        "latest", description="latest: the newest datapoint; sum/max/average: over the whole window.")
    per: MetricRef | None = Field(None, description="Ratio: 100 x this / per, as a percentage.")
    invert: bool = Field(False, description="Show 100 - the ratio (availability from an error ratio).")
    scale: float = Field(1.0, gt=0, description="Shown value = raw value x scale (bytes -> TB: 1e-12).")
    unit: str = Field("", max_length=8)
    warn_above: float | None = None
    critical_above: float | None = None
    warn_below: float | None = None
    critical_below: float | None = None
    budget: bool = Field(False, description=(
        "Show how much is left before the critical (else warning) threshold: an SLO's error budget, "
        "a cost budget."))
    no_data: Literal["unknown", "ok"] = Field("unknown", description=(
        "No datapoint in the window: unknown (cannot be seen), or ok where the service publishes "
        "nothing when nothing happens."))
    note: str | None = Field(None, description="Where the threshold comes from.")

    _stat = field_validator("stat")(_check_stat)

    @model_validator(mode="after")
    def _thresholds(self) -> "MetricCheck":
        if all(v is None for v in (self.warn_above, self.critical_above, self.warn_below, self.critical_below)):
            raise ValueError(f"metric check {self.name!r} needs a threshold: warn_above, critical_above, "
                             "warn_below or critical_below")
        if self.invert and self.per is None:
            raise ValueError(f"metric check {self.name!r}: invert needs per (it turns a ratio into its complement)")
        return self


class MaintenanceWindow(_Strict):
    """A daily change window (UTC), shown so a responder knows whether a change is in it."""

    name: Name
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM UTC")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM UTC; before start: over midnight")
    outside: Literal["ok", "warning"] = Field("ok", description="The level shown while the window is closed.")
    note: str | None = None


class Mttr(_Strict):
    """Mean time to recovery of the real incidents resolved in the window, against a target."""

    target_hours: float = Field(4.0, gt=0, description="Seed 002: Time to Recovery < 4 hours.")
    window_days: int = Field(30, ge=1, le=366)
    note: str | None = None


class Thresholds(_Strict):
    """Numbers that turn readings into warning/critical; defaults follow the runbooks."""

    replication_pending_ops_critical: int = Field(1000, ge=0, description="Seed 000: pending > 1000 is critical.")
    replication_failed_ops_warning: int = Field(1, ge=1)
    replication_stale_seconds: int = Field(300, ge=120, description=(
        "A lag datapoint older than this is not a current reading: the pair is unknown, shown with its age "
        "(S3 publishes every minute, a datapoint's timestamp is the start of its minute, and CloudWatch may "
        "be a few minutes late: under two minutes, current readings would flicker to unknown)."))
    pod_restarts_warning: int = Field(3, ge=1)
    http_latency_warn_ms: int = Field(500, gt=0, description="Seed 002: p95 < 500 ms.")
    slos: dict[str, str] = Field(default_factory=dict, description="Shown for reference (seed 002).")


class Screen(_Strict):
    """One system's cockpit: what to watch and what to offer."""

    name: Name = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: Name
    description: str = ""
    regions: list[Region] = Field(default_factory=list)
    alarms: Alarms | None = None
    replication: list[ReplicationPair] = Field(default_factory=list)
    kubernetes: Kubernetes | None = None
    ecs: Ecs | None = None
    rds: Rds | None = None
    target_groups: TargetGroups | None = None
    dynamodb: DynamoDB | None = None
    endpoints: list[Endpoint] = Field(default_factory=list)
    metrics: list[MetricCheck] = Field(default_factory=list,
                                       description="The runbooks' CloudWatch thresholds (sources/metrics.py).")
    mttr: Mttr | None = Field(None, description="MTTR from the timeline's resolved incidents (sources/mttr.py).")
    windows: list[MaintenanceWindow] = Field(default_factory=list,
                                             description="Daily change windows (sources/windows.py).")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    refresh_seconds: float = Field(5.0, ge=1, le=3600)
    playbooks: list[Name] = Field(default_factory=list)
    responses: Responses = Field(default_factory=Responses,
                                 description="The runbooks' response matrix: levels to declare, playbooks to run.")

    @model_validator(mode="after")
    def _consistent(self) -> "Screen":
        if self.alarms is not None and not (self.alarms.regions or self.regions):
            raise ValueError("alarms need regions: set regions (screen) or alarms.regions")
        for check in self.metrics:
            if check.region is None and not self.regions:
                raise ValueError(f"metrics: {check.name!r} needs a region (or the screen's regions)")
        for field_name, key in (("replication", "id"), ("endpoints", "name"), ("metrics", "name"),
                                ("windows", "name")):
            seen: set[str] = set()
            for item in getattr(self, field_name):
                value = getattr(item, key)
                if value in seen:
                    raise ValueError(f"{field_name}: duplicate {key} {value!r}")
                seen.add(value)
        return self

    @property
    def alarm_regions(self) -> list[str]:
        return list(self.alarms.regions or self.regions) if self.alarms else []


def load_screen(path: Path, playbooks_dirs: list[Path] | tuple[Path, ...] = ()) -> Screen:
    """Load and validate one screen file (ContentError with file:line when malformed).

    The playbooks its response plans name must exist (shipped, or in ``playbooks_dirs``):
    a plan that offers a missing playbook would fail at 3 a.m., when it is picked.
    """
    data, lines = load_yaml(read_content(path), path)
    screen = validate(Screen, data, lines, path)
    problems = check_metric_rows(screen.responses, [m.name for m in screen.metrics], path, lines)
    if screen.responses.plans or screen.responses.alerts:
        problems += check_playbooks(screen.responses, playbook_ids(playbooks_dirs), path, lines)
    if problems:
        raise ContentError(problems)
    return screen


def load_screens(extra_dirs: list[Path] | tuple[Path, ...] = (),
                 playbooks_dirs: list[Path] | tuple[Path, ...] = ()) -> dict[str, Screen]:
    """Every screen, shipped first; a user's folder overrides a shipped screen of the same name.

    All malformed files are reported together, so one run shows everything to fix.
    """
    screens: dict[str, Screen] = {}
    problems: list[Problem] = []
    for path in content_files("screens", extra_dirs):
        try:
            screen = load_screen(path, playbooks_dirs)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        screens[screen.name] = screen
    if problems:
        raise ContentError(problems)
    return screens


def available_screens(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> list[str]:
    """Names of the screens on offer, without validating them (for error messages)."""
    return sorted({p.stem for p in content_files("screens", extra_dirs)})


def find_screen(name: str, extra_dirs: list[Path] | tuple[Path, ...] = (),
                playbooks_dirs: list[Path] | tuple[Path, ...] = ()) -> Screen:
    """The screen called ``name``; NotFound lists the available ones.

    Only the file(s) named ``<name>.yaml`` are validated first, so a broken unrelated screen
    does not stop the one asked for; the full scan is the fallback for files named otherwise.
    """
    for path in reversed(content_files("screens", extra_dirs)):
        if path.stem == name:
            screen = load_screen(path, playbooks_dirs)
            if screen.name == name:
                return screen
    screens = load_screens(extra_dirs, playbooks_dirs)
    if name in screens:
        return screens[name]
    raise NotFound("screen", name, sorted(screens))


def screen_for_playbook(playbook: Any, preferred: str, extra_dirs: list[Path] | tuple[Path, ...] = (),
                        playbooks_dirs: list[Path] | tuple[Path, ...] = ()) -> Screen | None:
    """The screen whose values fill a playbook's ``default_from``: ``preferred`` (the
    configured or --screen one) if the playbook applies to it, else the first it names.
    None when there is none or its file is broken: that is `cockpit status`'s to report,
    and the playbook's written defaults still apply."""
    wanted = playbook.applies_to.screens
    name = preferred if not wanted or preferred in wanted else wanted[0]
    try:
        return load_screens(extra_dirs, playbooks_dirs).get(name)
    except ContentError:
        return None
