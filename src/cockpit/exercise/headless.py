"""Headless exercises, as ``cockpit exercise --headless`` runs them (and the tests do).

The estate is already running (``estate/process.py``) and the process environment points
every client at it; these coroutines do the rest on one event loop: follow the scenario
clock, run the playbook through the engine with the drill meter listening, then measure,
record and score.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cockpit.content.playbook import Playbook
from cockpit.exercise.drill import DrillMeter, Metric, verdict
from cockpit.exercise.scoring import Verdict
from cockpit.exercise.session import Exercise


def screen_for(config: Any, playbook: Playbook) -> Any:
    """The screen whose values fill the playbook's ``default_from`` (estate URLs in the demo)."""
    from cockpit.content.screen import screen_for_playbook

    return screen_for_playbook(playbook, config.screen, config.screens_dirs, config.playbooks_dirs)


@dataclass
class DrillResult:
    incident_id: str
    run_status: str
    metrics: list[Metric]
    verdicts: list[Verdict]
    passed: bool
    line: str
    meter: DrillMeter | None = field(default=None, repr=False)


async def wait_for_first_inject(exercise: Exercise, timeout: float) -> None:
    """A drill's team acts when it is paged: wait for the first inject (or the first fault)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = exercise.last_status
        if exercise.scenario.injects:
            if exercise.injects:
                return
        elif any(h.get("source") == "event" and h.get("kind") != "say" for h in status.get("happenings", [])):
            return
        await asyncio.sleep(0.05)
        await exercise.poll()
    raise TimeoutError("the scenario never paged the team (no inject or fault fired)")


async def run_drill(exercise: Exercise, playbook: Playbook, params: dict[str, Any], *, operator: Any,
                    runtime: Any, screen: Any, listeners: list[Callable[[Any], Any]] | None = None,
                    settle: float = 0.0) -> DrillResult:
    """Start the exercise, wait for the page, run ``playbook`` to the end, measure and score.

    However the run ends, the drill ends with it: scored, and its incident resolved saying
    why (the estate goes away with the process, so an open drill incident could never be
    finished). A step that needs a person (``NeedsPerson``) ends the drill "stopped" and is
    raised on for the caller to say how to answer it next time."""
    from cockpit.engine import Engine, EngineError, NeedsPerson, Policy

    await exercise.start()
    follower = asyncio.create_task(exercise.follow(0.2))
    meter = DrillMeter(exercise)
    status = "failed"
    stopped: BaseException | None = None
    try:
        first = min([i.at for i in exercise.scenario.injects] or [0.0])
        await wait_for_first_inject(exercise, first / exercise.clock.points[-1].speed + 30)
        engine = await Engine.start(playbook, exercise.timeline, exercise.incident_id, params, operator=operator,
                                    policy=Policy(), runtime=runtime, screen=screen,
                                    listeners=[meter.on_event, *(listeners or [])])
        try:
            status = await engine.run_to_end()
        except EngineError:
            status = engine.status
        except NeedsPerson as exc:
            status, stopped = "stopped", exc
        if settle:
            await asyncio.sleep(settle)
    except TimeoutError as exc:
        stopped = exc
    finally:
        await meter.finish()
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
    await exercise.poll()
    metrics = await meter.metrics()
    await meter.record(metrics)
    why = f"drill stopped: {stopped}" if stopped is not None else f"drill ended: the {playbook.id} run {status}"
    verdicts = await exercise.end(why)
    passed, line = verdict(metrics, verdicts, (playbook.id, status))
    if stopped is not None:
        raise stopped
    return DrillResult(exercise.incident_id, status, metrics, verdicts, passed, line, meter)


async def run_tabletop(exercise: Exercise, *, on_inject: Callable[[Any], Any] | None = None) -> list[Verdict]:
    """Relay injects until the scenario has played out (last inject + the exercise's
    ``linger``); then score and close. Cancelled (Ctrl-C), it ends there and scores too."""
    await exercise.start()
    seen = 0
    why = "exercise ended: the scenario played out"
    try:
        while True:
            await exercise.poll()
            for event in exercise.injects[seen:]:
                if on_inject:
                    on_inject(event)
            seen = len(exercise.injects)
            if exercise.played_out:
                break
            await asyncio.sleep(0.2)
    except asyncio.CancelledError:
        why = "exercise ended by the facilitator"
    return await exercise.end(why)
