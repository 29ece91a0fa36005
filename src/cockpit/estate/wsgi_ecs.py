"""ECS services are scheduled: the WSGI side of :mod:`ecs_scheduler`.

In front of moto, this middleware

* lets the scheduler apply what is due before any request is answered (so cockpit, aws-cli
  and boto3 all see one progression on the scenario clock);
* tells the scheduler when ``CreateService`` / ``UpdateService`` / ``DeleteService``
  succeeded (with ``forceNewDeployment``), and answers with the service as the scheduler
  left it (moto's own answer would say ``runningCount`` = desired at once);
* lists RUNNING tasks on a ``ListTasks`` that names no ``desiredStatus`` (AWS's default), and
  only the named service's tasks on one with ``serviceName`` (moto ignores it; an unknown
  service is ECS's ``ServiceNotFoundException``);
* answers ``DescribeTargetHealth`` for a target group an ECS service registers its tasks in
  with those tasks (``instance id:host port``, ``initial`` / ``healthy`` / ``draining``)
  besides any target registered by hand: moto keys targets by id alone, so two tasks on one
  host (every rolling deployment has them) could not both be moto targets;
* drains a task target a client deregisters (``DeregisterTargets``; moto refused it as
  ``InvalidTarget``): ``draining`` for the group's deregistration delay, then gone.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape

from cockpit.estate.ecs_scheduler import EcsScheduler, Target
from cockpit.estate.wsgi_counter import WsgiApp, credential_scope, is_internal, operation_of
from cockpit.estate.wsgi_body import json_object
from cockpit.estate.wsgi_operations import _call, _read_body, _with_length

_SERVICE_CALLS = ("CreateService", "UpdateService", "DeleteService")
_ECS_TARGET = "AmazonEC2ContainerServiceV20141113."
_DESCRIPTIONS = re.compile(rb"<TargetHealthDescriptions>(.*?)</TargetHealthDescriptions>|<TargetHealthDescriptions\s*/>", re.S)
_MEMBER = re.compile(rb"<member>.*?</member>", re.S)
_TARGET = re.compile(rb"<Target>.*?<Id>([^<]*)</Id>.*?(?:<Port>(\d+)</Port>)?.*?</Target>", re.S)


class EcsServices:
    """Wrap moto's WSGI app; schedule ECS services and report their targets (module docstring)."""

    def __init__(self, app: WsgiApp, scheduler: EcsScheduler, *,
                 ecs_seeded: Callable[[], object] | None = None) -> None:
        self.app = app
        self.scheduler = scheduler
        #: Blocks until ECS is seeded. ELBv2 is ready before ECS (the ALB is what the first
        #: screen reads), but a target group's task targets are ECS's: until its services
        #: exist, web-service-tg would answer no target at all.
        self.ecs_seeded = ecs_seeded

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.scheduler.settle()
        service, region = credential_scope(environ)
        if service == "ecs":
            operation = operation_of(environ)
            if operation in _SERVICE_CALLS:
                return self._service_call(environ, start_response, region)
            if operation == "ListTasks":
                _default_desired_status(environ)
                return self._list_tasks(environ, start_response, region)
        elif service == "elbv2" and operation_of(environ) in ("DescribeTargetHealth", "DeregisterTargets"):
            if self.ecs_seeded is not None and not is_internal(environ):
                self.ecs_seeded()
            if operation_of(environ) == "DeregisterTargets":
                return self._deregister(environ, start_response, region)
            return self._target_health(environ, start_response, region)
        return self.app(environ, start_response)

    # -- ECS ---------------------------------------------------------------------------------

    def _service_call(self, environ: dict[str, Any], start_response: Callable[..., Any],
                      region: str) -> Iterable[bytes]:
        request = json_object(_read_body(environ))
        status, headers, raw = _call(self.app, environ)
        answer = json_object(raw) if status.startswith("200") else {}
        described = answer.get("service") if isinstance(answer.get("service"), dict) else None
        if described is not None:
            name = str(described.get("serviceName", ""))
            cluster = str(described.get("clusterArn", "")).rsplit("/", 1)[-1]
            self.scheduler.service_changed(region, cluster, name,
                                           force_new_deployment=bool(request.get("forceNewDeployment")))
            fresh = self._describe(environ, cluster, name)
            if fresh is not None:
                answer["service"] = fresh
                raw = json.dumps(answer).encode()
                headers = _with_length(headers, raw)
        start_response(status, headers)
        return [raw]

    def _describe(self, environ: dict[str, Any], cluster: str, name: str) -> dict[str, Any] | None:
        """The service as moto's DescribeServices serialises it now (the same request, re-aimed)."""
        body = json.dumps({"cluster": cluster, "services": [name]}).encode()
        inner = dict(environ, HTTP_X_AMZ_TARGET=_ECS_TARGET + "DescribeServices", CONTENT_LENGTH=str(len(body)))
        inner["wsgi.input"] = io.BytesIO(body)
        status, _, raw = _call(self.app, inner)
        services = json_object(raw).get("services") if status.startswith("200") else None
        return services[0] if isinstance(services, list) and services else None

    def _list_tasks(self, environ: dict[str, Any], start_response: Callable[..., Any],
                    region: str) -> Iterable[bytes]:
        request = json_object(_read_body(environ))
        name = str(request.get("serviceName") or "")
        status, headers, raw = _call(self.app, environ)
        if name and status.startswith("200"):
            cluster = str(request.get("cluster") or "default").rsplit("/", 1)[-1]
            owned = self.scheduler.service_tasks(region, cluster, name.rsplit("/", 1)[-1])
            if owned is None:
                raw = json.dumps({"__type": "ServiceNotFoundException", "message": "Service not found."}).encode()
                status = "400 Bad Request"
            else:
                answer = json_object(raw)
                answer["taskArns"] = [arn for arn in answer.get("taskArns", []) if arn in owned]
                raw = json.dumps(answer).encode()
            headers = _with_length(headers, raw)
        start_response(status, headers)
        return [raw]

    # -- ELBv2 -------------------------------------------------------------------------------

    def _deregister(self, environ: dict[str, Any], start_response: Callable[..., Any],
                    region: str) -> Iterable[bytes]:
        """Task targets are the scheduler's: it drains them; any other target goes to moto."""
        form = parse_qs(_read_body(environ).decode("utf-8", "replace"))
        arn = form.get("TargetGroupArn", [""])[0]
        asked = _asked_targets(form)
        ours = self.scheduler.deregister(region, arn, asked) if arn and asked else set()
        if not ours:
            return self.app(environ, start_response)
        if ours == asked:
            return _deregistered(start_response)
        rest = sorted(asked - ours, key=lambda t: (t[0], t[1] or 0))
        fields = [(k, v[0]) for k, v in form.items() if not k.startswith("Targets.member.")]
        for n, (target_id, port) in enumerate(rest, 1):
            fields.append((f"Targets.member.{n}.Id", target_id))
            if port is not None:
                fields.append((f"Targets.member.{n}.Port", str(port)))
        body = urlencode(fields).encode()
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.app(environ, start_response)

    def _target_health(self, environ: dict[str, Any], start_response: Callable[..., Any],
                       region: str) -> Iterable[bytes]:
        form = parse_qs(_read_body(environ).decode("utf-8", "replace"))
        arn = form.get("TargetGroupArn", [""])[0]
        ours = self.scheduler.targets(region, arn) if arn else None
        status, headers, raw = _call(self.app, environ)
        match = _DESCRIPTIONS.search(raw)
        if ours is None or not status.startswith("200") or match is None:
            start_response(status, headers)
            return [raw]
        asked = _asked_targets(form)
        if asked:
            ours = [t for t in ours if (t.id, t.port) in asked or (t.id, None) in asked]
        known = {(t.id, t.port) for t in ours} | {(t.id, None) for t in ours}
        kept = [m for m in _MEMBER.findall(match.group(1) or b"") if _member_key(m) not in known]
        members = b"".join(kept) + b"".join(_member(t) for t in ours)
        raw = raw[:match.start()] + b"<TargetHealthDescriptions>" + members + b"</TargetHealthDescriptions>" + raw[match.end():]
        start_response(status, _with_length(headers, raw))
        return [raw]


