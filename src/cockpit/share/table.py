"""The share table's keys (docs/sharing-design.md, 3.2) and the DynamoDB operations Cockpit calls.

Two kinds of partition: ``SHARE`` (the share's directory, numbers, nodes, presence) and
``INC#<incident id>`` (one incident's log, claims, decisions, roles, runs). Sort keys are
chosen so that one ``Query sk >= E#<cursor+1>`` returns a log's new slots **and** the few
live items sorting after them (``P#`` presence, ``R#`` runs), while ``#META``, numbers
(``A#``), nodes (``B#``), claims (``C#``) and decisions and roles (``D#``) sort before ``E#``
and are never read again by a poll. Slots are 12 zero-padded digits, so text order is
number order.

:data:`OPERATIONS` and :data:`ADMIN_OPERATIONS` are the one list of what Cockpit asks
DynamoDB: ``cockpit share policy`` builds its IAM policy from them, and
``tests/share/test_iam_policy.py`` holds ``share init``'s requests, as the estate counts
them, to :data:`ADMIN_OPERATIONS`.
"""

from __future__ import annotations

# The two partitions of the log are named by the timeline, which queues events for them
# (outbox.py); re-exported here with the rest of the key scheme.
from cockpit.timeline.outbox import SHARE_PK, incident_pk  # noqa: F401

#: ``SHARE``'s first item: share_id, format, created_by (written once, by ``share init``).
META_SK = "#META"
#: The version of the items' format; a cockpit refuses a share of a format it does not know.
FORMAT = 1
#: The condition of every write that creates: a slot, a claim, a number, the meta item.
NEW_ONLY = "attribute_not_exists(sk)"

#: Slots are numbered from 1 to this (12 digits).
MAX_SLOT = 10**12 - 1


def slot_sk(n: int) -> str:
    """Log slot ``n`` (1-based): ``E#000000000042``, so that text order is number order."""
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_SLOT:
        raise ValueError(f"a slot is a whole number from 1 to {MAX_SLOT}, not {n!r}")
    return f"E#{n:012d}"


def number_sk(incident_id: str) -> str:
    """The item that reserves an incident number across hosts (in ``SHARE``)."""
    return f"A#{incident_id}"


def node_sk(node: str) -> str:
    """A participant's registration (in ``SHARE``)."""
    return f"B#{node}"


def presence_sk(node: str) -> str:
    """A participant's presence beat (in ``SHARE``), read with every directory poll."""
    return f"P#{node}"


def claim_sk(run_id: str, step_id: str) -> str:
    """A step's claim (in ``INC#``): who may execute it, attempt by attempt."""
    return f"C#{run_id}#{step_id}"


def decision_sk(run_id: str, step_id: str) -> str:
    """An approval's decision (in ``INC#``)."""
    return f"D#{run_id}#{step_id}"


def role_sk(role: str) -> str:
    """Who holds a role (commander, scribe, communications) (in ``INC#``)."""
    return f"D#ROLE#{role}"


def run_sk(run_id: str) -> str:
    """A run's live view, kept by the host driving it (in ``INC#``), read with every log poll."""
    return f"R#{run_id}"


#: What responders' cockpits call (design section 9): no Scan, no BatchWriteItem, no
#: transactions (so no ConditionCheckItem), no DeleteTable, no restores.
OPERATIONS: frozenset[str] = frozenset({
    "Query", "GetItem", "PutItem", "UpdateItem", "DeleteItem",
})

#: What ``cockpit share init`` (``share/admin.py``) calls. ``TagResource`` is here although
#: init sends no TagResource request: it tags in its CreateTable, and IAM may authorise
#: a tag given at creation as ``dynamodb:TagResource`` (it does so for other services'
#: tag-on-create); granting it on this one table costs nothing. Nothing else is here that
#: init does not call (``tests/share/test_iam_policy.py``).
ADMIN_OPERATIONS: frozenset[str] = frozenset({
    "CreateTable", "DescribeTable", "TagResource", "UpdateContinuousBackups", "DescribeContinuousBackups",
    "PutItem",
})
