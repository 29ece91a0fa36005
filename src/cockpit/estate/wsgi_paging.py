"""Page CloudWatch DescribeAlarms the way AWS does; moto answers everything in one page.

AWS returns at most ``MaxRecords`` alarms (default 50, at most 100) and a ``NextToken``.
moto ignores both, so against plain moto a client that forgot to paginate would look
correct, and "one DescribeAlarms page per 100 alarms" could never be measured.
:class:`DescribeAlarmsPaging` sits in front of plain moto (the source tests' server) and
slices its full answer into pages. The estate's CloudWatch (``wsgi_cloudwatch.py``) pages
its own answers with the same :class:`Sequences`, serialising only the page: moto's
serialiser is most of the cost of a big listing.

Only the JSON protocol (``X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms``,
what aiobotocore speaks) is paged; the rpc-v2-cbor path that newer synchronous botocore
uses (the estate's own seeding) passes through whole.

moto builds its whole answer on every call, so slicing a fresh answer for each page made
reading N alarms cost N/100 whole answers (quadratic: a 10,000-alarm account took minutes
to read). A paging sequence is now answered from the answer its first page got: the
``NextToken`` names that answer and the offset in it, as an AWS token names a position in
one listing. The answers are kept for a few minutes, a few at a time; a token whose answer
is gone is refused as AWS refuses an expired one.
"""

from __future__ import annotations

import io
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

DEFAULT_PAGE = 50
MAX_PAGE = 100
#: How long, and how many, first-page answers are kept for the pages that follow them.
SEQUENCE_SECONDS = 300.0
SEQUENCES = 32

class Sequences:
    """The listings of running paging sequences, named by the keys their tokens carry.

    A ``NextToken`` is ``KEY.OFFSET``: the listing the first page got and where the next
    page starts in it. Listings are kept :data:`SEQUENCE_SECONDS`, the last
    :data:`SEQUENCES` of them; a token whose listing is gone is refused, as AWS refuses an
    expired token. Shared by this middleware and the estate's CloudWatch
    (``wsgi_cloudwatch.py``), which pages its own answers.
    """

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[float, list[Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, listing: list[Any]) -> str:
        """Keep a first page's whole listing for the pages after it; the key its tokens name."""
        key = secrets.token_hex(8)
        with self._lock:
            self._kept[key] = (time.monotonic(), listing)
            while len(self._kept) > SEQUENCES:
                self._kept.popitem(last=False)
        return key

    def resume(self, token: object) -> tuple[str, list[Any], int] | None:
        """(key, listing, offset) a token names, or None when it names nothing kept."""
        key, _, offset = str(token).partition(".")
        if not key or not offset.isdigit():
            return None
        with self._lock:
            now = time.monotonic()
            for old in [k for k, (at, _) in self._kept.items() if now - at > SEQUENCE_SECONDS]:
                del self._kept[old]
            kept = self._kept.get(key)
        return (key, kept[1], int(offset)) if kept else None


def page_size(requested: object) -> int:
    """``MaxRecords`` as AWS takes it: 50 when absent, at most 100."""
    return min(int(requested or DEFAULT_PAGE), MAX_PAGE)  # type: ignore[call-overload]


class DescribeAlarmsPaging:
    """Wrap moto's WSGI app; slice DescribeAlarms answers into AWS-sized pages."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.sequences = Sequences()

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
        size = page_size(request.get("MaxRecords"))
        token = request.get("NextToken")
        if token:  # a later page: from the answer the first page got
            resumed = self.sequences.resume(token)
            if resumed is None:
                return _invalid_token(start_response)
            key, alarms, start = resumed
            status = "200 OK"
            headers = [("Content-Type", "application/x-amz-json-1.0")]
        else:
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
            start, status = 0, captured["status"]
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            key = self.sequences.keep(alarms) if len(alarms) > size else ""
        page = alarms[start:start + size]
        out: dict[str, Any] = {"MetricAlarms": [a for kind, a in page if kind == "MetricAlarms"],
                               "CompositeAlarms": [a for kind, a in page if kind == "CompositeAlarms"]}
        if start + size < len(alarms):
            out["NextToken"] = f"{key}.{start + size}"
        data = json.dumps(out).encode()
        start_response(status, headers + [("Content-Length", str(len(data)))])
        return [data]


def _invalid_token(start_response: Callable[..., Any]) -> list[bytes]:
    data = json.dumps({"__type": "InvalidNextToken", "message": "The NextToken is not valid."}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                       ("Content-Length", str(len(data)))])
    return [data]
