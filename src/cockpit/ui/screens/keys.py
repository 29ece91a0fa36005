"""The help screen (``?``): the keys a responder can use now, grouped by who answers them.

Built from Textual's own bindings of the screen underneath (``Screen.active_bindings``:
the focused widget and its containers, the screen, the app, each binding checked with
``check_action`` exactly as a key press is), so it never drifts from the keys: a key that
is shadowed is listed with its owner that wins, and a key whose action does nothing now
(``check_action`` False, or None: greyed out) is not listed. Textual's own housekeeping
keys (copy, ^q, horizontal scrolling…) are left out; those a responder uses (Tab between
panes, moving in a list, Enter) are said in a responder's words, Enter as what the screen
does with it (``ENTER_HELP``). A key bound twice to one action (q and ^c Quit) is listed once.
Closes on Esc, ``?`` or ``q``.
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
from textual.widgets import DataTable, Static

from cockpit.ui.widgets.keyed_table import KeyedTable


class KeyHelp(NamedTuple):
    """One key as the help screen lists it."""

    key: str
    description: str
    enabled: bool


#: Textual's own actions a responder uses, in a responder's words; its other keys are not listed.
TEXTUAL_KEYS = {
    "app.focus_next": "Next pane", "app.focus_previous": "Previous pane",
    "command_palette": "Every command, by name",
    "cursor_up": "Move up", "cursor_down": "Move down", "page_up": "Page up", "page_down": "Page down",
    "scroll_top": "First row", "scroll_bottom": "Last row",
}
#: What Enter does on a list when the screen does not say (its ``ENTER_HELP``).
ENTER_DEFAULT = "Open the selected row"


def _group_name(node: DOMNode) -> str:
    if isinstance(node, App):
        return "Everywhere"
    if isinstance(node, Screen):
        return f"This screen ({node.name})" if node.name else "This screen"
    named = getattr(node, "HELP_NAME", None)
    if named:
        return named
    return "In the list" if isinstance(node, (DataTable, KeyedTable)) else re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).capitalize()


def _textuals(node: DOMNode) -> set[tuple[str, str]]:
    """(key, action) of the bindings ``node`` has from Textual's own classes, not Cockpit's."""
    found: set[tuple[str, str]] = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("textual.") and "BINDINGS" in cls.__dict__:
            for binding in Binding.make_bindings(cls.__dict__["BINDINGS"]):
                found.add((binding.key, binding.action))
    return found


def key_groups(screen: Screen[Any]) -> list[tuple[str, list[KeyHelp]]]:
    """The keys of ``screen``'s context a responder can use now, grouped: the screen's, the
    app's, then the focused widget's and its containers' (innermost first)."""
    groups: dict[int, tuple[str, list[KeyHelp]]] = {}
    order = {id(screen): 0, id(screen.app): 1}
    for node in screen.focused.ancestors_with_self if screen.focused else ():
        order.setdefault(id(node), len(order))
    textuals: dict[int, set[tuple[str, str]]] = {}
    bindings = [(ns, b, tip) for ns, b, enabled, tip in screen.active_bindings.values() if enabled]
    # An action some shown key does already (q Quit) needs no second, hidden key (^c Quit).
    shown = {(id(ns), b.action) for ns, b, _ in bindings if b.show}
    for namespace, binding, tooltip in bindings:
        if not binding.show and (id(namespace), binding.action) in shown:
            continue
        description = _describe(binding, tooltip)
        if binding.action == "select_cursor":  # a list's Enter (Textual's or KeyedTable's): the screen says what it does
            description = getattr(screen, "ENTER_HELP", ENTER_DEFAULT)
        elif (binding.key, binding.action) in textuals.setdefault(id(namespace), _textuals(namespace)):
            if binding.action in TEXTUAL_KEYS:
                description = TEXTUAL_KEYS[binding.action]
            else:
                continue
        _, entries = groups.setdefault(id(namespace), (_group_name(namespace), []))
        entries.append(KeyHelp(screen.app.get_key_display(binding), description, True))
        order.setdefault(id(namespace), len(order))
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
