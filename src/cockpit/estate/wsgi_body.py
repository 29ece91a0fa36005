"""Reading a WSGI request's body without taking it from the app behind.

The counter, the CloudTrail recorder and the long-operations middleware each look at a
request's body before moto does; the body is a stream, so whoever reads it puts it back.
"""

from __future__ import annotations

import io
import json
from typing import Any

#: Bodies larger than this are not looked at (a bulk upload is neither a form nor a name).
PEEK_LIMIT = 1 << 20


def peek_body(environ: dict[str, Any], limit: int | None = PEEK_LIMIT) -> bytes:
    """The request body, put back for the app behind; ``b""`` if absent, unreadable or over ``limit``."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    if length <= 0 or (limit is not None and length > limit):
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def json_object(raw: bytes) -> dict[str, Any]:
    """A JSON protocol's body as an object: ``{}`` for an empty, malformed or non-object body
    (a middleware then leaves the call to moto, which answers it as AWS would)."""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
