"""Step claims in the share table: exactly one host executes each attempt of a writing step.

The item ``INC#<incident>``/``C#<run>#<step>`` says which attempt of the step is claimed,
by which host (``holder``: the file's node, stable across restarts, so a retry after a
lost answer or a crash claims again what this host already holds), and whether its outcome
is known (``settled``). Each change is one conditional ``UpdateItem`` that returns the item
as it was when the condition fails, so the loser learns who holds the step without a
second read:

- **claim** attempt ``n``: nobody claimed the step, or this host holds it (at ``n`` or
  before), or its last attempt is settled and older than ``n`` (a retry after a failure);
- **take over** a claim whose holder went silent, only after a person judged the attempt
  (its outcome unknown: a verdict), only for the exact attempt they judged, and only if its
  holder's presence has stopped beating: two verdicts make one;
- **settle** attempt ``n`` with its outcome: only by its holder;
- **decide** an approval (``D#<run>#<step>``): the first host's decision stands; the same
  host may decide again (a retry after a rejection).

No clock decides anything: a claim never expires. A step whose outcome is unknown is never
run again without a person saying so, on any host.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cockpit.engine.claims import Claim, Granted, Held, Unavailable
from cockpit.share.presence import fetch, is_live
from cockpit.share.table import claim_sk, decision_sk, incident_pk
from cockpit.share.uri import ShareUri
from cockpit.textsafe import sanitize
from cockpit.timeline.model import iso, utc_now
from cockpit.timeline.redact import Redactor

_CLAIM = ("attribute_not_exists(sk) OR (holder = :me AND attempt <= :n) "
          "OR (#st = :settled AND attempt < :n)")
_TAKE = "holder = :holder AND attempt = :seen AND #st = :claimed"
_SETTLE = "holder = :me AND attempt = :n"
_SET = "SET attempt = :n, holder = :me, actor = :actor, #st = :claimed, since = :now REMOVE outcome"


def _failed_check(exc: Exception) -> dict[str, Any] | None:
    """The item as it was, when ``exc`` is a failed condition (else None: re-raise it)."""
    response = getattr(exc, "response", {})
    if response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        return None
    return response.get("Item", {})


class TableClaims:
    """:class:`cockpit.engine.claims.StepClaims` on the share table, for one incident."""

    def __init__(self, uri: ShareUri, incident_id: str, node: str, actor: str, client: Any = None) -> None:
        self.uri, self.node, self.pk = uri, node, incident_pk(incident_id)
        self.actor = Redactor().text(actor or "-")
        self._client = client

    @property
    def client(self) -> Any:
        """Made at the first claim: most runs of a shared incident claim nothing until a write."""
        from cockpit.share.log import _client

        if self._client is None:
            self._client = _client(self.uri)
        return self._client

    def _update(self, sk: str, condition: str, update: str, values: dict[str, Any]) -> dict[str, Any] | None:
        """One conditional update; the item as it was if the condition failed, else None."""
        try:
            self.client.update_item(
                TableName=self.uri.table, Key={"pk": {"S": self.pk}, "sk": {"S": sk}},
                ConditionExpression=condition, UpdateExpression=update, ExpressionAttributeNames={"#st": "state"},
                ExpressionAttributeValues=values, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except Exception as exc:
            old = _failed_check(exc)
            if old is None:
                raise
            return old
        return None

    def claim(self, run_id: str, step_id: str, attempt: int, *, after_verdict: bool) -> Claim:
        from cockpit.sources.errors import classify

        sk = claim_sk(run_id, step_id)
        values = {":n": {"N": str(attempt)}, ":me": {"S": self.node}, ":actor": {"S": self.actor},
                  ":claimed": {"S": "claimed"}, ":settled": {"S": "settled"}, ":now": {"S": iso(utc_now())}}
        try:
            old = self._update(sk, _CLAIM, _SET, values)
            if old is None:
                return Granted()
            held = self._held(old)
            if after_verdict and held.state == "claimed" and held.attempt < attempt:
                held = replace(held, live=self._live(held.node))
                if held.live is False:  # its host is gone, and a person judged the attempt
                    taken = self._update(sk, _TAKE, _SET, {
                        **{k: v for k, v in values.items() if k != ":settled"},
                        ":holder": {"S": held.node}, ":seen": {"N": str(held.attempt)}})
                    return Granted() if taken is None else self._held(taken)
            return held
        except Exception as exc:  # the table: unreachable, throttled, denied
            return Unavailable(f"share offline: {classify(exc)}")

    @staticmethod
    def _held(item: dict[str, Any]) -> Held:
        def text(name: str) -> str:  # another host wrote it: shown in one safe line
            return sanitize(str(item.get(name, {}).get("S", ""))[:200], newlines=False)

        try:
            attempt = int(item.get("attempt", {}).get("N", "0"))
        except ValueError:
            attempt = 0
        return Held(text("actor") or "another host", text("holder"), attempt, text("state") or "claimed",
                    text("outcome") or None, text("since"))

    def _live(self, node: str) -> bool | None:
        """Whether ``node``'s presence beat within the silence allowed (None: cannot tell)."""
        try:
            return is_live(fetch(self.client, self.uri.table, node))
        except Exception:
            return None

    def settle(self, run_id: str, step_id: str, attempt: int, outcome: str) -> None:
        try:
            self._update(claim_sk(run_id, step_id), _SETTLE, "SET #st = :settled, outcome = :o",
                         {":me": {"S": self.node}, ":n": {"N": str(attempt)}, ":settled": {"S": "settled"},
                          ":o": {"S": outcome}})
        except Exception:  # unsettled, the claim stays this host's: the others wait for a verdict
            pass


    def decide(self, run_id: str, step_id: str, by: str, decision: str) -> Claim:
        from cockpit.sources.errors import classify

        redact = Redactor().text
        try:
            self.client.put_item(
                TableName=self.uri.table, ConditionExpression="attribute_not_exists(sk) OR node = :me",
                ExpressionAttributeValues={":me": {"S": self.node}}, ReturnValuesOnConditionCheckFailure="ALL_OLD",
                Item={"pk": {"S": self.pk}, "sk": {"S": decision_sk(run_id, step_id)}, "node": {"S": self.node},
                      "actor": {"S": redact(by) or self.actor}, "decision": {"S": decision},
                      "since": {"S": iso(utc_now())}})
        except Exception as exc:
            old = _failed_check(exc)
            if old is None:
                return Unavailable(f"share offline: {classify(exc)}")
            held = self._held(old)
            return Held(held.actor, held.node, 0, "decided", sanitize(str(old.get("decision", {}).get("S", ""))[:40],
                                                                    newlines=False) or None, held.since)
        return Granted()


def claims_for(share: str | None, incident_id: str, node: str, actor: str) -> TableClaims | None:
    """The claims of a run of ``incident_id`` on this host's share (None: no share configured)."""
    from cockpit.share.uri import parse

    return TableClaims(parse(share), incident_id, node, actor) if share else None
