"""The facilitator's keys, as a mixin for the cockpit App (bindings in ``BINDINGS``).

F6 pause/resume the scenario clock, F7 fire the next inject now, F8 an ad-hoc inject (a
tabletop's), F9 end the exercise after a confirmation (a tabletop or a drill). Each runs in a worker (the estate answers over HTTP)
and the result reaches the banner as a message; failures go to the app's one worker-failure
handler, never swallowed here.

An exercise ends on F9 or by itself once the scenario has played out (its last inject plus
the exercise's ``linger``, checked by the follower): it is scored, its incident resolved,
and the after-action report shown (:class:`cockpit.ui.exercise.report.AfterActionScreen`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from cockpit.ui.exercise.banner import ExerciseBanner
from cockpit.ui.session import session_of
from cockpit.ui.exercise.report import AfterActionScreen, ConfirmEndScreen


class AdhocInjectScreen(ModalScreen[tuple[str, str] | None]):
    """Title and message of an inject the facilitator makes up; dismisses with them (or None)."""

    DEFAULT_CSS = "AdhocInjectScreen { align: center middle; } #adhoc { width: 70; height: auto; border: thick $warning; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="adhoc"):
            yield Label("Ad-hoc inject")
            yield Input(placeholder="Title (one line)", id="title")
            yield Input(placeholder="What the participants are told", id="message")
            yield Button("Inject", variant="warning", id="send")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._send()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "message":
            self._send()
        else:
            self.query_one("#message", Input).focus()

    def _send(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if title:
            self.dismiss((title, self.query_one("#message", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


#: Add to the App's own ``BINDINGS`` (Textual merges bindings only from DOMNode classes,
#: so a mixin's would be ignored): ``BINDINGS = [..., *EXERCISE_BINDINGS]``.
EXERCISE_BINDINGS = [
    Binding("f6", "exercise_pause", "Clock", tooltip="Pause or resume the scenario clock"),
    Binding("f7", "exercise_next", "Inject", tooltip="Fire the next inject now"),
    Binding("f8", "exercise_adhoc", "Ad-hoc", tooltip="Write an ad-hoc inject"),
    Binding("f9", "exercise_end", "End", tooltip="End the exercise: score it and close its incident"),
]


class ExerciseActions:
    """Mix into the App *before* ``App``; needs an :class:`ExerciseBanner` in the DOM and
    :data:`EXERCISE_BINDINGS` in the App's ``BINDINGS``."""

    @property
    def exercise(self) -> Any:
        """The exercise followed (the session's; None until one starts)."""
        return session_of(self).exercise  # type: ignore[arg-type]

    @exercise.setter
    def exercise(self, exercise: Any) -> None:
        session_of(self).exercise = exercise  # type: ignore[arg-type]

    #: Where the after-action report's export is written (default: the working directory).
    report_dir: Path | None = None

    @dataclass
    class InjectArrived(Message):
        """An inject was written to the timeline."""

        data: dict[str, Any]

    @dataclass
    class ClockChanged(Message):
        status: dict[str, Any]

    @dataclass
    class Ended(Message):
        """The exercise was scored and its incident closed; ``report`` is the after-action
        report (Markdown)."""

        incident_id: str
        why: str
        report: str

    def attach_exercise(self, exercise: Any) -> None:
        """Start showing and following ``exercise`` (an :class:`cockpit.exercise.session.Exercise`, started)."""
        self.exercise = exercise
        for banner in self._banners():
            banner.set_mode(exercise.mode)
        self.refresh_bindings()  # type: ignore[attr-defined]  # the facilitator's keys now apply (footer, help)
        self._follow_exercise()

    def _banners(self) -> list[ExerciseBanner]:
        """Every banner on the screen stack: a modal on top must not hide them from us."""
        return [banner for screen in self.screen_stack  # type: ignore[attr-defined]
                for banner in screen.query(ExerciseBanner)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("exercise_"):
            if self.exercise is None or self.exercise.ended:
                return False
            # Ending is everyone's: a drill had no key to end it, only quitting, which scored it
            # out of sight. The clock and the injects are the facilitator's, a tabletop's only:
            # holding or skipping a drill's clock would bend the RTO it measures.
            return action == "exercise_end" or self.exercise.mode == "tabletop"
        return super().check_action(action, parameters)  # type: ignore[misc]  # the incident keys' checks

    #: How many of the exercise's injects have been announced: the follower and the keys
    #: (F7, F8, F6) each announce the new ones, and each inject must be announced once (with
    #: a count of its own, the follower announced again what a key had just announced).
    _injects_announced: int = 0

    @work(exclusive=True, group="exercise-follow", exit_on_error=False, description="following the exercise")
    async def _follow_exercise(self) -> None:
        self._injects_announced = 0
        while self.exercise is not None and not self.exercise.ended:
            await self.exercise.poll()
            self._publish()
            if self.exercise.mode == "tabletop" and self.exercise.played_out:
                # The last inject is behind by the linger: nothing more will happen.
                await self._end("exercise ended: the scenario played out")
                return
            await asyncio.sleep(0.25)

    def _publish(self) -> None:
        """Announce the injects not announced yet, and the clock (on the event loop: no race)."""
        injects = self.exercise.injects
        for event in injects[self._injects_announced:]:
            self.post_message(self.InjectArrived(event.data))  # type: ignore[attr-defined]
        self._injects_announced = len(injects)
        self.post_message(self.ClockChanged(self.exercise.last_status))  # type: ignore[attr-defined]

    def on_exercise_actions_inject_arrived(self, message: InjectArrived) -> None:
        for banner in self._banners():
            banner.show_inject(message.data)
        self.notify(message.data.get("title", "Inject"), title="Inject", severity="warning")  # type: ignore[attr-defined]

    def on_exercise_actions_clock_changed(self, message: ClockChanged) -> None:
        for banner in self._banners():
            banner.set_clock(message.status)

    @work(group="exercise-control", exit_on_error=False, description="pausing or resuming the scenario clock")
    async def action_exercise_pause(self) -> None:
        await (self.exercise.resume() if self.exercise.last_status.get("paused") else self.exercise.pause())
        self._publish()

    @work(group="exercise-control", exit_on_error=False, description="firing the next inject")
    async def action_exercise_next(self) -> None:
        await self.exercise.next_inject()
        self._publish()

    def action_exercise_end(self) -> None:
        self.push_screen(ConfirmEndScreen(self.exercise.scenario.title), self._end_confirmed)  # type: ignore[attr-defined]

    @work(group="exercise-control", exit_on_error=False, description="ending the exercise")
    async def _end_confirmed(self, confirmed: bool | None) -> None:
        if confirmed and not self.exercise.ended:
            await self._end("exercise ended by the facilitator")

    async def _end(self, why: str) -> None:
        """Score, close the incident, and hand the report to the UI (as a message)."""
        from cockpit.exports.after_action import render_section

        exercise = self.exercise
        meter = session_of(self).drill_meter  # type: ignore[arg-type]
        if meter is not None and not exercise.ended:  # a drill's RTO/RPO first: the report scores them
            await meter.finish()
            await meter.record(await meter.metrics())
        await exercise.end(why)
        lines = await exercise.timeline.call(render_section, exercise.timeline.sync, exercise.incident_id)
        self.post_message(self.Ended(exercise.incident_id, why, "\n".join(lines)))  # type: ignore[attr-defined]

    def on_exercise_actions_ended(self, message: Ended) -> None:
        for banner in self._banners():
            banner.set_ended(message.why)
        self.refresh_bindings()  # type: ignore[attr-defined]  # F6-F9 are gone with the exercise
        self.push_screen(AfterActionScreen(message.incident_id, message.report, self._export_report))  # type: ignore[attr-defined]

    async def _export_report(self, incident_id: str) -> Path:
        """Write the postmortem with its after-action report; returns where."""
        from cockpit.exports.files import export_markdown

        folder = self.report_dir or Path.cwd()
        target = folder / f"{incident_id}-after-action.md"
        return await self.exercise.timeline.call(export_markdown, self.exercise.timeline.sync, incident_id, target)

    def action_exercise_adhoc(self) -> None:
        self.push_screen(AdhocInjectScreen(), self._adhoc_given)  # type: ignore[attr-defined]

    @work(group="exercise-control", exit_on_error=False, description="writing an ad-hoc inject")
    async def _adhoc_given(self, result: tuple[str, str] | None) -> None:
        if result:
            await self.exercise.adhoc_inject(*result)
            self._publish()
