"""The Markdown postmortem is written as it is read: bounded memory, the same text."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

from cockpit.exports.files import write_postmortem
from cockpit.exports.postmortem import render_markdown, write_markdown
from cockpit.timeline import Timeline


def _long(tl: Timeline, count: int) -> str:
    """An incident of ``count`` notes and step results, as a long drill writes them."""
    incident = tl.declare("A long incident", "P2")
    with tl.transaction():
        for n in range(count):
            tl._append(incident.id, "note" if n % 3 else "step_succeeded", f"event {n} | with a pipe",
                       {"n": n, "detail": "x" * 80})
    return incident.id


def test_exporting_5000_events_allocates_what_a_few_rows_take_not_the_events(tl: Timeline, tmp_path: Path) -> None:
    # Holding the events took about 1.3 KB each (6.5 MB here); streamed, the export peaks at
    # some 40 KB whatever the size.
    incident_id = _long(tl, 5000)
    target = tmp_path / "postmortems" / "INC.md"
    write_postmortem(tl, incident_id, target)  # imports and first-use caches are not the export's
    tracemalloc.start()
    try:
        write_postmortem(tl, incident_id, target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"the export peaked at {peak / 1e6:.1f} MB of Python allocations"
    text = target.read_text(encoding="utf-8")
    assert text.count("| event ") == 5000 and text.endswith("| note | event 4999 \\| with a pipe |\n")


def test_the_streamed_file_and_the_string_are_the_same_text(tl: Timeline) -> None:
    incident_id = _long(tl, 300)
    tl.note(incident_id, "Replication lag 22 min", kind="impact")
    tl.resolve(incident_id, "Failback complete")
    out = io.StringIO()
    write_markdown(tl, incident_id, out, sanitized=True)
    assert out.getvalue() == render_markdown(tl, incident_id)  # nothing here for sanitising to remove


def test_an_unterminated_escape_sequence_is_cut_at_its_line_not_at_the_end_of_the_file(
        tl: Timeline, tmp_path: Path) -> None:
    incident = tl.declare("Title change", "P3")
    tl.note(incident.id, "see \x1b]0;pwned")  # an OSC string never terminated
    tl.note(incident.id, "a later note")
    text = write_postmortem(tl, incident.id, tmp_path / "INC.md").read_text(encoding="utf-8")
    assert "\x1b" not in text and "]0;pwned" not in text
    assert "| note | a later note |" in text and text.endswith("\n")  # sanitising the whole text ate these


def test_steps_pair_with_their_first_outcome_in_time_order(tl: Timeline) -> None:
    incident = tl.declare("Steps", "P2")
    step = {"run_id": "run-1", "attempt": 1}

    def at(second: int) -> str:
        return f"2026-11-23T10:00:{second:02d}.000Z"

    tl.append(incident.id, "step_started", "b started", {**step, "step_id": "b"}, ts=at(10))
    tl.append(incident.id, "step_failed", "b failed", {**step, "step_id": "b", "duration_s": 4}, ts=at(14))
    tl.append(incident.id, "step_started", "b again", {**step, "step_id": "b", "attempt": 2}, ts=at(20))
    tl.append(incident.id, "step_succeeded", "b worked", {**step, "step_id": "b", "attempt": 2}, ts=at(50))
    tl.append(incident.id, "step_succeeded", "b worked twice", {**step, "step_id": "b", "attempt": 2}, ts=at(51))
    tl.append(incident.id, "step_skipped", "c skipped, never started", {**step, "step_id": "c"}, ts=at(30))
    tl.append(incident.id, "step_unknown", "d outcome first", {**step, "step_id": "d"}, ts=at(31))
    tl.append(incident.id, "step_started", "d started after it", {**step, "step_id": "d"}, ts=at(32))
    tl.append(incident.id, "step_started", "e started", {**step, "step_id": "e"}, ts=at(5))  # logged late
    rows = render_markdown(tl, incident.id).split("| --- | --- | --- | --- |\n")[-1].splitlines()
    assert [row.split(" | ", 1)[1] for row in rows if "10:00:" in row] == [
        "alice@bastion | step started | e started (no outcome recorded) |",
        "alice@bastion | step failed | b failed (took 4s) |",
        "alice@bastion | step succeeded | b worked (took 30s) |",
        "alice@bastion | step skipped | c skipped, never started |",
        "alice@bastion | step unknown | d outcome first |",
        "alice@bastion | step started | d started after it (no outcome recorded) |",
        "alice@bastion | step succeeded | b worked twice |",
    ]
