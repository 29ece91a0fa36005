"""The guided playbook screen: one run, step by step, with the responder at the keys.

The engine does the work (and enforces the guard); this screen only drives its controls in
a worker and draws what it reports. One control runs at a time (group ``playbook-step``);
a second key press while a step runs is refused with a note instead of cancelling it.
When the engine needs a person it calls :class:`~cockpit.ui.playbook.operator.UiOperator`,
which asks :meth:`GuidedPlaybookScreen.ask` for a dialog: if the responder has flipped to the
cockpit meanwhile, the question waits (with a notification) until they flip back.
Worker failures are routed in one place, :meth:`GuidedPlaybookScreen._worker_changed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from cockpit.content import templating
from cockpit.content.step_base import Risk, StepBase
from cockpit.engine import Engine, EngineError, NeedsPerson, RunFinished, Runtime, StepFinished, StepStarted, \
    StepWaiting
from cockpit.engine.events import EngineEvent
from cockpit.textsafe import sanitize
from cockpit.timeline.model import TimelineError
from cockpit.ui.failures import log_failure
from cockpit.ui.session import session_of
from cockpit.ui.playbook.dialogs import CSS, PlaybookDialog, ReasonDialog
from cockpit.ui.playbook.messages import RunOpened, RunOpenFailed, RunProgressed
from cockpit.ui.playbook.operator import UiOperator
from cockpit.ui.playbook.plan import RunPlan
from cockpit.ui.playbook.progress import STATE_LABELS, RunProgress, parse_ts
from cockpit.ui.playbook.widgets import RunClock, StepDetail, StepList, run_title

STEP_GROUP = "playbook-step"


class GuidedPlaybookScreen(Screen[str]):
    """One playbook run. Dismisses with the run's final status when closed after it finished."""

    CSS_PATH = CSS
    BINDINGS = [  # short labels: all of them fit the footer at 80 columns
        Binding("enter", "run_step", "Run", priority=True, tooltip="Run the current step"),
        Binding("s", "skip", "Skip", tooltip="Skip the current step (with a reason)"),
        Binding("r", "retry", "Retry", tooltip="Run the failed current step again"),
        Binding("m", "mark_done", "Done", tooltip="Mark the current step done by hand (with a note)"),
        Binding("x", "cancel_step", "Cancel", tooltip="Cancel the step that is executing"),
        Binding("a", "abort", "Abort", tooltip="Abort the run (with a reason)"),
        Binding("c", "cockpit", "Cockpit", tooltip="Flip to the live panes; the run carries on"),
        Binding("f", "follow", "Current step", show=False),
    ]

    #: The keys that drive the run's steps: shown only while they can do something (check_action).
    RUN_ACTIONS = frozenset({"run_step", "skip", "retry", "mark_done", "cancel_step", "abort"})

    def __init__(self, plan: RunPlan, *, return_mode: str | None = None) -> None:
        super().__init__()
        self.plan = plan
        #: The app mode holding the cockpit, to flip back to (None: this screen was installed and pushed).
        self.return_mode = return_mode
        self.progress = RunProgress(plan.playbook)
        self.engine: Engine | None = None
        self.operator = UiOperator(self)
        self.runtime = Runtime(webhook_url=plan.webhook_url, kube_context=plan.kube_context)
        self._resumed = asyncio.Event()
        self._shown: str | None = None
        #: The step that finished last: the status line says how, the cursor is one ↑ away from it.
        self._last_finished: str | None = None

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="pb-title")
        yield RunClock(id="pb-clock")
        with Horizontal(id="pb-body"):
            yield StepList(self.progress, id="pb-steps")
            yield StepDetail(id="pb-detail")
        yield Static("Opening the run…", id="pb-status")
        yield Footer()

    def on_mount(self) -> None:
        self._draw_title()
        self.set_interval(1.0, self._tick)
        self.open_run()

    async def on_unmount(self) -> None:
        await self.runtime.close()

    def on_screen_resume(self) -> None:
        self._resumed.set()

    # -- opening -------------------------------------------------------------------------
    @work(exclusive=True, group="playbook-open", exit_on_error=False, description="open the playbook run")
    async def open_run(self) -> None:
        plan, tl = self.plan, self.plan.timeline
        kwargs: dict[str, Any] = dict(operator=self.operator, policy=plan.policy, runtime=self.runtime,
                                      screen=plan.screen_model, listeners=[self._heard, *plan.listeners])
        try:
            kwargs["claims"] = await self._claims(plan)
            if plan.run_id:
                engine = await Engine.resume(plan.playbook, tl, plan.run_id, plan.params, **kwargs)
            else:
                engine = await Engine.start(plan.playbook, tl, plan.incident_id, plan.params, **kwargs)
            run = await tl.call(tl.sync.run, engine.run_id)
            records = {r.step_id: r for r in await tl.call(tl.sync.step_states, engine.run_id)}
            events = [e for e in await tl.call(tl.sync.events, run.incident_id)
                      if e.data.get("run_id") == engine.run_id and e.kind.startswith("step_")]
        except (EngineError, TimelineError) as exc:
            self.post_message(RunOpenFailed(str(exc)))
            return
        self.post_message(RunOpened(engine, run.started_at, records, events))

    async def _claims(self, plan: Any) -> Any:
        """The share's step claims for this run (None without a share, or in a rehearsal, whose
        incidents are never shared: a shared incident's writing steps are then refused)."""
        session = session_of(self.app)
        if not session.config.share or session.rehearsal:
            return None
        from cockpit.share.claims import claims_for

        tl = plan.timeline
        incident_id = plan.incident_id
        return claims_for(session.config.share, incident_id, await tl.call(tl.sync.node), session.config.actor)

    @on(RunOpened)
    def _opened(self, message: RunOpened) -> None:
        self.engine = engine = message.engine
        self.progress.started_at = parse_ts(message.started_at) or self.progress.started_at
        if self.plan.run_id:
            self.progress.load(message.records, message.events)
        table = self.query_one(StepList)
        for step in self.plan.playbook.steps:
            table.show_step(self.progress.steps[step.id], sanitize(engine.title(step)))
        self._draw_title()
        self._follow()
        self.refresh_bindings()
        current = engine.current
        if current is not None and engine.state_of(current.id) == "unknown":
            self._say(f"Run {engine.run_id} reopened: step {current.id} was running when the last session ended.")
            self.action_run_step()  # asks for the verdict at once: never re-run silently
        else:
            verb = "reopened" if self.plan.run_id else "started"
            guard = f" ({engine.policy.label}: only read steps execute)" if engine.policy.guarded else \
                " (dry run: nothing is called)" if engine.policy.dry_run else ""
            self._say(f"Run {engine.run_id} {verb}{guard}. enter runs the current step.")

    @on(RunOpenFailed)
    def _open_failed(self, message: RunOpenFailed) -> None:
        self._say(f"The run could not be opened: {message.error}", error=True)

    # -- the engine's voice ----------------------------------------------------------------
    def _heard(self, event: EngineEvent) -> None:
        """Engine listener (called in the engine's worker): hand the fact to the message queue."""
        self.post_message(RunProgressed(event))

    @on(RunProgressed)
    def _progressed(self, message: RunProgressed) -> None:
        event = message.event
        step_id = self.progress.apply(event)
        table = self.query_one(StepList)
        if step_id is not None:
            table.show_step(self.progress.steps[step_id])
            if isinstance(event, StepFinished):
                self._last_finished = step_id
            if isinstance(event, (StepStarted, StepWaiting)):
                self._follow(step_id)
            elif isinstance(event, StepFinished):
                self._follow()
            elif step_id == self._shown:
                self._draw_detail(step_id)
        if isinstance(event, RunFinished):
            self._last_finished = None
            reason = f" ({event.reason})" if event.reason else ""
            self._say(f"Run {event.status}{reason}. c: back to the cockpit", error=event.status != "succeeded")
        table.refresh_clocks()
        self._draw_title()
        self.refresh_bindings()

    # -- asking the person (the UiOperator's host) -----------------------------------------
    async def ask(self, dialog: PlaybookDialog[Any]) -> Any:
        """Show ``dialog`` over this screen and wait for its answer (None: no answer)."""
        told = False
        while self not in self.app.screen_stack:  # the responder is on the cockpit
            if not told:
                self.app.notify(f"{self.plan.playbook.title}: {dialog.step_title} needs you — flip back to the "
                                "playbook", title="Playbook waiting", severity="warning", timeout=30)
                told = True
            self._resumed.clear()
            await self._resumed.wait()
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.app.push_screen(dialog, callback=lambda value: None if answer.done() else answer.set_result(value))
        return await answer

    def step_title(self, step: StepBase) -> str:
        number = self.progress.steps[step.id].number
        return sanitize(f"{number}. {self.engine.title(step) if self.engine else step.title}")

    def step_call(self, step: StepBase) -> list[str]:
        view = self.progress.steps[step.id]
        return view.call or (self.engine.preview(step) if self.engine else [])

    # -- controls --------------------------------------------------------------------------
    def _busy(self) -> bool:
        return any(w.group == STEP_GROUP and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.workers)

    def _control(self, description: str, control: Callable[[Engine], Awaitable[Any]]) -> None:
        engine = self.engine
        if engine is None:
            self._say("The run is still opening.")
            return
        if self._busy():
            running = engine.current
            self._say(f"Step {running.id if running else ''} is still running: x cancels it.", error=True)
            return

        async def drive() -> Any:
            return await control(engine)

        self.run_worker(drive(), group=STEP_GROUP, exclusive=True, exit_on_error=False, description=description)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which run keys the footer offers (and the keys help lists) now, from the run's state.

        A finished run has nothing to run, skip, retry or abort: those keys go, so the footer
        holds what still works (c back to the cockpit, q quit). While a step executes only x
        cancels it (the others are shown dimmed: they work again once it ended); retry is for
        a failed or cancelled step. Every change of state calls :meth:`refresh_bindings`.
        """
        if action not in self.RUN_ACTIONS:
            return True
        engine = self.engine
        if engine is None:
            return None  # the run is still opening
        if engine.finished:
            return False
        busy = self._busy()
        if action == "cancel_step":
            return busy
        if busy:
            return None
        if action == "retry":
            current = engine.current
            return current is not None and engine.state_of(current.id) in ("failed", "cancelled")
        return True

    def action_run_step(self) -> None:
        engine = self.engine
        step = engine.current if engine else None
        if engine is not None and step is not None and not engine.finished and not self._busy():
            unknown = engine.state_of(step.id) == "unknown"
            self._say(f"Step {step.id}: outcome unknown, verify it." if unknown else f"Running step {step.id}…")
        self._control("run the current step", lambda e: e.run_next())

    def action_retry(self) -> None:
        self._control("retry the current step", lambda e: e.retry())

    def action_skip(self) -> None:
        step = self._current_or_say()
        if step is None:
            return

        def skip(reason: str | None) -> None:
            if reason:
                self._control(f"skip step {step.id}", lambda e: e.skip(reason))

        self.app.push_screen(ReasonDialog(self.step_title(step), "Skip step", "Why skip this step? (goes into "
                                          "the timeline)"), skip)

    def action_mark_done(self) -> None:
        step = self._current_or_say()
        if step is None:
            return

        def done(note: str | None) -> None:
            if note:
                self._control(f"mark step {step.id} done", lambda e: e.mark_done(f"marked done by the responder: "
                                                                                 f"{note}"))

        self.app.push_screen(ReasonDialog(self.step_title(step), "Mark done", "What was done by hand?",
                                          "done by hand outside Cockpit"), done)

    def action_abort(self) -> None:
        if self.engine is None or self.engine.finished:
            self._say("The run is not running.")
            return
        if self._busy():
            self._say("A step is running: x cancels it first, then a aborts.", error=True)
            return

        def abort(reason: str | None) -> None:
            if reason:
                self._control("abort the run", lambda e: e.abort(reason))

        self.app.push_screen(ReasonDialog(self.plan.playbook.title, "Abort the run", "Why abort? Later steps will "
                                          "not run.", "aborted by the responder"), abort)

    def action_cancel_step(self) -> None:
        if self.engine is not None and self.engine.cancel():
            self._say("Cancelling the running step…")
        else:
            self._say("No step is running.")

    def action_cockpit(self) -> None:
        """Flip to the live panes; the run (and a step still executing) carries on here."""
        if self.return_mode is not None:
            self.app.switch_mode(self.return_mode)
        elif self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()  # installed: popping keeps this screen and its run alive
        else:
            self._say("No cockpit to flip to from here.")

    # -- quitting (ui/quitting.py asks these) -----------------------------------------------
    def quit_concern(self) -> str | None:
        """What quitting would do to the step executing now, if one is."""
        step = self.engine.executing if self.engine else None
        if step is None:
            return None
        maybe = "" if step.risk is Risk.read else " A write may already have reached the service: check it first."
        return (f"A step is running: {self.step_title(step)}. Quitting cancels it; the timeline records it "
                f"cancelled, and r retries it when you reopen the run.{maybe}")

    async def stop_for_quit(self) -> None:
        """Cancel the executing step and wait until the engine has recorded it."""
        if self.engine is None or not self.engine.cancel():
            return
        self._say("Cancelling the running step before quitting…")
        for worker in [w for w in self.workers if w.group == STEP_GROUP]:
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass  # cancelled or failed: the engine recorded the step before the worker ended

    def action_follow(self) -> None:
        self._follow()

    def _current_or_say(self) -> StepBase | None:
        step = self.engine.current if self.engine else None
        if step is None or (self.engine and self.engine.finished):
            self._say("The run is finished." if self.engine else "The run is still opening.")
            return None
        return step

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place where the run's workers end: answers refused, errors shown."""
        worker = event.worker
        if worker.group == STEP_GROUP:
            self.refresh_bindings()  # a step started or ended: x Cancel, r Retry… come and go
        if event.state == WorkerState.ERROR:
            error = worker.error
            if isinstance(error, NeedsPerson):
                self.progress.not_answered(error.step_id)
                self.query_one(StepList).show_step(self.progress.steps[error.step_id])
                self._draw_detail(error.step_id)
                self._say(f"Step {error.step_id}: {error}", error=True)
            elif isinstance(error, EngineError):
                self._say(str(error), error=True)
            else:  # unexpected: said here, where the responder looks, and logged
                self._say(log_failure(worker), error=True)
        elif event.state == WorkerState.SUCCESS and worker.group == STEP_GROUP:
            self._after_control()

    def _after_control(self) -> None:
        engine = self.engine
        if engine is None or engine.finished:
            return
        step = engine.current
        if step is None:
            return
        state = engine.state_of(step.id)
        if state in ("failed", "cancelled"):
            self._say(f"Step {step.id} {state}: r retries it, s skips it (with a reason), a aborts.", error=True)
        else:
            refusal = engine.policy.refusal(step)
            note = f" (will be {refusal})" if refusal else ""
            self._say(f"{self._last_result()}Next: step {step.id}{note}. enter runs it.")
        self._follow()

    def _last_result(self) -> str:
        view = self.progress.steps.get(self._last_finished or "")
        if view is None or not view.finished_state:
            return ""
        word = STATE_LABELS.get(view.label, (view.label, ""))[0]
        summary = f": {view.summary}" if view.summary else ""
        return f"{word} {view.number}{summary[:60]} (↑ shows it). "

    # -- drawing ---------------------------------------------------------------------------
    def _follow(self, step_id: str | None = None) -> None:
        """Show ``step_id`` (default: the step the run is at) and put the cursor on it."""
        engine = self.engine
        if step_id is None:
            current = engine.current if engine else None
            step_id = current.id if current else self.plan.playbook.steps[-1].id
        self.query_one(StepList).follow(step_id)
        self._draw_detail(step_id)

    @on(DataTable.RowHighlighted, "#pb-steps")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and not key.startswith("phase:"):
            self._draw_detail(key)

    def _draw_detail(self, step_id: str) -> None:
        step = next(s for s in self.plan.playbook.steps if s.id == step_id)
        view = self.progress.steps[step_id]
        engine = self.engine
        if engine is not None:
            ctx = engine.context(preview=True)
            title = engine.title(step)
            instructions = str(templating.preview_value(step.instructions or "", ctx))
            call = view.call or engine.preview(step)
            refusal = engine.policy.refusal(step)
            current = engine.current is step
        else:
            title, instructions, call, refusal, current = step.title, step.instructions or "", view.call, None, False
        self.query_one(StepDetail).show(view, title=title, instructions=instructions, call=call, refusal=refusal,
                                        is_current=current, same_step=self._shown == step_id)
        self._shown = step_id

    def _draw_title(self) -> None:
        label = self.engine.policy.label if self.engine else self.plan.policy.label
        self.query_one("#pb-title", Static).update(run_title(label, self.plan.playbook.title, self.plan.incident_id))
        self._tick()

    def _tick(self) -> None:
        if not self.is_current:
            return  # nobody sees it: skip drawing
        current = self.engine.current if self.engine else None
        self.query_one(RunClock).show(self.progress, current.phase if current else None)
        self.query_one(StepList).refresh_clocks()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.query_one("#pb-status", Static).update(Text(text, style="bold red" if error else ""))
