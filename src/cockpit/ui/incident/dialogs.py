"""The incident dialogs: declare, note, severity, status update, resolve.

Each is a ModalScreen that returns its result with ``dismiss()`` (None when cancelled) and
writes nothing itself: the caller (IncidentActions) does the write in a worker, so a dialog
is trivially testable and the same dialogs could serve another writer.
All of them fit 80×24 and need no mouse (conventions in form.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, RadioSet, Select, Static

from cockpit.exercise.clock import update_due_in
from cockpit.timeline.alarm_log import firing_warning
from cockpit.timeline.model import NOTE_KINDS, Event, Incident, Mode, utc_now
from cockpit.ui.incident.form import FormDialog, SeverityDetails, SeverityList
from cockpit.ui.format import one_line
from cockpit.ui.incident.text import duration, title_line
from cockpit.ui.widgets.radio import MarkedRadioButton


@dataclass(frozen=True)
class DeclareRequest:
    """What the responder typed into the declare dialog."""

    title: str
    severity: str
    mode: str
    commander: str
    #: The alert matrix's response time (seconds) for what fires, and its row: the
    #: incident's response target (None: the level's).
    response_within: float | None = None
    response_because: str | None = None


@dataclass(frozen=True)
class SeverityChange:
    level: str
    reason: str | None


def _field(label: str, widget: Input) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field")


class DeclareDialog(FormDialog[DeclareRequest]):
    """Title, severity (P0–P4, runbook definitions shown), mode, commander (default: you).

    The severity starts at what the screen's response matrix suggests for what is firing
    (``suggestion``: a :class:`cockpit.sources.response.Suggestion`), and the dialog says
    why; with no suggestion it starts at P2 and says nothing fires that the matrix names.
    """

    TITLE = "Declare an incident"
    VERB = "declare"
    #: The level offered when the matrix suggests none.
    DEFAULT_LEVEL = "P2"

    def __init__(self, actor: str, *, mode: str = "incident", suggestion: Any = None) -> None:
        super().__init__()
        #: Who is declaring: the default commander.
        self.actor = actor
        self.initial_mode = mode
        self.suggestion = suggestion
        self.initial_level = suggestion.level if suggestion is not None else self.DEFAULT_LEVEL

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield _field("Title", Input(placeholder="what is wrong, in a few words", id="title", compact=True))
            yield Static(suggestion_text(self.suggestion), id="severity-suggestion", classes="section-label")
            yield SeverityList(self.initial_level, id="severity")
            yield SeverityDetails(id="severity-details")
            with Horizontal(classes="field"):
                yield Label("Mode", classes="field-label")
                with RadioSet(id="mode", compact=True):
                    for mode in Mode:
                        yield MarkedRadioButton(mode.value, value=mode.value == self.initial_mode, name=mode.value)
            yield _field("Commander", Input(self.actor, id="commander", compact=True))
            yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#severity-details", SeverityDetails).show(self.initial_level)
        self.query_one("#title", Input).focus()

    @on(OptionList.OptionHighlighted, "#severity")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#severity-details", SeverityDetails).show(self.query_one(SeverityList).level)

    def submit(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.refuse("an incident needs a title")
            self.query_one("#title", Input).focus()
            return
        pressed = self.query_one("#mode", RadioSet).pressed_button
        commander = self.query_one("#commander", Input).value.strip() or self.actor
        alert = getattr(self.suggestion, "alert", None)
        self.dismiss(DeclareRequest(title, self.query_one(SeverityList).level,
                                    pressed.name if pressed and pressed.name else self.initial_mode, commander,
                                    alert.alert.respond_within if alert is not None else None,
                                    alert.line if alert is not None else None))


def suggestion_text(suggestion: Any) -> Text:
    """The severity label, and why the level is preselected: the alarm and the matrix row.

    Four lines at most at 80×24 (the reason wraps once; the alert matrix's row, when one
    holds, and the level row's note are cut to one each), so the dialog still fits with its
    hint and an error line.
    """
    if suggestion is None:
        return Text("Severity (↑/↓ to choose) · nothing firing matches the response matrix")
    text = Text("Severity (↑/↓) · ")
    text.append(one_line(suggestion.reason, 200), style="bold")  # alarm names are AWS's text
    alert = getattr(suggestion, "alert", None)
    if alert is not None:  # the alert matrix's row: what on-call owes, and how soon
        text.append("\n" + one_line(alert.line, 72), style="bold")
    text.append("\n" + one_line(suggestion.rule.note, 72))
    return text


class TextDialog(FormDialog[str]):
    """One line of text about an incident (note, status update)."""

    PROMPT = ""
    EMPTY = "type something first"

    def __init__(self, incident: Incident, *, value: str = "") -> None:
        super().__init__()
        self.incident = incident
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(title_line(self.incident), classes="dialog-incident")
            yield from self.compose_context()
            yield _field(self.PROMPT, Input(self.value, id="text", compact=True))
            yield from self.compose_footer()

    def compose_context(self) -> ComposeResult:
        return iter(())

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#text", Input).focus()

    def submit(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.refuse(self.EMPTY)
            return
        self.dismiss(text)


@dataclass(frozen=True)
class NoteRequest:
    """A note and what the postmortem files it under (None: plain narration)."""

    text: str
    kind: str | None


class NoteDialog(TextDialog):
    """A note, and (tab, then ↑/↓) the postmortem section it belongs to: root cause, impact…"""

    TITLE = "Add a note"
    VERB = "add"
    PROMPT = "Note"
    EMPTY = "a note needs text"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(title_line(self.incident), classes="dialog-incident")
            yield _field(self.PROMPT, Input(self.value, id="text", compact=True))
            with Horizontal(classes="field"):
                yield Label("Kind", classes="field-label")
                yield Select([(label, kind) for kind, label in NOTE_KINDS.items()], prompt="plain note",
                             id="note-kind", compact=True)
            yield from self.compose_footer()

    @on(Select.Changed, "#note-kind")
    def _kind_chosen(self, event: Select.Changed) -> None:
        """Back to the note once a kind is picked, so the next Enter adds it (as the hint says);
        on the Kind field Enter would only open the list again."""
        self.query_one("#text", Input).focus()

    def submit(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.refuse(self.EMPTY)
            return
        kind = self.query_one("#note-kind", Select).value
        self.dismiss(NoteRequest(text, kind if isinstance(kind, str) else None))  # type: ignore[arg-type]


class StatusUpdateDialog(TextDialog):
    """A status update; says when the next one is due (seed 000: every 15 min for P1)."""

    TITLE = "Post a status update"
    VERB = "post"
    PROMPT = "Update"
    EMPTY = "a status update needs text"

    def __init__(self, incident: Incident, events: Sequence[Event] = ()) -> None:
        super().__init__(incident)
        #: The incident's events: in a drill the update cadence runs on the scenario clock.
        self.events = events

    def compose_context(self) -> ComposeResult:
        left = update_due_in(self.incident, self.events, utc_now())
        if left is not None:
            when = f"due in {duration(left)}" if left.total_seconds() > 0 else f"{duration(-left)} overdue"
            yield Static(Text(f"Status update {when}; posting restarts the clock."), classes="dialog-context")


class EscalatedDialog(TextDialog):
    """Record an escalation done: who was paged (the contacts owed now are filled in).

    Several names separated by commas are several escalations; each ends the reminder for
    that contact (``timeline/escalation_log.py``)."""

    TITLE = "Record an escalation"
    VERB = "record"
    PROMPT = "Paged"
    EMPTY = "say who was paged"

    def __init__(self, incident: Incident, owed: list[str] | None = None) -> None:
        #: The reminders showing now ("P1 open 15 min: escalate to the Engineering Lead").
        self.owed = list(owed or [])
        super().__init__(incident, value=", ".join(m.rsplit("escalate to the ", 1)[-1] for m in self.owed))

    def compose_context(self) -> ComposeResult:
        for line in self.owed or ["No escalation is due now; record one anyway."]:
            yield Static(Text(line), classes="dialog-context")


class ResolveDialog(TextDialog):
    """Confirm resolving; the text becomes the resolution event (reopen undoes it)."""

    TITLE = "Resolve the incident?"
    VERB = "resolve"
    PROMPT = "Resolution"
    EMPTY = "say how it was resolved"

    def __init__(self, incident: Incident, firing: list[str] | None = None) -> None:
        super().__init__(incident, value="Resolved")
        #: Alarms the timeline last saw fire and not clear (see ``alarm_log.still_firing``).
        self.firing = list(firing or [])
        if self.firing:
            self.VERB = "resolve anyway"

    def compose_context(self) -> ComposeResult:
        warning = firing_warning(self.firing)
        if warning:
            yield Static(Text(f"⚠ {warning}. Resolve anyway?"), classes="dialog-context dialog-warning")
        yield Static("Enter resolves it for every cockpit sharing this timeline.", classes="dialog-context")


class SeverityDialog(FormDialog[SeverityChange]):
    """Pick the new level (the current one is highlighted) and say why."""

    TITLE = "Change severity"
    VERB = "change"

    def __init__(self, incident: Incident) -> None:
        super().__init__()
        self.incident = incident

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(title_line(self.incident), classes="dialog-incident")
            yield SeverityList(self.incident.severity, id="severity")
            yield SeverityDetails(id="severity-details")
            yield _field("Reason", Input(placeholder="optional", id="reason", compact=True))
            yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(SeverityDetails).show(self.incident.severity)
        self.query_one(SeverityList).focus()

    @on(OptionList.OptionHighlighted, "#severity")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one(SeverityDetails).show(self.query_one(SeverityList).level)

    def submit(self) -> None:
        level = self.query_one(SeverityList).level
        if level == self.incident.severity:
            self.refuse(f"it is already {level}: pick another level with ↑/↓")
            return
        reason = self.query_one("#reason", Input).value.strip() or None
        self.dismiss(SeverityChange(level, reason))
