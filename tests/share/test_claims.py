"""A step that writes runs once across hosts: claimed in the share before it executes.

On the emulated estate's DynamoDB (writes serialised, atomic as DynamoDB's), with a
counting HTTP server as the estate the step writes to. Two host processes, each with its
own timeline file, drive the same run of a shared incident (bob took it over while alice,
behind a partition, still drives it) and run its write step at the same moment, 100
times: the server sees exactly one request per trial, and the host that did not run it
says who did. Then what a responder meets around it: the share away, no share at all, a
take-over refused while the driver is there, and the old driver stopped once it learns.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cockpit.content.playbooks import find_playbook
from cockpit.engine import Engine, EngineError, HeadlessOperator, Policy, Runtime
from cockpit.share.claims import claims_for
from cockpit.share.log import TableLog
from cockpit.share.runs import TakeOverRefused, take_over
from cockpit.share.sync import Beats, drain, share_incident, sync_once
from cockpit.share.uri import parse
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline
from tests.engine.conftest import write_playbook

pytestmark = pytest.mark.slow
HOST = Path(__file__).with_name("claim_host.py")
TRIALS = 100


@pytest.fixture
def server():
    """The estate the write step writes to, counting each request by path."""
    hits: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits[self.path] += 1
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"promoted": true}')

        do_GET = do_POST

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


@pytest.fixture
def playbooks(tmp_path: Path) -> Path:
    folder = tmp_path / "pb"
    write_playbook(folder, """
id: claim-race
title: Claim race
parameters:
  url: {}
steps:
  - id: promote
    kind: http
    title: Promote the replica
    method: POST
    url: "{{ params.url }}"
    json: {promote: true}
    risk: write
  - id: look
    kind: http
    title: Look at it
    url: "{{ params.url }}"
""")
    (folder / "approve-race.yaml").write_text("""
id: approve-race
title: Approve race
parameters:
  url: {}
steps:
  - id: go
    kind: approve
    title: Go ahead with the failover
    approver: the incident commander
    prompt: Fail over to eu-central-1?
