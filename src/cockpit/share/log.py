"""The shared log in the share table: what ``timeline.exchange`` reads and writes.

Slot ``n`` of a partition is the item ``(pk, E#<n, 12 digits>)`` holding its events as JSON
text (``body``). Writing is one ``PutItem`` with ``attribute_not_exists(sk)``: DynamoDB
makes it atomic, so of two hosts writing slot ``n`` one wins and the other is told, and
pulls. Reading is one consistent ``Query`` from the cursor's next slot (following
``LastEvaluatedKey`` within a page budget): its cost follows what changed, never how many
events the incident has.

This is the only code that builds log items, and it passes events through the redactor
once more before they leave: they were redacted when committed, this is the belt to those
braces (design section 6).
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Sequence
from typing import Any

from cockpit.share.presence import Presence
from cockpit.share.presence import parse as parse_presence
from cockpit.share.table import NEW_ONLY, SHARE_PK, number_sk, presence_sk, slot_sk
from cockpit.share.uri import ShareUri
from cockpit.timeline.mirror import Slot
from cockpit.timeline.redact import Redactor

#: The last slot a query asks for (the range's end): ``E#`` + twelve nines.
_LAST = slot_sk(10**12 - 1)
#: Seconds between two reads of the presence items: one directory poll in about five brings
#: them (each answer then carries every host's), well within the silence a host is counted
#: gone after (``presence.SILENT_AFTER``).
PRESENCE_EVERY = 5.0


def _client(uri: ShareUri) -> Any:
    from cockpit.sources.aws_threads import new_session, plain_client

    # One attempt: the sync loop retries (and backs off) itself, and sees each failure.
    return plain_client(new_session(uri.profile), "dynamodb", uri.region, connect_timeout=1.0, read_timeout=3.0,
                        max_attempts=1)


class NumberTaken(Exception):
    """The incident's number belongs to another incident in the share; the message says whose."""


