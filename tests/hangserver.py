"""A server on loopback that accepts every connection, reads what it is sent and never answers.

This is what a wedged Kubernetes API server or an AWS endpoint behind a black-holing load
balancer looks like to a client: the TCP handshake succeeds (so connect timeouts do not
fire) and then nothing comes back. It runs in a thread of the test process, so a
``cockpit`` subprocess can be pointed at it, and records how many connections it took.

``kubeconfig(path)`` writes a kubeconfig whose current context is this server;
``env()`` points the AWS chain at it.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import yaml


class HangingServer:
    """``with HangingServer() as hang:`` then ``hang.url``; connections are held until exit."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hanging-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "HangingServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()

    def _serve(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._held.append(conn)  # read nothing back, answer nothing, close nothing

    def kubeconfig(self, path: Path) -> Path:
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "hang",
                  "clusters": [{"name": "hang", "cluster": {"server": self.url}}],
                  "contexts": [{"name": "hang", "context": {"cluster": "hang", "user": "hang",
                                                            "namespace": "default"}}],
                  "users": [{"name": "hang", "user": {"token": "t"}}]}
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        return path

    def env(self, tmp: Path) -> dict[str, str]:
        """AWS and Kubernetes both pointed at this server."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                "KUBECONFIG": str(self.kubeconfig(tmp / "kubeconfig"))}
