"""``KeysFooter``: Textual's ``Footer``, rebuilt only when the keys it shows change.

Textual's ``Footer`` removes and mounts all its keys again whenever the screen's bindings
*may* have changed, which includes every focus change: Tab between the cockpit's panes
rebuilt ten widgets and ran a layout of the whole screen (repainting every pane), 30-70 ms
at scale, for a footer that shows the same keys in every pane. This one compares what it
would show with what it shows and rebuilds only on a difference (a binding enabled or
disabled, a modal's keys).
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[Any]) -> tuple[tuple[Any, ...], ...]:
    """Everything of the screen's active bindings that ``Footer.compose`` draws."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple((key, binding.key, binding.action, binding.description, binding.key_display, binding.tooltip,
                  binding.group, enabled, tooltip)
                 for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
                 if binding.show or key == palette)


class KeysFooter(Footer):
    """A ``Footer`` that recomposes only when its keys change (see the module docstring)."""

    _drawn: tuple[tuple[Any, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self._bindings_ready and screen.app.app_focus and self.is_attached and screen is self.screen:
            keys = shown_keys(screen)
            if keys == self._drawn:
                return
            self._drawn = keys
        super().bindings_changed(screen)
