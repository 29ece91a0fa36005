"""Real servers for the source tests: moto over HTTP, kmock's Kubernetes emulator, aiohttp.

Nothing is mocked inside aiobotocore, kubernetes-asyncio or aiohttp: the sources talk HTTP
to these servers exactly as they talk to AWS and a cluster. Two things moto lacks are added
in front of its WSGI app (:class:`AwsFront`): a count of every request by operation and
region (so "one GetMetricData per region" is measured where it arrives), and AWS's
``DescribeAlarms`` pagination (moto ignores ``MaxRecords``/``NextToken``).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import kmock
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from cockpit.content.screen import Screen
from cockpit.sources.connections import Connections

_REGION = re.compile(r"Credential=[^/]+/\d+/([a-z0-9-]+)/")


class AwsFront:
    """WSGI middleware before moto: counts requests, paginates DescribeAlarms like AWS."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()

    def count(self, operation: str, region: str | None = None) -> int:
        with self.lock:
            return sum(n for (op, reg), n in self.counts.items() if op == operation and region in (None, reg))

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.rsplit(".", 1)[-1] if target else ""
        body = b""
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            import io

            environ["wsgi.input"] = io.BytesIO(body)
            if not operation:
                match = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
                operation = match.group(1).decode() if match else ""
        match = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = match.group(1) if match else ""
        if operation and not environ.get("PATH_INFO", "").startswith("/moto-api"):
            with self.lock:
                self.counts[(operation, region)] += 1
        if operation == "DescribeAlarms" and target:
            return self._paginate(environ, start_response, json.loads(body or b"{}"))
        return self.app(environ, start_response)

    def _paginate(self, environ: dict[str, Any], start_response: Any, request: dict[str, Any]) -> Any:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        raw = b"".join(self.app(environ, capture))
        if not captured["status"].startswith("200"):
            start_response(captured["status"], captured["headers"])
            return [raw]
        answer = json.loads(raw)
        alarms = [("MetricAlarms", a) for a in answer.get("MetricAlarms", [])] + \
                 [("CompositeAlarms", a) for a in answer.get("CompositeAlarms", [])]
        size = int(request.get("MaxRecords") or 50)
        start = int(request.get("NextToken") or 0)
        page = alarms[start: start + size]
        out: dict[str, Any] = {"MetricAlarms": [a for k, a in page if k == "MetricAlarms"],
                               "CompositeAlarms": [a for k, a in page if k == "CompositeAlarms"]}
        if start + size < len(alarms):
            out["NextToken"] = str(start + size)
        data = json.dumps(out).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(data)))])
        return [data]


class CountingMotoServer(ThreadedMotoServer):
    """moto's threaded server with :class:`AwsFront` in front of its WSGI app."""

    front: AwsFront

    def _server_entry(self) -> None:
        self.front = AwsFront(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, self.front, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[CountingMotoServer]:
    server = CountingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server
    server.stop()


class Aws:
    """Handle on the per-test AWS estate: its URL, request counts, and boto3 for seeding."""

    def __init__(self, server: CountingMotoServer) -> None:
        host, port = server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self.front = server.front

    def client(self, service: str, region: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=self.url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def count(self, operation: str, region: str | None = None) -> int:
        return self.front.count(operation, region)


def aws_env(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path) -> None:
    """The standard AWS settings, pointing at ``url`` and isolated from ~/.aws."""
    for name, value in {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "eu-west-1", "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials")}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aws(moto_server: CountingMotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Aws:
    """A fresh (reset) moto estate, the environment pointing at it, counts from zero."""
    import urllib.request

    handle = Aws(moto_server)
    urllib.request.urlopen(urllib.request.Request(f"{handle.url}/moto-api/reset", method="POST"), timeout=10).read()
    handle.front.reset()
    aws_env(monkeypatch, handle.url, tmp_path)
    return handle


def write_kubeconfig(path: Path, server_url: str, context: str = "estate") -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": context, "cluster": {"server": server_url}}],
        "users": [{"name": context, "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
    }))
    return path


@pytest.fixture
async def kube(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[kmock.KubernetesEmulator]:
    """kmock's Kubernetes emulator on loopback, with KUBECONFIG pointing at it."""
    async with kmock.KubernetesEmulator() as k, kmock.Server(k) as server:
        for resource in ("v1/pods", "v1/nodes", "apps/v1/deployments", "v1/namespaces"):
            k.resources[resource] = {}
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", str(server.url).rstrip("/"))))
        yield k


@pytest.fixture
async def conn() -> AsyncIterator[Connections]:
    """Connections with short timeouts and a single attempt, so failure tests stay fast."""
    async with Connections(connect_timeout=1.0, read_timeout=3.0, max_attempts=1) as c:
        yield c


async def serve(app: web.Application) -> TestServer:
    """Start an aiohttp app on a free loopback port (the caller closes it)."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


def screen(**fields: Any) -> Screen:
    """A screen built in the test, validated by the same model as the shipped files."""
    fields.setdefault("name", "test-screen")
    fields.setdefault("title", "Test screen")
    return Screen.model_validate(fields)
