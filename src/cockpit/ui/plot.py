"""A time series against its threshold, drawn by plotext for the detail view.

plotext draws line plots for terminals (braille dots, axes, ticks), so none of it is drawn
by hand here. It is imported only when a detail opens (never on the first
frame: ``tests/ui/test_startup.py``), in a worker thread. plotext keeps its figure in
module state, so one lock serialises the builds.

The threshold's value is a y tick of its own and is named in the title, so the line is
read as "the RPO, 15m" rather than guessed from its row; the x axis is UTC clock time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from rich.text import Text

_LOCK = threading.Lock()


def _tick(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2g}"


def render(points: list[tuple[datetime, float]], *, line: float | None, line_label: str, title: str,
           now: datetime, width: int = 70, height: int = 12, minutes: int = 60) -> Text:
    """The plot as text: the series over the last ``minutes`` to ``now``, the line dashed across."""
    import plotext as plt

    start = now - timedelta(minutes=minutes)
    xs = [(t - now).total_seconds() / 60 for t, _ in points]
    ys = [v for _, v in points]
    values = ys + ([line] if line is not None else [])
    low, high = min([0.0, *values]), max([*values, 1.0])
    high += (high - low) * 0.05
    ticks = [-minutes + minutes * k / 4 for k in range(5)]
    with _LOCK:
        plt.clf()
        plt.plotsize(width, height)
        plt.theme("clear")
        plt.xlim(-minutes, 0)
        plt.ylim(low, high)
        if xs:
            plt.plot(xs, ys, marker="braille")
        if line is not None:
            plt.hline(line)
        yticks = sorted({low, high, *([line] if line is not None else [])})
        if line is not None:
            # On the threshold's row (10 errors against sums of 1,000) a bound's label would
            # print over the threshold's: the threshold is the one a responder reads.
            row = (high - low) / max(1, height - 4)
            yticks = [v for v in yticks if v == line or abs(v - line) >= row]
        plt.yticks(yticks, [_tick(v) for v in yticks])
        plt.xticks(ticks, [(start + timedelta(minutes=m + minutes)).strftime("%H:%M") for m in ticks])
        plt.title(f"{title} · {line_label}" if line is not None else title)
        plt.xlabel("UTC")
        built = plt.build()
    return Text.from_ansi(built)
