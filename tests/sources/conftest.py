"""Real servers for the source tests: moto over HTTP, kmock's Kubernetes emulator, aiohttp.

Nothing is mocked inside aiobotocore, kubernetes-asyncio or aiohttp: the sources talk HTTP
to these servers exactly as they talk to AWS and a cluster. Three things moto lacks are added
in front of its WSGI app (:class:`AwsFront`): a count of every request by operation and
region (so "one GetMetricData per region" is measured where it arrives), AWS's
``DescribeAlarms`` pagination (moto ignores ``MaxRecords``/``NextToken``), and DynamoDB's
atomic conditional writes (``estate/wsgi_dynamodb_serial.py``).
"""

from __future__ import annotations

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
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.wsgi_counter import CountingMiddleware
from cockpit.estate.wsgi_dynamodb_serial import SerialDynamoDbWrites
from cockpit.estate.wsgi_paging import DescribeAlarmsPaging
from cockpit.sources.connections import Connections



class AwsFront:
    """What stands before moto in the estate: request counting, AWS-style DescribeAlarms paging, and
    DynamoDB writes one at a time (conditional writes atomic, as in AWS)."""

    def __init__(self, app: Any) -> None:
        self.log = RequestLog()
        self.app = CountingMiddleware(DescribeAlarmsPaging(SerialDynamoDbWrites(app)), self.log)
        self._since = 0.0

    def count(self, operation: str, region: str | None = None) -> int:
        return sum(1 for r in self.log.records(since=self._since)
                   if r.operation == operation and region in (None, r.region))

    def reset(self) -> None:
        self.log.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


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
