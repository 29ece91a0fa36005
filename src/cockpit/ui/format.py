"""Text for the panes: ages, level marks, RPO bars, sparklines, byte counts.

Styles are spans (``Text.styled``), not base styles, so two cells compare equal only when
they look the same: the panes diff cells to update tables in place.

Pure functions of data (no widgets), so the panes stay thin and these are easy to test.
Every level is spelled out in words (``CRIT``/``UNKN``/``WARN``/``ok``) as well as coloured: with
``NO_COLOR`` the words are all that is left, and they are enough.
"""

from __future__ import annotations

from rich.text import Text

from cockpit.sources.snapshot import Level
from cockpit.textsafe import sanitize

#: Word shown for each level, and the theme-free style that colours it.
MARKS: dict[Level, tuple[str, str]] = {
    Level.CRITICAL: ("CRIT", "bold red"),
    Level.UNKNOWN: ("UNKN", "bold magenta"),
    Level.WARNING: ("WARN", "yellow"),
    Level.OK: ("ok", "green"),
}
_SPARKS = "▁▂▃▄▅▆▇█"


def mark(level: Level) -> Text:
    word, style = MARKS[level]
    return Text.styled(word, style)


def age(seconds: float | None) -> str:
    """``12s``, ``4m``, ``2h05m``, ``3d``: short enough for a table cell; ``—`` when unknown."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d"


def lag(seconds: float | None) -> str:
    """Replication lag, in the units an RPO is written in (``25m``, ``40s``)."""
    if seconds is None:
        return "no data"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def rpo_bar(used: float | None, width: int = 8) -> Text:
    """How much of the RPO budget the lag uses: a bar that is full at the RPO, then ``!``."""
    if used is None:
        return Text.styled("·" * width, "dim")
    style = "bold red" if used >= 1 else "yellow" if used >= 0.5 else "green"
    if used >= 1:
        return Text.styled("█" * (width - 1) + "!", style)
    filled = min(width, round(used * width))
    text = Text()
    text.append("█" * filled, style=style)
    text.append("░" * (width - filled), style="dim")
    return text


def sparkline(values: tuple[float, ...] | list[float], width: int = 10) -> str:
    """The last ``width`` values as block characters scaled to their own range."""
    values = list(values)[-width:]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    if span <= 0:
        return _SPARKS[0 if high == 0 else 3] * len(values)
    return "".join(_SPARKS[min(7, int((v - low) / span * 7.999))] for v in values)


def count(value: float | None) -> str:
    """Operations: ``—`` for no data, ``2.6k`` beyond a thousand."""
    if value is None:
        return "—"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def size(value: float | None) -> str:
    """Bytes: ``3.2G``, ``840M``, ``12K``."""
    if value is None:
        return "—"
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= scale:
            return f"{value / scale:.1f}{unit}"
    return f"{value:.0f}B"


def one_line(text: str, limit: int = 120) -> str:
    """Collapse whitespace and cut to ``limit`` characters (cells must stay one line).

    The text is an API's or a program's (an alarm's reason, an endpoint's error): anything
    a terminal would act on is removed first (:func:`cockpit.textsafe.sanitize`).
    """
    line = " ".join(sanitize(text, newlines=False).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
