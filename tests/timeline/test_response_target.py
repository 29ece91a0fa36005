"""An incident declared on a row of a screen's alert response matrix owes that row's response
time (seed 000: "S3 5xx errors > 10/min — respond in 5 minutes"; "Storage > 10 TB — 24
hours"), not only its level's: the response clock, the header's line and the postmortem hold
it to the matrix. Without a matrix row the level's target stands (P2: 1 hour).
"""

from __future__ import annotations

from datetime import timedelta

from cockpit.timeline import Timeline
from cockpit.timeline.model import parse_ts
from cockpit.ui.incident.text import clock_line


def test_the_matrix_response_time_is_the_incidents_response_target(tl: Timeline) -> None:
    fast = tl.declare("S3 5xx in eu-west-1", "P3", response_within=300,
                      response_because="Respond within 5 min: Investigate immediately (S3 5xx errors > 10/min)")
    plain = tl.declare("Lag", "P3")
    slow = tl.declare("Data lake past 10 TB", "P2", response_within=86400)
    assert (fast.response_target_seconds, plain.response_target_seconds, slow.response_target_seconds) == \
        (300, None, 86400)
    six = parse_ts(fast.detected_at) + timedelta(minutes=6)
    # P3 alone owes no response time; declared on the 5xx row it owes 5 minutes, overdue at 6.
    assert tl.escalation(plain, six).response_overdue is False
    state = tl.escalation(fast, six)
    assert state.response_overdue is True and state.response_text == "5 minutes"
    line, alert = clock_line(fast, six)
    assert alert and "5 minutes response target passed" in line.plain
    # P2's hour would be past after 2 hours; the size row's 24 hours is not.
    later = parse_ts(slow.detected_at) + timedelta(hours=2)
    assert tl.escalation(slow, later).response_overdue is False
    assert "respond ≤24 hours" in clock_line(slow, later)[0].plain
    # The declared event says which row set it.
    declared = tl.events(fast.id)[0]
    assert declared.data["response_target_seconds"] == 300
    assert "S3 5xx errors > 10/min" in declared.data["response_because"]


def test_the_postmortem_judges_acknowledgement_against_the_matrix(tl: Timeline) -> None:
    from cockpit.exports.postmortem import render_markdown

    incident = tl.declare("Data lake past 10 TB", "P1", response_within=86400)
    tl.acknowledge(incident.id)
    text = render_markdown(tl, incident.id)
    assert "| Time to acknowledge | 0s | 24 hours (alert matrix response) | yes |" in text
