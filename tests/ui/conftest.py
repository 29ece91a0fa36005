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
