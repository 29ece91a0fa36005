"""``LeanTable``: a ``DataTable`` whose render caches hold a few screenfuls, not thousands of lines.

Textual's ``DataTable`` keys every cached cell, row and line render by the table's update
count, so after any change (each refresh changes cells) nothing cached before is read again.
Its caches still keep up to 10,000 cell and 1,000 line renders per table, each a nest of
lists, segments and per-strip caches: ~250,000 live objects in a cockpit at scale that are
never read, and that every full garbage collection walks (100-300 ms measured on the 2-core
box — a key pressed then waits for it). Sizing the caches to a few screens keeps what a
repaint and the cursor reuse, and drops the rest (bench/bench_ui.py counts the objects).
"""

from __future__ import annotations

from typing import Any

from textual.cache import LRUCache
from textual.widgets import DataTable

#: Cell renders kept: a 300x100 terminal shows ~1,000 cells; more only serves stale renders.
CELLS = 3000
#: Row and line renders kept (a cursor move re-renders the visible lines under new keys).
LINES = 400


class LeanTable(DataTable):
    """A ``DataTable`` with render caches sized to the screen (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Private attributes of Textual's DataTable (8.x): replaced only if present, with the
        # same cache type, so a newer Textual that renames them keeps its own defaults.
        for name, size in (("_cell_render_cache", CELLS), ("_row_render_cache", LINES), ("_line_cache", LINES),
                           ("_row_renderable_cache", LINES)):
            if isinstance(getattr(self, name, None), LRUCache):
                setattr(self, name, LRUCache(size))
