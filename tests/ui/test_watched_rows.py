"""The runbooks' thresholds in the services pane at 80x24, on the calm emulated estate.

Seed 001's autoscaling target (web-service CPU against 70 %) and its 02:00-05:00 UTC
maintenance window are rows of the aws-infrastructure screen: by name (no region eating
the column), the reading as status and, while within it, the runbook's line as the note.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cockpit.config import Config
from cockpit.ui.app import CockpitApp

from .conftest import FAST, apply_env
from .helpers import row, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


async def test_the_autoscaling_target_and_the_maintenance_window_are_rows(estate, monkeypatch, tmp_path):
    apply_env(monkeypatch, estate.env, tmp_path)
    app = CockpitApp(config=Config(db=tmp_path / "timeline.db", screen="aws-infrastructure"), live=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        cpu = await wait_for(pilot, lambda: row(app, "services", "web-service-cpu-vs-target"),
                             what="the CPU-vs-target row")
        assert cpu[0] == "ok" and cpu[1] == "metric" and cpu[2] == "web-service-cpu-vs-target"
        assert cpu[3].endswith(" %") and cpu[5] == "line > 70 %"
        window = await wait_for(pilot, lambda: row(app, "services", "maintenance"), what="the window row")
        is_open = 2 <= datetime.now(timezone.utc).hour < 5
        assert window[1] == "window" and window[3].startswith("open · closes in" if is_open else "closed · opens in")
