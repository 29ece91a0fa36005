"""Suite-wide fixtures: one emulated estate, started the way `cockpit demo` starts it.

The estate runs as a real child process (``cockpit demo --no-ui``) and every test talks to
it over HTTP, exactly as Cockpit and aws-cli do. Tests that need a scenario, or that
change the estate in ways others would notice, start their own with ``start_estate``.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from cockpit.estate.process import EstateProcess


class EstateHandle:
    """A running estate process: its environment, and its control API."""

    def __init__(self, process: EstateProcess, env: dict[str, str]):
        self.process, self.env = process, env

    def control(self, action: str, **query: str) -> dict:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        url = f"{self.env['COCKPIT_ESTATE_URL']}/_estate/{action}" + (f"?{qs}" if qs else "")
        with urllib.request.urlopen(url, timeout=10) as resp:
            return json.loads(resp.read())


@pytest.fixture(scope="session")
def start_estate() -> Iterator[Callable[..., EstateHandle]]:
    """Start estate processes on demand; all are stopped at the end of the session."""
    started: list[EstateProcess] = []

    def start(scenario: str | None = None, speed: float | None = None) -> EstateHandle:
        process = EstateProcess(scenario=scenario, speed=speed, timeout=60)
        started.append(process)
        return EstateHandle(process, process.start())

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def estate(start_estate) -> EstateHandle:
    """The suite's calm estate (no scenario). Don't change it in ways other tests would see."""
    return start_estate()


@pytest.fixture
def estate_env(estate: EstateHandle, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The estate's environment, applied to this process for the test's duration."""
    for key, value in estate.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return estate.env
