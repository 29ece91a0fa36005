"""What other cockpits write shows up here, and the header says what is overdue.

"Another cockpit" is a real separate process (``python -m cockpit --db FILE incident …``)
writing to the same SQLite file, as a colleague on the same bastion would.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.timeline import Timeline
from cockpit.timeline.model import utc_now
from cockpit.ui.incident import IncidentHeader, TimelinePane
from tests.ui_incident.conftest import IncidentTestApp, screen_text, settle, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


async def cockpit(db: Path, *args: str) -> str:
    """Run the headless CLI in another process; returns its stdout once it has exited."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cockpit", "--db", str(db), "incident", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode().strip()


def messages(app: IncidentTestApp) -> list[str]:
    table = app.query_one(TimelinePane).table
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


async def test_events_from_another_process_appear_within_a_second(config: Config, db_path: Path):
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no incident" in screen_text(app))
        # A colleague declares: it becomes the current incident here.
        incident_id = await cockpit(db_path, "declare", "--title", "API 5xx", "--severity", "P1")
        committed = time.monotonic()
        await wait_for(pilot, lambda: incident_id in screen_text(app))
        declare_seen = time.monotonic() - committed
        # …and notes it: the row is appended in place.
        await cockpit(db_path, "note", incident_id, "Rolled back api-gateway")
        committed = time.monotonic()
        await wait_for(pilot, lambda: "Rolled back api-gateway" in messages(app))
        note_seen = time.monotonic() - committed
        assert messages(app) == ["Declared P1 incident: API 5xx", "Rolled back api-gateway"]
    assert declare_seen < 1.0 and note_seen < 1.0, (declare_seen, note_seen)


async def test_escalation_prompt_when_the_response_target_has_passed(config: Config, db_path: Path):
    with Timeline(db_path, actor="bob@other") as tl:
        late = tl.declare("Payments down", "P1", detected_at=utc_now() - timedelta(minutes=20)).id
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: late in screen_text(app))
        header = app.query_one(IncidentHeader)
        # Seed 001: respond to a P1 within 15 minutes; seed 002: escalate to the Engineering Lead.
        assert "⚠ ESCALATE to Engineering Lead: 15 minutes response target passed" in screen_text(app)
        assert header.has_class("-alert")
        # Acknowledging (palette / action) stops the response clock; the seed 002
        # escalation after 15 minutes still stands.
        await pilot.app.run_action("incident_acknowledge")
        await settle(pilot)
        await wait_for(pilot, lambda: "acknowledged" in screen_text(app))
        assert "response target passed" not in screen_text(app)


async def test_no_escalation_prompt_within_the_response_target(config: Config, db_path: Path):
    with Timeline(db_path) as tl:
        fresh = tl.declare("Payments slow", "P1", detected_at=utc_now() - timedelta(minutes=2)).id
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: fresh in screen_text(app))
        assert "respond ≤15 minutes" in screen_text(app)
        assert "ESCALATE" not in screen_text(app)
        assert not app.query_one(IncidentHeader).has_class("-alert")


async def test_status_update_reminder_every_15_minutes_for_p1(config: Config, db_path: Path):
    with Timeline(db_path) as tl:
        tl.declare("Storage degraded", "P1")
    offset = timedelta(0)
    app = IncidentTestApp(config, clock=lambda: utc_now() + offset)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "next update in 14m" in screen_text(app))
        offset = timedelta(minutes=16)  # the header ticks once a second
        header = app.query_one(IncidentHeader)
        await wait_for(pilot, lambda: "STATUS UPDATE DUE (1m" in header.text, timeout=3)
        assert "⚠ STATUS" in screen_text(app) and header.has_class("-alert")


async def test_an_unreadable_timeline_is_shown_in_the_pane_not_a_crash(tmp_path: Path):
    not_a_db = tmp_path / "timeline.db"
    not_a_db.write_bytes(b"this is not an SQLite file" * 100)
    app = IncidentTestApp(Config(db=not_a_db, actor="alice@bastion"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "⚠ timeline:" in screen_text(app))
        assert "(retrying)" in screen_text(app)
        await pilot.press("i", *"still usable", "enter")  # the write fails with a message
        await settle(pilot)
        assert app.is_running
        assert any(n.severity == "error" and "not a database" in n.message for n in app._notifications)


async def test_an_event_imported_in_the_past_is_shown_in_its_place_not_last(config: Config, db_path: Path,
                                                                            tmp_path: Path):
    """A colleague worked the incident from an export of it on their own host; their note
    came before ours. Once their export is imported here (by another process, while this
    cockpit shows the incident), the pane lists their note before ours, as every file does."""
    from cockpit.exports.transfer import _Document, export_document, import_document, write_json

    with Timeline(db_path, actor="alice@a") as here, Timeline(tmp_path / "b.db", actor="bob@b") as there:
        incident_id = here.declare("Replication lag", "P2").id
        import_document(there, _Document.model_validate(export_document(here, incident_id)))
        there.note(incident_id, "bob: replica checked")
        app = IncidentTestApp(config)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: incident_id in screen_text(app))
            await cockpit(db_path, "note", incident_id, "alice: batch job paused")
            await wait_for(pilot, lambda: "alice: batch job paused" in messages(app))
            with open(tmp_path / "b.json", "w") as out:
                write_json(there, incident_id, out)
            await cockpit(db_path, "import", str(tmp_path / "b.json"))
            await wait_for(pilot, lambda: len(messages(app)) == 3)
            assert messages(app) == ["Declared P2 incident: Replication lag", "bob: replica checked",
                                     "alice: batch job paused"]
