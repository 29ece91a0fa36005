"""The sources' own way to a cluster: a kubeconfig read as kubectl reads it, lists over HTTP(S).

Against aiohttp servers that play an API server and record what each request carried
(kmock's emulator does not check credentials): bearer tokens from a token file and from
an exec plugin (renewed when it expires), TLS with the cluster's CA and a client
certificate given inline, and the one-line failures of a kubeconfig that cannot work.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from cockpit.sources.connections import Connections
from cockpit.sources.http import HttpSource
from cockpit.sources.kubernetes import KubernetesSource
from cockpit.sources.snapshot import ErrorKind, Level

from .conftest import screen

NODE = {"metadata": {"name": "node-1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
DEPLOYMENT = {"metadata": {"name": "api", "namespace": "greenlang", "generation": 1},
              "spec": {"replicas": 2}, "status": {"replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
                                                  "observedGeneration": 1}}
K8S_SCREEN = dict(kubernetes={"namespaces": ["greenlang"], "deployments": "all", "pods": True, "nodes": True})


class ApiServer:
    """Lists for the three paths the source reads; records every Authorization header, and
    the names of the test process's threads while a request waits for its answer."""

    def __init__(self, status: int = 200) -> None:
        self.auth: list[str | None] = []
        self.threads: set[str] = set()
        self.status = status
        self.app = web.Application()
        self.app.router.add_get("/{path:.*}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        self.auth.append(request.headers.get("Authorization"))
        self.threads.update(t.name for t in threading.enumerate())
        if self.status != 200:
            return web.json_response({"kind": "Status", "message": "Unauthorized"}, status=self.status)
        items = {"api/v1/nodes": [NODE], "apis/apps/v1/namespaces/greenlang/deployments": [DEPLOYMENT],
                 "api/v1/namespaces/greenlang/pods": []}.get(request.match_info["path"])
        if items is None:
            return web.json_response({"kind": "Status", "message": "not found"}, status=404)
        return web.json_response({"kind": "List", "items": items})


async def _serve(api: ApiServer, context: ssl.SSLContext | None = None) -> TestServer:
    server = TestServer(api.app, host="127.0.0.1")
    await server.start_server(ssl=context)
    return server


def _kubeconfig(path: Path, server: str, user: dict, cluster: dict | None = None) -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {"server": server, **(cluster or {})}}],
        "users": [{"name": "sre", "user": user}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "sre"}}],
    }))
    return path


async def _refresh(**conn_args):
    async with Connections(connect_timeout=1, read_timeout=3, max_attempts=1, **conn_args) as conn:
        return await KubernetesSource(screen(**K8S_SCREEN), conn, timeout=20).refresh()


@pytest.mark.parametrize("backend", ["aio", "threads"])
async def test_a_token_file_is_read_beside_the_kubeconfig(tmp_path, monkeypatch, backend):
    api = ApiServer()
    server = await _serve(api)
    try:
        (tmp_path / "token").write_text("from-the-file\n")
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "config", str(server.make_url("")).rstrip("/"),
                                                          {"tokenFile": "token"})))
        snap = await _refresh(aws_backend=backend)
    finally:
        await server.close()
    assert snap.error is None, snap.error
    assert {i.name for i in snap.items} >= {"api", "all nodes"}
    assert api.auth == ["Bearer from-the-file"] * 3


async def test_requests_run_in_threads_named_for_what_they_wait_on(tmp_path, monkeypatch):
    """A thread dump of a hung cockpit says which provider each request thread waits on:
    ``kube-…`` for a cluster's lists, ``http-…`` for a health check (both were ``aws-…``)."""
    api = ApiServer()
    server = await _serve(api)
    try:
        url = str(server.make_url("")).rstrip("/")
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "config", url, {"token": "t"})))
        assert (await _refresh()).error is None
        kube_threads, api.threads = api.threads, set()
        async with Connections(connect_timeout=1, read_timeout=3, max_attempts=1) as conn:
            await HttpSource(screen(endpoints=[{"name": "api", "url": f"{url}/healthz"}]), conn).refresh()
        http_threads = api.threads
    finally:
        await server.close()
    # (Only what must be there: threads that other tests abandoned may still be alive.)
    assert "kube-get" in kube_threads, kube_threads
    assert "http-request" in http_threads, http_threads


