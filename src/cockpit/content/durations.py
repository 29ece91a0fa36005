"""Durations as operators write them: ``90s``, ``15m``, ``1h30m``, or a number of seconds."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_SCALE = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float:
    """Seconds in ``value``; raises ValueError with an example of what is accepted."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 15m or 1h30m")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        pos, total = 0, 0.0
        for match in _PART.finditer(text):
            if match.start() != pos:
                break
            total += float(match.group(1)) * _SCALE[match.group(2)]
            pos = match.end()
        if text and pos == len(text):
            return total
    raise ValueError(f"expected a duration such as 90s, 15m or 1h30m, got {value!r}")


def format_duration(seconds: float) -> str:
    """``2d03h``, ``1h02m``, ``14m05s``, ``42s``: compact, for panes and reports."""
    seconds = int(round(seconds))
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h >= 24:
        return f"{sign}{h // 24}d{h % 24:02d}h"
    if h:
        return f"{sign}{h}h{m:02d}m"
    if m:
        return f"{sign}{m}m{s:02d}s"
    return f"{sign}{s}s"


#: A pydantic field type: accepts "15m" or 900, holds seconds as a float.
Duration = Annotated[float, BeforeValidator(parse_duration)]
