"""Helpers for the runbook playbooks run end to end against the emulated estate.

Each test module starts its own estate (``start_estate`` from tests/conftest.py) because the
playbooks change it: restores, rollbacks, new tables and instances. Runs go through the
engine's own API with ``HeadlessOperator`` (what ``cockpit run`` uses) on a real timeline
file, in this process, with the estate's environment applied for the module. The estate is
then read back with boto3 over HTTP, as a responder's own tools would.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import find_playbook
from cockpit.engine import Engine, HeadlessOperator, Policy, Runtime
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline


@dataclass
class Run:
    """A finished (or stopped) run: the engine, its incident and timeline file."""

    engine: Engine
    incident_id: str
    db: Path

    @property
    def status(self) -> str:
        return self.engine.status

    def state(self, step: str) -> str:
        return self.engine.state_of(step)

    def outputs(self, step: str) -> dict[str, Any]:
        return self.engine.records[step]["outputs"]

    def error(self, step: str) -> str:
        """The error of the step's last failed attempt, as the timeline recorded it."""
        failed = [e for e in self.events(["step_failed"]) if e.data["step_id"] == step]
        return failed[-1].data["error"] if failed else ""

    def events(self, kinds: list[str] | None = None) -> list[Any]:
        with Timeline(self.db) as tl:
            return tl.events(self.incident_id, kinds=kinds)


async def run_playbook(playbook_id: str, db: Path, params: dict[str, Any] | None = None, *,
                       severity: str = "P1", mode: str = "incident", read_only: bool = False,
                       screen: str | None = None, **operator: Any) -> Run:
    """Declare an incident and run ``playbook_id`` to the end (or to where a person is needed).

    ``screen`` names a shipped screen whose values fill ``default_from`` (the estate's URLs)."""
    from cockpit.engine import EngineError, NeedsPerson

    from cockpit.content.screen import load_screens

    playbook = find_playbook(playbook_id)
    shown = load_screens().get(screen) if screen else None
    values = resolve_params(playbook, params or {}, shown)
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare(f"e2e {playbook_id}", severity, mode=mode)
            engine = await Engine.start(playbook, tl, incident.id, values, operator=HeadlessOperator(**operator),
                                        policy=Policy(read_only=read_only), runtime=runtime,
                                        screen=shown)
            try:
                await engine.run_to_end()
            except (EngineError, NeedsPerson):  # failed, or waiting for a person: the test looks at where
                pass
            return Run(engine, incident.id, db)
    finally:
        await runtime.close()


async def run_text(text: str, db: Path, params: dict[str, Any] | None = None, **operator: Any) -> Run:
    """Run a playbook given as YAML text (an edited copy of a shipped one) like run_playbook does."""
    from cockpit.content.playbooks import parse_playbook
    from cockpit.engine import EngineError, NeedsPerson

    playbook = parse_playbook(text, "edited.yaml")
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare("e2e edited", "P2")
            engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, params or {}, None),
                                        operator=HeadlessOperator(**operator), policy=Policy(), runtime=runtime)
            try:
                await engine.run_to_end()
            except (EngineError, NeedsPerson):
                pass
            return Run(engine, incident.id, db)
    finally:
        await runtime.close()


@pytest.fixture(scope="module")
def module_estate(start_estate, request) -> Iterator[Any]:
    """A fresh estate for this module, its environment applied to the process meanwhile.

    A module's ``ESTATE_SPEED`` sets the scenario clock's speed: restores take scenario
    time (docs/estate-aws.md), so a module that waits for one runs its estate faster."""
    handle = start_estate(speed=getattr(request.module, "ESTATE_SPEED", None))
    with pytest.MonkeyPatch.context() as mp:
        for key, value in handle.env.items():
            mp.setenv(key, value)
        mp.delenv("AWS_PROFILE", raising=False)
        yield handle


def aws(handle: Any, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client on the estate, as a responder's own tools would reach it."""
    return boto3.client(service, region_name=region, endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=handle.env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=handle.env["AWS_SECRET_ACCESS_KEY"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, Any]]:
    """A throwaway PostgreSQL server (the runbook's db.greenlang.io) with the readonly login."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl and shutil.which("psql")):
        pytest.skip("PostgreSQL (initdb, pg_ctl, psql) is not installed")
    folder = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))  # under /tmp: the postgres user must reach it
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    subprocess.run([*run_as, initdb, "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    subprocess.run([*run_as, pg_ctl, "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "start",
                    "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"],
                   check=True, capture_output=True, timeout=120)

    def psql(sql: str, user: str = "postgres", db: str = "greenlang") -> str:
        return subprocess.run(["psql", "-w", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db, "-tA",
                               "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True,
                              timeout=60).stdout.strip()
    try:
        psql("CREATE ROLE readonly LOGIN", db="postgres")
        psql("CREATE DATABASE greenlang", db="postgres")
        psql("CREATE TABLE emissions (id int, kg float); INSERT INTO emissions SELECT g, g * 1.5 FROM "
             "generate_series(1, 5000) g; DELETE FROM emissions WHERE id % 2 = 0")
        yield {"port": port, "psql": psql}
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(folder / "data"), "-m", "fast", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
