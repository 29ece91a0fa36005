"""The cockpit screen: what is on fire, live — alarms, replication, service health.

Each source of the screen gets its own :class:`~cockpit.sources.poller.Poller` (the next
refresh starts when the previous one ended; failures back off with jitter). The pollers
of a pane run in one async worker per pane (``@work(exclusive=True, group="poll-<pane>")``)
and report through past-tense messages (:mod:`cockpit.ui.messages`) carrying immutable
snapshots; a pane redraws from the snapshot in place. Nothing here waits on the network,
so a key press is answered at once however slow AWS is. While a modal covers the screen,
snapshots are kept and drawn when it closes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from cockpit.content.screen import Screen as ScreenModel
from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.ui.failures import forward_failure, log_failure
from cockpit.ui.messages import AlarmsFetched, PlaybookRequested, ReplicationFetched, ServicesFetched, \
    SourceFetched, fetched
from cockpit.ui.widgets.alarms import AlarmsPane
from cockpit.ui.widgets.estate_panel import EstateStrip
from cockpit.ui.widgets.filter_bar import FilterBar
from cockpit.ui.widgets.footer import KeysFooter
from cockpit.ui.widgets.header import CockpitHeader
from cockpit.ui.widgets.keyed_table import KeyedTable
from cockpit.ui.widgets.pane import Pane
from cockpit.ui.widgets.quiet_gc import COLLECTOR
from cockpit.ui.widgets.replication import ReplicationPane
from cockpit.ui.widgets.services import ServicesPane
from cockpit.ui.exercise import ExerciseBanner
from cockpit.ui.incident import IncidentHeader, TimelinePane
from cockpit.ui.incident.session import feed_of

if TYPE_CHECKING:
    from cockpit.sources.poller import Poller
    from cockpit.ui.app import CockpitApp

#: Longest a refresh holds the event loop in one go: a key press waits at most about this long.
SLICE_SECONDS = 0.008
#: Pause between two slices (two frames: Textual paints at most 60 a second), so a key
#: travels through the app's queues between them.
YIELD_SECONDS = 2 / 60
#: Longest the palette's catalog read waits for every pane's first answer once polling starts.
CATALOG_AFTER = 3.0

PANES: dict[str, type[Pane]] = {"alarms": AlarmsPane, "replication": ReplicationPane, "services": ServicesPane}


def has_services(screen: ScreenModel) -> bool:
    return any((screen.kubernetes, screen.ecs, screen.rds, screen.target_groups, screen.dynamodb, screen.endpoints))


#: Rows the stacked panes need at least (narrow layout): the alarms five rows (+ heading +
#: border), services one row (+ heading + border), the one-line timeline. Must match
#: ``cockpit.tcss`` (``.-narrow #alarms`` / ``#services`` min-height, ``#timeline`` height).
ALARMS_LEAST, SERVICES_LEAST, TIMELINE_ROWS = 8, 4, 1
#: The replication pane between its least (border + heading: its pairs scroll) and most rows.
REPLICATION_LEAST, REPLICATION_MOST = 3, 8


def replication_rows(body_height: int) -> int:
    """The most rows the replication pane may take in a stacked body of ``body_height`` rows.

    The replication pane is sized by its content, and Textual never shrinks such a pane to
    make room: when the header grows (an incident's two lines, the estate strip, an exercise
    banner) the fr-sized alarms and services would both sit at their minimum, and Textual
    then makes 1fr the whole remaining space (the alarms grow, services and the timeline are
    pushed off the screen). Capping replication at what is left after the others' least
    keeps every pane's minimum on screen: the pairs scroll first.
    """
    spare = body_height - ALARMS_LEAST - SERVICES_LEAST - TIMELINE_ROWS
    return max(REPLICATION_LEAST, min(REPLICATION_MOST, spare))


class Body(Container):
    """The panes' container; in the stacked layout it fits the replication pane to its height."""

    #: The replication pane's cap now (None: the stylesheet's, as in the wide grid).
    _replication_most: int | None = None

    def on_resize(self) -> None:
        self.fit_panes()

    def fit_panes(self) -> None:
        replication = self.query("#replication")
        if not replication:
            return
        most = replication_rows(self.size.height) if self.screen.has_class("-narrow") else None
        if most == self._replication_most:
            return
        self._replication_most = most
        pane = replication.first()
        pane.styles.max_height = most
        for table in pane.query(KeyedTable):
            table.styles.max_height = None if most is None else most - 2  # inside the border


