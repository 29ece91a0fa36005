"""Plain-text table cells drawn and measured the way Rich does, without Rich's pipeline.

``DataTable`` draws each cell as ``Styled(Padding(text))`` through ``Console.render_lines``
and measures each new cell through ``Measurement`` after parsing strings as markup: tens of
microseconds a cell, thousands of cells a refresh at scale. For the cells the live panes
hold (one line of text that fits its column) the result is simple enough to make directly;
anything else is left to Rich (these functions return None). tests/ui/test_table.py checks
that a ``LeanTable`` paints exactly what Textual's ``DataTable`` paints.
"""

from __future__ import annotations

import operator
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

#: Rich's Text.__rich_console__ joins the wrapped lines with this (a text's style becomes a span).
_JOIN = Text("\n")


def one_line(cell: Any, width: int, pad: int, pre_style: Style, post_style: Style,
             console: Console) -> list[Segment] | None:
    """The segments Rich makes of a one-line text that fits its cell (None for anything else).

    ``Styled(Padding(text, (0, pad)), pre_style, post_style)`` rendered ``width`` wide comes
    to: the left padding, the text's segments (its own style becomes a span, as ``Text.wrap``
    and ``join`` make it), blanks up to the width, the right padding, all unstyled; then the
    cell's styles around each segment. Wrapping, tabs, justified or too long text: None.
    """
    if not isinstance(cell, Text) or cell.justify not in (None, "default"):
        return None
    plain = cell.plain
    room = width - 2 * pad
    used = cell.cell_len
    if used > room or "\n" in plain or "\t" in plain:
        return None
    blank = Style.null()
    raw: list[Segment] = [Segment(" " * pad, blank)] if pad else []
    raw.extend(_JOIN.join([cell]).render(console))
    if used < room:
        raw.append(Segment(" " * (room - used), blank))
    if pad:
        raw.append(Segment(" " * pad, blank))
    return list(Segment.apply_style(raw, pre_style, post_style))


def plain_width(value: Any) -> int | None:
    """Cells a value takes in a table when it is plain text (None when Rich must measure it).

    A ``Text`` is as wide as its longest line; so is a string with nothing Rich would read in
    it (no ``[`` markup, no ``:emoji:``, one line).
    """
    if value is None:
        return 0
    if isinstance(value, Text):
        plain = value.plain
    elif type(value) is str and not any(mark in value for mark in "[:\n"):
        plain = value
    else:
        return None
    return max(map(cell_len, plain.splitlines()), default=0)


def same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """Whether two tuples hold the very same objects (not merely equal ones)."""
    return len(old) == len(new) and all(map(operator.is_, old, new))
