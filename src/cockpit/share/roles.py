"""Who holds a role of a shared incident (commander, scribe, communications): one
conditional write decides, not a clock.

The item ``INC#<incident>``/``D#ROLE#<role>`` names the holder. Taking a role is a
compare-and-set on the holder the responder saw (this file's incident row): it succeeds
when nobody was recorded, when the holder is still the one seen, or when it is already the
name given (a retry). Two responders taking command at once: one is commander, the other
is told who is, and nothing is written on their host. Only then is the ``role_assigned``
event committed, and it reaches every host as any other.
"""

from __future__ import annotations

from typing import Any

from cockpit.share.table import incident_pk, role_sk
from cockpit.share.uri import ShareUri
from cockpit.textsafe import sanitize
from cockpit.timeline.model import iso, utc_now
from cockpit.timeline.redact import Redactor


class RoleTaken(Exception):
    """Another responder holds the role now; the message says who, and since when."""


class RoleUndecided(Exception):
    """The share cannot decide (offline, denied); the message says why. Nothing was changed."""


def take_role(uri: ShareUri, incident_id: str, role: str, name: str, seen: str | None, *, node: str,
              client: Any = None) -> None:
    """Make ``name`` the holder of ``role``, if its holder is still ``seen``; raises
    :class:`RoleTaken` or :class:`RoleUndecided`."""
    from cockpit.share.log import _client
    from cockpit.sources.errors import classify

    redact = Redactor().text
    name, seen = redact(name), redact(seen or "")
    client = client if client is not None else _client(uri)
    try:
        client.put_item(
            TableName=uri.table,
            Item={"pk": {"S": incident_pk(incident_id)}, "sk": {"S": role_sk(role)}, "holder": {"S": name},
                  "node": {"S": node or "-"}, "since": {"S": iso(utc_now())}},
            ConditionExpression="attribute_not_exists(sk) OR holder = :seen OR holder = :name",
            ExpressionAttributeValues={":seen": {"S": seen}, ":name": {"S": name}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD")
    except Exception as exc:
        response = getattr(exc, "response", {})
        if response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            item = response.get("Item", {})
            holder = sanitize(str(item.get("holder", {}).get("S", "someone else"))[:200], newlines=False)
            since = sanitize(str(item.get("since", {}).get("S", ""))[:40], newlines=False)
            at = f" (since {since[11:19]})" if len(since) >= 19 else ""
            raise RoleTaken(f"{role} is now {holder}{at}, not {seen or 'nobody'} as this host showed: nothing "
                            "changed") from None
        raise RoleUndecided(f"share offline: {classify(exc)}; the {role} of a shared incident is decided by the "
                            "share, so it stays as it is") from None
