"""Read Kubernetes lists as raw JSON over HTTPS, without kubernetes-asyncio.

The health pane and ``cockpit status`` only GET three kinds of list (deployments, pods,
nodes) and read the raw JSON. kubernetes-asyncio imports about 860 modules to do that
(its package imports every API and model class), which made ``cockpit status`` on a
Kubernetes screen slower than the runbook's three ``kubectl get``. This reader is the
one way the sources talk to a cluster, in the running cockpit and headless alike: the
kubeconfig as kubectl reads it (``KUBECONFIG``, merged, first file wins; a named or the
current context), one GET at a time through ``plain_http`` (stdlib, a daemon thread per
request: the event loop never waits on a socket). Playbook steps that change a cluster still use kubernetes-asyncio
(``engine/k8s.py``), which is loaded when such a step runs.

Authentication, as kubectl: bearer ``token`` / ``tokenFile``, client certificate and key
(files or ``-data``), basic auth, and ``exec`` credential plugins (``aws eks get-token``:
client.authentication.k8s.io v1 and v1beta1; the token is kept until its
``expirationTimestamp``). The legacy ``auth-provider`` plugins are refused with a line
that says so.

The way to the server, as kubectl: the cluster's ``proxy-url``, else ``HTTPS_PROXY`` /
``HTTP_PROXY`` unless ``NO_PROXY`` names the server (a host, a domain, an address or a
CIDR range) or the server is a loopback address; and ``tls-server-name``, the name the
server's certificate is checked against. A proxy must be http:// (an https or socks5 one
is refused in one line: kubernetes-asyncio, which the panes used before, refused them too).
"""

from __future__ import annotations

import base64
import json
import os
import re
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from cockpit.sources import plain_http
from cockpit.sources.aws_threads import in_daemon_thread
from cockpit.sources.errors import KubeApiError, KubeConfigError

#: An exec plugin that has not answered in this long is given up (kubectl waits as long).
EXEC_TIMEOUT = 30.0


def kubeconfig_paths() -> list[Path]:
    value = os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    return [Path(p) for p in value.split(os.pathsep) if p]


def _merged(paths: list[Path]) -> tuple[dict[str, Any], dict[str, Path]]:
    """The kubeconfig files merged as kubectl merges them (the first to name a thing wins),
    and the file each named cluster, user and context came from (relative paths are read
    beside it; a mistake is reported with it)."""
    import yaml

    merged: dict[str, Any] = {"clusters": {}, "users": {}, "contexts": {}, "current-context": None}
    origin: dict[str, Path] = {}
    found = False
    for path in paths:
        if not path.is_file():
            continue
        found = True
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise KubeConfigError(f"{path}: cannot read the kubeconfig: {' '.join(str(exc).split())[:200]}") from None
        if not isinstance(doc, dict):
            raise KubeConfigError(f"{path}: not a kubeconfig (a mapping is expected)")
        for section, inner in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            entries = doc.get(section) or []
            if not isinstance(entries, list):
                raise KubeConfigError(f"{path}: {section} is {_shown(entries)}, not a list")
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    raise KubeConfigError(f"{path}: {section}[{i}] is {_shown(entry)}, not a mapping "
                                          f"with a name and a {inner}")
                name = entry.get("name")
                if not isinstance(name, str) or name in merged[section]:
                    continue
                value = entry.get(inner) or {}
                if not isinstance(value, dict):
                    raise KubeConfigError(f"{path}: {inner} {name!r}: {inner} is {_shown(value)}, not a mapping")
                merged[section][name] = value
                origin[f"{section}/{name}"] = path
        if merged["current-context"] is None and doc.get("current-context"):
            merged["current-context"] = str(doc["current-context"])
    if not found:
        raise KubeConfigError(f"no kubeconfig found at {os.pathsep.join(map(str, paths))} (set KUBECONFIG)")
    return merged, origin


@dataclass
class _Auth:
    """What a request carries to prove who it is."""

    header: str | None = None
    cert: tuple[str, str] | None = None  # (certificate PEM, key PEM)
    cert_from: tuple[str, str] = ("", "")  # where each came from, for a line that says which is wrong
    expires: float | None = None  # an exec plugin's token, until then
    renew_at: float = 0.0
    exec_spec: dict[str, Any] | None = None
    folder: Path = field(default_factory=Path)


