"""Exports: the Markdown postmortem, lossless JSON round trips, seed 003 notifications."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.timeline import Timeline, TimelineError
from cockpit.timeline.comms import render_comms
from cockpit.timeline.model import utc_now
from cockpit.exports.postmortem import render_markdown
from cockpit.exports.transfer import export_document, import_file, load_document, export_json


def _drill(tl: Timeline) -> str:
    inc = tl.declare("eu-west-1 S3 outage", "P1", mode="drill", commander="alice",
                     detected_at=utc_now() - timedelta(minutes=50))
    tl.acknowledge(inc.id)
    tl.assign_role(inc.id, "scribe", "carol")
    tl.note(inc.id, "5xx | rising\nsecond line")
    tl.record_alarm_transition(inc.id, "greenlang-s3-5xx-errors", "fired", utc_now() - timedelta(minutes=49),
                               region="eu-west-1")
    run = tl.create_run(inc.id, "s3-dr-failover", {"primary_region": "eu-west-1"}, "drill", False)
    tl.set_step_state(run, "approve", "running")
    tl.approval(inc.id, "bob", "Failover to eu-central-1", run_id=run, step_id="approve")
    tl.set_step_state(run, "approve", "succeeded")
    tl.set_step_state(run, "restart", "running")
    tl.set_step_state(run, "restart", "succeeded", outputs={"restarted": 3})
    tl.finish_run(run, "succeeded")
    tl.record_metric(inc.id, "rto", 42, target=60, unit="min")
    tl.record_metric(inc.id, "rpo", 22, target=15, unit="min")
    tl.mitigate(inc.id, "Serving from eu-central-1")
    tl.action_item(inc.id, "Alarm on replication lag earlier", "dave", due="2026-12-01")
    tl.resolve(inc.id, "Failback complete")
    return inc.id


def test_postmortem_has_durations_objectives_approvals_actions_and_timeline(tl: Timeline) -> None:
    incident_id = _drill(tl)
    md = render_markdown(tl, incident_id)
    assert md.startswith("# Postmortem: eu-west-1 S3 outage")
    assert "| Time to acknowledge | 50m" in md and "| 15 minutes (P1 response) | **no** |" in md
    assert "| Time to resolve | 50m" in md and "4 hours (P1 resolution) | yes |" in md
    assert "| rto | 42m 00s | ≤ 1h 00m 00s | yes |" in md
    assert "| rpo | 22m 00s | ≤ 15m 00s | **no** |" in md  # the RPO was missed
    assert "| bob | Failover to eu-central-1 | approved |" in md
    assert "| Alarm on replication lag earlier | dave | 2026-12-01 |" in md
    assert "- greenlang-s3-5xx-errors (eu-west-1)" in md
    assert re.search(r"\| run-[0-9a-f]{12} \| s3-dr-failover \| drill \| succeeded \| 2 succeeded \|", md)
    assert "5xx \\| rising<br>second line" in md  # escaped: the table stays a table
    timeline = md.split("## Timeline")[1].strip().splitlines()[4:]
    steps = [e for e in tl.events(incident_id) if e.kind.startswith("step_")]
    assert len(timeline) == len(tl.events(incident_id)) - len(steps) // 2  # a step's start and end: one row
    stamps = [row.split("|")[1].strip() for row in timeline]
    assert stamps == sorted(stamps)  # by time (events in the same millisecond keep commit order)


def test_json_round_trip_is_lossless_and_import_is_idempotent(tl: Timeline, tmp_path: Path) -> None:
    incident_id = _drill(tl)
    original = export_document(tl, incident_id)
    path = tmp_path / "export.json"
    path.write_text(export_json(tl, incident_id))

    with Timeline(tmp_path / "elsewhere.db", actor="eve@laptop") as other:
        imported, added = import_file(other, path)
        assert imported.id == incident_id and added == len(original["events"])
        again, added_again = import_file(other, path)
        assert added_again == 0 and len(other.events(incident_id)) == len(original["events"])
        restored = export_document(other, incident_id)
    for doc in (original, restored):
        doc.pop("exported_at")
    assert restored == original
    assert {s["step_id"]: s["state"] for s in restored["runs"][0]["steps"]} == {"approve": "succeeded",
                                                                                "restart": "succeeded"}


def test_the_json_export_holds_one_event_a_line_and_says_what_the_document_says(tl: Timeline) -> None:
    """An export is read with grep as often as with a program: `grep step_failed export.json`
    must give whole events, one a line (they were spread over a dozen indented lines each)."""
    incident_id = _drill(tl)
    text = export_json(tl, incident_id)
    events = tl.events(incident_id)
    lines = [line for line in text.splitlines() if '"uid": ' in line]
    assert len(lines) == len(events)
    assert [json.loads(line.strip().rstrip(",")) for line in lines] == [e.to_json() for e in events]
    document, expected = json.loads(text), export_document(tl, incident_id)
    for doc in (document, expected):
        doc.pop("exported_at")
    assert document == expected
    assert document["figures"]["seconds_to"]["acknowledge"] >= 50 * 60  # detected 50 min before


def test_import_never_merges_into_a_different_incident_with_the_same_number(tl: Timeline, tmp_path: Path) -> None:
    ours = tl.declare("Ours", "P2")
    path = tmp_path / "theirs.json"
    with Timeline(tmp_path / "theirs.db") as theirs:
        theirs_id = theirs.declare("Theirs", "P1").id
        path.write_text(export_json(theirs, theirs_id))
    assert theirs_id == ours.id  # each file numbers its own incidents
    with pytest.raises(TimelineError, match="already exists in this file as a different incident .'Ours'.*--renumber"):
        import_file(tl, path)
    renumbered, _ = import_file(tl, path, renumber=True)
    assert renumbered.id != ours.id and renumbered.title == "Theirs"
    again, added = import_file(tl, path, renumber=True)  # recognised by its events: no third incident
    assert again.id == renumbered.id and added == 0 and len(tl.incidents()) == 2
    assert [e.kind for e in tl.events(ours.id)] == ["declared"]


def test_import_merges_only_new_events_of_a_later_export(tl: Timeline, tmp_path: Path) -> None:
    inc = tl.declare("x", "P2")
    early = tmp_path / "early.json"
    early.write_text(export_json(tl, inc.id))
    tl.note(inc.id, "later")
    late = tmp_path / "late.json"
    late.write_text(export_json(tl, inc.id))
    with Timeline(tmp_path / "other.db") as other:
        import_file(other, early)
        _, added = import_file(other, late)
        assert added == 1 and [e.message for e in other.events(inc.id)][-1] == "later"


@pytest.mark.parametrize("content, message", [
    ("{not json", r"bad\.json:1: not valid JSON"),
    (json.dumps({"format": "something-else"}), r"not a cockpit incident export: format"),
    ("[]", r"not a cockpit incident export"),
])
def test_bad_import_files_get_one_clear_line(tl: Timeline, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TimelineError, match=message) as info:
        load_document(path)
    assert "\n" not in str(info.value)


def test_comms_templates_are_filled_from_the_incident(tl: Timeline) -> None:
    incident_id = _drill(tl)
    initial = render_comms(tl, incident_id, "initial", {"summary": "Primary region eu-west-1 storage is unavailable."})
    assert initial.startswith("Subject: [P1] eu-west-1 S3 outage")
    assert "Severity: P1 - Critical" in initial and "Incident Commander: alice" in initial
    assert "Primary region eu-west-1 storage is unavailable." in initial
    resolution = render_comms(tl, incident_id, "resolution")
    assert "Status: Resolved" in resolution and "Duration: 50m" in resolution
    assert "Data loss: Up to 22 minutes (measured: rpo; RPO 15 minutes)" in resolution  # the rpo metric
    assert "Failback complete" in resolution and "Affected users: [Count]" in resolution
    with pytest.raises(TimelineError, match="unknown notification"):
        render_comms(tl, incident_id, "apology")


def test_comms_templates_are_sandboxed(tl: Timeline, tmp_path: Path) -> None:
    incident_id = _drill(tl)
    (tmp_path / "comms-initial.txt.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TimelineError, match="cannot render"):
        render_comms(tl, incident_id, "initial", template_dirs=[tmp_path])


@pytest.mark.parametrize("source", ["{{ 'x'|center(2000000000) }}", "{{ '%2000000000s'|format('x') }}",
                                    "{{ 'x'.ljust(2000000000) }}", "{% for i in range(10**9) %}.{% endfor %}"])
def test_a_teams_comms_template_cannot_build_a_huge_value(tl: Timeline, tmp_path: Path, source: str) -> None:
    """A team's own template is operator content: one error line, not a 2 GB allocation."""
    incident_id = _drill(tl)
    (tmp_path / "comms-initial.txt.j2").write_text(source)
    with pytest.raises(TimelineError, match="cannot render comms-initial: .*(too large|too big|work|limit)"):
        render_comms(tl, incident_id, "initial", template_dirs=[tmp_path])


def test_resolving_does_not_invent_a_mitigation_time(tl: Timeline) -> None:
    """Time to mitigate is what a responder recorded (M, `incident mitigate`), not the time
    the incident was closed: without a record the postmortem says so."""
    inc = tl.declare("ALB 5xx", "P2")
    tl.resolve(inc.id, "Rolled back")
    assert tl.incident(inc.id).mitigated_at is None
    md = render_markdown(tl, inc.id)
    assert "| Mitigated | not recorded |" in md
    marked = tl.declare("RDS CPU", "P2")
    tl.mitigate(marked.id, "Failed over to the standby")
    at = tl.incident(marked.id).mitigated_at
    tl.resolve(marked.id, "Query fixed")
    assert tl.incident(marked.id).mitigated_at == at  # kept, not moved to the resolve time
