"""Following a run another host drives: its guided screen, read-only (issue 15).

A run started on another host's cockpit reaches this file through the share
(``timeline/mirror.py``), and ``timeline/project.py`` rebuilds its row (``runs.node``: that
host's clock node) and its step states from its events. Only that cockpit may drive it
(``RunsMixin.hold_run`` refuses here), so the launch (``launch.py``) opens this screen instead
of the guided one: the same panes (``widgets.py``) drawn from the same model
(``progress.py``), fed by the timeline instead of an engine. Nothing here executes or
writes: there is no engine and no step key; escape goes back.

Live: one worker re-reads the run's row and step states (two small queries) every second,
and at once when the incident feed reports an event of the run; the run's step events are
read again only when those changed. A shell step's live lines are not events: they stay on
the driver's screen, and the step's result shows here when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from cockpit.content import templating
from cockpit.content.describe import describe_step
from cockpit.content.playbook import Playbook
from cockpit.content.step_base import StepBase
from cockpit.engine.context import incident_view, preview_context
from cockpit.engine.policy import Policy
from cockpit.textsafe import sanitize
from cockpit.timeline.model import STEP_EVENT, Event, Incident, Run, StepRecord, TimelineError
from cockpit.ui.failures import log_failure
from cockpit.ui.incident.feed import FeedUpdate
from cockpit.ui.incident.session import feed_of
from cockpit.ui.playbook.dialogs import CSS
from cockpit.ui.playbook.progress import STATE_LABELS, RunProgress, parse_ts
from cockpit.ui.playbook.widgets import RunClock, StepDetail, StepList, run_title
from cockpit.ui.session import session_of

if TYPE_CHECKING:
    from cockpit.timeline.aio import AsyncTimeline
    from cockpit.timeline.lifecycle import Timeline

#: Seconds between two reads of the run (the feed wakes the reader sooner when it runs).
POLL_INTERVAL = 1.0
#: Longest wait between reads while the file cannot be read.
MAX_BACKOFF = 8.0
_STEP_KINDS = tuple(sorted({kind.value for kind in STEP_EVENT.values()}))


@dataclass(frozen=True)
class RunSnapshot:
    """A run as this file knows it: its row, its step states, its step events (timeline order)."""

    run: Run
    records: tuple[StepRecord, ...]
    events: tuple[Event, ...]


def read_run(tl: Timeline, run_id: str, last: RunSnapshot | None = None) -> RunSnapshot | None:
    """On the timeline's thread: the run now, or None when its row and step states are as in
    ``last`` (every step event changes its step's row, so the events are not read then)."""
    run = tl.run(run_id)
    records = tuple(tl.step_states(run_id))
    if last is not None and (run, records) == (last.run, last.records):
        return None
    events = tuple(tl.iter_events(run.incident_id, kinds=_STEP_KINDS, data={"run_id": [run_id]}))
    return RunSnapshot(run, records, events)


class FollowedRunScreen(Screen[None]):
    """A run driven from another host's cockpit, shown as its guided screen shows it; read-only."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to where you were; the run goes on on its host"),
        Binding("f", "follow", "Current step", tooltip="Show the step the run is at"),
        Binding("t", "take_over", "Take over", tooltip="Drive this run from here: only once its host is gone "
                "(the share says whether it is)"),
    ]

    class RunRead(Message):
        """The run was read and differs from what is shown."""

        def __init__(self, snapshot: RunSnapshot) -> None:
            super().__init__()
            self.snapshot = snapshot

    def __init__(self, playbook: Playbook, timeline: AsyncTimeline, run: Run, incident: Incident) -> None:
        super().__init__()
        self.playbook, self.timeline, self.incident = playbook, timeline, incident
        self.run_id = run.id
        #: The run as last read (its row: who drives it, its status).
        self.run = run
        #: The run's guard, as its engine applies it on the driver's host (what a pending step will do).
        self.policy = Policy(dry_run=run.dry_run, read_only=run.read_only, tabletop=incident.mode == "tabletop")
        self.progress = RunProgress(playbook, parse_ts(run.started_at))
        self._ctx = self._template_context(None)
        #: The step the run is at (None: every step is done).
        self._at: str | None = playbook.steps[0].id if playbook.steps else None
        self._shown: str | None = None
        self._read_once = False
        self._wake = asyncio.Event()
        self._confirming = False

    @property
    def driver(self) -> str:
        """Who drives the run (its actor), safe to show."""
        return sanitize(self.run.actor, newlines=False)

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="pb-title")
        yield RunClock(id="pb-clock")
        with Horizontal(id="pb-body"):
            yield StepList(self.progress, id="pb-steps")
            yield StepDetail(id="pb-detail")
        yield Static(id="pb-status")
        yield Footer()

    def on_mount(self) -> None:
        self._draw_title()
        self._say(Text(f"Reading run {self.run_id}, driven by {self.driver} on another host…"))
        self.set_interval(1.0, self._tick)
        feed_of(self.app).subscribe(self, self._feed_updated)
        self._watch()

    # -- reading -------------------------------------------------------------------------
    @work(group="follow-run", exclusive=True, exit_on_error=False, description="follow a run driven on another host")
    async def _watch(self) -> None:
        """Read the run until it ends; errors are shown, backed off, retried (the last read stays)."""
        tl, last, failing, backoff = self.timeline, None, False, POLL_INTERVAL
        while last is None or last.run.status == "running":
            self._wake.clear()
            try:
                snapshot = await tl.call(read_run, tl.sync, self.run_id, last)
            except (sqlite3.Error, TimelineError, OSError) as exc:
                failing, backoff = True, min(MAX_BACKOFF, backoff * 2)
                self._say(Text(f"The run cannot be read ({sanitize(str(exc), newlines=False)}): retrying; "
                               "what is shown was read last.", style="bold red"))
            else:
                if snapshot is not None:
                    last = snapshot
                    self.post_message(self.RunRead(snapshot))
                elif failing:
                    self._say_where()
                failing, backoff = False, POLL_INTERVAL
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), backoff)

    def _feed_updated(self, update: FeedUpdate) -> None:
        """The incident feed (when the cockpit runs it) saw events: read now if one is this run's."""
        if update.reset or any(e.data.get("run_id") == self.run_id for e in update.new_events):
            self._wake.set()

    @on(RunRead)
    def _run_read(self, message: FollowedRunScreen.RunRead) -> None:
        snapshot = message.snapshot
        self.run = run = snapshot.run
        progress = RunProgress(self.playbook, parse_ts(run.started_at))
        progress.load({r.step_id: r for r in snapshot.records}, list(snapshot.events))
        progress.status, progress.finished_at = run.status, parse_ts(run.finished_at)
        self.progress = progress
        self._ctx = self._template_context(snapshot)
        table = self.query_one(StepList)
        table.progress = progress
        with self.app.batch_update():
            for step in self.playbook.steps:
                table.show_step(progress.steps[step.id], self._title(step))
            at = progress.at(self.policy.guarded)
            if at != self._at or not self._read_once:  # the run moved on: so does the cursor
                self._at = at
                self._follow()
            elif self._shown is not None:
                self._draw_detail(self._shown)
            self._read_once = True
            self._draw_title()
            self._say_where()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place the reader ends badly: said where the responder looks, and logged."""
        if event.state == WorkerState.ERROR:
            self._say(Text(log_failure(event.worker), style="bold red"))

    # -- keys ----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_follow(self) -> None:
        self._follow()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "take_over":  # only with the share, which alone can say the driver is gone
            session = session_of(self.app)
            return bool(session.config.share) and not session.rehearsal and self.run.status == "running" \
                and self.run.node is not None
        return True

    def action_take_over(self) -> None:
        """Take the run over: asked twice, since its driver may be alive behind a partition
        (the share refuses while its cockpit beats; the step claims still hold if it is)."""
        if not self._confirming:
            self._confirming = True
            self._say(Text.assemble(("Take over", "bold"), f" run {self.run_id} from {self.driver}? Only if their "
                                    "cockpit is gone. t again to take it over, esc to stay."))
            self.set_timer(8, self._unconfirm)
            return
        self._confirming = False
        self._say(Text("Asking the share whether the run's host is gone…"))
        self._take_over()

    def _unconfirm(self) -> None:
        if self._confirming:
            self._confirming = False
            self._say_where()

    @work(group="follow-take-over", exclusive=True, exit_on_error=False, thread=True,
          description="take a run over from a host that is gone")
    def _take_over(self) -> None:
        from cockpit.share.runs import TakeOverRefused, take_over
        from cockpit.share.uri import parse
        from cockpit.timeline.lifecycle import Timeline

        config = session_of(self.app).config
        try:
            with Timeline(config.db, config.actor) as tl:
                taken_from = take_over(tl, parse(config.share), self.run_id)
        except (TakeOverRefused, TimelineError) as exc:
            self.app.call_from_thread(self._say, Text(sanitize(str(exc), newlines=False), style="bold red"))
            return
        self.app.call_from_thread(self._taken_over, taken_from)

    def _taken_over(self, taken_from: str) -> None:
        from cockpit.ui.playbook.launch import drive_taken_over

        self.app.notify(f"Run {self.run_id} taken over from {sanitize(taken_from)}: this cockpit drives it now.",
                        title="Playbook", markup=False)
        app, tl, playbook, incident, run_id = self.app, self.timeline, self.playbook, self.incident, self.run_id
        self.dismiss()
        app.run_worker(drive_taken_over(app, tl, playbook, incident, run_id), group="playbook-launch",
                       exclusive=True, exit_on_error=False, description=f"drive run {run_id}")

    # -- drawing -------------------------------------------------------------------------
    def _template_context(self, snapshot: RunSnapshot | None) -> dict[str, Any]:
        """What the step templates preview with: the run's parameters (stored redacted) and the
        steps' states and outputs as read (the engine's preview, without an engine)."""
        steps: dict[str, dict[str, Any]] = {s.id: {"status": "pending"} for s in self.playbook.steps}
        if snapshot is not None:
            for rec in snapshot.records:
                steps[rec.step_id] = {"status": rec.state, "outputs": rec.outputs}
            for event in snapshot.events:
                why = event.data.get("not_executed")
                if why and event.data.get("step_id") in steps:
                    steps[event.data["step_id"]]["not_executed"] = why
        return preview_context(dict(self.run.params), steps, incident_view(self.incident), None)

    def _title(self, step: StepBase) -> str:
        return sanitize(str(templating.preview_value(step.title, self._ctx)), newlines=False)

    def _follow(self) -> None:
        """Show the step the run is at (its last step once it ended) and put the cursor on it."""
        if not self.playbook.steps:
            return
        step_id = self._at or self.playbook.steps[-1].id
        self.query_one(StepList).follow(step_id)
        self._draw_detail(step_id)

    @on(DataTable.RowHighlighted, "#pb-steps")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and not key.startswith("phase:"):
            self._draw_detail(key)

    def _draw_detail(self, step_id: str) -> None:
        step = next(s for s in self.playbook.steps if s.id == step_id)
        view = self.progress.steps[step_id]
        call = view.call or describe_step(step, self._ctx, responder=True)
        instructions = str(templating.preview_value(step.instructions or "", self._ctx))
        self.query_one(StepDetail).show(view, title=self._title(step), instructions=instructions, call=call,
                                        refusal=self.policy.refusal(step), is_current=step_id == self._at,
                                        same_step=self._shown == step_id, driver=self.driver)
        self._shown = step_id

    def _draw_title(self) -> None:
        badge = "following" + (f" · {self.policy.label}" if self.policy.label else "")
        self.query_one("#pb-title", Static).update(run_title(badge, self.playbook.title, self.incident.id))
        self._tick()

    def _tick(self) -> None:
        if not self.is_current:
            return  # nobody sees it: skip drawing
        step = next((s for s in self.playbook.steps if s.id == self._at), None)
        self.query_one(RunClock).show(self.progress, step.phase if step else None)
        self.query_one(StepList).refresh_clocks()

    def _say_where(self) -> None:
        """The status line: who drives the run and that nothing runs here; where the run is."""
        run = self.run
        if run.node is None:  # this file drives it now (taken over since this screen opened)
            self._say(Text.assemble(("Read-only view", "bold"), ": this cockpit drives the run now.\n"
                                    "esc, then open the playbook again to drive it."))
            return
        who = Text.assemble(("Read-only", "bold"), f" · {self.driver} drives this run from another host")
        if run.status != "running":
            ok = run.status == "succeeded"
            where = Text.assemble((f"Run {run.status}" if ok else f"Run {run.status.upper()}",
                                   "bold green" if ok else "bold red"), " · nothing more to follow · esc back")
        else:
            view = self.progress.steps.get(self._at or "")
            where = Text(f"Step {view.number}/{len(self.progress.steps)} " if view else "")
            if view is not None:
                word, style = STATE_LABELS.get(view.label, (view.label, ""))
                where.append(word, style=style)
                where.append(" · ")
            where.append("nothing runs here · esc back")
        for line in (who, where):  # one line each, whatever the width: the second must not be pushed off
            line.no_wrap, line.overflow = True, "ellipsis"
        self._say(Text("\n").join([who, where]))

    def _say(self, text: Text) -> None:
        self.query_one("#pb-status", Static).update(text)
