"""What every live pane shares: a title, its data's age, a stale marker, the provider's error.

A pane keeps the latest snapshot of each of its sources. The border subtitle says how old
the data is (ticking once a second); when a refresh failed the pane gets the ``-stale``
class and a line inside it names the error, while the table keeps the last good rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.widgets import Static

from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.ui.format import age
from cockpit.ui.widgets.keyed_table import KeyedTable


class Pane(Vertical, can_focus=False):
    """Base of the alarms, replication and services panes."""

    DEFAULT_CLASSES = "pane"
    #: Shown in the border until the first snapshot arrives.
    WAITING = "waiting for the first refresh…"
    TITLE = "Pane"

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(id=id)
        #: Gives "now" (tests and snapshot images freeze it).
        self.clock = clock
        #: The latest snapshot of each source shown here, by source name.
        self.snapshots: dict[str, Snapshot[Any]] = {}
        #: The border texts last set through :meth:`set_border_text`, by attribute name.
        self._border_texts: dict[str, str] = {}

    #: Set while a border title changes (see :meth:`refresh`).
    _border_only = False

    def set_border_title(self, value: str) -> None:
        """Set ``border_title``, repainting the border line only, and only on a change (see
        :meth:`set_border_text`)."""
        self.set_border_text("border_title", value)

    def set_border_subtitle(self, value: str) -> None:
        """Set ``border_subtitle``, repainting the border line only, and only on a change."""
        self.set_border_text("border_subtitle", value)

    def set_border_text(self, name: str, value: str) -> None:
        """Set Textual's ``border_title`` or ``border_subtitle`` (``name``) to ``value``, repainting
        the border line only, and only on a change.

        Textual repaints the whole pane for a new title (its table's every line goes through
        the compositor again): the age ticks every second in three panes, and the alarms
        title is set after every drawing step. Most of those set the same text again, so the
        last text set is kept here and compared; a change sets the attribute while
        :meth:`refresh` narrows the repaint to the top and bottom lines.
        """
        if self._border_texts.get(name, _UNSET) == value:
            return
        self._border_texts[name] = value
        self._border_only = True
        try:
            setattr(self, name, value)
        finally:
            self._border_only = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Any:
        if self._border_only and not (regions or layout or recompose) and self.is_mounted:
            # The top line holds the title, the bottom one the subtitle (regions are relative to the content).
            x, y = self.content_offset
            width, height = self.outer_size
            regions = (Region(-x, -y, width, 1), Region(-x, height - 1 - y, width, 1))
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def compose_error(self) -> ComposeResult:
        yield Static("", classes="pane-error")

    def on_mount(self) -> None:
        self.set_border_title(self.TITLE)
        self.set_border_subtitle(self.WAITING)

    def show(self, snapshot: Snapshot[Any]) -> None:
        """Redraw from ``snapshot`` at once."""
        for _ in self.plan(snapshot):
            pass

    def plan(self, snapshot: Snapshot[Any]) -> Iterator[None]:
        """Redraw from ``snapshot`` in steps, yielding between them (each step is short).

        The screen runs the steps in time slices so a key press never waits for a whole
        2,000-row refresh; :meth:`show` runs them all at once.
        """
        raise NotImplementedError

    @property
    def table(self) -> KeyedTable:
        return self.query_one(KeyedTable)

    def remember(self, snapshot: Snapshot[Any]) -> None:
        """Keep ``snapshot`` and redraw the error line and age."""
        self.snapshots[snapshot.source] = snapshot
        self.show_errors()
        self.tick()

    def show_errors(self) -> None:
        failing = [s for s in self.snapshots.values() if s.error is not None]
        self.set_class(bool(failing), "-stale")
        line = self.query_one(".pane-error", Static)
        line.display = bool(failing)
        if failing:
            text = Text()
            for snap in failing:
                if text:
                    text.append("\n")
                prefix = f"{snap.source}: " if len(self.snapshots) > 1 or self.always_name_source else ""
                text.append(f"⚠ {prefix}{snap.error}", style="bold")
                text.append(f" (failed {snap.failures}×, retrying)" if snap.failures > 1 else " (retrying)")
            line.update(text)

    #: Prefix errors with the source name even when the pane has one source.
    always_name_source = False

    def tick(self) -> None:
        """Refresh the age in the border; called by the screen once a second."""
        if not self.snapshots:
            return
        now = self.clock()
        ages = [s.age(now) for s in self.snapshots.values()]
        known = [a for a in ages if a is not None]
        oldest = max(known) if known else None
        stale = any(s.stale for s in self.snapshots.values())
        if oldest is None:
            text = "no data yet"
        else:
            text = f"{age(oldest)} old"
        if stale:
            text = f"STALE · {text}"
        self.set_border_subtitle(text)


Row = tuple[Any, ...]

#: No border text set yet (a value no title equals).
_UNSET = object()

#: Most rows a pane's table holds: the top of the order in force, the rest counted in the title.
#: A responder reads a screenful, then narrows with the filter or the sort.
MAX_ROWS = 200


def top(ranked: list[str], limit: int = MAX_ROWS) -> list[str]:
    """The keys a table shows: the first ``limit`` of ``ranked``."""
    return ranked[:limit]


def shown_count(shown: int, total: int, hint: str = "") -> str:
    """The title's note when a table holds only the top of its rows ("" when it holds all)."""
    return f" · top {shown:,} of {total:,}{hint}" if shown < total else ""
