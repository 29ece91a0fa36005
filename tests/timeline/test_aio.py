"""The asyncio facade the UI uses: calls run off the event loop, polling sees other writers."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline


async def test_async_facade_runs_on_its_own_thread_and_polls_other_cockpits(db_path: Path) -> None:
    async with AsyncTimeline(db_path, "ui@bastion") as atl:
        incident = await atl.declare("From the UI", "P1")
        threads = await atl.call(lambda: threading.current_thread().name)
        assert threads.startswith("timeline") and threading.current_thread().name != threads
        await atl.changed()
        seq = (await atl.events_after(0, incident.id))[-1].seq

        def other_cockpit() -> None:
            with Timeline(db_path, "bob@other") as tl:
                tl.note(incident.id, "seen from the other cockpit")

        await asyncio.to_thread(other_cockpit)
        assert await atl.changed()
        [event] = await atl.events_after(seq, incident.id)
        assert (event.actor, event.message) == ("bob@other", "seen from the other cockpit")
        await atl.call(atl.sync.assign_role, incident.id, "scribe", "carol")
        assert (await atl.incident(incident.id)).scribe == "carol"
