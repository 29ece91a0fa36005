"""From inside the cockpit: a note filed under a postmortem section, and the postmortem exported (80x24)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.timeline import Timeline
from tests.ui_incident.conftest import IncidentTestApp, screen_text, settle, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def _declare(db: Path) -> str:
    with Timeline(db, actor="bob@bastion") as tl:
        return tl.declare("S3 5xx in eu-west-1", "P1").id


def _toast(app: IncidentTestApp, needle: str) -> str | None:
    return next((str(n.message) for n in app._notifications if needle in str(n.message)), None)


async def test_a_note_can_be_filed_as_root_cause_and_E_exports_the_postmortem(config: Config, db_path: Path):
    incident_id = _declare(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: incident_id in screen_text(app))
        await pilot.press("n", *"Replication rule dropped by a Terraform apply", "tab", "enter")
        await wait_for(pilot, lambda: "Root cause" in screen_text(app))
        await pilot.press("down", "down", "down", "enter")  # plain note → Key events → Impact → Root cause
        await pilot.press("ctrl+s")
        await settle(pilot)
        await wait_for(pilot, lambda: _toast(app, "(root-cause)"))

        await pilot.press("E")
        await settle(pilot)
        await wait_for(pilot, lambda: _toast(app, "Postmortem of"))
        shown = _toast(app, "Postmortem of")

    with Timeline(db_path) as tl:
        note = [e for e in tl.events(incident_id) if e.kind == "note"][-1]
    assert note.data == {"kind": "root-cause"}
    path = Path(str(shown).split(" written to ")[1])
    assert path.parent == db_path.parent / "postmortems" and stat.S_IMODE(path.stat().st_mode) == 0o600
    root_cause = path.read_text().split("## Root cause\n")[1].split("\n## ")[0]
    assert "Replication rule dropped by a Terraform apply" in root_cause


async def test_the_palette_exports_too(config: Config, db_path: Path):
    incident_id = _declare(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current_incident is not None)
        await pilot.press("ctrl+p", *"export postmortem")
        await wait_for(pilot, lambda: "Incident: export postmortem" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        await wait_for(pilot, lambda: _toast(app, f"Postmortem of {incident_id} written to"))
    assert (db_path.parent / "postmortems" / f"{incident_id}.md").read_text().startswith("# Postmortem: S3 5xx")


async def test_right_after_resolving_E_exports_the_incident_just_resolved(config: Config, db_path: Path):
    """Resolving leaves no current incident; the postmortem a responder wants next is that one's."""
    incident_id = _declare(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current_incident is not None)
        with Timeline(db_path, actor="bob@bastion") as tl:
            tl.resolve(incident_id, "Failed over to eu-central-1")
        await wait_for(pilot, lambda: app.current_incident is None)
        await pilot.press("E")
        await settle(pilot)
        await wait_for(pilot, lambda: _toast(app, f"Postmortem of {incident_id} written to"))
    text = (db_path.parent / "postmortems" / f"{incident_id}.md").read_text()
    assert "| Status | resolved |" in text


async def test_enter_adds_the_note_once_its_kind_is_chosen(config: Config, db_path: Path):
    """The hint says "enter: add": after picking a kind, Enter adds the note (it reopened the list)."""
    incident_id = _declare(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: incident_id in screen_text(app))
        await pilot.press("n", *"Storage healthy from eu-central-1", "tab", "enter")
        await wait_for(pilot, lambda: "Root cause" in screen_text(app))
        await pilot.press("down", "enter")  # plain note → Key events
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await wait_for(pilot, lambda: _toast(app, "(key)"))
    with Timeline(db_path) as tl:
        note = [e for e in tl.events(incident_id) if e.kind == "note"][-1]
    assert note.message == "Storage healthy from eu-central-1" and note.data == {"kind": "key"}
