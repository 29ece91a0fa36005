"""An OSC 52 clipboard write or CSI in a title or note is never painted by the incident UI.

Textual paints a widget's text as it is, so an escape sequence stored in the timeline would
go to the terminal with the frame; the screenshot is what the driver would write.
"""

from __future__ import annotations

import html

import pytest

from cockpit.config import Config
from cockpit.timeline import Timeline
from cockpit.ui.incident import TimelinePane
from tests.ui_incident.conftest import IncidentTestApp, screen_text, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

OSC52 = "\x1b]52;c;aGk=\x07"  # a short payload: a long base64 one is redacted as a token before it is stored


async def test_a_note_with_osc52_does_not_reach_the_screen(config: Config, db_path) -> None:
    with Timeline(db_path, "tester@host") as tl:
        incident = tl.declare(f"S3 5xx{OSC52} in eu", "P2")
        tl.note(incident.id, f"rolled back{OSC52} \x1b[2Jcleared \u202eevil")
    app = IncidentTestApp(config)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "rolled back" in screen_text(app))
        assert app.query_one(TimelinePane).table.row_count >= 2
        shot = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for bad in ("\x1b", "52;c;", "\u202e", "\x07"):
            assert bad not in shot, bad
        assert "rolled back" in shot and "S3 5xx in eu" in shot
    with Timeline(db_path, "tester@host") as tl:
        assert tl.incident(incident.id).title == f"S3 5xx{OSC52} in eu"  # the file keeps what was written
