"""A WSGI middleware that records every AWS request moto serves into a RequestLog.

Counting at the server is what makes claims such as "one GetMetricData per region per
refresh" or "a dry run makes zero mutating requests" honest: the client cannot hide a call.
The AWS wire protocols name the operation in four different places, so we look in each:

* ``X-Amz-Target: DynamoDB_20120810.GetItem`` (JSON protocols: DynamoDB, ECS, ...);
* the smithy rpc-v2-cbor path ``/service/<svc>/operation/<Op>`` (what botocore >= 1.40
  speaks to CloudWatch);
* a form body ``Action=DescribeAlarms&...`` (query protocol: RDS, ELBv2, SNS, EC2, ...);
* otherwise REST (S3, Route53, Lambda): recorded as ``"METHOD /path"``, and whether it
  mutates is decided by the HTTP method.

Service and region come from the SigV4 credential scope (header or presigned query).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from cockpit.estate.request_resources import access_key_of, resources_of
from cockpit.estate.requestlog import INTERNAL_MARKER, RequestLog
from cockpit.estate.wsgi_body import peek_body

#: SigV4 signing names that differ from the name a reader would look for.
_SERVICE_ALIASES = {"monitoring": "cloudwatch", "elasticloadbalancing": "elbv2", "email": "ses"}
_INTERNAL_HEADER = "HTTP_X_" + INTERNAL_MARKER.upper().replace("-", "_")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def credential_scope(environ: dict[str, Any]) -> tuple[str, str]:
    """(service, region) from the SigV4 Authorization header or a presigned URL; ("", "") if unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    credential = ""
    if "Credential=" in auth:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    elif "X-Amz-Credential=" in environ.get("QUERY_STRING", ""):
        credential = parse_qs(environ["QUERY_STRING"]).get("X-Amz-Credential", [""])[0]
    parts = credential.split("/")
    if len(parts) < 5:
        return "", ""
    region, service = parts[-3], parts[-2]
    return _SERVICE_ALIASES.get(service, service), region


def _form_body(environ: dict[str, Any]) -> bytes:
    """Read a form-encoded body and put it back, so moto still sees every byte."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return b""
    return peek_body(environ)


def operation_of(environ: dict[str, Any]) -> str:
    """The AWS operation name of a request, or ``"METHOD /path"`` for REST services."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    path = environ.get("PATH_INFO", "") or "/"
    if path.startswith("/service/") and "/operation/" in path:
        return path.rsplit("/operation/", 1)[1].strip("/")
    query_action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if query_action:
        return query_action[0]
    body = _form_body(environ)
    if body:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    return f"{environ.get('REQUEST_METHOD', 'GET').upper()} {path}"


def is_internal(environ: dict[str, Any]) -> bool:
    """The estate's own seeding and driving carries the marker in its User-Agent."""
    return INTERNAL_MARKER in environ.get("HTTP_USER_AGENT", "") or _INTERNAL_HEADER in environ


class CountingMiddleware:
    """Wrap a WSGI app; record each request before handing it on unchanged."""

    def __init__(self, app: WsgiApp, log: RequestLog, component: str = "aws") -> None:
        self.app = app
        self.log = log
        self.component = component

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service, region = credential_scope(environ)
        operation = operation_of(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        internal = is_internal(environ)
        writes = not internal and method.upper() not in ("GET", "HEAD", "OPTIONS")  # CloudTrail keeps these
        self.log.record(self.component, service or "unknown", operation, method,
                        internal=internal, region=region, access_key=access_key_of(environ),
                        resources=resources_of(environ) if writes else ())
        try:
            return self.app(environ, start_response)
        except NotImplementedError as exc:
            # moto raises this for operations it lacks (CloudTrail LookupEvents, DescribeAlarmHistory).
            # werkzeug would print a traceback into the estate's terminal and answer an HTML 500;
            # answer like AWS instead, so the client sees a one-line NotImplemented error.
            return not_implemented(environ, start_response, f"{operation}: {exc} by the emulated estate")


def _cbor_text(text: str) -> bytes:
    raw = text.encode()
    if len(raw) < 24:
        return bytes([0x60 + len(raw)]) + raw
    if len(raw) < 256:
        return bytes([0x78, len(raw)]) + raw
    return bytes([0x79]) + len(raw).to_bytes(2, "big") + raw[:65535]


def not_implemented(environ: dict[str, Any], start_response: Callable[..., Any], message: str) -> list[bytes]:
    """A 501 in the request's own protocol (CBOR, JSON or XML) so botocore parses code and message."""
    if environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
        body = bytes([0xA2]) + _cbor_text("__type") + _cbor_text("NotImplemented") + _cbor_text("message") \
            + _cbor_text(message)
        content_type = "application/cbor"
    elif environ.get("HTTP_X_AMZ_TARGET") or "json" in environ.get("CONTENT_TYPE", ""):
        body = json.dumps({"__type": "NotImplemented", "message": message}).encode()
        content_type = "application/x-amz-json-1.1"
    else:
        body = (f"<ErrorResponse><Error><Code>NotImplemented</Code><Message>{escape(message)}</Message>"
                f"</Error></ErrorResponse>").encode()
        content_type = "text/xml"
    start_response("501 Not Implemented", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
