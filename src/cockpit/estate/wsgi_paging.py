"""Page CloudWatch DescribeAlarms the way AWS does; moto answers everything in one page.

AWS returns at most ``MaxRecords`` alarms (default 50, at most 100) and a ``NextToken``.
moto ignores both, so against plain moto a client that forgot to paginate would look
correct, and "one DescribeAlarms page per 100 alarms" could never be measured. This
middleware sits in front of moto and slices its full answer into pages.

Only the JSON protocol (``X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms``,
what aiobotocore speaks) is paged; the rpc-v2-cbor path that newer synchronous botocore
uses (the estate's own seeding) passes through whole.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

DEFAULT_PAGE = 50
MAX_PAGE = 100


class DescribeAlarmsPaging:
    """Wrap moto's WSGI app; slice DescribeAlarms answers into AWS-sized pages."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").endswith(".DescribeAlarms"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self.app(environ, start_response)
        return self._paged(environ, start_response, request)

    def _paged(self, environ: dict[str, Any], start_response: Callable[..., Any],
               request: dict[str, Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda data: None

        raw = b"".join(self.app(environ, capture))
        if not captured.get("status", "").startswith("200"):
            start_response(captured.get("status", "500 Internal Server Error"), captured.get("headers", []))
            return [raw]
        answer = json.loads(raw)
        alarms = [("MetricAlarms", a) for a in answer.get("MetricAlarms", [])] + \
                 [("CompositeAlarms", a) for a in answer.get("CompositeAlarms", [])]
        size = min(int(request.get("MaxRecords") or DEFAULT_PAGE), MAX_PAGE)
        try:
            start = int(request.get("NextToken") or 0)
        except ValueError:
            return _invalid_token(start_response)
        page = alarms[start:start + size]
        out: dict[str, Any] = {"MetricAlarms": [a for kind, a in page if kind == "MetricAlarms"],
                               "CompositeAlarms": [a for kind, a in page if kind == "CompositeAlarms"]}
        if start + size < len(alarms):
            out["NextToken"] = str(start + size)
        data = json.dumps(out).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(data)))])
        return [data]


def _invalid_token(start_response: Callable[..., Any]) -> list[bytes]:
    data = json.dumps({"__type": "InvalidNextToken", "message": "The NextToken is not valid."}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                       ("Content-Length", str(len(data)))])
    return [data]
