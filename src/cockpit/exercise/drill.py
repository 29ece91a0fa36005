"""Measuring a drill: seed 003's DR test metrics, taken while the real playbook runs.

* **Failover time** — from the disruption (the scenario's first fault: the first event that
  changes the estate, not narration) to validation complete (the scenario's
  ``drill.validation_step`` succeeding, else the run finishing). Target 60 min.
* **Data loss** — the replication lag of ``drill.rpo_pair`` read from the estate at the
  moment ``drill.cutover_step`` starts executing: what had not reached the replica when
  traffic moved. Target 15 min (the RPO).
* **Availability during failover** — health probes of ``drill.probe`` every
  ``probe_interval`` from the cut-over (else the run's start) to validation complete; the
  share that answered 2xx (and ``status: ok`` where the body has a status). Target 99 %.
* **Team response** — from the first inject to the team's first action. Target 15 min.

All durations are scenario time (``clock.py``): at ``--speed 1`` that is wall time; at
``--speed 60`` a real second of playbook work is a scenario minute, as the scenario's
faults are. Each metric is written with ``record_metric`` when the run is over.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from cockpit.content.endpoints import ENDPOINTS
from cockpit.engine.events import EngineEvent, RunFinished, RunStarted, StepFinished, StepStarted
from cockpit.exercise.control import ControlError
from cockpit.exercise.scoring import injects, team_actions
from cockpit.exercise.session import Exercise

from cockpit.exercise.verdict import AVAILABILITY, DATA_LOSS, FAILOVER, TEAM_RESPONSE, drill_line

__all__ = ["AVAILABILITY", "DATA_LOSS", "FAILOVER", "TEAM_RESPONSE", "DrillMeter", "Metric", "verdict"]


@dataclass
class Metric:
    name: str
    value: float | None
    target: float | None
    unit: str
    better: str = "lower"
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "target": self.target, "unit": self.unit,
                "better": self.better, "met": self.met, "note": self.note}


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


@dataclass
class DrillMeter:
    """Listen to the engine (:meth:`on_event`) and probe the estate while a drill runs."""

    exercise: Exercise
    probe_interval: float = 0.25
    cutover: dict[str, Any] | None = None  # {"wall", "lag_seconds"}
    validated_wall: float | None = None
    run_started_wall: float | None = None
    probes: list[tuple[float, bool]] = field(default_factory=list)
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _probing: asyncio.Task[Any] | None = None

    @property
    def drill(self) -> Any:
        return self.exercise.scenario.drill

    def on_event(self, event: EngineEvent) -> None:
        """An engine listener (synchronous, as the engine calls it)."""
        now = time.time()
        if isinstance(event, RunStarted) and self.run_started_wall is None:
            self.run_started_wall = now
            if not self.drill.cutover_step:
                self._start_probing()
        elif isinstance(event, StepStarted) and event.step_id == self.drill.cutover_step and self.cutover is None:
            self.cutover = {"wall": now, "lag_seconds": None}
            self._tasks.append(asyncio.create_task(self._read_lag()))
            self._start_probing()
        elif isinstance(event, StepFinished) and event.step_id == self.drill.validation_step \
                and event.state == "succeeded" and self.validated_wall is None:
            self.validated_wall = now
        elif isinstance(event, RunFinished):
            if self.validated_wall is None and event.status == "succeeded" and not self.drill.validation_step:
                self.validated_wall = now

    async def _read_lag(self) -> None:
        status = await self.exercise.control.status()
        assert self.cutover is not None
        self.cutover["lag_seconds"] = float(status["replication"][self.drill.rpo_pair]["latency_seconds"])

    def _start_probing(self) -> None:
        if self._probing is None:
            self._probing = asyncio.create_task(self._probe())

    async def _probe(self) -> None:
        url = self.exercise.control.base_url + ENDPOINTS[self.drill.probe].replace("{id}", "school-001")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            while self.validated_wall is None:
                try:
                    async with http.get(url) as resp:
                        body = await resp.json(content_type=None)
                        ok = 200 <= resp.status < 300 and (not isinstance(body, dict) or body.get("status", "ok") == "ok")
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    ok = False
                self.probes.append((time.time(), ok))
                await asyncio.sleep(self.probe_interval)

    async def finish(self) -> None:
        """Stop probing; wait for the lag reading."""
        if self._probing is not None:
            self._probing.cancel()
            await asyncio.gather(self._probing, return_exceptions=True)
        for task in self._tasks:
            try:
                await task
            except ControlError:
                pass  # the metric stays unmeasured, and says so

    # -- the figures ---------------------------------------------------------------------------
    async def metrics(self) -> list[Metric]:
        ex, targets = self.exercise, self.drill.targets
        clock = ex.clock
        status = ex.last_status
        faults = [h for h in status.get("happenings", []) if h.get("source") == "event" and h.get("kind") != "say"]
        out: list[Metric] = []
        if faults and self.validated_wall is not None:
            failover = clock.at(self.validated_wall) - float(faults[0]["at"])
            out.append(Metric(FAILOVER, _minutes(failover), _minutes(targets.failover_time), "min",
                              note=f"T+{faults[0]['at']:.0f}s ({faults[0]['summary']}) to validation complete"))
        else:
            out.append(Metric(FAILOVER, None, _minutes(targets.failover_time), "min",
                              note="not measured: " + ("no fault in the scenario" if not faults
                                                       else "validation did not complete")))
        lag = (self.cutover or {}).get("lag_seconds")
        out.append(Metric(DATA_LOSS, _minutes(lag), _minutes(targets.data_loss), "min",
                          note=f"{self.drill.rpo_pair} replication lag when {self.drill.cutover_step} started"
                          if lag is not None else "not measured: the cut-over step did not run"))
        window = [ok for wall, ok in self.probes]
        out.append(Metric(AVAILABILITY, round(100 * sum(window) / len(window), 1) if window else None,
                          targets.availability, "%", better="higher",
                          note=f"{sum(window)} of {len(window)} probes of {self.drill.probe} ok" if window
                          else "not measured: no probes"))
        events = await ex.timeline.call(ex.timeline.sync.events, ex.incident_id)
        first_inject, actions = next(iter(injects(events)), None), team_actions(events)
        if first_inject is not None:
            after = [e for e in actions if e.place > first_inject.place]
            if after:
                took = max(0.0, clock.at_ts(after[0].ts) - float(first_inject.data.get("at", 0)))
                out.append(Metric(TEAM_RESPONSE, _minutes(took), _minutes(targets.team_response), "min",
                                  note=f"{first_inject.data.get('title')} → {after[0].message}"))
            else:
                out.append(Metric(TEAM_RESPONSE, None, _minutes(targets.team_response), "min",
                                  note="not measured: no action after the first inject"))
        return out

    async def record(self, metrics: list[Metric]) -> None:
        ex = self.exercise
        for m in metrics:
            if m.value is not None:
                await ex.timeline.call(ex.timeline.sync.record_metric, ex.incident_id, m.name, m.value,
                                       target=m.target, unit=m.unit, better=m.better)


def verdict(metrics: list[Metric], verdicts: list[Any] = (), run: tuple[str, str] | None = None) -> tuple[bool, str]:
    """(passed, one line): targets and expectations both said (``verdict.py``); a target
    missed, a judged metric left unmeasured or a run that did not succeed fails the drill."""
    return drill_line([m.as_dict() for m in metrics], [v.as_dict() for v in verdicts], run)
