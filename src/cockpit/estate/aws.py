"""The runbooks' AWS account: moto's server on loopback, seeded, counting what it serves.

We build the same werkzeug server as moto's ``ThreadedMotoServer`` ourselves so that a
counting middleware sits between the socket and moto (see :mod:`wsgi_counter`), and so the
port can be 0 (the OS picks a free one; parallel test runs never collide).

moto keeps its state in process-wide globals, so two estates in one process would share
one account. :meth:`AwsEstate.start` therefore resets moto and refuses to start while
another estate in this process is running, instead of silently mixing them.

Start time is most of what ``cockpit demo`` waits for, so: moto is imported through
:mod:`moto_boot` (botocore's data decoded once, not five times), and the runner asks for
``start(defer_rest=True)``: ready once what the default screen reads is seeded, the rest
seeded in the second after, service by service, behind a :class:`SeedGate`
(docs/estate-aws.md, "Start time").

The driver methods (alarm states, published metrics, health-check lookups) are what a
scenario uses to play "AWS": moto never evaluates alarms and never replicates objects.
They are synchronous (call them from a thread, never from an event loop) and go over HTTP
with boto3 clients whose User-Agent carries ``INTERNAL_MARKER``, so request counts only
show what Cockpit itself did.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer, make_server

from cockpit.estate import catalogue as cat
from cockpit.estate import moto_boot, moto_iam
from cockpit.estate.aws_seed import (HELD_AT_READY, READY_SERVICES, REST_SERVICES, SeedResult, late_steps,
                                     pane_steps, replication_data, rest_steps, run_steps, soon_steps)
from cockpit.estate.alarms import AlarmEvaluator
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.metric_series import REPLICATION_BASELINE, alb_series, baseline_series, replication_keys
from cockpit.estate.metrics import MetricStore, series_key
from cockpit.estate.ecs_scheduler import EcsScheduler
from cockpit.estate.requestlog import INTERNAL_MARKER, RequestLog
from cockpit.estate.wsgi_cloudwatch import CloudWatchWorld
from cockpit.estate.wsgi_counter import CountingMiddleware
from cockpit.estate.wsgi_dynamodb_pitr import PointInTimeWindows
from cockpit.estate.wsgi_dynamodb_serial import SerialDynamoDbWrites
from cockpit.estate.wsgi_answers import EstateAnswers
from cockpit.estate.wsgi_ecs import EcsServices
from cockpit.estate.wsgi_gate import SeedGate
from cockpit.estate.wsgi_iam_keys import AccessKeyPolicy
from cockpit.estate.wsgi_logs_insights import LogsInsights
from cockpit.estate.wsgi_operations import LongOperations
from cockpit.estate.wsgi_outage import OutageMiddleware, Outages
from cockpit.estate.wsgi_s3_archive import ArchivedObjectMetadata
from cockpit.estate.wsgi_s3_multipart import MultipartInitiated
from cockpit.estate.s3_replicator import Replicator
from cockpit.estate.wsgi_s3_replication import ReplicationStatus

#: Credentials the estate accepts (moto accepts any); printed into ``cockpit demo`` env files.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"

#: How long the deferred seed waits, per request it makes, for outside requests to finish.
_GIVE_WAY_SECONDS = 0.05

_running_lock = threading.Lock()
_running: AwsEstate | None = None


class EstateAlreadyRunning(RuntimeError):
    """moto's state is per process: a second estate would share (and reset) the first one's account."""


def _quiet_handler() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietMotoRequestHandler(MotoRequestHandler):  # type: ignore[misc, valid-type]
        """werkzeug logs every request to stderr; the demo's terminal is not the place."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    return QuietMotoRequestHandler