class CockpitScreen(Screen[None]):
    """The live panes of one screen file."""

    #: Textual's ``Screen.focused`` repaints the whole screen when focus moves (Tab between
    #: panes): 30-90 ms at scale for nothing, as the panes that gain and lose focus are
    #: repainted anyway through their ``:focus`` styles. The same reactive without that repaint.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    #: What Enter on a row does here (``_row_selected``), for the keys help.
    ENTER_HELP = "Details of the selected row (as d)"
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause"),
        Binding("r", "refresh", "Refresh"),
        Binding("d", "detail", "Details"),
        Binding("s", "sort_alarms", "Sort"),
        # priority: acted on as the key arrives, so "/crit" typed at once filters on "crit"
        # (a plain binding runs after the next keys were already sent to the table: "i" declared).
        Binding("slash", "filter_alarms", "Filter", key_display="/", priority=True),
        Binding("g", "screens", "Screens"),
        Binding("b", "playbooks", "Playbooks"),
        Binding("e", "estate", "Estate"),
    ]

    def __init__(self, model: ScreenModel, *, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(name=model.name)
        #: The screen file this screen shows.
        self.model = model
        #: Gives "now" to every pane (frozen in snapshot images).
        self.clock = clock
        #: Pollers by source name, once polling started.
        self.pollers: dict[str, Poller] = {}
        #: Whether the responder paused polling.
        self.paused = False
        #: The newest undrawn refresh of each source.
        self._pending: dict[str, SourceFetched] = {}
        #: Panes polled that have not had their first answer yet.
        self._unanswered: set[str] = set()
        #: The drawing steps in progress (see :meth:`Pane.plan`) and whose pane they draw.
        self._plan: Iterator[None] | None = None
        self._plan_pane = ""
        #: Whether the slice worker runs.
        self._applying = False
        #: The newest alarms polled (drawn or not): what the response plans are held against.
        self.latest_alarms: tuple[Any, ...] = ()
        #: The newest ``metrics:`` rows polled: the alert matrix holds some rows against them
        #: (seed 000's "Storage > 10 TB" is a reading, not an alarm).
        self.latest_metrics: tuple[Any, ...] = ()
        #: The incident the footer's keys were chosen for: (id, status), None when there is none.
        self._incident_state: tuple[str, str] | None = None

    @property
    def cockpit(self) -> CockpitApp:
        """The app, typed: only the cockpit app shows this screen."""
        return cast("CockpitApp", self.app)

    def compose(self) -> ComposeResult:
        yield CockpitHeader(f"{self.model.name} · {self.model.title}", clock=self.clock, id="header")
        yield IncidentHeader(clock=self.clock, id="incident-header")
        yield ExerciseBanner(id="exercise-banner")
        if self.cockpit.estate is not None:
            yield EstateStrip(id="estate-strip")
        with Body(id="body"):
            if self.model.alarms is not None:
                yield AlarmsPane(clock=self.clock, id="alarms")
            if self.model.replication:
                yield ReplicationPane(clock=self.clock, id="replication")
            if has_services(self.model):
                yield ServicesPane(clock=self.clock, id="services")
            yield TimelinePane(id="timeline")
        yield FilterBar(id="filter-bar")
        yield KeysFooter()

    def on_mount(self) -> None:
        # The declare dialog's default, from the alarms this screen polls: asked for from any
        # mode (a playbook run's screen too), so the session holds the screen that answers.
        self.cockpit.session.severity_suggestion = self.severity_suggestion
        self.set_interval(1.0, self._tick, name="clock")
        tables = self.query(KeyedTable)
        if tables:
            tables.first().focus()
        app = self.cockpit
        if app.estate_env:
            self.estate_started(app.estate_env)
        elif app.estate_error:
            self.estate_failed(app.estate_error)
        if app.live_ready:
            self.start_polling()
        feed_of(app).subscribe(self, self._incident_changed)

    # -- the footer ------------------------------------------------------------------------

    def _incident_changed(self, update: Any) -> None:
        """A declared, switched or resolved incident changes which keys matter: redraw the footer."""
        incident = update.incident
        state = (incident.id, incident.status, incident.acknowledged_at, incident.mitigated_at) \
            if incident is not None else None
        if state != self._incident_state:
            self._incident_state = state
            self.refresh_bindings()

    def footer_actions(self) -> list[str]:
        """The actions the footer shows, most important first (it shows as many as fit).

        What matters depends on the state: with no open incident, declaring one; with one,
        noting, updating and resolving it; during a guided run, getting back to it; in a
        tabletop, the facilitator's keys. ``?`` lists every key, whatever is left out here.
        """
        app = self.cockpit
        incident = app.current_incident
        actions = ["back_to_run"] if app.has_run() else []
        if incident is not None and incident.status == "open":
            if app.incident_owed():  # an escalation reminder is showing
                actions += ["incident_escalated"]
            # The runbook (b) stays in sight at 80 columns: it is what the responder runs next.
            actions += ["incident_note", "incident_acknowledge", "incident_status_update", "playbooks",
                        "exercise_pause", "exercise_next", "exercise_adhoc", "exercise_end", "incident_resolve",
                        "incident_severity", "incident_mitigate"]
        else:
            actions += ["incident_declare"]
        rest = ["playbooks", "incident_timeline", "filter_alarms", "detail", "toggle_pause", "sort_alarms", "refresh",
                "screens", "estate"]
        return list(dict.fromkeys(actions + rest))  # each key once, at its most important place

    # -- polling ---------------------------------------------------------------------------

    def start_polling(self) -> None:
        """Build the screen's sources and poll each in its pane's worker (idempotent)."""
        if self.pollers:
            return
        from cockpit.sources.board import build_sources
        from cockpit.sources.poller import Poller

        app = self.cockpit
        live = app.live
        interval = live.interval or self.model.refresh_seconds
        by_pane: dict[str, list[Poller]] = {}
        for source in build_sources(self.model, app.connections, timeout=live.timeout,
                                    recoveries=_recoveries(app)):
            poller = Poller(source, interval, self._reporter(source.pane), max_backoff=max(live.max_backoff, interval))
            if self.paused:
                poller.pause()
            self.pollers[source.name] = poller
            by_pane.setdefault(source.pane, []).append(poller)
        self._unanswered = set(by_pane)
        # The palette's catalog is read once every pane has answered, or after a while if one
        # is slow to (a host that does not answer): it waits for nothing else.
        self.set_timer(CATALOG_AFTER, app.read_catalog_soon)
        if "alarms" in by_pane:
            self.poll_alarms(by_pane["alarms"])
        if "replication" in by_pane:
            self.poll_replication(by_pane["replication"])
        if "services" in by_pane:
            self.poll_services(by_pane["services"])

    def _reporter(self, pane: str) -> Callable[[Snapshot[Any]], None]:
        def report(snapshot: Snapshot[Any]) -> None:
            self.post_message(fetched(pane, snapshot))
        return report

    @work(exclusive=True, group="poll-alarms", exit_on_error=False, description="poll CloudWatch alarms")
    async def poll_alarms(self, pollers: list[Poller]) -> None:
        await asyncio.gather(*(p.run() for p in pollers))

    @work(exclusive=True, group="poll-replication", exit_on_error=False,
          description="poll S3 replication metrics (GetMetricData)")
    async def poll_replication(self, pollers: list[Poller]) -> None:
        await asyncio.gather(*(p.run() for p in pollers))

    @work(exclusive=True, group="poll-services", exit_on_error=False,
          description="poll Kubernetes, ECS, RDS, targets, DynamoDB and HTTP health")
    async def poll_services(self, pollers: list[Poller]) -> None:
        # Each source has its own Poller, so a slow one never delays the others.
        await asyncio.gather(*(p.run() for p in pollers))

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures land: say so in the pane, and restart its polling."""
        worker = event.worker
        if event.state != WorkerState.ERROR:
            return
        if not (worker.group or "").startswith("poll-"):
            forward_failure(self, event)  # the playbook list, drawing: the App says and logs it
            return
        log_failure(worker)
        pane_name = worker.group.removeprefix("poll-")
        error = worker.error
        self.notify(f"{pane_name} polling failed: {error!r}; restarting in 5 s", severity="error", timeout=8)
        pane = self.pane(pane_name)
        if pane is not None:
            pane.set_border_subtitle(f"polling failed: {type(error).__name__}")
        pollers = [p for p in self.pollers.values() if p.source.pane == pane_name]
        restart = {"alarms": self.poll_alarms, "replication": self.poll_replication,
                   "services": self.poll_services}[pane_name]
        self.set_timer(5.0, lambda: restart(pollers))

    @on(AlarmsFetched)
    @on(ReplicationFetched)
    @on(ServicesFetched)
    def _fetched(self, message: SourceFetched) -> None:
        """Keep the newest snapshot per source and draw it (later, if a modal covers the screen).

        A snapshot that arrives while an older one of its source still waits replaces it:
        drawing a refresh that is already out of date would only delay the keys.
        """
        self._pending[message.source] = message
        if self._unanswered:
            self._unanswered.discard(message.pane)
            if not self._unanswered:  # every pane has had its first answer: the catalog's turn
                self.cockpit.read_catalog_soon()
        if message.pane == "alarms":
            self.latest_alarms = message.snapshot.items
        elif message.source == "metrics":
            self.latest_metrics = message.snapshot.items
        if self.is_current:
            self._apply()

    def on_screen_resume(self) -> None:
        self._apply()
        self.refresh_bindings()  # a guided run may have started or ended (the footer's `o`)

    @property
    def applying(self) -> bool:
        """Whether refreshes are still being drawn (in slices, between key presses)."""
        return self._applying or self._plan is not None or bool(self._pending)

    def _apply(self) -> None:
        """Draw pending refreshes: a slice now, the rest in a worker that yields between slices.

        A small refresh is drawn entirely in the first slice, before the next message; a
        2,000-alarm one takes several, and a key press is handled between two of them.
        """
        if self._applying:
            return  # the worker picks the newest snapshots up
        if not self._draw_slice():
            self._applying = True
            self.run_worker(self._apply_rest(), group="draw-refreshes", exit_on_error=False,
                            description="draw big refreshes in slices")

    async def _apply_rest(self) -> None:
        try:
            while self.is_attached:
                await asyncio.sleep(YIELD_SECONDS)
                if self.is_current and self._draw_slice():
                    break
        finally:
            self._applying = False

    def _draw_slice(self) -> bool:
        """Run drawing steps for up to :data:`SLICE_SECONDS`; return whether nothing is left."""
        deadline = time.perf_counter() + SLICE_SECONDS
        with self.app.batch_update():
            while True:
                if self._plan is None:
                    if not self._pending:
                        return True
                    source = next(iter(self._pending))
                    message = self._pending.pop(source)
                    pane = self.pane(message.pane)
                    if pane is None:
                        continue
                    self._plan = pane.plan(message.snapshot)
                    self._plan_pane = message.pane
                elif any(m.pane == self._plan_pane for m in self._pending.values()):
                    # Superseded: a newer snapshot for the same pane waits, and every pane redraws
                    # all its rows from what it knows (its first step has recorded this snapshot).
                    self._plan = None
                    continue
                try:
                    next(self._plan)
                except StopIteration:
                    self._plan = None
                if time.perf_counter() >= deadline:
                    return not self._pending and self._plan is None

    def pane(self, name: str) -> Pane | None:
        found = self.query(f"#{name}")
        return found.first() if found else None  # type: ignore[return-value]

    def on_key(self) -> None:
        """Keys bubble here once handled: the collector waits for a quiet moment."""
        COLLECTOR.key_pressed()

    def _tick(self) -> None:
        COLLECTOR.tick()
        self.query_one(CockpitHeader).tick()
        for pane in self.query(Pane):
            pane.tick()
        alarms = self.pane("alarms")
        if isinstance(alarms, AlarmsPane):
            alarms.expire_highlights()

    # -- the demo estate -------------------------------------------------------------------

    def estate_started(self, env: dict[str, str]) -> None:
        for strip in self.query(EstateStrip):
            strip.show_estate(env)

    def estate_failed(self, error: str) -> None:
        for strip in self.query(EstateStrip):
            strip.failed(error)

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "estate":
            return self.cockpit.estate is not None
        if action == "filter_alarms" and isinstance(self.focused, FilterBar):
            return False  # a "/" typed into the filter is text
        if action in ("sort_alarms", "filter_alarms"):
            return self.model.alarms is not None
        if action == "playbooks":  # shown greyed out when the screen offers none
            return bool(self.model.playbooks or self.model.responses.plans or self.model.responses.alerts) or None
        return True

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        for poller in self.pollers.values():
            poller.pause() if self.paused else poller.resume()
        self.query_one(CockpitHeader).show_paused(self.paused)
        self.notify("Polling paused: the panes show the last data, aging." if self.paused
                    else "Polling resumed.", timeout=3)

    def action_refresh(self) -> None:
        if self.paused:
            self.action_toggle_pause()
        for poller in self.pollers.values():
            poller.refresh_now()

    def action_sort_alarms(self) -> None:
        pane = self.pane("alarms")
        if isinstance(pane, AlarmsPane):
            pane.cycle_sort()

    def action_filter_alarms(self) -> None:
        pane = self.pane("alarms")
        if isinstance(pane, AlarmsPane):
            self.query_one(FilterBar).open(pane)

    @on(KeyedTable.RowSelected)
    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        from cockpit.ui.screens.detail import (DetailScreen, alarm_plot, alarm_text, replication_plot,
                                               replication_text, service_text)

        focused = self.focused
        pane = next((a for a in (focused.ancestors if focused else []) if isinstance(a, Pane)), None)
        pane = pane or self.pane("alarms") or self.pane("replication") or self.pane("services")
        if isinstance(pane, AlarmsPane) and (alarm := pane.selected()):
            from cockpit.ui.widgets.alarms import alarm_key

            from cockpit.sources.response import offers_for_alarm
            from cockpit.ui.screens.detail import playbooks_text

            key = alarm_key(alarm)
            now = self.clock()
            plans = offers_for_alarm(self.model.responses, alarm, self.latest_alarms or tuple(pane.items.values()), now,
                                     self.latest_metrics)
            self.app.push_screen(DetailScreen(f"alarm {alarm.name}",
                                              alarm_text(alarm, pane.history.get(key, []), now) + playbooks_text(plans),
                                              alarm_plot(alarm, self._metric_loader(alarm)), clock=self.clock))
        elif isinstance(pane, ReplicationPane) and (pair := pane.selected()):
            self.app.push_screen(DetailScreen(f"replication {pair.id}", replication_text(pair),
                                              replication_plot(pair), clock=self.clock))
        elif isinstance(pane, ServicesPane) and (picked := pane.selected()):
            source, item = picked
            self.app.push_screen(DetailScreen(f"{item.kind} {item.name}", service_text(source, item)))
        else:
            self.notify("Nothing selected: move to a row first.", timeout=3)

    def _metric_loader(self, alarm: Any) -> Any:
        """The fetch of an alarm's metric for its detail plot; None when the app does not poll
        (no connections: nothing to fetch from)."""
        if not self.cockpit.poll:
            return None
        from cockpit.sources.metric_history import alarm_datapoints

        connections = self.cockpit.connections
        return lambda: alarm_datapoints(connections, alarm)

    def action_screens(self) -> None:
        self.list_screens()

    @work(exclusive=True, group="screen-list", exit_on_error=False, description="read the screens")
    async def list_screens(self) -> None:
        """Read the screen files off the event loop (a hostile file must never freeze `q`)."""
        from cockpit.content.errors import ContentError
        from cockpit.content.screen import available_screens, load_screens
        from cockpit.ui.screens.choose import ChooseScreen, screen_options

        app = self.cockpit
        dirs = app.config.screens_dirs
        try:
            titles = {name: s.title for name, s in (await asyncio.to_thread(load_screens, dirs, app.config.playbooks_dirs)).items()}
        except ContentError as exc:
            titles = {}
            self.notify(_first_problem(exc), title="Some screen files are broken", severity="warning", timeout=8)
        names = sorted(set(await asyncio.to_thread(available_screens, dirs)) | set(titles))

        def chosen(name: str | None) -> None:
            if name and name != self.model.name:
                app.open_screen(name)

        self.app.push_screen(ChooseScreen("Screens", screen_options(names, titles), current=self.model.name,
                                          id="screen-picker"), chosen)

    def action_playbooks(self) -> None:
        self.list_playbooks()

    @work(exclusive=True, group="playbook-list", exit_on_error=False, description="read the playbooks")
    async def list_playbooks(self) -> None:
        """Read and validate the playbooks off the event loop (0.3-0.7 s), then offer the screen's."""
        from cockpit.content.playbooks import load_catalog
        from cockpit.ui.screens.choose import ChooseScreen

        app = self.cockpit
        catalog = await asyncio.to_thread(load_catalog, app.config.playbooks_dirs)
        if catalog.problems:
            more = f" (and {len(catalog.problems) - 1} more: cockpit playbook validate)" if len(catalog.problems) > 1 else ""
            self.notify(f"{catalog.problems[0]}{more}", title="Some playbook files do not load", severity="warning",
                        timeout=8)
        from cockpit.sources.response import offers
        from cockpit.ui.screens.choose import playbook_options

        suggested = offers(self.model.responses, self.latest_alarms, self.clock(), self.latest_metrics)
        options = playbook_options(suggested, self.model.playbooks, catalog.playbooks)
        note = (f"▶ {len(suggested)} suggested for what is firing, best first; Enter starts one."
                if suggested else "Nothing firing calls for a playbook here; Enter starts one.")

        def chosen(playbook_id: str | None) -> None:
            if playbook_id:
                self.post_message(PlaybookRequested(playbook_id))

        self.app.push_screen(ChooseScreen(f"Playbooks for {self.model.name}", options,
                                          note=note, id="playbook-picker"), chosen)

    def on_unmount(self) -> None:
        session = self.cockpit.session
        if session.severity_suggestion == self.severity_suggestion:  # another screen file replaces this one
            session.severity_suggestion = None

    def severity_suggestion(self) -> Any:
        """What the screen's matrix says to declare at, for what is firing now (None: nothing)."""
        from cockpit.sources.response import suggest_level

        return suggest_level(self.model.responses, self.latest_alarms, self.clock(), self.latest_metrics)

    def action_estate(self) -> None:
        from cockpit.ui.screens.estate import EstateScreen

        app = self.cockpit
        app.push_screen(EstateScreen(app.estate_env, app.estate_error))


def _first_problem(exc: Any) -> str:
    """One problem of a ContentError, and how many more there are: a toast is not a report."""
    problems = exc.problems
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


def _recoveries(app: CockpitApp) -> Any:
    """The timeline's resolved incidents for an ``mttr`` row: the app's timeline file, read-only."""
    db = app.config.db
    if db is None:
        return None
    from functools import partial

    from cockpit.timeline.recovery import resolved_since

    return partial(resolved_since, db)
