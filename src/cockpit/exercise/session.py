"""One exercise: the incident it logs to, the injects it relays, the facilitator's controls.

:class:`Exercise` connects three things that live in different places: the scenario clock
(in the estate process, behind its control API), the incident timeline (SQLite), and the
people (a UI, the headless CLI, or a test playing a team). It

* declares the exercise incident (mode ``tabletop`` or ``drill``) and writes a *start*
  event holding what the reports need later: the scenario's injects, expectations, drill
  targets, and the first clock checkpoint;
* :meth:`poll` — turns injects fired by the estate into ``inject`` timeline events (the UI
  shows them as banners), and writes a clock checkpoint whenever the clock was paused,
  resumed, sped up or jumped by anyone;
* facilitator controls: :meth:`pause`, :meth:`resume`, :meth:`next_inject`,
  :meth:`adhoc_inject`;
* :meth:`end` — scores the expectations (``scoring.py``), writes the result and resolves the
  incident; :attr:`played_out` says when the scenario is over (last inject + ``linger``).

Nothing here imports Textual; the UI drives the same object.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cockpit.content.scenario import Scenario
from cockpit.exercise.clock import Checkpoint, ClockMap
from cockpit.exercise.control import EstateControl
from cockpit.exercise.scoring import Verdict, score
from cockpit.timeline.aio import AsyncTimeline
from cockpit.timeline.model import Event, EventKind, Incident

#: Severity a tabletop incident opens at: "not yet classified"; classifying it is the team's job.
TABLETOP_SEVERITY = "P4"


def spec(scenario: Scenario) -> dict[str, Any]:
    """What the reports need from the scenario, stored in the timeline with the exercise."""
    return {"scenario": scenario.id, "title": scenario.title, "severity": scenario.severity,
            "injects": [i.model_dump() for i in scenario.injects],
            "expectations": [e.model_dump(exclude_none=True) for e in scenario.expectations],
            "drill": scenario.drill.model_dump()}


@dataclass
class Exercise:
    scenario: Scenario
    mode: str  # "tabletop" | "drill"
    timeline: AsyncTimeline
    control: EstateControl
    incident: Incident | None = None
    clock: ClockMap = field(default_factory=ClockMap)
    last_status: dict[str, Any] = field(default_factory=dict)
    #: Inject events recorded so far, in order (the UI's banner shows the last one).
    injects: list[Event] = field(default_factory=list)
    _seen: int = 0  # happenings already looked at
    ended: bool = False
    #: Scenario seconds after the last scripted event or inject before the exercise ends by
    #: itself (time for the team to finish what the last inject asked for).
    linger: float = 300.0
    #: Who runs the exercise: its incident's commander (default: the timeline's actor).
    commander: str | None = None
    #: The verdicts, once :meth:`end` has scored them.
    verdicts: list[Verdict] | None = None
    #: Held while ending: the facilitator's key and the clock running out may end it at once.
    _ending: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def incident_id(self) -> str:
        assert self.incident is not None, "start() the exercise first"
        return self.incident.id

    # -- starting ----------------------------------------------------------------------------
    async def start(self, *, commander: str | None = None) -> Incident:
        if self.mode not in ("tabletop", "drill"):
            raise ValueError(f"mode must be tabletop or drill, not {self.mode!r}")
        severity = self.scenario.severity if self.mode == "drill" else TABLETOP_SEVERITY
        label = "Drill" if self.mode == "drill" else "Tabletop"
        # Someone runs every exercise: an incident with no commander is the first gap a
        # report would flag, and here it is known who started it.
        commander = commander or self.commander or self.timeline.sync.actor
        self.incident = await self.timeline.declare(f"{label}: {self.scenario.title}", severity, mode=self.mode,
                                                    commander=commander)
        status = await self.control.status()
        point = Checkpoint.from_status(status)
        self.clock.add(point)
        self.last_status = status
        await self._record(f"{label} exercise started: {self.scenario.title} (scenario {self.scenario.id}, "
                           f"speed ×{point.speed:g})", {"exercise": "start", "mode": self.mode,
                                                        "spec": spec(self.scenario), "clock": point.as_dict()})
        await self.poll()
        return self.incident

    async def _record(self, message: str, data: dict[str, Any]) -> Event:
        return await self.timeline.call(self.timeline.sync.append, self.incident_id, EventKind.INJECT, message, data)

    # -- following the estate ------------------------------------------------------------------
    async def poll(self, status: dict[str, Any] | None = None) -> list[Event]:
        """Record new injects and clock changes; returns the inject events written."""
        wall = time.time()
        status = status or await self.control.status()
        wall = (wall + time.time()) / 2
        self.last_status = status
        new: list[Event] = []
        happenings = status.get("happenings", [])
        for h in happenings[self._seen:]:
            if h.get("kind") == "inject" and h.get("detail"):
                new.append(await self._inject_event(h["detail"], float(h["at"]), adhoc=False))
        self._seen = len(happenings)
        await self._sync_clock(status, wall)
        return new

    async def _sync_clock(self, status: dict[str, Any], wall: float) -> None:
        point = Checkpoint.from_status(status, wall)
        last = self.clock.points[-1] if self.clock.points else None
        drift = abs(point.at - last.predict(wall)) if last else float("inf")
        if last is None or last.paused != point.paused or last.speed != point.speed or drift > max(1.0, point.speed * 0.5):
            self.clock.add(point)
            await self._record(f"Scenario clock at T+{point.at:.0f}s ({'paused' if point.paused else f'×{point.speed:g}'})",
                               {"exercise": "clock", "clock": point.as_dict()})

    async def _inject_event(self, detail: dict[str, Any], at: float, *, adhoc: bool) -> Event:
        who = f" [{detail['audience']}]" if detail.get("audience") else ""
        event = await self._record(f"Inject{who}: {detail['title']} — {detail['message']}".strip(),
                                   {"exercise": "inject", **detail, "at": at, "adhoc": adhoc})
        self.injects.append(event)
        return event

    async def follow(self, interval: float = 0.25) -> None:
        """Poll until cancelled (a worker in the UI, a task in the CLI)."""
        while not self.ended:
            await self.poll()
            await asyncio.sleep(interval)

    # -- the facilitator -----------------------------------------------------------------------
    async def pause(self) -> None:
        await self.poll(await self.control.pause())

    async def resume(self) -> None:
        await self.poll(await self.control.resume())

    async def next_inject(self) -> Event | None:
        """Fire the next inject now (the clock jumps; events due before it fire too)."""
        before = len(self.injects)
        await self.poll(await self.control.next_inject())
        return self.injects[before] if len(self.injects) > before else None

    async def adhoc_inject(self, title: str, message: str, audience: str | None = None) -> Event:
        """An inject the facilitator makes up on the spot ("the CFO is on the bridge")."""
        if not title.strip():
            raise ValueError("an inject needs a title")
        at = self.clock.at(time.time())
        return await self._inject_event({"id": f"adhoc-{len(self.injects) + 1}", "title": title.strip(),
                                         "message": message.strip() or title.strip(), "audience": audience},
                                        at, adhoc=True)

    @property
    def done(self) -> bool:
        """Every scripted event and inject has fired."""
        s = self.last_status
        return bool(s) and s.get("events_fired") == s.get("events_total") and \
            s.get("injects_fired") == s.get("injects_total")

    def now(self) -> float:
        return self.clock.at(time.time())

    @property
    def played_out(self) -> bool:
        """Every event and inject has fired and ``linger`` scenario seconds have passed since
        the last of them: nothing more will happen, so the exercise ends (headless and UI alike)."""
        return self.done and bool(self.clock.points) and self.now() >= self.scenario.duration + self.linger

    # -- ending --------------------------------------------------------------------------------
    async def close(self) -> None:
        """Release the estate control client and the timeline this exercise was given."""
        await self.control.close()
        await self.timeline.close()

    async def end(self, why: str = "exercise ended") -> list[Verdict]:
        """Score every expectation against the timeline, record the result, and close the
        incident (resolved with ``why``: an exercise incident left open would page nobody but
        sit among the open incidents forever). Ending twice scores once."""
        async with self._ending:
            if self.verdicts is None:
                self.verdicts = await self._score_and_close(why)
        return self.verdicts

    async def _score_and_close(self, why: str) -> list[Verdict]:
        await self.poll()
        end_at = self.now()
        events = await self.timeline.call(self.timeline.sync.events, self.incident_id)
        verdicts = score([e.model_dump(exclude_none=True) for e in self.scenario.expectations], events,
                         self.clock, end_at)
        met = sum(v.met for v in verdicts)
        self.ended = True
        summary = f"{met} of {len(verdicts)} expectations met"
        await self._record(f"Exercise ended at T+{end_at:.0f}s ({why}): {summary}",
                           {"exercise": "end", "end_at": end_at, "why": why,
                            "verdicts": [v.as_dict() for v in verdicts]})
        incident = await self.timeline.incident(self.incident_id)
        if incident.status != "resolved":  # the team may have resolved it already
            await self.timeline.resolve(self.incident_id, f"{why.capitalize()}: {summary}")
        self.incident = await self.timeline.incident(self.incident_id)
        return verdicts


def starter(scenario: Any, mode: str, db: Any, actor: str, *, commander: str | None = None,
            linger: float = 300.0) -> Callable[[], Awaitable[Exercise]]:
    """What the cockpit calls once the scenario's estate is up: open the timeline, declare
    the exercise incident and return the started :class:`Exercise` (its ``close()`` releases
    what this opened). The estate is found through ``COCKPIT_ESTATE_URL``, set by then."""

    async def start() -> Exercise:
        from cockpit.timeline.aio import AsyncTimeline

        timeline = AsyncTimeline(db, actor)
        await timeline.open()
        exercise = Exercise(scenario, mode, timeline, EstateControl(os.environ["COCKPIT_ESTATE_URL"]),
                            linger=linger)
        try:
            await exercise.start(commander=commander or actor)
        except BaseException:
            await exercise.close()  # nobody else holds it: release the client and the timeline
            raise
        return exercise

    return start