def _exec_plugin(tmp_path: Path, expires_in: float) -> Path:
    """A credential plugin as `aws eks get-token` is one: counts its runs, prints a token."""
    script = tmp_path / "get-token.py"
    script.write_text(textwrap.dedent(f"""
        import datetime, json, os, pathlib
        runs = pathlib.Path({str(tmp_path / 'runs')!r})
        n = len(runs.read_text().splitlines()) + 1 if runs.exists() else 1
        runs.write_text("x\\n" * n)
        assert json.loads(os.environ["KUBERNETES_EXEC_INFO"])["kind"] == "ExecCredential"
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds={expires_in})
        print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                          "status": {{"token": "eks-" + os.environ["CLUSTER"] + "-" + str(n),
                                     "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}}}}))
    """))
    return script


@pytest.mark.parametrize("expires_in, tokens", [(3600, ["Bearer eks-prod-1"] * 6),
                                                (6, ["Bearer eks-prod-1"] * 3 + ["Bearer eks-prod-2"] * 3)])
async def test_an_exec_plugin_gives_the_token_and_is_run_again_when_it_expires(tmp_path, monkeypatch, expires_in,
                                                                               tokens):
    api = ApiServer()
    server = await _serve(api)
    try:
        plugin = _exec_plugin(tmp_path, expires_in)
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "config", str(server.make_url("")).rstrip("/"), {
            "exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
                     "args": [str(plugin)], "env": [{"name": "CLUSTER", "value": "prod"}]}})))
        async with Connections(connect_timeout=1, read_timeout=3, max_attempts=1) as conn:
            source = KubernetesSource(screen(**K8S_SCREEN), conn, timeout=20)
            first = await source.refresh()
            await asyncio.sleep(3.2)  # past the renewal point of a 6 s token (half its life; 5-6 s: whole seconds)
            second = await source.refresh()
    finally:
        await server.close()
    assert first.error is None and second.error is None, (first.error, second.error)
    # One run for the three lists of a refresh; a token about to expire is renewed before a
    # request, not after a 401.
    assert api.auth == tokens


