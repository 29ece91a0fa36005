"""Helpers for the engine tests: `cockpit run` as a real process, a private timeline file,
request counts at the estate, and small playbooks written for one test.

The estate is the suite's (``estate`` from tests/conftest.py, calm, shared) unless a test
module needs a scenario; guarded runs are safe on the shared one because they change nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.timeline import Timeline


def cli_env(estate_env: dict[str, str], tmp: Path) -> dict[str, str]:
    """The estate's environment, an empty config and private XDG folders (nothing of the host's)."""
    config = tmp / "config.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COCKPIT_", "KUBECONFIG"))}
    env.update(estate_env)
    env.update({"COCKPIT_CONFIG": str(config), "XDG_DATA_HOME": str(tmp / "data"),
                "XDG_CONFIG_HOME": str(tmp / "cfg"), "NO_COLOR": "1"})
    return env


def cockpit(args: list[str], env: dict[str, str], db: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def incident_id(stdout: str) -> str:
    line = next(line for line in stdout.splitlines() if line.startswith("declared "))
    return line.split()[1]


def requests_since(handle: Any, since: float) -> dict[str, Any]:
    return handle.control("requests", since=f"{since:.6f}")


def mutating_requests(handle: Any, since: float) -> list[dict[str, Any]]:
    """Requests served by the estate since ``since`` that change something."""
    return requests_since(handle, since)["mutating_requests"]


def steps_of(db: Path, incident: str) -> tuple[Any, dict[str, Any]]:
    """(the incident's last run, its step records by id)."""
    with Timeline(db) as tl:
        run = tl.runs(incident)[-1]
        return run, {s.step_id: s for s in tl.step_states(run.id)}


def events_of(db: Path, incident: str, kinds: list[str] | None = None) -> list[Any]:
    with Timeline(db) as tl:
        return tl.events(incident, kinds=kinds)


def write_playbook(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "test-playbook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def wait_for(predicate: Any, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def play_outage_to_the_decision(handle: Any) -> None:
    """Play the storage outage fast to T+31m (the 5xx alarm has fired by evaluation, the DR
    plan's 30 minutes have passed, the region is still down), then slow the world to x30 so
    a run takes scenario minutes, not hours: the region recovers at T+45m."""
    wait_for(lambda: handle.control("status")["elapsed"] >= 31 * 60, 60, "T+31m of the outage")
    handle.control("speed", x="30")


@pytest.fixture
def env_for(estate, tmp_path: Path) -> dict[str, str]:
    """Environment of a `cockpit run` process against the suite's calm estate."""
    return cli_env(estate.env, tmp_path)
