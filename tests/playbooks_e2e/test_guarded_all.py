"""Every shipped playbook, run read-only, as a tabletop and as a dry run against the calm
estate, with a person who answers everything: each run walks to its end, records every step,
and makes no request that changes the estate (a dry run makes none at all).

A step that needs an output of a step that was not executed is itself recorded "not
executed", with the output it needed and why it is missing: never an error escaping the
engine (which once left dynamodb-pitr-restore's run stuck for good).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.content.params import resolve_params
from cockpit.content.step_base import Risk
from cockpit.content.playbooks import load_catalog
from cockpit.content.screen import screen_for_playbook
from cockpit.engine import Engine, Policy, Runtime
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline

#: Parameters without a default (the seed's deployment package for a Lambda rollback).
PARAMS = {"lambda-rollback": {"s3_bucket": "my-deployment-bucket",
                              "s3_key": "CdkStack-GetSchoolsFunction-previous-version.zip"},
          "s3-prefix-restore": {"restore_to": "2026-01-01T00:00:00Z"},
          # a database to restore onto, so the guard meets createdb/psql/dropdb (no server needed: they never run)
          "platform-db-restore-test": {"db_host": "127.0.0.1", "db_port": 1}}
MODES = {"read-only": (Policy(read_only=True), "incident"), "tabletop": (Policy(), "tabletop"),
         "dry run": (Policy(dry_run=True), "incident")}
SHIPPED = sorted(load_catalog().playbooks)


class EveryAnswer:
    """A person at the keyboard who ticks, approves, confirms, and takes the suggestion (else the first option)."""

    async def confirm_checklist(self, step: Any, items: list[str]) -> list[str]:
        return list(items)

    async def approve(self, step: Any, prompt: str) -> str:
        return "alice"

    async def choose(self, step: Any, prompt: str, options: list[Any], suggested: str | None) -> str:
        return suggested or options[0].id

    async def confirm_write(self, step: Any, call: list[str]) -> bool:
        return True

    async def confirm_destructive(self, step: Any, expected_text: str) -> str:
        return expected_text

    async def verify_unknown(self, step: Any) -> str:
        return "skip"


class Guarded:
    """A guarded run with every answer given: its status, step records and each step's last event."""

    def __init__(self, status: str, run_status: str, states: dict[str, Any], last: dict[str, Any]) -> None:
        self.status, self.run_status, self.states, self.last = status, run_status, states, last


async def _guarded(playbook_id: str, db: Path, mode: str = "read-only") -> Guarded:
    playbook = load_catalog().get(playbook_id)
    policy, incident_mode = MODES[mode]
    values = resolve_params(playbook, PARAMS.get(playbook_id, {}), screen_for_playbook(playbook, "greenlang-storage"))
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare(f"guarded {playbook_id}", "P1", mode=incident_mode)
            engine = await Engine.start(playbook, tl, incident.id, values, operator=EveryAnswer(), policy=policy,
                                        runtime=runtime)
            status = await engine.run_to_end()
    finally:
        await runtime.close()
    with Timeline(db) as tl:
        run = tl.runs(incident.id)[-1]
        return Guarded(status, run.status, {s.step_id: s for s in tl.step_states(run.id)},
                       {e.data["step_id"]: e for e in tl.events(incident.id) if e.data.get("step_id")})


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("playbook_id", SHIPPED)
async def test_guarded_run_of_every_shipped_playbook_finishes_and_changes_nothing(estate, estate_env, tmp_path: Path,
                                                                                   playbook_id: str, mode: str):
    since = time.time()
    run = await _guarded(playbook_id, tmp_path / "t.db", mode)
    counts = estate.control("requests", since=f"{since:.6f}")
    assert counts["mutating_requests"] == []
    if mode == "dry run":
        assert counts["total"] == 0, counts["by_operation"]
        assert run.status == "succeeded"
    assert run.status in ("succeeded", "failed") and run.run_status == run.status  # failed: a read step
    playbook = load_catalog().get(playbook_id)                                      # found the estate as it is
    assert set(run.states) == {s.id for s in playbook.steps}
    for step in playbook.steps:
        record = run.states[step.id]
        assert record.state in ("succeeded", "failed", "skipped"), (step.id, record)
        if step.risk is not Risk.read:  # type: ignore[attr-defined]  # not executed (or a when, a goto)
            assert record.state == "skipped", (step.id, record)
        # Nothing fails for want of an input: such a step is recorded as not executed.
        for sign in ("cannot render", "not produced", "has no attribute", "is undefined"):
            assert sign not in (record.error or ""), (step.id, record.error)


async def test_pitr_restore_tabletop_still_walks_the_switch_checklist(estate, estate_env, tmp_path: Path):
    run = await _guarded("dynamodb-pitr-restore", tmp_path / "t.db", "tabletop")
    states, last = run.states, run.last
    assert last["restore_table"].message.endswith("not executed: tabletop (write step)")
    assert states["switch_table"].state == "succeeded"  # asked, with what is known
    assert "sample ids: none, the sample scan did not run" in states["switch_table"].outputs["checked"][0]


async def test_point_in_time_restore_does_not_verify_a_copy_that_was_not_made(estate, estate_env, tmp_path: Path):
    run = await _guarded("s3-point-in-time-restore", tmp_path / "t.db")
    states, last = run.states, run.last
    assert states["restore_decision"].outputs == {"choice": "copy_back"}
    assert states["verify_current"].state == "skipped"
    assert last["verify_current"].message.endswith(
        "not executed: needs steps.copy_version_back.outputs.new_version, which was not produced: "
        "copy_version_back was not executed: read-only (write step)")
