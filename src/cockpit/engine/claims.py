"""Exactly once across hosts: a step that writes is claimed before it executes.

On one host, a run is driven by one process (``timeline/run_hold.py``). Across hosts, a run
of a shared incident is driven by one cockpit at a time, but a driver can be taken over
(its host silent) while it is in fact alive behind a partition: both could then run the
same step. So every attempt of an executing step that is not read-only, in a run of a
shared incident, is first claimed in the share by a conditional write
(``share/claims.py``): of two hosts claiming one attempt, one is granted and the other is
told who holds it, and executes nothing. The claim is settled with the outcome once it
is committed here. An approval in such a run is decided the same way: one host's decision
stands (:meth:`StepClaims.decide`).

The engine asks; what answers is given to it (:class:`StepClaims`). A run of a shared
incident given no claims refuses its writing steps (:class:`NoClaims`): the default is the
safe one, whoever builds the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Granted:
    """This host may execute the attempt."""


@dataclass(frozen=True)
class Held:
    """Another host holds the step: it is running it, or ran this attempt already."""

    actor: str
    node: str
    attempt: int
    state: str  # "claimed" (running, or died running) | "settled" (its outcome is known) | "decided" (an approval)
    outcome: str | None = None
    since: str = ""
    live: bool | None = None  # its presence beats (None: not known)

    def line(self, step: str) -> str:
        """``step 4 "Promote replica" is being run by alice@bastion-1 (attempt 1, since 10:03:12)``."""
        since = f", since {self.since[11:19]}" if len(self.since) >= 19 else ""
        if self.state == "decided":
            return (f"{step} was already {self.outcome or 'decided'} by {self.actor} on another host{since}: one "
                    "decision stands; this host's copy of the run follows it with the next round of the share")
        if self.state == "settled":
            return (f"{step} was already run by {self.actor} (attempt {self.attempt}: {self.outcome or 'done'}); "
                    "this host has not seen it yet: its events arrive with the next round of the share")
        return f"{step} is being run by {self.actor} (attempt {self.attempt}{since})"


@dataclass(frozen=True)
class Unavailable:
    """The share cannot say who may run the step (offline, no share configured): refused."""

    why: str


Claim = Granted | Held | Unavailable


class StepClaims(Protocol):
    """Claims of steps in the share (blocking: the engine calls them in a thread)."""

    def claim(self, run_id: str, step_id: str, attempt: int, *, after_verdict: bool) -> Claim:
        """Claim ``attempt`` of the step. ``after_verdict``: a person judged the earlier
        attempt (its outcome unknown, or failed): an unsettled claim of a *silent* holder may
        then be taken over, exactly once."""

    def settle(self, run_id: str, step_id: str, attempt: int, outcome: str) -> None:
        """Record the attempt's outcome on the claim (best effort: a claim left unsettled
        only makes the others wait for a verdict)."""

    def decide(self, run_id: str, step_id: str, by: str, decision: str) -> Claim:
        """Record an approval's decision (approved, rejected) before it is committed: one host's
        decision stands; this host may decide again (after a rejection, a retry)."""


class NoClaims:
    """What a run of a shared incident gets when nobody gave the engine claims."""

    def __init__(self, why: str = "this cockpit has no share configured") -> None:
        self.why = why

    def claim(self, run_id: str, step_id: str, attempt: int, *, after_verdict: bool) -> Claim:
        return Unavailable(self.why)

    def settle(self, run_id: str, step_id: str, attempt: int, outcome: str) -> None:
        return None

    def decide(self, run_id: str, step_id: str, by: str, decision: str) -> Claim:
        return Unavailable(self.why)