class KubeReader:
    """GET JSON from one kubeconfig context's API server."""

    def __init__(self, context: str | None = None, *, connect_timeout: float = 3.0, read_timeout: float = 8.0) -> None:
        merged, origin = _merged(kubeconfig_paths())
        name = context or merged["current-context"]
        if not name:
            raise KubeConfigError("the kubeconfig has no current-context (pass --context)")
        ctx = merged["contexts"].get(name)
        if ctx is None:
            raise KubeConfigError(f"context {name!r} is not in the kubeconfig (known: "
                                  f"{', '.join(sorted(merged['contexts'])) or 'none'})")
        for ref in ("cluster", "user"):
            if not isinstance(ctx.get(ref), (str, type(None))):
                raise KubeConfigError(f"{origin[f'contexts/{name}']}: context {name!r}: {ref} is "
                                      f"{_shown(ctx[ref])}, not a name")
        cluster = merged["clusters"].get(ctx.get("cluster"))
        if not cluster or not cluster.get("server"):
            raise KubeConfigError(f"context {name!r}: cluster {ctx.get('cluster')!r} has no server")
        self.context = name
        self.server = str(cluster["server"]).rstrip("/")
        parts = urlsplit(self.server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise KubeConfigError(f"context {name!r}: server {self.server!r} is not an http(s) URL")
        self._scheme = parts.scheme
        self.timeout = (connect_timeout, read_timeout)
        user = merged["users"].get(ctx.get("user")) or {}
        user_file = origin.get(f"users/{ctx.get('user')}", Path())
        self._auth = self._user(user, user_file, f"{user_file}: user {ctx.get('user')!r}", name)
        cluster_file = origin[f"clusters/{ctx.get('cluster')}"]
        self._cluster_folder = cluster_file.parent
        self._cluster_where = f"{cluster_file}: cluster {ctx.get('cluster')!r}"
        self._cluster = cluster
        self._tls_name = str(cluster["tls-server-name"]) if cluster.get("tls-server-name") else None
        self._proxy = _proxy(cluster, parts, self._cluster_where)
        self._ssl: ssl.SSLContext | None = None
        self._lock = threading.Lock()

    # -- configuration ---------------------------------------------------------------

    @staticmethod
    def _user(user: dict[str, Any], file: Path, where: str, context: str) -> _Auth:
        """How requests of ``context`` authenticate, from the kubeconfig ``user`` (read from
        ``file``; ``where`` names it in a line about a mistake)."""
        for spec in ("auth-provider", "exec"):
            if user.get(spec) and not isinstance(user[spec], dict):
                raise KubeConfigError(f"{where}: {spec} is {_shown(user[spec])}, not a mapping")
        folder = file.parent
        if user.get("auth-provider"):
            provider = (user["auth-provider"] or {}).get("name", "?")
            raise KubeConfigError(f"context {context!r}: the {provider!r} auth-provider is not supported "
                                  "(kubectl dropped it too); use an exec credential plugin")
        auth = _Auth(folder=folder)
        if user.get("exec"):
            auth.exec_spec = user["exec"]
        elif user.get("token"):
            auth.header = f"Bearer {user['token']}"
        elif user.get("tokenFile"):
            auth.header = f"Bearer {_read(folder, user['tokenFile'], context).strip()}"
        elif user.get("username") is not None:
            pair = f"{user.get('username')}:{user.get('password') or ''}".encode()
            auth.header = f"Basic {base64.b64encode(pair).decode()}"
        cert = _pem(user, "client-certificate", folder, context)
        key = _pem(user, "client-key", folder, context)
        if cert and key:
            auth.cert = (cert, key)
            auth.cert_from = (f"{where}: {_pem_field(user, 'client-certificate')}",
                              f"{where}: {_pem_field(user, 'client-key')}")
        return auth

    def _context_ssl(self, cert: tuple[str, str] | None, cert_from: tuple[str, str]) -> ssl.SSLContext:
        """The TLS context of a request: the cluster's CA and the client certificate, each
        that ssl refuses named in a KubeConfigError (ssl's own error is an OSError, which
        would read as an unreachable cluster)."""
        cluster = self._cluster
        if cluster.get("insecure-skip-tls-verify"):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        else:
            ca = _pem(cluster, "certificate-authority", self._cluster_folder, self.context)
            if ca:
                ctx = _trusting(ca, f"{self._cluster_where}: {_pem_field(cluster, 'certificate-authority')}")
            else:
                ctx = ssl.create_default_context()
        if cert is not None:
            _trusting(cert[0], cert_from[0])  # ssl's error for a chain does not say which half is wrong
            # ssl loads a certificate chain from files only: a private folder, removed at once.
            with tempfile.TemporaryDirectory(prefix="cockpit-kube-") as tmp:
                cert_path, key_path = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
                for path, text in ((cert_path, cert[0]), (key_path, cert[1])):
                    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                        out.write(text)
                try:
                    ctx.load_cert_chain(str(cert_path), str(key_path))
                except (ssl.SSLError, ValueError) as exc:
                    raise KubeConfigError(f"{cert_from[1]} is not the PEM private key of the client "
                                          f"certificate ({_ssl_reason(exc)})") from None
        return ctx

    def _credentials(self) -> tuple[str | None, ssl.SSLContext | None]:
        """The Authorization header and TLS context for a request now (an exec plugin is run
        when its token is missing or expired). Runs in the request's thread."""
        with self._lock:
            auth = self._auth
            if auth.exec_spec is not None and (auth.header is None and auth.cert is None
                                               or auth.expires is not None and time.time() >= auth.renew_at):
                auth.header, cert, auth.expires = _run_exec(auth.exec_spec, auth.folder, self.context)
                plugin = f"context {self.context!r}: exec plugin {auth.exec_spec.get('command')!r}"
                auth.cert_from = (f"{plugin}: clientCertificateData", f"{plugin}: clientKeyData")
                if auth.expires is not None:  # renewed a little before it expires (10 s; half a short life)
                    auth.renew_at = auth.expires - min(10.0, max(0.0, auth.expires - time.time()) / 2)
                if cert != auth.cert:
                    auth.cert = cert
                    self._ssl = None
            if self._scheme == "https" and self._ssl is None:
                self._ssl = self._context_ssl(auth.cert, auth.cert_from)
            return auth.header, self._ssl

    # -- requests ----------------------------------------------------------------------

    async def get_json(self, path: str) -> Any:
        """``GET path`` decoded (KubeApiError for an answer that is not 2xx)."""
        return await in_daemon_thread("kube", self._get, path)

    def _get(self, path: str) -> Any:
        header, context = self._credentials()
        connect, read = self.timeout
        headers = {"Accept": "application/json"}
        if header:
            headers["Authorization"] = header
        answer = plain_http.request("GET", self.server + path, headers=headers, connect_timeout=connect,
                                    read_timeout=read, context=context, proxy=self._proxy,
                                    server_hostname=self._tls_name)
        if not 200 <= answer.status < 300:
            raise KubeApiError(answer.status, answer.reason, _status_message(answer.body))
        return json.loads(answer.body)


def _proxy(cluster: dict[str, Any], server: SplitResult, where: str) -> str | None:
    """The proxy requests to ``server`` go through, chosen as kubectl chooses it; None for none.

    A KubeConfigError names where an unusable proxy came from, never its password."""
    url = cluster.get("proxy-url")
    origin = f"{where}: proxy-url"
    if not url:
        variable = "HTTPS_PROXY" if server.scheme == "https" else "HTTP_PROXY"
        url = os.environ.get(variable) or os.environ.get(variable.lower())
        if not url or _exempt(server.hostname or ""):
            return None
        url = url if "://" in url else f"http://{url}"  # as kubectl: a bare host:port is an http proxy
        origin = f"{variable} (from the environment)"
    parts = urlsplit(str(url))
    try:
        port, port_ok = parts.port, True
    except ValueError:
        port, port_ok = None, False
    if parts.scheme != "http" or not parts.hostname or not port_ok:
        shown = f"{parts.scheme}://{parts.hostname or ''}" + (f":{port}" if port else "")  # never the password
        raise KubeConfigError(f"{origin} {shown!r}: only an http://host[:port] proxy can be used to read the cluster")
    return str(url)


def _exempt(host: str) -> bool:
    """Whether a request to ``host`` goes direct though a proxy is set: a loopback address
    (kubectl never proxies those), or one ``NO_PROXY`` names."""
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or address is not None and address.is_loopback:
        return True
    listed = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    if not listed.strip():
        return False
    for entry in (e.strip() for e in listed.split(",")):
        if address is not None and "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    from urllib.request import proxy_bypass_environment

    return bool(proxy_bypass_environment(host, {"no": listed}))


def _status_message(body: bytes) -> str:
    """The message of a Kubernetes ``Status`` answer, if it is one."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("message") or "") if isinstance(data, dict) else ""


def _read(folder: Path, name: str, context: str) -> str:
    path = Path(os.path.expanduser(name))
    path = path if path.is_absolute() else folder / path
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KubeConfigError(f"context {context!r}: cannot read {path}: {exc.strerror or exc}") from None


def _pem(section: dict[str, Any], key: str, folder: Path, context: str) -> str | None:
    """A PEM given inline (``key-data``, base64) or as a file (``key``), else None."""
    if section.get(f"{key}-data"):
        try:
            return base64.b64decode(section[f"{key}-data"]).decode("ascii")
        except (ValueError, UnicodeDecodeError):
            raise KubeConfigError(f"context {context!r}: {key}-data is not base64 PEM") from None
    if section.get(key):
        return _read(folder, str(section[key]), context)
    return None


def _pem_field(section: dict[str, Any], key: str) -> str:
    """Which field :func:`_pem` read: ``key-data``, or ``key`` and its file."""
    return f"{key}-data" if section.get(f"{key}-data") else f"{key} ({section.get(key)})"


def _trusting(pem: str, where: str) -> ssl.SSLContext:
    """A TLS client context trusting the certificates of ``pem``; KubeConfigError naming
    ``where`` if ``pem`` holds none or one ssl cannot read."""
    try:
        return ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise KubeConfigError(f"{where} is not a PEM certificate ({_ssl_reason(exc)})") from None


def _ssl_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return " ".join(re.sub(r"\s*\(_ssl\.c:\d+\)\s*$", "", str(text)).split())[:160]


def _shown(value: object) -> str:
    """A YAML value as a mistake's line quotes it."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _run_exec(spec: dict[str, Any], folder: Path, context: str) -> tuple[str | None, tuple[str, str] | None,
                                                                          float | None]:
    """Run an exec credential plugin; its token (as a header), certificate, and expiry."""
    command = spec.get("command")
    if not command:
        raise KubeConfigError(f"context {context!r}: exec has no command")
    api_version = str(spec.get("apiVersion") or "client.authentication.k8s.io/v1beta1")
    env = dict(os.environ)
    for pair in spec.get("env") or ():
        if isinstance(pair, dict) and "name" in pair:
            env[str(pair["name"])] = str(pair.get("value", ""))
    env["KUBERNETES_EXEC_INFO"] = json.dumps({"apiVersion": api_version, "kind": "ExecCredential",
                                              "spec": {"interactive": False}})
    argv = [str(command), *(str(a) for a in spec.get("args") or ())]
    if "/" in argv[0] and not os.path.isabs(argv[0]):
        argv[0] = str(folder / argv[0])
    try:
        done = subprocess.run(argv, env=env, capture_output=True, timeout=EXEC_TIMEOUT, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise KubeConfigError(f"context {context!r}: exec plugin {argv[0]!r} not found") from None
    except subprocess.TimeoutExpired:
        raise KubeConfigError(f"context {context!r}: exec plugin {argv[0]!r} gave no credential "
                              f"within {EXEC_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or [""])[-1][:200]
        raise KubeConfigError(f"context {context!r}: exec plugin {argv[0]!r} failed "
                              f"(exit {done.returncode}){': ' + last if last else ''}")
    try:
        status = json.loads(done.stdout)["status"]
    except (ValueError, KeyError, TypeError):
        raise KubeConfigError(f"context {context!r}: exec plugin {argv[0]!r} did not print an ExecCredential") \
            from None
    token = status.get("token")
    cert = (status["clientCertificateData"], status["clientKeyData"]) \
        if status.get("clientCertificateData") and status.get("clientKeyData") else None
    expires = None
    if status.get("expirationTimestamp"):
        try:
            expires = datetime.fromisoformat(str(status["expirationTimestamp"]).replace("Z", "+00:00")).timestamp()
        except ValueError:
            expires = None
    return (f"Bearer {token}" if token else None), cert, expires
