"""IAM access keys on the scenario clock: ages, a rotation policy, and keys that stop working.

moto accepts any request whatever key signed it: a key made Inactive, or deleted, still
works, and nothing ever expires. In AWS an Inactive or deleted key's calls are refused
(``InvalidClientTokenId``; S3 ``InvalidAccessKeyId``; JSON services
``UnrecognizedClientException``), which is why seed 004 says to delete the old key only
"after verifying new one works". This middleware, in front of every service:

- **refuses** an outside request signed with an Inactive or deleted IAM user key, 403 in
  the request's protocol, before any service answers it (so a CI deploy with the old key
  fails, and the key's ``LastUsedDate`` does not move);
- applies a scenario's **rotation policy** (``access_key_policy: {max_age: 90d}``: an AWS
  Config ``access-keys-rotated`` rule with its auto-remediation): before each request, every
  Active key older than ``max_age`` in world time becomes Inactive, so a key 88 days old at
  T+0 goes Inactive at T+48h, as every client sees at its next request;
- translates IAM's dates at the edge, world→wall, as ``wsgi_cloudwatch`` does: moto's IAM
  stamps world time (:func:`moto_iam.world_clock`), and a client compares ``CreateDate``
  with its own clock (seed 001's audit: ``CreateDate<=`date -d "90 days ago"```), so at
  ``--speed 60`` after a jump to T+48h the seeded key reads 90 days old to aws-cli too.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from cockpit.estate import moto_iam
from cockpit.estate.answers import protocol
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.request_resources import access_key_of
from cockpit.estate.wsgi_counter import credential_scope, is_internal, operation_of

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_log = logging.getLogger(__name__)

#: IAM calls after which a key may be gone (remembered, so its later calls are refused).
_DELETING = frozenset({"DeleteAccessKey", "DeleteUser"})
#: Signing names whose botocore model has another name (``credential_scope`` already maps CloudWatch, ELB, SES).
_MODEL_NAMES = {"execute-api": "apigateway", "states": "stepfunctions"}
#: A date element of an IAM (query/XML) answer: ``<CreateDate>2026-…Z</CreateDate>``.
_DATE = re.compile(rb"<(?P<tag>\w*Date)>(?P<value>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?)</(?P=tag)>")


class AccessKeyPolicy:
    """WSGI middleware: refuse dead keys, apply the rotation policy, show IAM dates in wall time."""

    def __init__(self, app: WsgiApp, clock: ScenarioClock) -> None:
        self.app = app
        self.clock = clock
        self.max_age: float | None = None  # seconds of world time; None: no policy
        self.deleted: set[str] = set()

    def set_max_age(self, seconds: float | None) -> None:
        """The rotation policy from now on (None: keys never expire, as without a scenario)."""
        self.max_age = seconds

    def enforce(self) -> list[moto_iam.KeyView]:
        """Deactivate the keys the policy says are due (world time); the ones it changed."""
        if self.max_age is None:
            return []
        cutoff = datetime.fromtimestamp(self.clock.world_now() - self.max_age, timezone.utc).replace(tzinfo=None)
        return moto_iam.deactivate_older_than(cutoff)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service, _ = credential_scope(environ)
        key_id = access_key_of(environ)
        if not (service == "iam" or key_id.startswith("AKIA")):
            return self.app(environ, start_response)
        try:
            self.enforce()
            refused = key_id.startswith("AKIA") and not is_internal(environ) and self._refusal(key_id) is not None
        except Exception:  # noqa: BLE001 - moto's internals moved: say so, answer as moto would
            _log.exception("access-key policy: could not read moto's IAM keys")
            refused = False
        if refused:
            return _refuse(start_response, service)
        if service != "iam":
            return self.app(environ, start_response)
        operation = operation_of(environ)
        before = moto_iam.user_key_ids() if operation in _DELETING else None
        captured: dict[str, Any] = {}
        written: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured["status"], captured["headers"] = status, headers
            return written.append

        result = self.app(environ, capture)
        try:
            returned = b"".join(result)
            body = b"".join(written) + returned  # write() output comes before the iterable's
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if before is not None:
            self.deleted |= before - moto_iam.user_key_ids()
        body = self._wall_dates(body)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _refusal(self, key_id: str) -> str | None:
        """Why AWS would refuse a call signed with this key; None if it would not."""
        found = moto_iam.key(key_id)
        if found is None:
            return "deleted" if key_id in self.deleted else None
        return "inactive" if found.status != "Active" else None

    def _wall_dates(self, body: bytes) -> bytes:
        """The answer's dates moved world→wall with the offset now (world minus wall)."""
        offset = timedelta(seconds=self.clock.world_now() - time.time())
        if abs(offset.total_seconds()) < 0.001:
            return body

        def shift(match: re.Match[bytes]) -> bytes:
            text = match["value"].decode()
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return match[0]
            aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            moved = (aware - offset).astimezone(timezone.utc)
            shown = moved.isoformat(timespec="microseconds" if "." in text else "seconds").replace("+00:00", "Z")
            tag = match["tag"]
            return b"<" + tag + b">" + shown.encode() + b"</" + tag + b">"

        return _DATE.sub(shift, body)


def _refuse(start_response: Callable[..., Any], service: str) -> Iterable[bytes]:
    """403 as AWS answers a call signed with an Inactive or deleted key, in the service's protocol
    (it does not say which of the two: nor does the estate)."""
    name = _MODEL_NAMES.get(service, service)
    if name == "s3":
        code, message = "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
    else:
        code, message = "InvalidClientTokenId", "The security token included in the request is invalid."
    try:
        if protocol.service_model(name).protocol in ("json", "rest-json"):
            code = "UnrecognizedClientException"
    except Exception:  # noqa: BLE001 - an unknown signing name: answer the XML form
        name = "sts"
    return protocol.error(start_response, name, protocol.AnswerError(403, code, message))
