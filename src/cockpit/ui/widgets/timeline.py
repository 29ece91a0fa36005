"""Where the incident timeline will go: a placeholder that holds its place in the layout.

The incident/timeline UI replaces the body of this widget (id ``timeline``); the layout
already gives it a line at 80×24 and a column on wide terminals.
"""

from __future__ import annotations

from textual.widgets import Static


class TimelinePane(Static):
    """Placeholder for the incident timeline."""

    DEFAULT_CLASSES = "pane"

    def __init__(self, *, id: str = "timeline") -> None:
        super().__init__("No incident. Timeline events will appear here.", id=id)

    def on_mount(self) -> None:
        self.border_title = "Timeline"
