"""Regional outages where the runbooks look: S3's data plane fails, its control plane answers.

moto never fails. In the storage-outage scenario the cockpit's panes showed S3 down while
``aws s3 ls`` on the "unavailable" primary bucket answered normally, so the DR plan's
"manual test" of the primary proved the opposite of the scenario. While an ``outage``
holds for S3 in a region (the scenario driver sets it, :class:`Outages`), this middleware,
in front of moto, answers what S3 answers in a regional outage:

* **data plane** requests to that region's buckets (GET, PUT, HEAD, DELETE, POST of an
  object; listing a bucket's objects or versions; ``HeadBucket``) get HTTP 503 with S3's XML
  error body, ``ServiceUnavailable`` or, every fourth request, ``SlowDown``, so aws-cli,
  boto3 and the cockpit report the same error (after their retries, as against AWS);
* the **control plane** a responder needs keeps answering: ``list-buckets``, a bucket's
  configuration (``?replication``, ``?versioning``, ``?location``, ``?policy``, ...), other
  regions' buckets (the eu-central-1 replicas), CloudWatch, Route53;
* Route53 ``GetHealthCheckStatus`` of a health check whose endpoint is the failing
  regional S3 endpoint (``s3.<region>.amazonaws.com``, as ``HC-PRIMARY-S3`` is) reports its
  checkers failing, where moto always reports success.

The estate's own requests (``INTERNAL_MARKER``: seeding, the scenario's writes) pass: the
outage is something the world does to clients, not to the estate's bookkeeping. A bucket's
region comes from the catalogue (the runbooks' buckets); buckets created at run time are
not failed.
"""

from __future__ import annotations

import io
import itertools
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape

from cockpit.estate.wsgi_counter import WsgiApp, is_internal

#: Query parameters of object listings (ListObjects, ListObjectsV2, ListObjectVersions,
#: ListMultipartUploads, DeleteObjects): a bucket request carrying only these reads or
#: writes objects, so it is data plane. Anything else (``?replication``, ``?policy``, ...)
#: is a bucket's configuration: control plane.
_LISTING_PARAMS = frozenset({
    "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type",
    "fetch-owner", "marker", "versions", "key-marker", "version-id-marker", "uploads", "upload-id-marker",
    "delete", "optional-object-attributes", "x-id"})

_HEALTH_CHECK_STATUS = re.compile(r"^/2013-04-01/healthcheck/([^/]+)/status/?$")
_S3_ENDPOINT = re.compile(r"^(?:[^.]+\.)?s3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$")
_FQDN = re.compile(rb"<FullyQualifiedDomainName>([^<]+)</FullyQualifiedDomainName>")

#: Where Route53's health checkers stand (a few of them, as GetHealthCheckStatus lists them).
_CHECKERS = (("us-east-1", "54.243.31.192"), ("eu-west-1", "176.34.159.192"),
             ("ap-southeast-1", "54.255.254.192"), ("us-west-2", "54.244.52.192"))


