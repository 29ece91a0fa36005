"""Messages of the cockpit: past-tense facts, each carrying what happened.

Polling workers post ``*Fetched`` messages carrying immutable snapshots; a pane is redrawn
from the snapshot alone. ``PlaybookRequested`` is how the cockpit asks for a playbook to be
run: the app routes it (today it only acknowledges; the guided screen will take it).
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from cockpit.sources.snapshot import Snapshot


class SourceFetched(Message):
    """One refresh of one source ended (successfully or not: see ``snapshot.error``)."""

    #: Which pane shows it; set by the subclasses.
    pane: str = ""

    def __init__(self, snapshot: Snapshot[Any]) -> None:
        super().__init__()
        #: What the source knew after this refresh (last good items, error, age).
        self.snapshot = snapshot

    @property
    def source(self) -> str:
        return self.snapshot.source


class AlarmsFetched(SourceFetched):
    """CloudWatch alarms were refreshed."""

    pane = "alarms"


class ReplicationFetched(SourceFetched):
    """Replication metrics were refreshed."""

    pane = "replication"


class ServicesFetched(SourceFetched):
    """One service-health source (kubernetes, ecs, rds, targets, dynamodb, http) was refreshed."""

    pane = "services"


FETCHED: dict[str, type[SourceFetched]] = {
    "alarms": AlarmsFetched,
    "replication": ReplicationFetched,
    "services": ServicesFetched,
}


def fetched(pane: str, snapshot: Snapshot[Any]) -> SourceFetched:
    """The message announcing ``snapshot`` to ``pane``."""
    return FETCHED[pane](snapshot)


class PlaybookRequested(Message):
    """The responder picked a playbook to run from the cockpit screen."""

    def __init__(self, playbook_id: str) -> None:
        super().__init__()
        #: The playbook's id, as in ``playbooks/<id>.yaml``.
        self.playbook_id = playbook_id
