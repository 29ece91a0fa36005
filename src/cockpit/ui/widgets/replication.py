"""The replication pane: per pair, lag against the RPO budget (text and bar), backlog, trend.

One row per replication pair, in screen order. The bar fills as the lag eats the pair's
RPO and ends in ``!`` once it is past it; the trend is the pair's ReplicationLatency over
the source's history window, as block characters (the detail view draws it as a
``Sparkline``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from cockpit.sources.replication import ReplicationItem
from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.ui.format import count, lag, mark, rpo_bar, size, sparkline
from cockpit.ui.widgets.pane import KeyCell, Pane, Row, anchor_key, cursor_key, restore_cursor, sort_table, sync_rows

COLUMNS = ["lvl", "pair", "lag/RPO", "budget", "pending", "failed", "bytes", "trend"]


class ReplicationPane(Pane):
    """Every replication pair of the screen, updated in place."""

    TITLE = "Replication"

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(clock=clock, id=id)
        #: Pairs by id, from the latest snapshot, in screen order.
        self.items: dict[str, ReplicationItem] = {}
        self._shown: dict[str, Row] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_error()
        table: DataTable = DataTable(id="replication-table", cursor_type="row")
        for column in COLUMNS:
            table.add_column(column, key=column)
        yield table

    def show(self, snapshot: Snapshot[ReplicationItem]) -> None:
        self.items = {item.id: item for item in snapshot.items}
        self.remember(snapshot)
        table = self.table
        keep = anchor_key(table)
        rows = {key: self._row(key, item) for key, item in self.items.items()}
        if sync_rows(table, rows, COLUMNS, self._shown):
            sort_table(table, {key: index for index, key in enumerate(self.items)})
        restore_cursor(table, keep)
        past = sum(1 for i in self.items.values() if i.rpo_used is not None and i.rpo_used >= 1)
        self.border_title = f"Replication · {len(self.items)} pairs" + (f" · {past} past RPO" if past else "")

    @staticmethod
    def _row(key: str, item: ReplicationItem) -> Row:
        rpo = lag(item.rpo_seconds)
        lag_text = Text.styled(f"{lag(item.latency_seconds)}/{rpo}",
                               "bold" if item.rpo_used is not None and item.rpo_used >= 1 else "")
        return (KeyCell(mark(item.level), key), item.id, lag_text, rpo_bar(item.rpo_used),
                count(item.pending_operations), count(item.failed_operations), size(item.pending_bytes),
                sparkline(item.history))

    def selected(self) -> ReplicationItem | None:
        key = cursor_key(self.table)
        return self.items.get(key) if key else None
