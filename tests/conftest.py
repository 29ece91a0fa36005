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
def _estate_processes() -> Iterator[list[EstateProcess]]:
    """Every estate process the session started; all are stopped at its end."""
    started: list[EstateProcess] = []
    yield started
    for process in started:
        process.stop()


def _start(started: list[EstateProcess], scenario: str | None = None, speed: float | None = None) -> EstateHandle:
    process = EstateProcess(scenario=scenario, speed=speed, timeout=60)
    started.append(process)
    return EstateHandle(process, process.start())


@pytest.fixture(scope="module")
def start_estate(_estate_processes: list[EstateProcess]) -> Iterator[Callable[..., EstateHandle]]:
    """Start estate processes on demand; those a module started stop when the module ends.

    A scenario estate at speed 600 keeps publishing metrics and ticking its cluster after
    its tests are done; later modules (and their timing-sensitive UI tests) should not
    share the CPU with a dozen of them.
    """
    mine: list[EstateProcess] = []

    def start(scenario: str | None = None, speed: float | None = None) -> EstateHandle:
        handle = _start(_estate_processes, scenario, speed)
        mine.append(handle.process)
        return handle

    yield start
    for process in mine:
        process.stop()


@pytest.fixture(scope="session")
def estate(_estate_processes: list[EstateProcess]) -> EstateHandle:
    """The suite's calm estate (no scenario). Don't change it in ways other tests would see."""
    return _start(_estate_processes)


@pytest.fixture
def estate_env(estate: EstateHandle, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The estate's environment, applied to this process for the test's duration."""
    for key, value in estate.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return estate.env


#: Fixtures that start a server: the estate (a `cockpit demo --no-ui` child), moto's server,
#: kmock's emulator, PostgreSQL. A test that uses any of them, directly or through another
#: fixture, is ``slow``: the fast tier (``pytest -m "not slow"``) runs without servers.
SERVER_FIXTURES = frozenset({"_estate_processes", "moto_server", "kube", "postgres"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that needs a server or tmux, so a new estate test cannot
    forget it (modules with other slow work, a `cockpit` subprocess or the scenario clock,
    say so themselves with ``pytestmark``)."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())) or item.get_closest_marker("tmux"):
            item.add_marker(pytest.mark.slow)


def pytest_ignore_collect(collection_path, config: pytest.Config) -> bool | None:
    """Under ``-m "not slow"``, do not even import a module marked slow as a whole.

    Every test in it would be deselected anyway; importing it (Textual, moto, kmock, and
    pytest's assertion rewriting) is a third of the fast tier's time. Read as text, so a
    module says it with ``pytestmark = pytest.mark.slow`` (or a list starting with it)."""
    if config.getoption("markexpr", "") != "not slow" or collection_path.suffix != ".py":
        return None
    try:
        text = collection_path.read_text(encoding="utf-8")
    except OSError:
        return None
    return True if ("\npytestmark = pytest.mark.slow" in text
                    or "\npytestmark = [pytest.mark.slow," in text) else None
