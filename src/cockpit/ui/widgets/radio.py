"""A radio button whose mark reads without colour.

Textual's ``RadioButton`` draws the same ``●`` chosen or not and tells them apart by colour
only: with ``NO_COLOR``, on a monochrome terminal or in a pasted screen capture, "incident",
"drill" and "tabletop" all look chosen. Here the chosen one is ``●`` and the others ``○``.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import RadioButton


class MarkedRadioButton(RadioButton):
    """``RadioButton`` with ``●`` when chosen and ``○`` when not."""

    def render(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else "○"
        return super().render()
