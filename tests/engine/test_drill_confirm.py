"""A drill's --yes confirms destructive steps only on the emulated estate that proves it is.

Real `cockpit run` processes against the suite's estate; the impostor is a real HTTP server
on loopback (what anyone could start), counting what reaches it.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.engine.conftest import cockpit, events_of, incident_id, requests_since, write_playbook

WEBHOOK = "http:webhook:POST /webhook/slack"


def _playbook(folder, url: str, extra: str = "") -> None:
    write_playbook(folder, f"""
id: drill-confirm
title: Drill confirm
steps:
  - id: wipe
    kind: http
    title: A destructive call
    method: POST
    url: "{url}"
    json: {{text: wipe}}
    risk: destructive
    confirm: WIPE-IT
{extra}""")


@pytest.fixture
def impostor():
    """Something else on 127.0.0.1 that would happily take the destructive call."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def _drill(env, db, folder):
    return cockpit(["run", "drill-confirm", "--dir", str(folder), "--mode", "drill", "--title", "drill",
                    "--severity", "P3", "--yes"], env, db)


def test_yes_confirms_on_the_proven_estate(estate, env_for, tmp_path):
    _playbook(tmp_path / "pb", estate.env["COCKPIT_WEBHOOK_URL"])
    since = __import__("time").time()
    proc = _drill(env_for, tmp_path / "t.db", tmp_path / "pb")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert requests_since(estate, since)["by_operation"].get(WEBHOOK) == 1
    notes = events_of(tmp_path / "t.db", incident_id(proc.stdout), ["note"])
    assert any(e.data.get("confirmed_by") == "drill --yes on the proven estate" for e in notes)


def test_a_url_elsewhere_needs_the_typed_text(estate, env_for, tmp_path, impostor):
    url, hits = impostor
    _playbook(tmp_path / "pb", f"{url}/wipe")
    proc = _drill(env_for, tmp_path / "t.db", tmp_path / "pb")
    assert proc.returncode == 3
    assert f"step wipe's URL {url}/wipe is not the proven emulated estate" in proc.stderr
    assert "--confirm wipe='WIPE-IT'" in proc.stderr and hits == []


def test_an_impostor_estate_on_loopback_proves_nothing(estate, env_for, tmp_path, impostor):
    url, hits = impostor
    _playbook(tmp_path / "pb", f"{url}/wipe")
    env = {**env_for, "COCKPIT_ESTATE_URL": url}  # it answers /_estate/prove, but without the token's MAC
    proc = _drill(env, tmp_path / "t.db", tmp_path / "pb")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert f"{url} did not answer the estate's challenge" in proc.stderr
    assert hits == [f"GET /_estate/prove?nonce={hits[0].split('=', 1)[1]}"]  # the challenge, never the call


def test_a_wrong_token_proves_nothing(estate, env_for, tmp_path):
    _playbook(tmp_path / "pb", estate.env["COCKPIT_WEBHOOK_URL"])
    since = __import__("time").time()
    proc = _drill({**env_for, "COCKPIT_ESTATE_TOKEN": "0" * 64}, tmp_path / "t.db", tmp_path / "pb")
    assert proc.returncode == 3
    assert "does not know this environment's estate token" in proc.stderr
    assert requests_since(estate, since)["by_operation"].get(WEBHOOK) is None


def test_a_production_kubeconfig_in_the_run_needs_the_typed_text(estate, env_for, tmp_path):
    kubeconfig = tmp_path / "prod-kubeconfig"
    kubeconfig.write_text("""apiVersion: v1
kind: Config
clusters: [{name: prod, cluster: {server: "https://10.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: prod, context: {cluster: prod, user: u}}]
current-context: prod
""", encoding="utf-8")
    _playbook(tmp_path / "pb", estate.env["COCKPIT_WEBHOOK_URL"],
              "  - {id: pods, kind: k8s, title: Pods, action: get, resource: pod}\n")
    since = __import__("time").time()
    proc = _drill({**env_for, "KUBECONFIG": str(kubeconfig)}, tmp_path / "t.db", tmp_path / "pb")
    assert proc.returncode == 3
    assert "step pods's Kubernetes API server https://10.0.0.1:6443 is not the proven emulated estate" in proc.stderr
    assert requests_since(estate, since)["by_operation"].get(WEBHOOK) is None


def test_the_estate_never_serves_its_token(estate):
    assert "COCKPIT_ESTATE_TOKEN" not in estate.control("status")["env"]
    assert estate.env["COCKPIT_ESTATE_TOKEN"] not in str(estate.control("status"))