def _pki(tmp_path: Path, server_name: str | None = None) -> dict[str, bytes]:
    """A CA, a server certificate for 127.0.0.1 (or only for ``server_name``) and a client
    certificate, as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    now = dt.datetime.now(dt.timezone.utc)

    def cert(name, key, issuer_name, issuer_key, *, ca=False, san=None):
        builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def pem_key(key):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = cert("test-ca", ca_key, ca_name, ca_key, ca=True)
    server = cert(server_name or "127.0.0.1", server_key, ca_name, ca_key,
                  san=[x509.DNSName(server_name)] if server_name else [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    client = cert("sre", client_key, ca_name, ca_key)
    out = {"ca": ca.public_bytes(serialization.Encoding.PEM), "server": server.public_bytes(serialization.Encoding.PEM),
           "server_key": pem_key(server_key), "client": client.public_bytes(serialization.Encoding.PEM),
           "client_key": pem_key(client_key)}
    for name, data in out.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
    return out


@pytest.mark.parametrize("backend", ["aio", "threads"])
async def test_tls_with_the_clusters_ca_and_an_inline_client_certificate(tmp_path, monkeypatch, backend):
    pki = _pki(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(tmp_path / "ca.pem"))
    context.load_cert_chain(str(tmp_path / "server.pem"), str(tmp_path / "server_key.pem"))
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no answer
    api = ApiServer()
    server = await _serve(api, context)
    url = f"https://127.0.0.1:{server.port}"
    b64 = {k: base64.b64encode(v).decode() for k, v in pki.items()}
    scratch = Path(tempfile.gettempdir())
    before = set(scratch.glob("cockpit-kube-*"))
    try:
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(
            tmp_path / "config", url, {"client-certificate-data": b64["client"], "client-key-data": b64["client_key"]},
            {"certificate-authority-data": b64["ca"]})))
        good = await _refresh(aws_backend=backend)
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(
            tmp_path / "config-no-ca", url, {"client-certificate": "client.pem", "client-key": "client_key.pem"})))
        untrusted = await _refresh(aws_backend=backend)
    finally:
        await server.close()
    assert good.error is None, good.error
    assert [i for i in good.items if i.kind == "nodes"][0].level == Level.OK
    assert untrusted.error is not None and untrusted.error.kind == ErrorKind.UNREACHABLE
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error.message
    assert set(scratch.glob("cockpit-kube-*")) == before  # the client key was written for ssl and removed


async def test_a_kubeconfig_that_cannot_work_says_why_in_one_line(tmp_path, monkeypatch):
    api = ApiServer(status=401)
    server = await _serve(api)
    url = str(server.make_url("")).rstrip("/")
    failing = tmp_path / "fail.py"
    failing.write_text("import sys\nprint('token expired: run aws sso login', file=sys.stderr)\nsys.exit(1)\n")
    cases = {
        "auth-provider": ({"auth-provider": {"name": "gcp"}}, ErrorKind.CONFIG, "'gcp' auth-provider is not supported"),
        "exec fails": ({"exec": {"command": sys.executable, "args": [str(failing)]}}, ErrorKind.CONFIG,
                       "failed (exit 1): token expired: run aws sso login"),
        "no plugin": ({"exec": {"command": "no-such-get-token"}}, ErrorKind.CONFIG, "'no-such-get-token' not found"),
        "refused token": ({"token": "old"}, ErrorKind.CREDENTIALS, "HTTP 401 Unauthorized: Unauthorized"),
    }
    try:
        for case, (user, kind, words) in cases.items():
            monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / f"{case}.yaml", url, user)))
            snap = await _refresh()
            assert snap.error is not None and snap.error.kind == kind, (case, snap.error)
            assert words in snap.error.message and "\n" not in snap.error.message, (case, snap.error.message)
    finally:
        await server.close()
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "refused token.yaml"))
    async with Connections(kube_context="staging") as conn:
        snap = await KubernetesSource(screen(**K8S_SCREEN), conn).refresh()
    assert snap.error.kind == ErrorKind.CONFIG and "context 'staging' is not in the kubeconfig (known: prod)" \
        in snap.error.message


def _entry_mistakes(doc: dict) -> dict[str, tuple[dict, str]]:
    """Kubeconfigs whose clusters, users or contexts are not what kubectl reads, and the words
    that must say where (the file is named by the test)."""
    def changed(section: str, value) -> dict:
        return {**doc, section: value}

    def inner(section: str, key: str, value) -> dict:
        return changed(section, [{**doc[section][0], key: value}])

    return {
        "user is a number": (inner("users", "user", 5), "user 'sre': user is 5, not a mapping"),
        "users holds a string": (changed("users", ["x"]), "users[0] is 'x', not a mapping with a name and a user"),
        "cluster is a string": (inner("clusters", "cluster", "https://x"),
                                "cluster 'prod': cluster is 'https://x', not a mapping"),
        "contexts is a mapping": (changed("contexts", {"prod": {}}), "contexts is {'prod': {}}, not a list"),
        "context names a list": (inner("contexts", "context", {"cluster": ["prod"], "user": "sre"}),
                                 "context 'prod': cluster is ['prod'], not a name"),
        "exec is a string": (inner("users", "user", {"exec": "aws eks get-token"}),
                             "user 'sre': exec is 'aws eks get-token', not a mapping"),
    }


async def test_a_wrong_certificate_or_entry_is_a_config_error_naming_the_file_and_field(tmp_path, monkeypatch):
    """A certificate ssl cannot read used to read as an unreachable cluster (ssl's error is an
    OSError), an entry that is not a mapping as a malformed answer (an AttributeError) or not
    at all (a string in ``users`` was skipped): all are the kubeconfig's mistake, said in one
    line with the file and the field."""
    pki = _pki(tmp_path)
    b64 = {k: base64.b64encode(v).decode() for k, v in pki.items()}
    garbage = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n").decode()
    url = "https://127.0.0.1:9"  # the TLS context is made before connecting: no server needed
    client = {"client-certificate-data": b64["client"], "client-key-data": b64["client_key"]}
    (tmp_path / "bad.pem").write_text("not a certificate either\n")
    pem_cases = {
        "CA data": ({}, {"certificate-authority-data": garbage},
                    "cluster 'prod': certificate-authority-data is not a PEM certificate"),
        "CA file": ({}, {"certificate-authority": "bad.pem"},
                    "cluster 'prod': certificate-authority (bad.pem) is not a PEM certificate"),
        "client certificate": ({**client, "client-certificate-data": garbage}, {"certificate-authority-data": b64["ca"]},
                               "user 'sre': client-certificate-data is not a PEM certificate"),
        "client key": ({**client, "client-key-data": b64["ca"]}, {"certificate-authority-data": b64["ca"]},
                       "user 'sre': client-key-data is not the PEM private key of the client certificate"),
    }
    configs = {case: (_kubeconfig(tmp_path / f"{case}.yaml", url, user, cluster), words)
               for case, (user, cluster, words) in pem_cases.items()}
    good = yaml.safe_load(_kubeconfig(tmp_path / "good.yaml", url, {"token": "t"}).read_text())
    for case, (doc, words) in _entry_mistakes(good).items():
        (tmp_path / f"{case}.yaml").write_text(yaml.safe_dump(doc))
        configs[case] = (tmp_path / f"{case}.yaml", words)
    for case, (path, words) in configs.items():
        monkeypatch.setenv("KUBECONFIG", str(path))
        snap = await _refresh()
        assert snap.error is not None and snap.error.kind == ErrorKind.CONFIG, (case, snap.error)
        assert snap.error.message.startswith(f"{path}: ") and words in snap.error.message, (case, snap.error.message)
        assert "\n" not in snap.error.message, (case, snap.error.message)


async def test_status_reads_a_cluster_without_loading_kubernetes_asyncio_or_aiohttp(kube):
    """What makes `cockpit status` on a Kubernetes screen cost less than importing a client."""
    code = textwrap.dedent("""
        import asyncio, sys
        from cockpit.content.screen import Screen
        from cockpit.sources.connections import Connections
        from cockpit.sources.kubernetes import KubernetesSource

        async def main():
            screen = Screen.model_validate({"name": "k", "title": "k", "kubernetes": {"namespaces": ["greenlang"]}})
            async with Connections(aws_backend="threads") as conn:
                snap = await KubernetesSource(screen, conn).refresh()
            print(snap.error, "kubernetes_asyncio" in sys.modules, "aiohttp" in sys.modules)
        asyncio.run(main())
    """)
    # The emulator answers on this test's loop: the child runs beside it, not blocking it.
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")})
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert out.decode().split() == ["None", "False", "False"], err.decode()


#: A name that resolves nowhere (RFC 6761): only a proxy can reach a server named so.
UNRESOLVABLE = "kube.cluster.invalid"


class ConnectProxy:
    """An http:// proxy that tunnels every ``CONNECT`` to one upstream port, whatever host it
    names (so a server named :data:`UNRESOLVABLE` is reached), and records each request line
    with its ``Proxy-Authorization``."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.seen: list[tuple[str, str | None]] = []
        self.server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> "ConnectProxy":
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        auth = next((line.split(":", 1)[1].strip() for line in head[1:]
                     if line.lower().startswith("proxy-authorization:")), None)
        self.seen.append((head[0].rsplit(" ", 1)[0], auth))  # the method and target, not the HTTP version
        if not head[0].startswith("CONNECT "):
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def _tls_api(tmp_path: Path, server_name: str) -> tuple[ApiServer, TestServer, dict[str, str]]:
    """An API server over TLS on 127.0.0.1 whose certificate names only ``server_name``."""
    pki = _pki(tmp_path, server_name)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tmp_path / "server.pem"), str(tmp_path / "server_key.pem"))
    api = ApiServer()
    return api, await _serve(api, context), {k: base64.b64encode(v).decode() for k, v in pki.items()}