class Outages:
    """Which services are down in which regions; set by the scenario driver, read per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: set[tuple[str, str]] = set()

    def set(self, service: str, region: str, down: bool) -> None:
        with self._lock:
            (self._down.add if down else self._down.discard)((service, region))

    def is_down(self, service: str, region: str) -> bool:
        with self._lock:
            return (service, region) in self._down

    def active(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._down)


def _bucket_regions() -> dict[str, str]:
    from cockpit.estate import catalogue

    return {b.name: b.region for b in catalogue.BUCKETS}


def _is_route53(environ: dict[str, Any]) -> bool:
    return (environ.get("PATH_INFO") or "").startswith("/2013-04-01/")


def s3_data_plane_bucket(environ: dict[str, Any]) -> str | None:
    """The bucket a path-style S3 data-plane request addresses, or None (control plane, not S3)."""
    if _is_route53(environ) or environ.get("HTTP_X_AMZ_TARGET"):
        return None
    path = environ.get("PATH_INFO") or "/"
    if path.startswith(("/service/", "/moto-api", "/_")):
        return None
    bucket, _, key = path.lstrip("/").partition("/")
    if not bucket:
        return None  # ListBuckets
    if key:
        return unquote(bucket)  # an object
    params = {name for name, _ in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)}
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if method == "HEAD" and not params:
        return unquote(bucket)  # HeadBucket: the endpoint probe
    if method in ("GET", "POST") and params <= _LISTING_PARAMS and (method == "GET" or "delete" in params):
        return unquote(bucket)
    return None


class OutageMiddleware:
    """WSGI middleware: fail what a regional outage fails (see the module docstring)."""

    def __init__(self, app: WsgiApp, outages: Outages) -> None:
        self.app = app
        self.outages = outages
        self._buckets = _bucket_regions()
        self._count = itertools.count()
        self.failed = 0  # requests answered 503, for tests and the curious

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_internal(environ) or not self.outages.active():
            return self.app(environ, start_response)
        bucket = s3_data_plane_bucket(environ)
        if bucket is not None:
            region = self._buckets.get(bucket)
            if region is not None and self.outages.is_down("s3", region):
                return self._unavailable(environ, start_response, bucket)
        if environ.get("REQUEST_METHOD", "GET").upper() == "GET":
            match = _HEALTH_CHECK_STATUS.match(environ.get("PATH_INFO") or "")
            if match:
                return self._health_check_status(environ, start_response, match.group(1))
        return self.app(environ, start_response)

    def _unavailable(self, environ: dict[str, Any], start_response: Callable[..., Any],
                     bucket: str) -> list[bytes]:
        self.failed += 1
        slow = next(self._count) % 4 == 3
        code, message = (("SlowDown", "Please reduce your request rate.") if slow else
                         ("ServiceUnavailable", "Service is unable to handle request."))
        request_id = uuid.uuid4().hex[:16].upper()
        path = environ.get("PATH_INFO") or "/"
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                f"<Resource>{escape(unquote(path))}</Resource><RequestId>{request_id}</RequestId>"
                f"<HostId>{escape(bucket)}</HostId></Error>").encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id), ("Retry-After", "1")]
        if environ.get("REQUEST_METHOD", "GET").upper() == "HEAD":
            start_response("503 Service Unavailable", headers + [("Content-Length", "0")])
            return [b""]
        start_response("503 Service Unavailable", headers + [("Content-Length", str(len(body)))])
        return [body]

    def _health_check_status(self, environ: dict[str, Any], start_response: Callable[..., Any],
                             check_id: str) -> Iterable[bytes]:
        """moto's answer (it checks the id), with failing checkers if the endpoint is down."""
        region = self._checked_region(environ, check_id)
        if region is None or not self.outages.is_down("s3", region):
            return self.app(environ, start_response)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        observations = "".join(
            f"<HealthCheckObservation><Region>{r}</Region><IPAddress>{ip}</IPAddress><StatusReport>"
            f"<Status>Failure: HTTP Status Code 503, Service Unavailable. Resolved IP: 52.218.0.1</Status>"
            f"<CheckedTime>{now}</CheckedTime></StatusReport></HealthCheckObservation>"
            for r, ip in _CHECKERS)
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<GetHealthCheckStatusResponse '
                'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HealthCheckObservations>'
                f"{observations}</HealthCheckObservations></GetHealthCheckStatusResponse>").encode()
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    def _checked_region(self, environ: dict[str, Any], check_id: str) -> str | None:
        """The S3 region a health check watches, read from moto (GetHealthCheck); None if it
        does not exist (moto then answers NoSuchHealthCheck itself) or watches something else."""
        inner = {k: v for k, v in environ.items() if k not in ("wsgi.input", "CONTENT_LENGTH")}
        inner["PATH_INFO"] = inner["RAW_URI"] = inner["REQUEST_URI"] = f"/2013-04-01/healthcheck/{check_id}"
        inner["QUERY_STRING"] = ""
        captured: dict[str, str] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"] = status
            return lambda data: None

        inner["wsgi.input"] = io.BytesIO(b"")
        raw = b"".join(self.app(inner, capture))
        if not captured.get("status", "").startswith("200"):
            return None
        found = _FQDN.search(raw)
        match = _S3_ENDPOINT.match(found.group(1).decode()) if found else None
        return match.group(1) if match else None
