"""A run driven on another host is followed, not driven: opening its playbook on this host shows
its guided screen read-only (who drives it, each step's state, the current step, its output, the
clocks), runs nothing, writes nothing, and keeps up as the other host's events arrive.

Two timeline files share the incident through the in-memory log of tests/timeline/test_mirror.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.worker import Worker, WorkerState

from cockpit.content.playbooks import load_playbook
from cockpit.engine import Engine, HeadlessOperator, Policy
from cockpit.timeline import outbox
from cockpit.timeline.aio import AsyncTimeline
from cockpit.timeline.exchange import exchange
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from cockpit.ui.playbook.follow import FollowedRunScreen
from cockpit.ui.session import session_of
from tests.timeline.test_mirror import MemoryLog, hosts
from tests.ui_playbook.conftest import HostApp, detail_pane, screen_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test

PLAYBOOK = r"""
id: ui-follow-test
title: Drain the failing node
targets:
  rto: 30m
  phases:
    - {id: assess, title: Look, budget: 5m}
    - {id: act, title: Drain and check, budget: 15m}
parameters:
  node: {default: node-7}
steps:
  - id: look
    kind: shell
    title: Look at {{ params.node }}
    phase: assess
    risk: read
    argv: [printf, 'looked\033]52;c;ZXZpbA==\007 at \033[31mnode-7\n']
  - id: drain
    kind: shell
    title: Drain {{ params.node }}
    phase: act
    risk: write
    argv: [touch, "MARKER"]
  - id: check
    kind: shell
    title: Check the pods moved
    phase: act
    risk: read
    argv: [sh, -c, "echo moved"]