async def test_a_clusters_proxy_url_carries_the_requests_through_a_tunnel(tmp_path, monkeypatch):
    """A private cluster reached through the bastion's proxy, as kubectl reaches it: the panes
    used to try the server directly (proxy-url was not read) and showed it unreachable."""
    api, server, b64 = await _tls_api(tmp_path, UNRESOLVABLE)
    try:
        async with ConnectProxy(server.port) as proxy:
            monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(
                tmp_path / "config", f"https://{UNRESOLVABLE}:6443", {"token": "t"},
                {"certificate-authority-data": b64["ca"], "proxy-url": f"http://sre:s3cret@127.0.0.1:{proxy.port}"})))
            snap = await _refresh()
    finally:
        await server.close()
    assert snap.error is None, snap.error
    assert {i.name for i in snap.items} >= {"api", "all nodes"}
    basic = "Basic " + base64.b64encode(b"sre:s3cret").decode()
    assert proxy.seen == [(f"CONNECT {UNRESOLVABLE}:6443", basic)] * 3
    assert api.auth == ["Bearer t"] * 3  # the token went to the server, inside the tunnel


async def test_the_environments_proxy_is_used_unless_no_proxy_or_loopback_exempts_the_server(tmp_path, monkeypatch):
    for name in ("https_proxy", "no_proxy", "NO_PROXY"):  # this test's own, whatever the box sets
        monkeypatch.delenv(name, raising=False)
    api, server, b64 = await _tls_api(tmp_path, UNRESOLVABLE)
    try:
        async with ConnectProxy(server.port) as proxy:
            monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "config", f"https://{UNRESOLVABLE}",
                                                              {"token": "t"}, {"certificate-authority-data": b64["ca"]})))
            monkeypatch.setenv("HTTPS_PROXY", f"127.0.0.1:{proxy.port}")  # no scheme: http://, as kubectl reads it
            through = await _refresh()
            seen = list(proxy.seen)
            monkeypatch.setenv("NO_PROXY", "localhost,.cluster.invalid")
            exempted = await _refresh()
            assert proxy.seen == seen  # not asked again
            monkeypatch.setenv("NO_PROXY", "")
            monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens: a proxied request fails
            monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "loopback", f"https://127.0.0.1:{server.port}",
                                                              {"token": "t"}, {"insecure-skip-tls-verify": True})))
            loopback = await _refresh()
    finally:
        await server.close()
    assert through.error is None, through.error
    assert seen == [(f"CONNECT {UNRESOLVABLE}:443", None)] * 3
    assert exempted.error is not None and exempted.error.kind == ErrorKind.UNREACHABLE, exempted.error
    assert loopback.error is None, loopback.error  # kubectl never proxies a loopback server


