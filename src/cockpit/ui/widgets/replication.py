"""The replication pane: per pair, lag against the RPO budget (text and bar), backlog, trend.

One row per replication pair, in screen order. The bar fills as the lag eats the pair's
RPO and ends in ``!`` once it is past it; the trend is the pair's ReplicationLatency over
the source's history window, as block characters (the detail view plots it against the
RPO on a time axis). A reading whose latest datapoint is a minute old or more says how old
(``25m/15m · 12m ago``), and is marked ``UNKN`` once it is stale: after a failover the
primary's S3 may publish nothing, and an old lag must not pass for the current one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from cockpit.sources.replication import ReplicationItem
from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.ui.format import age, count, lag, mark, rpo_bar, size, sparkline
from cockpit.ui.widgets.keyed_table import KeyedTable
from cockpit.ui.widgets.pane import Pane, Row

COLUMNS = ["lvl", "pair", "lag/RPO", "budget", "pending", "failed", "bytes", "trend"]
#: A lag datapoint this old is shown with its age. S3 publishes every minute and a
#: datapoint's timestamp is the start of its minute, so up to a minute is the newest there
#: is; past two, a minute is missing. Stale ones (past the screen's
#: ``replication_stale_seconds``) are always shown with their age.
OLD_AFTER_S = 120.0


class ReplicationPane(Pane):
    """Every replication pair of the screen, updated in place."""

    TITLE = "Replication"

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(clock=clock, id=id)
        #: Pairs by id, from the latest snapshot, in screen order.
        self.items: dict[str, ReplicationItem] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_error()
        yield KeyedTable(COLUMNS, id="replication-table")

    def plan(self, snapshot: Snapshot[ReplicationItem]) -> Iterator[None]:
        """Redraw every pair from ``snapshot``, in screen order."""
        self.items = {item.id: item for item in snapshot.items}
        self.remember(snapshot)
        past = sum(1 for i in self.items.values() if i.rpo_used is not None and i.rpo_used >= 1 and not i.stale)
        self.set_border_title(f"Replication · {len(self.items)} pairs" + (f" · {past} past RPO" if past else ""))
        now = self.clock()
        rows = {key: self._row(key, item, now) for key, item in self.items.items()}
        self.table.set_rows(rows)
        yield

    @staticmethod
    def _row(key: str, item: ReplicationItem, now: datetime) -> Row:
        rpo = lag(item.rpo_seconds)
        lag_text = Text.styled(f"{lag(item.latency_seconds)}/{rpo}",
                               "bold" if item.rpo_used is not None and item.rpo_used >= 1 and not item.stale else "")
        when = item.latency_age(now)
        if item.stale or (when is not None and when >= OLD_AFTER_S):
            lag_text.append(f" · {age(when)} ago", "bold magenta" if item.stale else "dim")
        return (mark(item.level), item.id, lag_text, rpo_bar(item.rpo_used),
                count(item.pending_operations), count(item.failed_operations), size(item.pending_bytes),
                sparkline(item.history))

    def selected(self) -> ReplicationItem | None:
        key = self.table.cursor_key
        return self.items.get(key) if key else None
