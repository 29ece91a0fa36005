"""Whether a form holds text the person typed and has not submitted yet.

Quitting (``ui/quitting.py``) asks before it throws such text away. A dialog knows it by
comparing each ``Input`` with the value it was shown with: a prefilled reason left as it
was is not "typed", a note half written is.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import Input


class TypedText:
    """Mixin for a dialog (a ``ModalScreen``): remembers its inputs' first values on mount.

    Textual calls every class's ``on_mount`` along the MRO, so this runs whatever the
    dialog's own ``on_mount`` does.
    """

    #: What the form is, for the quit question ("the approval"); "" means: the dialog's TITLE.
    FORM_NAME = ""
    #: The dialog's border title (set by the screen class).
    TITLE: str | None
    #: id(Input) → the value it was shown with (replaced, never mutated, on mount).
    _shown_with: dict[int, str] = {}

    def on_mount(self) -> None:
        assert isinstance(self, DOMNode)
        self._shown_with = {id(i): i.value for i in self.query(Input)}

    def typed_text(self) -> bool:
        """True when any input holds text that differs from what it was shown with."""
        assert isinstance(self, DOMNode)
        return any(i.value.strip() and i.value != self._shown_with.get(id(i), "") for i in self.query(Input))

    def form_name(self) -> str:
        """The form as the quit question names it: ``"Add a note"``."""
        title = self.TITLE
        return self.FORM_NAME or (f'"{title}"' if title else "a dialog")
