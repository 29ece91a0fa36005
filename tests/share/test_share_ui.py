"""The cockpit with a share configured: another host's incident and notes appear in its
panes within seconds, its own notes reach that host, and the header says how the share is.
Textual's Pilot on the emulated estate's DynamoDB, the other host a real file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.config import Config
from cockpit.share.log import TableLog
from cockpit.share.sync import Beats, share_incident, sync_once
from cockpit.share.uri import parse
from cockpit.timeline import Timeline
from cockpit.ui.incident import IncidentHeader, TimelinePane
from tests.engine.conftest import cockpit
from tests.share.conftest import share_env
from tests.ui_incident.conftest import IncidentTestApp, screen_text, wait_for

pytestmark = pytest.mark.slow
REGION = "eu-central-1"


def messages(app: IncidentTestApp) -> list[str]:
    table = app.query_one(TimelinePane).table
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


async def test_another_hosts_incident_and_notes_show_here_and_ours_reach_it(share_estate: Any, tmp_path: Path,
                                                                           monkeypatch) -> None:
    done = cockpit(["share", "init", "--region", REGION, "--table", "share-ui"], share_env(share_estate.env, tmp_path),
                   tmp_path / "init.db", timeout=120)
    assert done.returncode == 0, done.stderr
    uri = f"dynamodb://share-ui?region={REGION}"
    for key, value in share_estate.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    with Timeline(tmp_path / "bob.db", actor="bob@laptop-2") as bob:
        log = TableLog(parse(uri), bob.node())
        incident_id = bob.declare("S3 5xx in eu-west-1", "P1").id
        share_incident(bob, log, incident_id)

        app = IncidentTestApp(Config(db=tmp_path / "alice.db", actor="alice@bastion-1", share=uri))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: incident_id in screen_text(app), timeout=10)
            await wait_for(pilot, lambda: "shared" in app.query_one(IncidentHeader).text, timeout=5)
            bob.note(incident_id, "bob: throttling on the bucket")
            sync_once(bob, log)
            sent = time.monotonic()
            await wait_for(pilot, lambda: "bob: throttling on the bucket" in messages(app), timeout=5)
            assert time.monotonic() - sent < 3  # the two seconds, plus a poll
            noted = cockpit(["incident", "note", incident_id, "alice: failing over reads"],
                            share_env(share_estate.env, tmp_path / "a", "alice@bastion-1"), tmp_path / "alice.db")
            assert noted.returncode == 0, noted.stderr
            deadline = time.monotonic() + 5
            while "alice: failing over reads" not in [e.message for e in bob.events(incident_id)]:
                assert time.monotonic() < deadline, "the cockpit's share worker did not send alice's note"
                sync_once(bob, log)
                await pilot.pause(0.3)
            header = app.query_one(IncidentHeader)
            assert header.text.splitlines()[-1] == "shared · 1 responder"
            beats = Beats(log, "bob@laptop-2")  # bob opens the incident in his cockpit
            beats.after(sync_once(bob, log), (incident_id,))
            await wait_for(pilot, lambda: header.text.splitlines()[-1] == "shared · 2 responders", timeout=8)
            beats.after(sync_once(bob, log), ())  # bob turns to another incident
            await wait_for(pilot, lambda: header.text.splitlines()[-1] == "shared · 1 responder", timeout=8)
            beats.after(sync_once(bob, log), (incident_id,))
            await wait_for(pilot, lambda: header.text.splitlines()[-1] == "shared · 2 responders", timeout=8)
            beats.leave()  # bob quits
            await wait_for(pilot, lambda: header.text.splitlines()[-1] == "shared · 1 responder", timeout=8)


async def test_the_header_says_when_the_share_is_away(share_estate: Any, tmp_path: Path, monkeypatch) -> None:
    for key, value in share_estate.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    with Timeline(tmp_path / "alice.db", actor="alice@bastion-1") as tl:
        tl.declare("Lag", "P2")
    app = IncidentTestApp(Config(db=tmp_path / "alice.db", actor="alice@bastion-1",
                                 share=f"dynamodb://share-away?region={REGION}"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "share offline" in app.query_one(IncidentHeader).text, timeout=5)
        assert app.query_one(IncidentHeader).text.splitlines()[-1].startswith(
            "share offline · 0 queued · unreachable: ")


async def test_a_followed_run_is_taken_over_only_once_its_driver_has_left(share_estate: Any, tmp_path: Path,
                                                                         monkeypatch) -> None:
    """Bob follows alice's run; `t` twice asks the share: refused while alice's cockpit beats,
    granted once it has left, and then bob's cockpit drives the run on its guided screen."""
    from cockpit.share.sync import drain
    from cockpit.ui.playbook import GuidedPlaybookScreen
    from cockpit.ui.playbook.follow import FollowedRunScreen
    from tests.ui_playbook.conftest import HostApp, wait_screen, wait_text
    from tests.ui_playbook.test_follow_run import write_playbook

    done = cockpit(["share", "init", "--region", REGION, "--table", "share-take"], share_env(share_estate.env, tmp_path),
                   tmp_path / "init.db", timeout=120)
    assert done.returncode == 0, done.stderr
    uri = f"dynamodb://share-take?region={REGION}"
    for key, value in share_estate.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    folder = write_playbook(tmp_path, tmp_path / "drained")
    with Timeline(tmp_path / "alice.db", actor="alice@bastion-1") as alice, \
            Timeline(tmp_path / "bob.db", actor="bob@laptop-2") as bob:
        alice_log, bob_log = TableLog(parse(uri), alice.node()), TableLog(parse(uri), bob.node())
        incident_id = alice.declare("Node 7 is failing", "P2").id
        share_incident(alice, alice_log, incident_id)
        run_id = alice.create_run(incident_id, "ui-follow-test", {"node": "node-7"})
        alice.set_step_state(run_id, "look", "succeeded")
        beats = Beats(alice_log, "alice@bastion-1")
        beats.after(sync_once(alice, alice_log), (incident_id,))
        sync_once(bob, bob_log)

        app = HostApp(tmp_path / "bob.db", "ui-follow-test", playbooks_dirs=[folder])
        app.session.config = app.session.config.model_copy(update={"share": uri, "actor": "bob@laptop-2"})
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("p")
            await wait_screen(pilot, FollowedRunScreen)
            await wait_text(pilot, "alice@bastion-1 drives this run", "Take over")
            await pilot.press("t")
            await wait_text(pilot, "t again to take it over")
            await pilot.press("t")
            await wait_text(pilot, "alice@bastion-1 is still on the share", timeout=10)
            assert bob.run_driver(run_id)[0] is not None
            beats.leave()
            await pilot.press("t", "t")
            await wait_screen(pilot, GuidedPlaybookScreen, timeout=10)
            assert bob.run_driver(run_id)[0] is None
        drain(bob, parse(uri))
        sync_once(alice, alice_log)
        assert alice.run_driver(run_id)[1] == "bob@laptop-2"