class AwsEstate:
    """moto on a free loopback port, seeded with seeds 000/001/003/004's resources."""

    def __init__(self, log: RequestLog, host: str = "127.0.0.1", port: int = 0, *,
                 clock: ScenarioClock | None = None, seed: str = "cockpit") -> None:
        self.log = log
        #: The scenario clock: its world time stamps every metric and alarm transition.
        self.clock = clock or ScenarioClock()
        #: The account's CloudWatch metrics (generated history, scenario levels, puts), in world time.
        self.metrics = MetricStore(seed, origin=self.clock.world_now())
        self.alarms = AlarmEvaluator(self.metrics, self.clock, cat.ACCOUNT_ID)
        self.ecs = EcsScheduler(self.clock)  # ECS's service scheduler (deployments, task targets)
        self.host = host
        self.port = port
        self.endpoint_url = ""
        self.seed: SeedResult | None = None
        self.start_seconds = 0.0  # until start() returned (ready)
        self.seed_seconds = 0.0  # until the whole account was seeded (later, with defer_rest)
        self._gate: SeedGate | None = None
        self.outages = Outages()  # regional outages the scenario plays (wsgi_outage.py)
        self.keys: AccessKeyPolicy | None = None  # IAM access keys' policy (wsgi_iam_keys.py), set by start
        self._undo_iam_clock: Any = None
        self._rest_thread: threading.Thread | None = None
        self._seeded = threading.Event()
        self._seed_error: BaseException | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()
        self._user_keys: dict[str, tuple[str, str]] = {}  # user -> (key id, secret): see client_as
        self._session: boto3.session.Session | None = None  # made in start(), after moto is imported
        self._config = Config(user_agent_extra=INTERNAL_MARKER, retries={"max_attempts": 2, "mode": "standard"},
                              connect_timeout=5, read_timeout=30)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, *, defer_rest: bool = False) -> None:
        """Bind, serve in a daemon thread, reset moto and seed. Blocks until ready.

        Ready means the whole account is seeded; with ``defer_rest``, it means what the
        default screen reads is seeded (``aws_seed.READY_SERVICES``), and the rest is
        seeded in a thread in the second after, service by service, while the server holds
        outside requests to each until it is done (:class:`SeedGate`) and :meth:`client`
        waits likewise, so nobody sees a service half-built. That second is most of what a
        cold ``cockpit demo`` would otherwise wait for.
        """
        global _running
        started = time.perf_counter()
        with _running_lock:
            if _running is not None:
                raise EstateAlreadyRunning(
                    f"an AWS estate is already running in this process at {_running.endpoint_url}")
            _running = self
        self._seeded.clear()
        self._seed_error = None
        self.log.world_clock = self.world_now  # what CloudTrail stamps on the writes it reports
        try:
            moto_boot.boot()
            self._session = self._seeding_session()
            self._session.events.register("before-call", self._give_way, unique_id="cockpit-give-way")
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

            self.ecs = EcsScheduler(self.clock)  # moto is reset below: so is what it scheduled
            # S3 replicating run-time writes: once S3 is seeded (the seed writes both sides itself)
            self.replicator = Replicator(self._client, lambda: self._gate is not None and self._gate.seeded("s3"))
            s3_fixes = ReplicationStatus(ArchivedObjectMetadata(MultipartInitiated(
                DomainDispatcherApplication(create_backend_app))), self.replicator)
            # DynamoDB writes one at a time: a conditional write is atomic, as in AWS (wsgi_dynamodb_serial)
            ecs = EcsServices(s3_fixes, self.ecs, ecs_seeded=self._ecs_seeded)
            moto_app = PointInTimeWindows(SerialDynamoDbWrites(ecs), self.clock)
            world = CloudWatchWorld(LongOperations(moto_app, self.clock), self.metrics, self.alarms, self.clock)
            answers = EstateAnswers(OutageMiddleware(world, self.outages), self.log,
                                    self._client, self.world_now, outages=self.outages)
            answers = LogsInsights(answers, self._client)  # Insights queries run on the groups' events
            self.keys = AccessKeyPolicy(answers, self.clock)  # dead keys refused, IAM dates in world time
            self._undo_iam_clock = moto_iam.world_clock(self.world_now)
            self._gate = SeedGate(self.keys, READY_SERVICES, held_regions=HELD_AT_READY)
            app = CountingMiddleware(self._gate, self.log)
            self._server = make_server(self.host, self.port, app, threaded=True, request_handler=_quiet_handler())
            self._server.daemon_threads = True
            self.port = self._server.server_address[1]
            self.endpoint_url = f"http://{self.host}:{self.port}"
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="aws-estate", daemon=True)
            self._thread.start()
            self._reset_moto()
            self.seed = SeedResult()
            run_steps(pane_steps(self._client, self.seed), self.seed, time.perf_counter)
            for key, baseline in baseline_series():
                self.metrics.define(key, baseline)
            self.alarms.evaluate_due(force=True)
            self.alarms.start()
            if defer_rest:
                self._rest_thread = threading.Thread(target=self._seed_rest, args=(started,), name="aws-estate-seed",
                                                     daemon=True)
                self._rest_thread.start()
            else:
                self._seed_rest(started)
                self.wait_seeded()
        except BaseException as exc:
            if not self._seeded.is_set():  # nobody may wait a minute for a seed that never ran
                self._seed_error = exc
                self._seeded.set()
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - started

    def _seed_rest(self, started: float) -> None:
        """Seed the other services, letting each one's held requests through once it is done
        (and all of them if seeding failed)."""
        assert self.seed is not None
        try:
            for name, step, services in soon_steps(self._client, self.seed):
                run_steps([(name, step)], self.seed, time.perf_counter)
                if "elbv2" in services:  # the ALB exists: its metrics have a history from now on
                    for key, baseline in alb_series(self.seed.alb_dimension):
                        self.metrics.define(key, baseline)
                self.alarms.evaluate_due()  # the step's new alarms are evaluated before anyone reads them
                if "ecs" in services:
                    self.ecs.steady()  # the seeded service has been running a while: tasks healthy
                if self._gate is not None:
                    self._gate.ready(services)
            run_steps(rest_steps(self._client, self.seed), self.seed, time.perf_counter)
            if self._gate is not None:
                self._gate.ready(REST_SERVICES)
            run_steps(late_steps(self._client, self.seed), self.seed, time.perf_counter)
        except BaseException as exc:  # reported by wait_seeded(), from whichever thread asks
            self._seed_error = exc
        finally:
            self.seed_seconds = time.perf_counter() - started
            if self._gate is not None:
                self._gate.open()
            self._seeded.set()

    def _give_way(self, **_: Any) -> None:
        """botocore hook: the deferred seed waits while outside requests are served (see SeedGate)."""
        if self._gate is not None and threading.current_thread() is self._rest_thread:
            self._gate.wait_quiet(_GIVE_WAY_SECONDS)

    def _ecs_seeded(self) -> None:
        """Block an outside request until ECS is seeded (its task targets exist); see EcsServices."""
        if self._gate is not None:
            self._gate.wait_ready("ecs")

    @property
    def seeded(self) -> bool:
        """Whether the whole account is seeded (with ``defer_rest``, a second or so after ready)."""
        return self._seeded.is_set() and self._seed_error is None

    def wait_seeded(self, timeout: float | None = 60.0) -> None:
        """Block until the whole account is seeded; raise if seeding failed or never ended."""
        if not self._seeded.wait(timeout):
            raise TimeoutError(f"the AWS estate was not seeded after {timeout:g} s")
        if self._seed_error is not None:
            raise RuntimeError(f"seeding the AWS estate failed: {self._seed_error}") from self._seed_error

    @property
    def held_requests(self) -> int:
        """Outside requests that arrived before the account was fully seeded and were held."""
        return self._gate.held if self._gate is not None else 0

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice or after a failed start."""
        global _running
        self.alarms.stop()
        rest, self._rest_thread = self._rest_thread, None
        if rest is not None:
            rest.join(timeout=30)  # never close the clients or reset moto under a running seed
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        with self._clients_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        undo, self._undo_iam_clock = self._undo_iam_clock, None
        if undo is not None:
            undo()  # moto's IAM back on its own clock
        with _running_lock:
            if _running is self:
                _running = None

    def __enter__(self) -> AwsEstate:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def _seeding_session() -> boto3.session.Session:
        """Our own session, reading service models through the loader moto already filled.

        moto decoded EC2's, ECS's, ... models to list their regions; sharing its loader
        (botocore's ``register_component`` hook) saves decoding them again for our clients.
        Registered after boto3 set the session up, so moto's loader is used, not modified.
        """
        core = botocore.session.get_session()
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                                        botocore_session=core)
        loader = moto_boot.shared_loader()
        if loader is not None:
            core.register_component("data_loader", loader)
        return session

    def _reset_moto(self) -> None:
        """Forget any account a previous estate in this process left behind, and keep tasks running.

        moto walks an ECS task RUNNING -> DEACTIVATING -> STOPPING ... one step per
        DescribeTasks; a cockpit that polls every few seconds would watch web-service's tasks
        die for no reason. A task now only leaves RUNNING when someone stops it.
        """
        self._moto_api("/moto-api/reset", None)
        self._moto_api("/moto-api/state-manager/set-transition",
                       {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 2**62}})
        # A Glacier restore is finished by the estate on the scenario clock (wsgi_operations),
        # not by moto on the first HeadObject.
        self._moto_api("/moto-api/state-manager/set-transition",
                       {"model_name": "s3::keyrestore", "transition": {"progression": "manual", "times": 2**62}})

    def _moto_api(self, path: str, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.endpoint_url}{path}", data=data, method="POST",
                                         headers={"User-Agent": INTERNAL_MARKER, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def world_now(self) -> float:
        """World time in epoch seconds (the scenario clock's): what CloudTrail stamps on writes."""
        return self.clock.world_now()

    def set_key_max_age(self, seconds: float | None) -> None:
        """The account's access-key rotation policy from now on: older Active keys go Inactive."""
        if self.keys is not None:
            self.keys.set_max_age(seconds)

    # -- clients -----------------------------------------------------------------------------

    def client(self, service: str, region: str) -> Any:
        """A cached, internal-marked boto3 client (botocore clients are thread-safe; sessions are not).

        For a service still being seeded, it first waits until that service is done (or
        seeding failed: then it raises): the estate's own requests pass the gate, so this is
        what keeps the scenario driver (and tests) from seeing an object or health check
        that is still being created.
        """
        gate = self._gate
        if gate is not None and self.endpoint_url and not gate.seeded(service, region):
            gate.wait_ready(service, region=region)  # returns at once once the whole seed is over
            if self._seed_error is not None or not gate.is_ready(service, region):
                self.wait_seeded()  # raises: what failed, or that it never ended
        return self._client(service, region)

    def client_as(self, user: str, service: str, region: str) -> Any:
        """A client that acts as IAM user ``user`` (a scenario's person making a change): not
        internal-marked, signed with an access key the estate creates for the user once, so
        the request is counted and CloudTrail names the user. The key's secret stays in memory."""
        with self._clients_lock:
            keys = self._user_keys.get(user)
        if keys is None:
            created = self.client("iam", cat.US_REGION).create_access_key(UserName=user)["AccessKey"]
            with self._clients_lock:
                keys = self._user_keys.setdefault(user, (created["AccessKeyId"], created["SecretAccessKey"]))
        session = boto3.session.Session(aws_access_key_id=keys[0], aws_secret_access_key=keys[1])
        return session.client(service, region_name=region, endpoint_url=self.endpoint_url)

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                if not self.endpoint_url or self._session is None:
                    raise RuntimeError("the AWS estate is not started")
                client = self._session.client(service, region_name=region, endpoint_url=self.endpoint_url,
                                              config=self._config)
                self._clients[key] = client
            return client

    def environment(self) -> dict[str, str]:
        """Variables that point the AWS CLI, boto3 or aiobotocore at this estate."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY, "AWS_DEFAULT_REGION": cat.PRIMARY_REGION,
                "AWS_REGION": cat.PRIMARY_REGION}

    # -- driving: alarms and metrics ----------------------------------------------------------

    def set_alarm_state(self, alarm_name: str, state: str, reason: str, *, region: str | None = None) -> None:
        """SetAlarmState, as an operator would: it lasts until the alarm's next evaluation."""
        self.client("cloudwatch", region or cat.alarm_region(alarm_name)).set_alarm_state(
            AlarmName=alarm_name, StateValue=state, StateReason=reason)

    def alarm_state(self, alarm_name: str, *, region: str | None = None) -> str:
        found = self.client("cloudwatch", region or cat.alarm_region(alarm_name)).describe_alarms(
            AlarmNames=[alarm_name])["MetricAlarms"]
        if not found:
            raise KeyError(f"alarm {alarm_name!r} does not exist")
        return str(found[0]["StateValue"])

    def set_metric_level(self, region: str, namespace: str, name: str, dimensions: dict[str, str],
                         to: float | None, over: float = 0.0) -> None:
        """From now (world time), the metric is published at ``to``, reached linearly over ``over``
        world seconds; None: nothing is published any more (its last datapoint ages).
        The runbook's ``app/production-alb/xxx`` names the real ALB, as in the alarms."""
        alb = self.seed.alb_dimension if self.seed else cat.ALB_DIMENSION_PLACEHOLDER
        dimensions = {k: alb if v == cat.ALB_DIMENSION_PLACEHOLDER else v for k, v in dimensions.items()}
        self.metrics.set_level(series_key(region, namespace, name, dimensions), self.clock.world_now(), to, over)

    def set_replication_level(self, pair_id: str, metric: str, to: float | None, over: float = 0.0) -> None:
        """Play S3 replication: one metric of a pair, under every dimension set it is read with."""
        try:
            pair = cat.PAIRS_BY_ID[pair_id]
        except KeyError:
            raise KeyError(f"unknown replication pair {pair_id!r}; known: {', '.join(cat.PAIRS_BY_ID)}") from None
        if metric not in REPLICATION_BASELINE:
            raise KeyError(f"unknown replication metric {metric!r}; known: {', '.join(REPLICATION_BASELINE)}")
        now = self.clock.world_now()
        for key in replication_keys(pair, metric):
            self.metrics.set_level(key, now, to, over)

    def put_replication_metrics(self, pair_id: str, *, latency_seconds: float, pending_operations: float,
                                failed_operations: float, bytes_pending: float) -> None:
        """Publish one datapoint of each of a pair's four metrics now, through PutMetricData."""
        try:
            pair = cat.PAIRS_BY_ID[pair_id]
        except KeyError:
            raise KeyError(f"unknown replication pair {pair_id!r}; known: {', '.join(cat.PAIRS_BY_ID)}") from None
        data = replication_data(pair, datetime.now(timezone.utc), latency_seconds=latency_seconds,
                                 pending_operations=pending_operations, failed_operations=failed_operations,
                                 bytes_pending=bytes_pending)
        self.client("cloudwatch", pair.source_region).put_metric_data(Namespace="AWS/S3", MetricData=data)

    def put_metric(self, region: str, namespace: str, name: str, dimensions: dict[str, str], value: float,
                   unit: str = "None") -> None:
        self.client("cloudwatch", region).put_metric_data(Namespace=namespace, MetricData=[{
            "MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Value": float(value), "Unit": unit, "Timestamp": datetime.now(timezone.utc)}])

    def put_log_lines(self, group: str, lines: list[str]) -> None:
        """Append lines (e.g. ``ERROR ...``) to a runbook log group, as the application would."""
        try:
            region = cat.LOG_GROUPS_BY_NAME[group].region
        except KeyError:
            raise KeyError(f"unknown log group {group!r}; known: {', '.join(cat.LOG_GROUPS_BY_NAME)}") from None
        now_ms = int(time.time() * 1000)
        self.client("logs", region).put_log_events(
            logGroupName=group, logStreamName=cat.LOG_STREAM,
            logEvents=[{"timestamp": now_ms, "message": line} for line in lines])

    def set_outage(self, service: str, region: str, down: bool) -> None:
        """Play a regional outage: ``service`` in ``region`` fails for outside clients until
        set back (``wsgi_outage.py`` says what fails and what keeps answering)."""
        self.outages.set(service, region, down)

    # -- reading back what responders changed -------------------------------------------------

    def health_check_id(self, name: str = cat.HEALTH_CHECK.name) -> str:
        """The id moto generated for the health check tagged ``Name=<name>``."""
        r53 = self.client("route53", cat.US_REGION)
        ids = [hc["Id"] for hc in r53.list_health_checks()["HealthChecks"]]
        if ids:
            tagged = r53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids)
            for tag_set in tagged["ResourceTagSets"]:
                if {"Key": "Name", "Value": name} in tag_set.get("Tags", []):
                    return str(tag_set["ResourceId"])
        raise KeyError(f"no Route53 health check tagged Name={name}")

    def health_check_disabled(self, name: str = cat.HEALTH_CHECK.name) -> bool:
        """Whether a responder ran ``update-health-check --disabled`` (seed 003 failover phase 2)."""
        check = self.client("route53", cat.US_REGION).get_health_check(HealthCheckId=self.health_check_id(name))
        return bool(check["HealthCheck"]["HealthCheckConfig"].get("Disabled", False))

    def object_exists(self, bucket: str, key: str) -> bool:
        region = next((b.region for b in cat.BUCKETS if b.name == bucket), cat.US_REGION)
        s3 = self.client("s3", region)
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return False
            raise
        return True
