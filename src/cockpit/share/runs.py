"""Taking over a shared incident's run whose driver is gone.

A run of a shared incident is driven from one host (``timeline/runs.py``: the node of its
latest ``run_started`` or ``run_taken_over``). When that host is gone (a laptop shut, a
bastion rebooted), another responder takes the run over, after checking the share: a
driver whose presence still beats is there, and is asked, not overridden. Should the old
driver be alive after all (a partition looks like death), the step claims still let only
one of the two execute each attempt (``share/claims.py``).
"""

from __future__ import annotations

import time

from cockpit.share.presence import fetch, is_live
from cockpit.share.uri import ShareUri
from cockpit.timeline import Timeline


class TakeOverRefused(Exception):
    """The run is not taken over; the message says why, in one line."""


def take_over(tl: Timeline, uri: ShareUri, run_id: str) -> str:
    """Make ``run_id`` this file's to drive; returns whom it was taken from. Refused while
    its driver's presence beats, or when the share cannot say whether it does."""
    from cockpit.share.log import _client
    from cockpit.sources.errors import classify

    node, actor = tl.run_driver(run_id)
    if node is None:
        raise TakeOverRefused(f"run {run_id} is already driven from this file")
    try:
        beat = fetch(_client(uri), uri.table, node)
    except Exception as exc:  # the table: unreachable, throttled, denied
        raise TakeOverRefused(f"share offline: {classify(exc)}; cannot tell whether {actor} is gone, so run "
                              f"{run_id} stays theirs") from None
    if beat is not None and is_live(beat):
        age = max(0.0, time.time() - (beat.at - beat.offset_s))
        raise TakeOverRefused(f"{actor} is still on the share (their cockpit on {beat.host} beat {age:.0f} s ago): "
                              f"run {run_id} stays theirs — ask them, or follow it")
    tl.take_over_run(run_id)
    return actor