""", encoding="utf-8")
    return folder


@pytest.fixture
def aws(table: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in table.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    return table


def _shared_runs(tmp_path: Path, uri: str, urls: list[str], playbook_id: str = "claim-race"
                 ) -> tuple[Path, Path, str, list[str]]:
    """Alice's file with a shared incident and a run per url; bob's file, which took every run over
    (and has not told alice yet: she still drives them, as behind a partition)."""
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    with Timeline(a, actor="alice@bastion-1") as alice, Timeline(b, actor="bob@laptop-2") as bob:
        incident = alice.declare("Replica lag", "P1")
        share_incident(alice, TableLog(parse(uri), alice.node()), incident.id)
        runs = [alice.create_run(incident.id, playbook_id, {"url": url}) for url in urls]
        assert drain(alice, parse(uri), seconds=30).round.queued == 0
        assert sync_once(bob, TableLog(parse(uri), bob.node())).error is None
        for run_id in runs:
            bob.take_over_run(run_id)
    return a, b, incident.id, runs


def _race(hosts: list[subprocess.Popen], run_id: str) -> list[str]:
    """Both hosts reopen ``run_id``, then run its current step at the same moment: what each said."""
    for host in hosts:
        host.stdin.write(f"prep {run_id}\n")
        host.stdin.flush()
    for host in hosts:
        line = host.stdout.readline()
        assert line == f"ready {run_id}\n", line + host.stderr.read() if not line else line
    for host in hosts:  # as close together as two processes can be told
        host.stdin.write(f"go {run_id}\n")
    for host in hosts:
        host.stdin.flush()
    return sorted(host.stdout.readline().rstrip("\n") for host in hosts)


def _hosts(aws: Any, dbs: tuple[Path, Path], playbooks: Path, playbook_id: str) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, str(HOST), str(db), aws.uri, str(playbooks), playbook_id],
                             env=aws.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for db in dbs]


def test_two_hosts_running_one_write_step_at_once_execute_it_once(aws: Any, tmp_path: Path, server: Any,
                                                                 playbooks: Path) -> None:
    base, hits = server
    a, b, _, runs = _shared_runs(tmp_path, aws.uri, [f"{base}/trial/{k}" for k in range(TRIALS)])
    hosts = _hosts(aws, (a, b), playbooks, "claim-race")
    outcomes: Counter[str] = Counter()
    try:
        for k, run_id in enumerate(runs):
            said = _race(hosts, run_id)
            assert hits[f"/trial/{k}"] == 1, (k, said)
            assert said[0] == f"done {run_id} succeeded", said
            refused = said[1]
            assert refused.startswith(f"refused {run_id} step promote 'Promote the replica' "), said
            assert "is being run by host@" in refused or "was already run by host@" in refused, said
            outcomes["being run" if "is being run" in refused else "already run"] += 1
    finally:
        for host in hosts:
            host.stdin.close()
            host.wait(timeout=30)
    assert sum(hits.values()) == TRIALS
    print(f"\n{TRIALS} trials, one execution each; the loser found the step {dict(outcomes)}")


async def _run_step(db: Path, actor: str, playbook: Any, run_id: str, claims: Any) -> str:
    tl = AsyncTimeline(db, actor)
    await tl.open()
    try:
        run = await tl.call(tl.sync.run, run_id)
        engine = await Engine.resume(playbook, tl, run_id, dict(run.params), operator=HeadlessOperator(yes=True),
                                     policy=Policy(), runtime=Runtime(), claims=claims)
        return await engine.run_next() or ""
    except EngineError as exc:
        return f"refused: {exc}"
    finally:
        await tl.close()


def test_a_write_step_of_a_shared_run_is_refused_when_nobody_can_say_who_runs_it(
        aws: Any, tmp_path: Path, server: Any, playbooks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, hits = server
    a, b, incident_id, (run_id,) = _shared_runs(tmp_path, aws.uri, [f"{base}/once"])
    playbook = find_playbook("claim-race", [playbooks])
    with Timeline(a) as alice:
        node = alice.node()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # the share away
    away = asyncio.run(_run_step(a, "alice@bastion-1", playbook, run_id,
                                 claims_for(aws.uri, incident_id, node, "alice@bastion-1")))
    assert away.startswith("refused: step promote 'Promote the replica' writes, and only the share can make sure "
                           "no other host runs it too: share offline: unreachable: "), away
    unset = asyncio.run(_run_step(a, "alice@bastion-1", playbook, run_id, None))  # a cockpit without the share
    assert "this cockpit has no share configured" in unset
    assert hits["/once"] == 0
    with Timeline(a) as alice:  # nothing recorded: the step is still to run
        assert [s.state for s in alice.step_states(run_id) if s.step_id == "promote"] in ([], ["pending"])


def test_a_take_over_waits_for_the_driver_to_be_gone_and_the_old_driver_stops(
        aws: Any, tmp_path: Path, server: Any, playbooks: Path) -> None:
    """Bob may take alice's run over only once her cockpit has left the share. Alice's
    cockpit, had it been alive behind a partition with the run open, stops at its next step
    once it learns; and it cannot reopen the run."""
    base, hits = server
    uri = parse(aws.uri)
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    playbook = find_playbook("claim-race", [playbooks])

    async def scenario() -> tuple[str, str]:
        with Timeline(a, actor="alice@bastion-1") as alice, Timeline(b, actor="bob@laptop-2") as bob:
            incident = alice.declare("Replica lag", "P1")
            alice_log, bob_log = TableLog(uri, alice.node()), TableLog(uri, bob.node())
            share_incident(alice, alice_log, incident.id)
            run_id = alice.create_run(incident.id, "claim-race", {"url": f"{base}/after"})
            beats = Beats(alice_log, "alice@bastion-1")
            beats.after(sync_once(alice, alice_log), (incident.id,))  # alice's cockpit is on the share
            sync_once(bob, bob_log)
            tl = AsyncTimeline(a, "alice@bastion-1")  # her cockpit, with the run open
            await tl.open()
            claims = claims_for(aws.uri, incident.id, alice.node(), "alice@bastion-1")
            engine = await Engine.resume(playbook, tl, run_id, {"url": f"{base}/after"},
                                         operator=HeadlessOperator(yes=True), policy=Policy(), runtime=Runtime(),
                                         claims=claims)
            with pytest.raises(TakeOverRefused, match=r"alice@bastion-1 is still on the share \(their cockpit on .+ "
                                                      r"beat \d+ s ago\): run run-\w+ stays theirs"):
                take_over(bob, uri, run_id)
            beats.leave()  # alice's laptop drops off the network
            assert take_over(bob, uri, run_id) == "alice@bastion-1"
            sync_once(bob, bob_log)
            sync_once(alice, alice_log)  # back: her file learns
            assert alice.run_driver(run_id)[1] == "bob@laptop-2"
            try:
                await engine.run_next()
                stopped = "ran"
            except EngineError as exc:
                stopped = str(exc)
            await tl.close()
            reopened = await _run_step(a, "alice@bastion-1", playbook, run_id, claims)
            return stopped, reopened

    stopped, reopened = asyncio.run(scenario())
    assert stopped.startswith("run run-") and "was taken over by bob@laptop-2" in stopped, stopped
    assert "is driven from another host, by bob@laptop-2" in reopened and "take it over (--take-over)" in reopened
    assert hits["/after"] == 0


def test_a_verdict_takes_a_dead_hosts_step_over_once_and_never_a_live_ones(
        aws: Any, tmp_path: Path, server: Any, playbooks: Path) -> None:
    """Alice's cockpit claimed the write step, started it and vanished: its outcome is unknown.
    Bob, who took the run over, judges it: "rerun". While alice's cockpit beats on the share,
    her claim stands and bob is told she is running it; once she is gone, his verdict takes
    the step over and it runs once."""
    from cockpit.engine.claims import Granted
    from cockpit.share.claims import TableClaims
    from cockpit.timeline import StepState

    base, hits = server
    uri = parse(aws.uri)
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    playbook = find_playbook("claim-race", [playbooks])
    with Timeline(a, actor="alice@bastion-1") as alice, Timeline(b, actor="bob@laptop-2") as bob:
        incident = alice.declare("Replica lag", "P1")
        alice_log, bob_log = TableLog(uri, alice.node()), TableLog(uri, bob.node())
        share_incident(alice, alice_log, incident.id)
        run_id = alice.create_run(incident.id, "claim-race", {"url": f"{base}/rerun"})
        assert isinstance(TableClaims(uri, incident.id, alice.node(), "alice@bastion-1").claim(
            run_id, "promote", 1, after_verdict=False), Granted)
        alice.set_step_state(run_id, "promote", StepState.RUNNING, attempt=1)
        sync_once(alice, alice_log)
        sync_once(bob, bob_log)
        take_over(bob, uri, run_id)
        beats = Beats(alice_log, "alice@bastion-1")
        beats.after(sync_once(alice, alice_log), (incident.id,))  # alice's cockpit is back on the share
        bob_node = bob.node()

    def rerun() -> str:
        async def go() -> str:
            tl = AsyncTimeline(b, "bob@laptop-2")
            await tl.open()
            try:
                engine = await Engine.resume(
                    playbook, tl, run_id, {"url": f"{base}/rerun"}, policy=Policy(), runtime=Runtime(),
                    operator=HeadlessOperator(yes=True, verdicts={"promote": "rerun"}),
                    claims=claims_for(aws.uri, incident.id, bob_node, "bob@laptop-2"))
                return await engine.run_next() or ""
            except EngineError as exc:
                return f"refused: {exc}"
            finally:
                await tl.close()
        return asyncio.run(go())

    held = rerun()
    assert held.startswith("refused: step promote 'Promote the replica' is being run by alice@bastion-1 (attempt 1"), held
    assert hits["/rerun"] == 0
    beats.leave()
    assert rerun() == "succeeded"
    assert hits["/rerun"] == 1


def test_two_hosts_answering_one_approval_at_once_make_one_decision(aws: Any, tmp_path: Path, server: Any,
                                                                    playbooks: Path) -> None:
    """An approval is held by one person at a time: of two hosts approving the same step at
    once, one decision is recorded and the other host is told whose it is."""
    base, _ = server
    a, b, incident_id, runs = _shared_runs(tmp_path, aws.uri, [base] * 20, "approve-race")
    hosts = _hosts(aws, (a, b), playbooks, "approve-race")
    try:
        for run_id in runs:
            said = _race(hosts, run_id)
            assert said[0] == f"done {run_id} succeeded", said
            assert said[1].startswith(f"refused {run_id} step go 'Go ahead with the failover' was already approved "
                                      "by host@"), said
    finally:
        for host in hosts:
            host.stdin.close()
            host.wait(timeout=30)
    approvals: Counter[str] = Counter()
    for db in (a, b):
        with Timeline(db) as tl:
            approvals.update(e.data["run_id"] for e in tl.events(incident_id) if e.kind == "approval")
    assert approvals == Counter(runs)  # one approval per run, on one of the two files
