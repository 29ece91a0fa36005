"""The exercise banner: the mode, unmistakable, and the latest inject.

A tabletop and a drill must never be mistaken for a real incident (or for each other), so
the banner is a full-width bar in a colour of its own with the mode in capitals, and it
states what the mode means. It is a function of (mode, clock status, last inject).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

_MEANING = {"tabletop": "TABLETOP EXERCISE — nothing that writes is executed",
            "drill": "DR DRILL — playbooks execute against the emulated estate"}


class ExerciseBanner(Static):
    DEFAULT_CSS = """
    ExerciseBanner { display: none; height: auto; padding: 0 1; background: $warning; color: $background;
                     text-style: bold; }
    ExerciseBanner.-active { display: block; }
    ExerciseBanner.drill { background: $accent; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)  # inject text is data, never markup
        self.mode: str | None = None
        self.clock_text = ""
        self.inject_text = ""

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.add_class("-active")  # hidden until an exercise is attached: no empty strip
        self.set_class(mode == "drill", "drill")
        self._refresh()

    def set_clock(self, status: dict[str, Any]) -> None:
        at = float(status.get("elapsed", 0))
        state = "PAUSED" if status.get("paused") else f"×{float(status.get('speed', 1)):g}"
        self.clock_text = f"T+{int(at // 60)}m{int(at % 60):02d}s {state}"
        self._refresh()

    def show_inject(self, data: dict[str, Any]) -> None:
        who = f" [{data['audience']}]" if data.get("audience") else ""
        self.inject_text = f"INJECT{who}: {data.get('title', '')} — {data.get('message', '')}"
        self._refresh()

    def set_ended(self, why: str) -> None:
        """The exercise is over: say so, and why, instead of a clock that no longer matters."""
        self.clock_text = why.upper()
        self._refresh()

    def _refresh(self) -> None:
        head = _MEANING.get(self.mode or "", "")
        line = f"{head}   {self.clock_text}".strip()
        self.update(line + (f"\n{self.inject_text}" if self.inject_text else ""))
