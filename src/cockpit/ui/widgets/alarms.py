"""The alarms pane: CloudWatch alarms in ALARM / INSUFFICIENT_DATA (and recently OK).

Worst first by default; ``s`` cycles the sort (severity, age, name, region) and ``/``
filters on any text in the row. An alarm that starts firing while the cockpit watches is
highlighted (``NEW``) for :attr:`AlarmsPane.new_for` seconds, and every transition seen is
kept for the detail view. Which alarms changed is decided by ``sources/alarm_changes.py``,
the detector the incident's alarm log shares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from cockpit.sources.alarm_changes import changes
from cockpit.sources.alarms import AlarmItem, worst_first
from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.textsafe import sanitize
from cockpit.ui.format import age, mark, one_line
from cockpit.ui.widgets.keyed_table import KeyedTable
from cockpit.ui.widgets.pane import MAX_ROWS, Pane, Row, shown_count, top

COLUMNS = ["sev", "state", "age", "name", "region", "reason"]
SORTS = ("severity", "age", "name", "region")
_STATE_WORD = {"ALARM": "ALARM", "INSUFFICIENT_DATA": "NO DATA", "OK": "OK"}


def alarm_key(item: AlarmItem) -> str:
    return f"{item.region}/{item.name}"


def _state(item: AlarmItem | None) -> str | None:
    return item.state if item is not None else None


class AlarmsPane(Pane):
    """Alarms of the screen's regions, one row each, updated in place."""

    TITLE = "Alarms"
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(clock=clock, id=id)
        #: Seconds an alarm stays highlighted after it started firing.
        self.new_for = 120.0
        #: The sort in force (one of SORTS).
        self.sort = "severity"
        #: The filter text ("" shows everything).
        self.filter = ""
        #: Alarms by row key, from the latest snapshot.
        self.items: dict[str, AlarmItem] = {}
        #: When each alarm was first seen firing by this cockpit (only after the first refresh).
        self.fired_at: dict[str, datetime] = {}
        #: Every state change this cockpit saw: key -> [(when, state, reason)].
        self.history: dict[str, list[tuple[datetime, str, str]]] = {}
        #: Most rows the table holds (the top of the sort in force; the title counts the rest).
        self.max_rows = MAX_ROWS
        #: Alarms the filter lets through (the table holds the first ``max_rows`` of them).
        self._matched = 0
        #: Bumped by every redraw, so an older one still in progress stops.
        self._generation = 0
        self._seen_once = False
        self._highlighted: set[str] = set()
        self._cells: dict[str, tuple[tuple[AlarmItem, bool, str], Row]] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_error()
        yield KeyedTable(COLUMNS, id="alarms-table")

    def plan(self, snapshot: Snapshot[AlarmItem]) -> Iterator[None]:
        """Redraw from ``snapshot`` in steps (the pane is a function of it, plus what was seen)."""
        now = self.clock()
        before = self.items
        self.items = items = {alarm_key(i): i for i in snapshot.items}
        for key in self._cells.keys() - items.keys():
            del self._cells[key]
        if snapshot.fetched_at is not None:
            for change in changes(items.items(), lambda key: _state(before.get(key))):
                item = change.alarm
                self.history.setdefault(change.key, []).append((item.updated_at or now, item.state, item.reason))
                if self._seen_once and change.fired:
                    self.fired_at[change.key] = now
            if snapshot.ok:
                self._seen_once = True
        self.remember(snapshot)
        yield
        yield from self._redraw_steps()

    def redraw(self) -> None:
        """Redraw from the alarms known, at once (a key changed the sort or the filter)."""
        for _ in self._redraw_steps():
            pass

    def _redraw_steps(self) -> Iterator[None]:
        """Rank every alarm (one step), then show the top rows (the next).

        A later redraw (a key, or a newer snapshot) supersedes this one: it stops at its
        next step rather than overwrite newer rows with its older ranking.
        """
        self._generation += 1
        mine = self._generation
        now = self.clock()
        ranked = self._ranked()
        yield
        if mine != self._generation:
            return
        rows = {key: self._row(key, self.items[key], now) for key in top(ranked, self.max_rows)}
        self._highlighted = {key for key in rows if self.is_new(key, now)}
        self._matched = len(ranked)
        self.table.set_rows(rows)
        self._title()

    def _ranked(self) -> list[str]:
        """Keys of the alarms the filter lets through, in the order of the sort in force."""
        items = self.items
        keys = [key for key, item in items.items() if self._matches(item)]
        order = self._order_key()
        keys.sort(key=lambda key: order(items[key]))
        return keys

    def _matches(self, item: AlarmItem) -> bool:
        if not self.filter:
            return True
        needle = self.filter.lower()
        return any(needle in text.lower() for text in (item.name, item.region, item.state, item.reason,
                                                       item.severity, _STATE_WORD.get(item.state, "")))

    def expire_highlights(self) -> None:
        """Redraw when a NEW highlight has run its time (called once a second)."""
        now = self.clock()
        if any(not self.is_new(key, now) for key in self._highlighted):
            self.redraw()

    def is_new(self, key: str, now: datetime | None = None) -> bool:
        fired = self.fired_at.get(key)
        item = self.items.get(key)
        return fired is not None and item is not None and item.state == "ALARM" \
            and ((now or self.clock()) - fired).total_seconds() < self.new_for

    def _row(self, key: str, item: AlarmItem, now: datetime) -> Row:
        """The cells of one alarm; reused when nothing it shows changed (2,000 rows a refresh add up)."""
        new = self.is_new(key, now)
        shown_age = age(item.age(now))
        cached = self._cells.get(key)
        if cached is not None and cached[0] == (item, new, shown_age):
            return cached[1]
        row = self._build_row(key, item, new, shown_age)
        self._cells[key] = ((item, new, shown_age), row)
        return row

    def _build_row(self, key: str, item: AlarmItem, new: bool, shown_age: str) -> Row:
        state = Text.styled(_STATE_WORD.get(item.state, item.state) + (" NEW" if new else ""),
                            "bold reverse" if new else ("bold" if item.state == "ALARM" else ""))
        name = Text.styled(sanitize(item.name, newlines=False), "bold" if new else "")
        # The reason is AWS's text, shown as it is: a Text is never read as markup or :emoji:
        return (mark(item.level), state, shown_age, name, item.region,
                Text(one_line(item.reason, 90), end=""))

    def _order_key(self) -> Callable[[AlarmItem], Any]:
        """Where an alarm goes under the sort in force (by default the one order of alarms,
        :func:`~cockpit.sources.alarms.worst_first`, the order ``cockpit status`` prints)."""
        def updated(item: AlarmItem) -> float:
            return -(item.updated_at.timestamp() if item.updated_at else 0)

        return {
            "severity": worst_first,
            "age": lambda item: (updated(item), item.name),
            "name": lambda item: (item.name, item.region),
            "region": lambda item: (item.region, -item.level, item.name),
        }[self.sort]

    def _title(self) -> None:
        firing = sum(1 for i in self.items.values() if i.state == "ALARM")
        nodata = sum(1 for i in self.items.values() if i.state == "INSUFFICIENT_DATA")
        parts = [f"Alarms · {firing} firing"]
        if nodata:
            parts.append(f"{nodata} no data")
        if self.sort != "severity":
            parts.append(f"by {self.sort}")
        if self.filter:
            parts.append(f"filter “{self.filter}” {self._matched}/{len(self.items)}")
        self.set_border_title(" · ".join(parts) + shown_count(self.table.row_count, self._matched, " (/ filters, s sorts)"))

    # -- keys (bound on the screen, which calls these) ------------------------------------

    def cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.redraw()

    def set_filter(self, text: str) -> None:
        """Show only the alarms whose row contains ``text`` (the filter bar calls this per keystroke)."""
        self.filter = text
        self.redraw()

    def focus_rows(self) -> None:
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return bool(self.filter)  # Esc means something here only while a filter is kept
        return True

    def action_clear_filter(self) -> None:
        self.set_filter("")

    def selected(self) -> AlarmItem | None:
        key = self.table.cursor_key
        return self.items.get(key) if key else None