async def test_tls_server_name_is_the_name_the_certificate_is_checked_against(tmp_path, monkeypatch):
    api, server, b64 = await _tls_api(tmp_path, "kubernetes.default.svc")
    url = f"https://127.0.0.1:{server.port}"  # dialled by address; the certificate names the service
    try:
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "named", url, {"token": "t"}, {
            "certificate-authority-data": b64["ca"], "tls-server-name": "kubernetes.default.svc"})))
        named = await _refresh()
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "unnamed", url, {"token": "t"},
                                                          {"certificate-authority-data": b64["ca"]})))
        unnamed = await _refresh()
    finally:
        await server.close()
    assert named.error is None, named.error
    assert unnamed.error is not None and unnamed.error.kind == ErrorKind.UNREACHABLE
    assert "CERTIFICATE_VERIFY_FAILED" in unnamed.error.message


@pytest.mark.parametrize("proxy, words", [
    ("socks5://sre:s3cret@bastion:1080", "proxy-url 'socks5://bastion:1080': only an http://host[:port] proxy"),
    ("https://sre:s3cret@bastion", "proxy-url 'https://bastion': only an http://host[:port] proxy"),
    ("http://sre:s3cret@bastion:port", "proxy-url 'http://bastion': only an http://host[:port] proxy"),
])
async def test_a_proxy_that_cannot_be_used_is_one_line_naming_it_without_its_password(tmp_path, monkeypatch,
                                                                                      proxy, words):
    path = _kubeconfig(tmp_path / "config", "https://10.0.0.1", {"token": "t"}, {"proxy-url": proxy})
    monkeypatch.setenv("KUBECONFIG", str(path))
    snap = await _refresh()
    assert snap.error is not None and snap.error.kind == ErrorKind.CONFIG, snap.error
    assert snap.error.message.startswith(f"{path}: cluster 'prod': ") and words in snap.error.message, snap.error
    assert "s3cret" not in snap.error.message and "\n" not in snap.error.message
