"""The service-health pane: Kubernetes, ECS, RDS, target groups, DynamoDB and HTTP endpoints.

Several sources feed one table; each refresh replaces only its own source's rows, so a
throttled RDS API leaves the Kubernetes rows fresh (and the error line names ``rds``).
Worst first, then by source and name. Endpoints show their status code and latency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import Level, Snapshot, utcnow
from cockpit.textsafe import sanitize
from cockpit.ui.format import mark, one_line
from cockpit.ui.widgets.keyed_table import KeyedTable
from cockpit.ui.widgets.pane import MAX_ROWS, Pane, Row, shown_count, top

COLUMNS = ["lvl", "kind", "name", "status", "ready", "note"]
_KIND = {"deployment": "deploy", "ecs-service": "ecs", "target-group": "targets", "endpoint": "http"}
#: Kinds shown by name alone: the scope (a region, "UTC", a window) would only eat the 80-column name.
_BARE = ("endpoint", "rds", "metric", "window", "mttr")


def service_key(source: str, item: ServiceItem) -> str:
    return f"{source}|{item.kind}|{item.scope}|{item.name}"


def note(item: ServiceItem) -> str:
    """The problem, or for endpoints the latency and for metrics the runbook's line; rollouts and
    restarts when there is nothing worse."""
    if item.kind == "endpoint" and "latency_ms" in item.detail:
        latency = f"{item.detail['latency_ms']:.0f} ms"
        return f"{latency} · {item.problem}" if item.problem else latency
    if item.kind == "metric" and not item.problem and item.detail.get("line"):
        return one_line(f"line {item.detail['line']}", 80)  # the runbook's threshold, while within it
    return one_line(item.problem, 80)


class ServicesPane(Pane):
    """Service health from every service source of the screen."""

    TITLE = "Services"
    always_name_source = True

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(clock=clock, id=id)
        #: Items by row key, from the latest snapshot of each source.
        self.items: dict[str, ServiceItem] = {}
        self._by_source: dict[str, dict[str, ServiceItem]] = {}
        #: Most rows the table holds (the worst first; the title counts the rest).
        self.max_rows = MAX_ROWS
        #: Bumped by every redraw, so an older one still in progress stops.
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield from self.compose_error()
        yield KeyedTable(COLUMNS, id="services-table")

    def plan(self, snapshot: Snapshot[ServiceItem]) -> Iterator[None]:
        """Replace ``snapshot.source``'s rows, worst first."""
        self._by_source[snapshot.source] = {service_key(snapshot.source, i): i for i in snapshot.items}
        self.items = {k: i for items in self._by_source.values() for k, i in items.items()}
        self.remember(snapshot)
        self._generation += 1
        mine = self._generation
        ranked = sorted(self.items, key=lambda key: (-self.items[key].level, key))
        bad = sum(1 for i in self.items.values() if i.level != Level.OK)
        summary = f"Services · {len(self.items)}" + (f" · {bad} unhealthy" if bad else " · all ok")
        yield
        if mine != self._generation:
            return  # a newer snapshot of another source is being drawn: it holds these items too
        rows = {key: self._row(key, self.items[key]) for key in top(ranked, self.max_rows)}
        self.table.set_rows(rows)
        self.set_border_title(summary + shown_count(len(rows), len(ranked)))

    @staticmethod
    def _row(key: str, item: ServiceItem) -> Row:
        name = sanitize(f"{item.scope}/{item.name}" if item.scope and item.kind not in _BARE else item.name,
                        newlines=False)
        ready = f"{item.ready}/{item.desired}" if item.desired is not None else ""
        status = Text.styled(sanitize(item.status, newlines=False), "bold" if item.level != Level.OK else "")
        # Names and problems come from the estate (URLs, error messages): Text shows them as they
        # are, never read as markup or :emoji:.
        return (mark(item.level), _KIND.get(item.kind, item.kind), Text(name, end=""), status, ready,
                Text(note(item), end=""))

    def selected(self) -> tuple[str, ServiceItem] | None:
        key = self.table.cursor_key
        if key is None or key not in self.items:
            return None
        return key.split("|", 1)[0], self.items[key]
