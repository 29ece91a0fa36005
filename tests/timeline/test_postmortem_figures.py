"""The postmortem states only what was recorded, once: detection, acknowledgement, measurements, notes by kind."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.playbooks import load_playbook
from cockpit.timeline import Timeline, TimelineError
from cockpit.timeline.alarm_log import AlarmTransition
from cockpit.timeline.comms import render_comms
from cockpit.timeline.figures import figures, of
from cockpit.exports.postmortem import render_markdown
from cockpit.exports.transfer import export_json


def _alarm(name: str, minutes_ago: float) -> AlarmTransition:
    at = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return AlarmTransition(name, "eu-west-1", "fired", at, "ALARM", "Threshold Crossed", "critical")


def test_declaring_with_firing_alarms_logs_them_and_detects_at_the_first(tl: Timeline) -> None:
    standing = _alarm("greenlang-s3-4xx-errors-warning", 60 * 30)  # firing for 30 hours: background
    first, second = _alarm("greenlang-s3-5xx-errors-critical", 12), _alarm("S3-Replication-Lag-Critical", 4)
    incident = tl.declare("eu-west-1 S3 outage", "P1", firing=[second, standing, first])
    fired = {e.data["alarm"]: e.ts for e in tl.events(incident.id) if e.kind == "alarm_fired"}
    assert set(fired) == {standing.alarm, first.alarm, second.alarm}  # every firing alarm is on the timeline
    assert incident.detected_at == fired[first.alarm] < incident.declared_at  # at its real fired-at time
    md = render_markdown(tl, incident.id)
    assert f"| Detected | {incident.detected_at} — alarm greenlang-s3-5xx-errors-critical (eu-west-1) fired |" in md
    assert "| Time to declare | 12m 00s |" in md
    assert json.loads(export_json(tl, incident.id))["figures"]["detected_at"] == incident.detected_at


def test_acknowledgement_is_what_was_recorded_in_every_export(tl: Timeline) -> None:
    incident = tl.declare("S3 5xx", "P1")
    tl.note(incident.id, "looking at the 5xx graph")
    md = render_markdown(tl, incident.id)
    document = json.loads(export_json(tl, incident.id))
    assert document["incident"]["acknowledged_at"] is None and document["figures"]["acknowledged_at"] is None
    assert "| Acknowledged | not recorded |" in md
    assert "| Time to acknowledge | not recorded | 15 minutes (P1 response) | not judged |" in md
    assert "| First response (note by alice@bastion) | 0s |" in md  # a figure of its own, not an ack
    tl.acknowledge(incident.id)
    acked = tl.incident(incident.id).acknowledged_at
    md = render_markdown(tl, incident.id)
    assert f"| Acknowledged | {acked} |" in md and "| 15 minutes (P1 response) | yes |" in md
    assert json.loads(export_json(tl, incident.id))["figures"]["acknowledged_at"] == acked


def test_notes_filed_by_kind_make_the_sections(tl: Timeline) -> None:
    incident = tl.declare("S3 5xx", "P1")
    tl.note(incident.id, "EU customers cannot upload reports", kind="impact")
    tl.note(incident.id, "Failover decided", kind="key")
    tl.note(incident.id, "Replication rule dropped by a Terraform apply", kind="root-cause")
    tl.note(incident.id, "No alarm on replication lag", kind="contributing")
    tl.note(incident.id, "Runbook steps worked first time", kind="went_well")
    tl.note(incident.id, "Took 20 min to find the approver", kind="went-badly")
    tl.note(incident.id, "Alarm on replication lag", kind="action")
    tl.action_item(incident.id, "Pin the Terraform provider", "dave", due="2026-12-01")
    md = render_markdown(tl, incident.id)

    def section(title: str) -> str:
        return md.split(f"## {title}\n")[1].split("\n## ")[0]

    assert "EU customers cannot upload reports" in section("Impact") and "Critical" not in section("Impact")
    assert "Failover decided" in section("Key events")
    assert "Terraform apply" in section("Root cause") and "No alarm on" in section("Contributing factors")
    assert "first time" in section("What went well") and "20 min" in section("What went badly")
    assert "| Alarm on replication lag | alice@bastion | — |" in section("Action items")
    assert "| Pin the Terraform provider | dave | 2026-12-01 |" in section("Action items")
    with pytest.raises(TimelineError, match="unknown note kind 'cause'.*root-cause"):
        tl.note(incident.id, "x", kind="cause")


def test_a_step_is_one_row_with_its_result_and_duration(tl: Timeline) -> None:
    incident = tl.declare("S3 5xx", "P1")
    run = tl.create_run(incident.id, "dr-failover", {}, "incident", False)
    tl.set_step_state(run, "restart", "running", message="Step Restart storage-service started")
    tl.set_step_state(run, "restart", "succeeded", message="Step Restart storage-service succeeded: restarted")
    tl.set_step_state(run, "wait", "running", message="Step Wait for the rollout started")
    rows = md_rows = render_markdown(tl, incident.id).split("## Timeline")[1]
    assert md_rows.count("Restart storage-service") == 1
    assert "| step succeeded | Step Restart storage-service succeeded: restarted (took 0s) |" in rows
    assert "| step started | Step Wait for the rollout started (no outcome recorded) |" in rows


def test_comms_use_the_measured_data_loss_and_its_target(tl: Timeline) -> None:
    incident = tl.declare("S3 5xx", "P1")
    plan = render_comms(tl, incident.id, "initial")
    assert "Data loss potential: Up to 15 minutes (RPO)" in plan  # nothing measured yet: the plan's figure
    tl.record_metric(incident.id, "rpo", 1500, target=900, unit="s", title="Replication latency at cut-over")
    initial, resolution = render_comms(tl, incident.id, "initial"), render_comms(tl, incident.id, "resolution")
    said = "Up to 25 minutes (measured: Replication latency at cut-over; RPO 15 minutes)"
    assert f"Data loss potential: {said}" in initial and f"Data loss: {said}" in resolution
    assert "| RPO: Replication latency at cut-over | 25m 00s | ≤ 15m 00s | **no** |" in render_markdown(tl, incident.id)


@pytest.mark.parametrize("measures, message", [
    ("  rpo: {value: steps.record.outputs.lag}\n", r"pb\.yaml:\d+: measures\.rpo: step 'record' has no output 'lag'"),
    ("  rpo: {value: steps.nope.outputs.lag_seconds}\n", r"pb\.yaml:\d+: measures\.rpo: unknown step 'nope'"),
    ("  rto: {until: record}\n", r"pb\.yaml:\d+: measures\.rto: targets\.rto is not set"),
    ("  rpo: {until: record, value: steps.record.outputs.lag_seconds}\n", r"pb\.yaml:\d+: .*exactly one of"),
])
def test_a_measure_that_cannot_be_taken_is_refused_at_load(tmp_path: Path, measures: str, message: str) -> None:
    path = tmp_path / "pb.yaml"
    path.write_text("id: pb\ntitle: t\ntargets: {rpo: 15m}\nmeasures:\n" + measures + "steps:\n"
                    "  - id: record\n    kind: aws\n    title: Read the lag\n    service: s3\n"
                    "    operation: ListObjectsV2\n    params: {Bucket: data}\n    outputs: {lag_seconds: KeyCount}\n")
    with pytest.raises(ContentError, match=message) as info:
        load_playbook(path)
    assert "\n" not in str(info.value)


def test_the_figures_read_from_the_file_are_those_of_every_event(tl: Timeline) -> None:
    # ``of`` reads the metrics, alarms and declaration, and the earliest response alone.
    incident = tl.declare("Figures", "P1", detected_at="2026-11-23T09:50:00Z")
    tl.record_alarm_transition(incident.id, "s3-5xx", "fired", "2026-11-23T09:50:00Z", region="eu-west-1")
    tl.note(incident.id, "looking")
    tl.append(incident.id, "note", "an earlier note, logged late", {}, ts="2026-11-23T09:55:00Z")
    tl.record_metric(incident.id, "rpo", 1500, target=900, unit="s")
    tl.record_metric(incident.id, "rpo", 600, target=900, unit="s")
    read = of(tl, incident.id)
    assert read == figures(tl.incident(incident.id), tl.events(incident.id))
    assert read.first_response is not None and read.first_response.message == "an earlier note, logged late"
    assert read.measurements["rpo"].value == 600 and read.detected_by == "alarm s3-5xx (eu-west-1) fired"