class TableLog:
    """:class:`cockpit.timeline.exchange.Log` on the share table (blocking: run it in a thread)."""

    def __init__(self, uri: ShareUri, node: str = "", client: Any = None) -> None:
        self.uri, self.node = uri, node
        self.client = client if client is not None else _client(uri)
        self._redactor = Redactor()
        self.requests = 0  # for the bench and the status line: requests made so far
        self.writes = 0  # of which PutItem (a slot written, or found taken)
        #: The presence items of the last read of ``SHARE`` (None: not read yet).
        self.presence: list[Presence] | None = None
        #: This host's clock against AWS's, in seconds (+7: seven ahead), from the last answer.
        self.offset_s: float | None = None
        self._presence_read = -PRESENCE_EVERY

    def read(self, pk: str, after: int) -> Sequence[Slot]:
        """The slots after ``after``. Of ``SHARE``, every :data:`PRESENCE_EVERY` seconds, it
        asks for every key from there on, so the presence items (``P#``, sorting after the
        slots) come with the same request and are kept in :attr:`presence`."""
        self.requests += 1
        sent = time.time()
        with_presence = pk == SHARE_PK and time.monotonic() - self._presence_read >= PRESENCE_EVERY
        if with_presence:
            condition, values = "pk = :p AND sk >= :first", {":p": {"S": pk}, ":first": {"S": slot_sk(after + 1)}}
            self._presence_read = time.monotonic()
        else:
            condition = "pk = :p AND sk BETWEEN :first AND :last"
            values = {":p": {"S": pk}, ":first": {"S": slot_sk(after + 1)}, ":last": {"S": _LAST}}
        answer = self.client.query(TableName=self.uri.table, ConsistentRead=True, KeyConditionExpression=condition,
                                   ExpressionAttributeValues=values)
        self._measure_clock(answer, sent)
        items = answer.get("Items", [])
        if with_presence:
            self.presence = [p for p in (parse_presence(i) for i in items
                                         if str(i.get("sk", {}).get("S", "")).startswith("P#")) if p is not None]
        return [self._slot(item) for item in items if str(item.get("sk", {}).get("S", "")).startswith("E#")]

    def _measure_clock(self, answer: dict[str, Any], sent: float) -> None:
        """This host's clock against AWS's, from the answer's ``Date`` (whole seconds, so the
        figure is good to about a second: enough to say "clock +7 s")."""
        received = time.time()
        try:
            date = answer["ResponseMetadata"]["HTTPHeaders"]["date"]
            server = email.utils.parsedate_to_datetime(date).timestamp() + 0.5
        except (KeyError, TypeError, ValueError, IndexError):
            return
        self.offset_s = round((sent + received) / 2 - server, 1)

    def beat(self, presence: Presence) -> None:
        """Write this host's presence item (no condition: no other host writes it)."""
        item = presence.item()
        for name in ("actor", "host", "following"):
            item[name] = {"S": self._redactor.text(item[name]["S"])}
        self.requests += 1  # not a write of the log (:attr:`writes`): presence costs its own, per minute
        self.client.put_item(TableName=self.uri.table, Item=item)

    def leave(self) -> None:
        """Delete this host's presence item: it stops being counted at once, not after a silence."""
        self.requests += 1
        self.client.delete_item(TableName=self.uri.table,
                                Key={"pk": {"S": SHARE_PK}, "sk": {"S": presence_sk(self.node or "-")}})

    @staticmethod
    def _slot(item: dict[str, Any]) -> Slot:
        n = int(item["sk"]["S"][2:])
        try:
            events = json.loads(item["body"]["S"])
            if not isinstance(events, list):
                raise ValueError("not a list")
        except (KeyError, ValueError) as exc:
            # Unreadable: the slot stops its log here (mirror), skipping nothing.
            return Slot(n, ({"unreadable": f"slot {n} body: {exc}"},))
        return Slot(n, tuple(e if isinstance(e, dict) else {"unreadable": repr(e)[:80]} for e in events))

    def write(self, pk: str, slot: Slot) -> bool:
        events = self._redactor.value(list(slot.events))
        stamps = [str(e.get("hlc", "")) for e in events]
        item = {"pk": {"S": pk}, "sk": {"S": slot_sk(slot.n)}, "node": {"S": self.node or "-"},
                "n": {"N": str(len(events))}, "first_hlc": {"S": min(stamps, default="")},
                "last_hlc": {"S": max(stamps, default="")},
                "body": {"S": json.dumps(events, separators=(",", ":"), default=str)}}
        self.requests += 1
        self.writes += 1
        try:
            self.client.put_item(TableName=self.uri.table, Item=item, ConditionExpression=NEW_ONLY)
        except Exception as exc:  # botocore's ClientError, told apart by its code
            if getattr(exc, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def claim_number(self, incident_id: str, declared_uid: str, actor: str) -> None:
        """Make ``incident_id`` this incident's number in the share (one conditional write on
        ``SHARE``/``A#<id>``), or raise :class:`NumberTaken`. Two files number their incidents
        alike; without this, two hosts sharing their own INC-…-0001 would merge two incidents
        into one log. The incident is known by its ``declared`` event's uid, so claiming again
        (a retry, a crash after the write) succeeds."""
        self.requests += 1
        self.writes += 1
        try:
            self.client.put_item(
                TableName=self.uri.table, ConditionExpression="attribute_not_exists(sk) OR declared = :d",
                ExpressionAttributeValues={":d": {"S": declared_uid}}, ReturnValuesOnConditionCheckFailure="ALL_OLD",
                Item={"pk": {"S": SHARE_PK}, "sk": {"S": number_sk(incident_id)}, "declared": {"S": declared_uid},
                      "node": {"S": self.node or "-"}, "actor": {"S": self._redactor.text(actor)}})
        except Exception as exc:
            response = getattr(exc, "response", {})
            if response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            holder = response.get("Item", {})
            who = holder.get("actor", {}).get("S", "another host")
            raise NumberTaken(f"{incident_id} is already another incident in the share, shared by {who}: this "
                              "one cannot be shared under its number (renumbering is not built yet)") from None
