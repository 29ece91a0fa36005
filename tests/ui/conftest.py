"""Fixtures for the cockpit UI tests: the app on the real estate, with fast polling."""

from __future__ import annotations

import pytest

from cockpit.config import Config
from cockpit.ui.live import LiveSettings

#: Fast polling for tests: a refresh every half second, short timeouts, one attempt, short backoff.
FAST = LiveSettings(interval=0.5, timeout=1.5, max_backoff=1.0, connect_timeout=0.5, read_timeout=1.0,
                    max_attempts=1)


def apply_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tmp_path) -> None:
    """Point this process at an estate, isolated from the user's ~/.aws."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(db=tmp_path / "timeline.db")


def play_to(handle, minutes: float, speed: float, timeout: float = 60.0) -> None:
    """Play a scenario estate (started fast) to T+``minutes`` of scenario time, then run it at
    ``speed`` so the world a test looks at stays put while the cockpit polls it: the storage
    outage's alarms fire by evaluation minutes in, and its region recovers at T+45m."""
    import time

    deadline = time.monotonic() + timeout
    while handle.control("status")["elapsed"] < minutes * 60:
        assert time.monotonic() < deadline, f"the scenario did not reach T+{minutes}m within {timeout} s"
        time.sleep(0.02)
    handle.control("speed", x=str(speed))
