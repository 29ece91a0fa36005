"""Text from the timeline, playbooks and programs made safe to show on a terminal.

Incident titles, notes, parameters and a shell step's output are typed or produced by anyone;
written to a terminal as they are, an escape sequence in them would act: move the cursor,
rewrite what the responder sees, set the window title, or (OSC 52) put text on the clipboard
to be pasted into a shell later. The timeline keeps the text as it came (redacted, never
rewritten: the JSON export stays lossless, and JSON escapes controls anyway); every display
channel passes it through :func:`sanitize` once, where it is shown: the CLI's ``echo``
(``cli/common.py``), the Markdown export, and in the UI where outside text comes in: the
incident feed (``ui/incident/feed.py``), the guided screen's run model and step detail
(``ui/playbook/progress.py``, ``widgets.py``), the panes' names and reasons
(``ui/format.one_line`` and the row builders) and the detail modal.

Removed: whole escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, the 8-bit C1 forms), and
every other C0/C1 control and DEL. Bidirectional overrides and isolates (U+202A-E,
U+2066-9) are removed too: they reorder what is displayed, so a note can read differently
from what it says. Tabs become a space; newlines stay unless ``newlines=False`` (a one-line
cell).
"""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"                      # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC/DCS/SOS/PM/APC ... ST
    r"|\x1b[ -/]*[0-~]?"                                     # other ESC sequences (ESC c, ESC ( B, ...)
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str, newlines: bool = True) -> str:
    """``text`` without anything a terminal would act on (see the module docstring)."""
    if text.isprintable() and "\x1b" not in text:
        return text  # the common case, without a regex
    text = _SEQUENCE.sub("", text).replace("\t", " ").replace("\r\n", "\n")
    if not newlines:
        text = text.replace("\n", " ")
    return _CONTROL.sub("", text)