"""

HOSTILE = "evil\x1b]52;c;ZXZpbA==\x07\x1b[2Jdone"


def step_events(tl, incident_id: str) -> list[str]:
    return [e.uid for e in tl.events(incident_id) if e.kind.startswith(("step_", "run_"))]


def write_playbook(tmp_path: Path, marker: Path) -> Path:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-follow-test.yaml").write_text(PLAYBOOK.replace("MARKER", str(marker)), encoding="utf-8")
    return folder


def recorder(failed: list[object]):
    """A message hook that records every worker failure and error notification."""
    def hook(message: object) -> None:
        if isinstance(message, Worker.StateChanged) and message.state == WorkerState.ERROR:
            failed.append(message.worker.error)
        elif isinstance(message, Notify) and message.notification.severity == "error":
            failed.append(message.notification.message)
    return hook


async def test_a_run_driven_on_another_host_is_followed_read_only_and_live(tmp_path):
    folder = write_playbook(tmp_path, tmp_path / "drained")
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)  # a drives the run; b is this cockpit's file
    with a, b:
        inc = a.declare("Node 7 is failing", "P2", commander="carol").id
        a.share(inc)
        run_id = a.create_run(inc, "ui-follow-test", {"node": "node-7"})
        a.set_step_state(run_id, "look", "running")
        a.set_step_state(run_id, "look", "succeeded", outputs={"pods": 12, HOSTILE: HOSTILE})
        a.set_step_state(run_id, "drain", "running")
        exchange(a, log)
        exchange(b, log)
        assert b.run(run_id).node is not None  # driven elsewhere, as b knows it
        before = step_events(b, inc)

        app = HostApp(b.path, "ui-follow-test", playbooks_dirs=[folder])
        failed: list[object] = []
        async with app.run_test(size=(80, 24), message_hook=recorder(failed)) as pilot:
            await pilot.press("p")
            screen = await wait_screen(pilot, FollowedRunScreen)
            text = await wait_text(pilot, "responder0@host0 drives this run", "Step 2/3", "Drain node-7")
            assert "FOLLOWING" in text and "Drain the failing node" in text
            assert any("✓ ok" in row and "1 Look at node-7" in row for row in text.splitlines()), text
            assert any("▶ running" in row and "2 Drain node-7" in row for row in text.splitlines()), text
            assert any("· pending" in row and "3 Check the pods" in row for row in text.splitlines()), text
            detail = detail_pane(text)
            assert "2. Drain node-7" in detail and "responder0@host0 is running it" in detail
            assert "Read-only · responder0@host0 drives this run" in text and "Step 2/3 ▶ running" in text
            assert "esc back" in text
            assert "Drain and check" in text and "/15m" in text  # the phase's clock against its budget
            assert "RTO 30m" in text

            # The step that ended: its output (the hostile key and value rendered inert).
            await pilot.press("up", "up")  # past the phase's header row
            await wait_for(pilot, lambda: "pods = 12" in detail_pane(screen_text(app)), what="look's outputs")
            shown = screen_text(app)
            assert "\x1b" not in shown and "\x07" not in shown
            assert "evil" in detail_pane(shown)

            # Nothing executed or written here: no engine, no guided screen, no new event.
            assert session_of(app).run_screen is None
            assert not any(isinstance(s, (GuidedPlaybookScreen, StartDialog)) for s in app.screen_stack)
            assert step_events(b, inc) == before
            assert outbox.queued(b.conn) == 0

            # The other host moves on: this screen follows within a few seconds.
            a.set_step_state(run_id, "drain", "succeeded", outputs={"drained_pods": 12})
            a.set_step_state(run_id, "check", "running")
            exchange(a, log)
            exchange(b, log)
            text = await wait_text(pilot, "Step 3/3 ▶ running", timeout=5)
            assert any("✓ ok" in row and "2 Drain node-7" in row for row in text.splitlines()), text
            assert "3. Check the pods moved" in detail_pane(text)

            # It ends there: the screen says so.
            a.set_step_state(run_id, "check", "succeeded")
            a.finish_run(run_id, "succeeded")
            exchange(a, log)
            exchange(b, log)
            text = await wait_text(pilot, "Run succeeded · nothing more to follow", timeout=5)
            assert "3/3 steps" in text

            assert step_events(b, inc) == step_events(a, inc)  # only what came from a
            assert outbox.queued(b.conn) == 0
            await pilot.press("escape")
            await wait_text(pilot, "LIVE PANES")
            assert screen is not app.screen
        assert app.return_code in (None, 0)
        assert failed == []


async def test_a_run_an_engine_drives_elsewhere_shows_its_call_and_result_and_runs_nothing_here(tmp_path):
    """The events a real engine writes (the call, the result line, the output) are what is shown."""
    marker = tmp_path / "drained"
    folder = write_playbook(tmp_path, marker)
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        inc = a.declare("Node 7 is failing", "P2").id
        a.share(inc)
        async with AsyncTimeline(a.path, "responder0@host0") as driver:
            playbook = load_playbook(folder / "ui-follow-test.yaml")
            engine = await Engine.start(playbook, driver, inc, {"node": "node-7"},
                                        operator=HeadlessOperator(yes=True), policy=Policy())
            await engine.run_next()  # step 1 on host A; step 2 (which writes) is next
        exchange(a, log)
        exchange(b, log)

        app = HostApp(b.path, "ui-follow-test", playbooks_dirs=[folder])
        failed: list[object] = []
        async with app.run_test(size=(80, 24), message_hook=recorder(failed)) as pilot:
            await pilot.press("p")
            await wait_screen(pilot, FollowedRunScreen)
            text = await wait_text(pilot, "Step 2/3 · pending", "responder0@host0 runs it next")
            assert "run: $ touch /" in detail_pane(text) and "/drained" in detail_pane(text)  # the call it will make
            await pilot.press("up", "up")
            await wait_for(pilot, lambda: "exit 0, 1 lines of output" in detail_pane(screen_text(app)),
                           what="step 1's result")
            detail = detail_pane(screen_text(app))
            assert "✓ ok" in detail and "the last: looked at node-7" in detail and "run: $ printf" in detail
            screen = app.screen
            assert screen.progress.steps["look"].outputs["exit_code"] == 0  # the rest of the Result, below
            shown = screen_text(app)
            assert "\x1b" not in shown and "\x07" not in shown
            await pilot.pause(1.5)  # a few reads later, still nothing ran here
            assert not marker.exists()
            assert outbox.queued(b.conn) == 0
        assert failed == []
