"""An incomplete multipart upload says when it was initiated, as in S3.

moto 5.2 answers ``ListMultipartUploads`` with the same ``Initiated`` for every upload
(2010-11-10T20:48:33Z, a constant in its response code), so seed 000's daily check
"no stale uploads > 7 days" (``--query 'Uploads[?Initiated<=`...`]'``) found every upload
stale, one started a minute ago included. This middleware notes the time of each
``CreateMultipartUpload`` on S3's clock (moto's ``utcnow``, which the seed sets with
``aws_seed.s3_clock`` to plant an old upload) and puts it into the listing. Everything else
goes on to moto unchanged.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from cockpit.estate.wsgi_counter import WsgiApp, credential_scope

_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_UPLOAD = re.compile(rb"<Upload>.*?</Upload>", re.S)
_INITIATED = re.compile(rb"<Initiated>[^<]*</Initiated>")


def _uploads_request(environ: dict[str, Any]) -> str:
    """"create" (POST /bucket/key?uploads), "list" (GET /bucket?uploads) or "" for anything else."""
    if credential_scope(environ)[0] != "s3":
        return ""
    query = {k for k, _ in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)}
    if "uploads" not in query:
        return ""
    parts = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)
    has_key = len(parts) == 2 and bool(parts[1])
    method = environ.get("REQUEST_METHOD")
    return "create" if method == "POST" and has_key else "list" if method == "GET" and not has_key else ""


def _s3_now() -> datetime:
    import moto.s3.models as s3_models

    return s3_models.utcnow()


class MultipartInitiated:
    """Wrap moto's WSGI app; remember when each upload began and list it with that time."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._started: dict[bytes, datetime] = {}  # upload id -> initiated (UTC, naive as moto keeps it)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        kind = _uploads_request(environ)
        if not kind:
            return self.app(environ, start_response)
        at = _s3_now()
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            captured["status"], captured["headers"], captured["exc"] = status, headers, exc
            return lambda data: None  # the body is returned below, rewritten

        result = self.app(environ, start)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if captured.get("status", "").startswith("200"):
            if kind == "create":
                match = _UPLOAD_ID.search(body)
                if match:
                    with self._lock:
                        self._started[match.group(1)] = at
            else:
                body = _UPLOAD.sub(self._stamped, body)
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() != "content-length"]
        start_response(captured.get("status", "500 Internal Server Error"),
                       [*headers, ("Content-Length", str(len(body)))], *captured.get("exc", ()))
        return [body]

    def _stamped(self, upload: re.Match[bytes]) -> bytes:
        block = upload.group(0)
        match = _UPLOAD_ID.search(block)
        with self._lock:
            at = self._started.get(match.group(1)) if match else None
        if at is None:
            return block
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        return _INITIATED.sub(b"<Initiated>" + stamp.encode() + b"</Initiated>", block, count=1)
