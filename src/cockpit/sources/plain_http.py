"""One HTTP request with the standard library, in a daemon thread: the sources' light client.

``cockpit status`` lives about half a second, and importing aiohttp costs 0.2 s of it for a
few small GETs. The health endpoints and the Kubernetes lists are read this way in the
running cockpit too (one implementation of each source): a request runs in a daemon thread
(``aws_threads.in_daemon_thread``), so the event loop never waits on a socket, and a hung
server costs the caller's bound (it stops awaiting; the thread's socket times out on its
own). Each request opens its own connection, as ``curl`` does: a health check then also
proves that the endpoint accepts connections, and its latency is what a new client sees.
Redirects are not followed; a body larger than ``max_bytes`` (when given) is cut there.

A request may go through an http:// proxy (``proxy``): an https URL through a ``CONNECT``
tunnel, a plain one in absolute form, as kubectl and curl send them. ``server_hostname``
checks the server's certificate against another name than the host dialled (a kubeconfig's
``tls-server-name``). Nothing here reads the environment's proxy variables: the caller
decides (``kube_reader`` does, as kubectl; a health check does not, as before).
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


class _TLSConnection(http.client.HTTPConnection):
    """HTTPS over a connection that may be a proxy's tunnel, the certificate checked against
    the name given: ``HTTPConnection.connect`` dials (and sends ``CONNECT`` when a tunnel is
    set), then the socket is wrapped here, so the check names the server, never the proxy."""

    default_port = 443

    def __init__(self, host: str, port: int | None, *, timeout: float, context: ssl.SSLContext,
                 server_hostname: str) -> None:
        super().__init__(host, port, timeout=timeout)
        self.tls_context = context
        self.tls_name = server_hostname

    def connect(self) -> None:
        super().connect()
        self.sock = self.tls_context.wrap_socket(self.sock, server_hostname=self.tls_name)


def _basic(username: str | None, password: str | None) -> str:
    pair = f"{unquote(username or '')}:{unquote(password or '')}".encode()
    return f"Basic {base64.b64encode(pair).decode()}"


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: bytes


def request(method: str, url: str, *, headers: dict[str, str] | None = None, json_body: Any = None,
            connect_timeout: float = 3.0, read_timeout: float = 8.0, context: ssl.SSLContext | None = None,
            max_bytes: int | None = None, proxy: str | None = None, server_hostname: str | None = None) -> Answer:
    """Send one request and read its answer (blocking: call it through :func:`send`).

    ``proxy``: an ``http://[user:password@]host[:port]`` URL the request goes through."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    sent = {"User-Agent": "cockpit-health/1", **(headers or {})}
    if parts.username is not None and "Authorization" not in sent:
        sent["Authorization"] = _basic(parts.username, parts.password)
    payload = None
    if json_body is not None:
        payload = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    via = urlsplit(proxy) if proxy else None
    if via is not None and (via.scheme != "http" or not via.hostname):
        raise ValueError("only an http:// proxy can be used")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    dial = (via.hostname, via.port or 80) if via is not None else (parts.hostname, port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = _TLSConnection(*dial, timeout=connect_timeout, context=context or ssl.create_default_context(),
                              server_hostname=server_hostname or parts.hostname)
        if via is not None:
            tunnel = {"Proxy-Authorization": _basic(via.username, via.password)} if via.username is not None else None
            conn.set_tunnel(parts.hostname, port, headers=tunnel)
    else:
        conn = http.client.HTTPConnection(*dial, timeout=connect_timeout)
        if via is not None:  # a plain request names the whole URL to the proxy
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            target = f"http://{host}:{port}{target}"
            if via.username is not None:
                sent["Proxy-Authorization"] = _basic(via.username, via.password)
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(read_timeout)
        conn.request(method, target, body=payload, headers=sent)
        response = conn.getresponse()
        body = response.read(max_bytes) if max_bytes is not None else response.read()
        return Answer(response.status, response.reason or "", body)
    finally:
        conn.close()


async def send(method: str, url: str, **kwargs: Any) -> Answer:
    """:func:`request`, awaited from the event loop without blocking it."""
    return await in_daemon_thread("http", request, method, url, **kwargs)
