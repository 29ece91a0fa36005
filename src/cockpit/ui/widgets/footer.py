"""``KeysFooter``: the keys that matter now, most important first, in one line that fits.

Textual's ``Footer`` shows every binding marked ``show`` in binding order; at 80 columns
the cockpit's keys ran off the right edge, so the incident keys (i, n, u, R, S, t, o) were
never seen below 160 columns. This footer asks the screen which actions matter now
(``footer_actions()``: a list of action names, most important first, derived from the
state: no incident → ``i`` declare; an incident → ``n`` note, ``u`` update, ``R`` resolve…)
and shows those of them that are bound, in that order, until the line is full. ``? Keys``
stays at the right edge: the help screen lists every key, so nothing is lost by leaving
one out here. A screen without ``footer_actions`` gets Textual's behaviour (every shown
binding, in order).

It also recomposes only when what it would show changes: Textual's ``Footer`` removes and
mounts all its keys again whenever the screen's bindings *may* have changed, which includes
every focus change (Tab between the cockpit's panes rebuilt ten widgets and ran a layout of
the whole screen for the same keys).

The keys are :class:`FooterKeyLabel` widgets of our own, drawn as Textual's footer keys are
(the same ``$footer-*`` theme variables): the one Textual composes is private to its module.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

#: The action of the key that opens the help screen (kept at the right edge).
HELP_ACTION = "help"


class Shown(NamedTuple):
    """One key as the footer draws it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str

    @property
    def width(self) -> int:
        """Cells it takes: `` key `` then ``description `` (FooterKey's padding)."""
        return cell_len(self.display) + 2 + cell_len(self.description) + 1


def _shown(screen: Screen[Any], binding: Binding, enabled: bool, tooltip: str) -> Shown:
    return Shown(binding.key, screen.app.get_key_display(binding), binding.description, binding.action, enabled,
                 tooltip or binding.tooltip or binding.description)


def footer_plan(screen: Screen[Any], width: int) -> tuple[tuple[Shown, ...], Shown | None]:
    """The keys to show at ``width`` columns (left part, most important first) and the help key.

    With ``footer_actions`` on the screen: those actions that are bound, in its order, as
    many as fit beside the help key. Without: every binding marked ``show``, in order.
    """
    by_action: dict[str, tuple[Binding, bool, str]] = {}
    for _, binding, enabled, tooltip in screen.active_bindings.values():
        by_action.setdefault(binding.action, (binding, enabled, tooltip))
    help_entry = by_action.get(HELP_ACTION)
    help_key = _shown(screen, *help_entry) if help_entry else None
    wanted = getattr(screen, "footer_actions", None)
    if wanted is None:
        return tuple(_shown(screen, b, e, t) for b, e, t in by_action.values()
                     if b.show and b.action != HELP_ACTION), help_key
    room = width - (help_key.width + 1 if help_key else 0)  # +1: the bar before the help key
    keys: list[Shown] = []
    for action in wanted():
        if action in by_action and action != HELP_ACTION:
            key = _shown(screen, *by_action[action])
            if key.width > room:
                break  # the rest are less important: leave them to the help screen
            keys.append(key)
            room -= key.width
    return tuple(keys), help_key


class FooterKeyLabel(Widget):
    """One key of the footer: `` key `` then ``description ``; a click presses the key."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}

    DEFAULT_CSS = """
    FooterKeyLabel {
        width: auto;
        height: 1;
        text-wrap: nowrap;
        background: $footer-item-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        &:hover {
            pointer: pointer;
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        &.-disabled { text-style: dim; }
    }
    """

    def __init__(self, shown: Shown, *, compact: bool = False, classes: str = "") -> None:
        super().__init__(classes=f"{classes} -disabled" if not shown.enabled else classes)
        self.shown = shown
        #: ``? Keys`` rather than `` ? Keys ``: the help key, behind its bar, needs no padding.
        self.compact = compact
        if shown.tooltip:
            self.tooltip = shown.tooltip

    def render(self) -> Text:
        key, description = self.shown.display, self.shown.description
        if self.compact:
            key, description = key, f" {description}" if description else ""
        else:
            key, description = f" {key} ", f"{description} " if description else ""
        text = Text.assemble((key, self.get_component_rich_style("footer-key--key")),
                             (description, self.get_component_rich_style("footer-key--description")))
        text.stylize_before(self.rich_style)
        return text

    def on_mouse_down(self) -> None:
        if self.shown.enabled:
            self.app.simulate_key(self.shown.key)
        else:
            self.app.bell()


class KeysFooter(Footer):
    """The footer of the cockpit's screens (see the module docstring)."""

    DEFAULT_CSS = """
    KeysFooter FooterKeyLabel.-help {
        dock: right;
        padding-right: 1;
        border-left: vkey $foreground 20%;
    }
    """

    _drawn: tuple[Any, ...] | None = None
    #: Whether the screen's bindings have been announced once (before that, there is nothing
    #: to show: composing then would show an empty footer and compose again at once).
    bindings_known = False

    def __init__(self, **kwargs: Any) -> None:
        # The palette is one key of the help screen: at 80 columns its room is worth more to `? Keys`.
        super().__init__(show_command_palette=False, **kwargs)

    def _plan(self) -> tuple[tuple[Shown, ...], Shown | None]:
        return footer_plan(self.screen, self.size.width or self.app.size.width)

    def compose(self) -> ComposeResult:
        if not self.bindings_known:
            return
        keys, help_key = self._plan()
        self._drawn = (keys, help_key)
        for key in keys:
            yield FooterKeyLabel(key)
        if help_key is not None:
            yield FooterKeyLabel(help_key, compact=True, classes="-help")

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.bindings_known and screen.app.app_focus and self.is_attached and screen is self.screen:
            if self._plan() == self._drawn:
                return
        self.bindings_known = True
        super().bindings_changed(screen)

    def on_resize(self, event: Resize) -> None:
        """A wider or narrower terminal fits more or fewer keys."""
        if self.bindings_known and self._plan() != self._drawn:
            self.call_after_refresh(self.recompose)
