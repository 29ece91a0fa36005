"""The app's screen stacks (Textual modes): one for the cockpit screen, one for a guided run.

The cockpit screen is the base of a mode of its own, named by :func:`cockpit_mode`. Opening
another screen file adds a mode with the new cockpit screen as its base, switches to it and
removes the old one (its screens go with it): Textual's ``switch_screen`` cannot replace a
mode's base screen, which has no result callback to pop (Textualize/textual#2650), and a
blank screen under the cockpit would lay out two screens before the first frame.
"""

from __future__ import annotations

#: The first cockpit mode's name; the n-th screen file opened is ``cockpit-n``.
COCKPIT_MODE = "cockpit"


def cockpit_mode(opened: int) -> str:
    """The name of the mode of the ``opened``-th screen file opened (0: the first)."""
    return COCKPIT_MODE if opened == 0 else f"{COCKPIT_MODE}-{opened}"


def is_cockpit_mode(mode: str) -> bool:
    return mode == COCKPIT_MODE or mode.startswith(f"{COCKPIT_MODE}-")
