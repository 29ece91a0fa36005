"""One HTTP request with the standard library, in a daemon thread: the sources' light client.

``cockpit status`` lives about half a second, and importing aiohttp costs 0.2 s of it for a
few small GETs. The health endpoints and the Kubernetes lists are read this way in the
running cockpit too (one implementation of each source): a request runs in a daemon thread
(``aws_threads.in_daemon_thread``), so the event loop never waits on a socket, and a hung
server costs the caller's bound (it stops awaiting; the thread's socket times out on its
own). Each request opens its own connection, as ``curl`` does: a health check then also
proves that the endpoint accepts connections, and its latency is what a new client sees.
Redirects are not followed; a body larger than ``max_bytes`` (when given) is cut there.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from cockpit.sources.aws_threads import in_daemon_thread

#: What a health endpoint's answer may weigh before the rest is left unread (a Kubernetes
#: list is read whole: a big cluster's pods weigh tens of megabytes).
HEALTH_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: bytes


def request(method: str, url: str, *, headers: dict[str, str] | None = None, json_body: Any = None,
            connect_timeout: float = 3.0, read_timeout: float = 8.0, context: ssl.SSLContext | None = None,
            max_bytes: int | None = None) -> Answer:
    """Send one request and read its answer (blocking: call it through :func:`send`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    sent = {"User-Agent": "cockpit-health/1", **(headers or {})}
    if parts.username is not None and "Authorization" not in sent:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        sent["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
    payload = None
    if json_body is not None:
        payload = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=connect_timeout,
                                           context=context or ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=connect_timeout)
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(read_timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=payload, headers=sent)
        response = conn.getresponse()
        body = response.read(max_bytes) if max_bytes is not None else response.read()
        return Answer(response.status, response.reason or "", body)
    finally:
        conn.close()


async def send(method: str, url: str, **kwargs: Any) -> Answer:
    """:func:`request`, awaited from the event loop without blocking it."""
    return await in_daemon_thread("http", request, method, url, **kwargs)
