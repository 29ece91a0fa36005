"""The help screen (``?``): every key of the current context, grouped by who answers it.

Built from Textual's own bindings of the screen underneath (``Screen.active_bindings``:
the focused widget and its containers, the screen, the app, each binding checked with
``check_action`` exactly as a key press is), so it lists what the keys do *now* and never
drifts from them: a key that is shadowed is listed with its owner that wins, a key whose
action is unavailable here (``check_action`` False) is not listed, one that is greyed out
(None) is marked "not now". Closes on Esc, ``?`` or ``q``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from rich.markup import escape
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class KeyHelp(NamedTuple):
    """One key as the help screen lists it."""

    key: str
    description: str
    enabled: bool


def _group_name(node: DOMNode) -> str:
    if isinstance(node, App):
        return "Everywhere"
    if isinstance(node, Screen):
        return f"This screen ({node.name})" if node.name else "This screen"
    named = getattr(node, "HELP_NAME", None)
    return named or re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).capitalize()


def key_groups(screen: Screen[Any]) -> list[tuple[str, list[KeyHelp]]]:
    """The keys of ``screen``'s context, grouped: the screen's, the app's, then the focused
    widget's and its containers' (innermost first: table cursor keys matter least here)."""
    groups: dict[int, tuple[str, list[KeyHelp]]] = {}
    order = {id(screen): 0, id(screen.app): 1}
    for node in screen.focused.ancestors_with_self if screen.focused else ():
        order.setdefault(id(node), len(order))
    for _namespace, binding, enabled, tooltip in screen.active_bindings.values():
        _, entries = groups.setdefault(id(_namespace), (_group_name(_namespace), []))
        entries.append(KeyHelp(screen.app.get_key_display(binding), _describe(binding, tooltip), enabled))
        order.setdefault(id(_namespace), len(order))
    return [groups[key] for key in sorted(groups, key=lambda k: order[k])]


def _describe(binding: Binding, tooltip: str) -> str:
    """The tooltip when there is one (the footer's word is short for 80 columns), else the description."""
    return tooltip or binding.tooltip or binding.description or binding.action.replace("_", " ")


def help_text(groups: list[tuple[str, list[KeyHelp]]]) -> str:
    """The groups as Rich markup (keys bold, in a column; descriptions escaped)."""
    width = max((len(k.key) for _, keys in groups for k in keys), default=1) + 2
    parts = []
    for name, keys in groups:
        lines = [f"[b]{escape(name)}[/]"]
        for k in keys:
            note = "  [dim](not now)[/]" if not k.enabled else ""
            lines.append(f"  [b]{escape(k.key)}[/]{' ' * (width - len(k.key))}{escape(k.description)}{note}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


class KeysScreen(ModalScreen[None]):
    """Every key of the screen it was opened over (see the module docstring)."""

    DEFAULT_CSS = """
    KeysScreen #keys { height: auto; max-height: 100%; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False, key_display="?"),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, over: Screen[Any]) -> None:
        super().__init__(id="keys-help")
        #: What the help lists (read now: the screen underneath is not current once this is pushed).
        self.groups = key_groups(over)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="keys") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc, ? or q closes"
            yield Static(help_text(self.groups), id="keys-text")
