"""The palette's playbooks while the panes' first refresh is still out.

The cockpit reads the playbook catalog once every pane has had its first answer (reading
and checking it takes the CPU for a while, which the first refresh would otherwise share).
A responder who opens the palette before that must still find every playbook there: the
palette waits for the same read rather than showing an empty list.
"""

from __future__ import annotations

import socket

import pytest
from textual.command import CommandList

from cockpit.ui.app import CockpitApp
from cockpit.ui.live import LiveSettings

from .conftest import apply_env
from .helpers import screen_text, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


@pytest.fixture
def silent_aws():
    """An AWS endpoint that accepts connections and never answers (a hung load balancer)."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


async def test_the_palette_opened_before_the_panes_answer_lists_the_playbooks(config, silent_aws, monkeypatch,
                                                                             tmp_path):
    apply_env(monkeypatch, {"AWS_ENDPOINT_URL": silent_aws, "AWS_ACCESS_KEY_ID": "testing",
                            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "eu-west-1",
                            "KUBECONFIG": str(tmp_path / "no-kubeconfig")}, tmp_path)
    live = LiveSettings(interval=5.0, timeout=60.0, connect_timeout=5.0, read_timeout=60.0, max_attempts=1)
    app = CockpitApp(config=config, live=live)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.live_ready, what="polling started")
        await pilot.press("ctrl+p")
        await pilot.press(*"dr-failover")
        await wait_for(pilot, lambda: "dr-failover" in screen_text(app)
                       and app.screen.query_one(CommandList).option_count >= 1, what="dr-failover in the palette")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "waiting for the first refresh" in screen_text(app),
                       what="the alarms pane still waiting")  # the panes had not answered: AWS is silent