def _deregistered(start_response: Callable[..., Any]) -> Iterable[bytes]:
    """ELBv2's DeregisterTargets answer (an empty result), in its query/XML protocol."""
    raw = (b'<DeregisterTargetsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
           b"<DeregisterTargetsResult/><ResponseMetadata><RequestId>" + str(uuid.uuid4()).encode()
           + b"</RequestId></ResponseMetadata></DeregisterTargetsResponse>")
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(raw)))])
    return [raw]


def _default_desired_status(environ: dict[str, Any]) -> None:
    """ListTasks without ``desiredStatus`` lists RUNNING ones in AWS (moto: every task, stopped too)."""
    request = json_object(_read_body(environ))
    if "desiredStatus" not in request:
        body = json.dumps({**request, "desiredStatus": "RUNNING"}).encode()
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))



def _asked_targets(form: dict[str, list[str]]) -> set[tuple[str, int | None]]:
    """The (Id, Port) pairs a DescribeTargetHealth asked about (``Targets.member.N.Id/Port``)."""
    asked: set[tuple[str, int | None]] = set()
    for key, values in form.items():
        found = re.fullmatch(r"Targets\.member\.(\d+)\.Id", key)
        if found:
            port = form.get(f"Targets.member.{found.group(1)}.Port", [""])[0]
            asked.add((values[0], int(port) if port.isdigit() else None))
    return asked


def _member_key(member: bytes) -> tuple[str, int | None]:
    found = _TARGET.search(member)
    if found is None:
        return "", None
    return found.group(1).decode(), int(found.group(2)) if found.group(2) else None


def _member(target: Target) -> bytes:
    reason = (f"<Reason>{escape(target.reason)}</Reason><Description>{escape(target.description)}</Description>"
              if target.reason else "")
    return (f"<member><Target><Id>{escape(target.id)}</Id><Port>{target.port}</Port></Target>"
            f"<HealthCheckPort>{target.port}</HealthCheckPort>"
            f"<TargetHealth><State>{target.state}</State>{reason}</TargetHealth></member>").encode()
