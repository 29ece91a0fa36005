"""80x24 pictures of the cockpit screen, compared with reviewed SVGs in tests/ui/snapshots/.

pytest-textual-snapshot is not installed, so this is the same idea by hand: the app's own
``export_screenshot()`` on fixed snapshots with a frozen clock. After a deliberate change,
regenerate with ``COCKPIT_UPDATE_SNAPSHOTS=1 pytest tests/ui/test_snapshots.py``, open the
SVGs in a browser, and commit them only once they look right.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.ui.app import CockpitApp

from . import synthetic as s
from .test_keys import feed

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("COCKPIT_UPDATE_SNAPSHOTS") == "1"


def check(name: str, svg: str) -> None:
    path = SNAPSHOTS / f"{name}.svg"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no reviewed picture {path.name}: run with COCKPIT_UPDATE_SNAPSHOTS=1 and review it")
        path.write_text(svg, encoding="utf-8")
        return
    assert svg == path.read_text(encoding="utf-8"), (
        f"{name} changed; if intended, regenerate with COCKPIT_UPDATE_SNAPSHOTS=1 and review the SVG")


async def picture(config, keys: tuple[str, ...] = (), data: bool = True, **feed_args) -> str:
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        if data:
            feed(app, **feed_args)
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        return app.export_screenshot(title="cockpit")


async def test_cockpit_waiting_for_data(config):
    check("cockpit_waiting", await picture(config, data=False))


async def test_cockpit_during_the_outage_with_a_stale_pane(config):
    check("cockpit_outage", await picture(config, replication_error=True))


async def test_alarm_detail(config):
    check("alarm_detail", await picture(config, keys=("d",)))


def declared_at_clock(config, monkeypatch) -> None:
    """An incident declared at the synthetic clock's time, so the picture is the same every run."""
    import cockpit.timeline.lifecycle as lifecycle
    import cockpit.timeline.store as store
    from cockpit.timeline import Timeline

    for module in (lifecycle, store):
        monkeypatch.setattr(module, "utc_now", lambda: s.ago(600))
    with Timeline(config.db, actor="alice@bastion") as tl:
        tl.declare("S3 5xx in eu-west-1", "P1")


async def test_cockpit_with_an_incident(config, monkeypatch):
    """Five alarm rows and the incident keys in the footer, at 80x24."""
    declared_at_clock(config, monkeypatch)
    check("cockpit_incident", await picture(config))


async def test_filter_bar(config):
    """`/`: the filter input takes the footer's line; the rows it filters stay in view."""
    check("cockpit_filter", await picture(config, keys=("slash", "c", "r", "i", "t")))


async def test_keys_help(config, monkeypatch):
    declared_at_clock(config, monkeypatch)
    check("keys_help", await picture(config, keys=("question_mark",)))
