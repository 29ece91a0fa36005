"""Exercise scenarios: the shipped ones carry injects and expectations; mistakes get file:line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.scenario import load_scenario_file, load_scenarios
from cockpit.estate.validation import check_scenario

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise


def test_shipped_exercise_scenarios():
    scenarios = load_scenarios()
    assert {"eu-west-1-storage-outage", "greenlang-silent-corruption", "flight-school-dynamodb-corruption"} <= set(scenarios)
    for scenario, path in scenarios.values():
        check_scenario(scenario, path)  # every name exists in the estate
    corruption, _ = scenarios["greenlang-silent-corruption"]
    assert any(e.s3_object for e in corruption.events) and corruption.injects and corruption.expectations
    dynamo, _ = scenarios["flight-school-dynamodb-corruption"]
    assert any(e.dynamodb_item and e.dynamodb_item.delete for e in dynamo.events)
    outage, _ = scenarios["eu-west-1-storage-outage"]
    assert outage.drill.targets.failover_time == 3600 and outage.drill.targets.data_loss == 900


HEAD = "id: broken\ntitle: Broken\nevents:\n  - at: 0s\n    say: hi\n"

MALFORMED = [
    (HEAD + "expectations:\n  - id: x\n    description: d\n    declared: {severity: P1}\n    event: {kind: note}\n",
     7, "exactly one rule"),
    (HEAD + "expectations:\n  - id: x\n    description: d\n    event: {kind: chat}\n", 9, "unknown event kind 'chat'"),
    (HEAD + "expectations:\n  - id: x\n    description: d\n    declared: {severity: P9}\n", 9, "declared.severity"),
    (HEAD + "injects:\n  - {id: a, at: 1m, title: t, message: m}\n  - {id: a, at: 2m, title: t, message: m}\n",
     None, "duplicate inject id(s): a"),
    (HEAD + "injects:\n  - {id: a, at: later, title: t, message: m}\n", 7, "duration such as 90s"),
    (HEAD + "drill:\n  targets: {availability: 140}\n", 7, "drill.targets.availability"),
    (HEAD + "expectations:\n  - id: x\n    description: d\n    note: {contains: v, after: paeg}\n", None,
     "expectation x: after 'paeg' is not an inject of this scenario (it has none)"),
    (HEAD + "expectations:\n  - id: x\n    description: d\n    any_of:\n      - step: {step: list_versions}\n",
     10, "any_of.0.step.playbook"),
    (HEAD + "expectations:\n  - id: x\n    description: d\n    any_of:\n      - note: {contains: a}\n"
     "        decision: {step: s}\n", 10, "each piece of evidence has exactly one rule"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), MALFORMED)
def test_malformed_exercise_parts_name_file_and_line(tmp_path: Path, text: str, line: int | None, fragment: str):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}:" if line else f"{path}:"), str(info.value)


def test_names_the_estate_lacks_are_refused_at_their_line(tmp_path: Path):
    path = tmp_path / "typo.yaml"
    path.write_text(HEAD + "  - at: 1m\n    s3_object: {bucket: greenlang-prod-eu-west-1-data-lake, key: k, body: x}\n"
                    "  - at: 2m\n    dynamodb_item: {table: schools, delete: {id: a}}\n"
                    "drill:\n  probe: storage\n")
    with pytest.raises(ContentError) as info:
        check_scenario(load_scenario_file(path), path)
    text = str(info.value)
    assert f"{path}:7:" in text and "unknown bucket 'greenlang-prod-eu-west-1-data-lake'" in text
    assert f"{path}:9:" in text and "unknown table 'schools'" in text
    assert f"{path}:11:" in text and "drill.probe: unknown endpoint 'storage'" in text


def test_silent_corruption_reaches_the_replica_by_replication(start_estate):
    """The corrupt write goes to the primary only; the estate's S3 replicates it, so the DR
    bucket serves the corrupt version too and failing over would not help (the story)."""
    import boto3

    handle = start_estate(scenario="greenlang-silent-corruption", speed=60)
    s3 = boto3.client("s3", region_name="eu-central-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket, key = "greenlang-prod-eu-central-1-data-lake-confidential-replica", "silver/cbam/emissions/data.parquet"
    deadline = time.monotonic() + 30
    while b"truncated" not in (body := s3.get_object(Bucket=bucket, Key=key)["Body"].read()):
        assert time.monotonic() < deadline, f"the replica never got the corrupt version: {body[:40]!r}"
        time.sleep(0.2)
    assert s3.head_object(Bucket=bucket, Key=key)["ReplicationStatus"] == "REPLICA"
    # Once the story's replication beat (T+2m) has passed, the replica holds one corrupt
    # version, the one S3 copied: the bad run wrote once.
    while handle.control("status")["elapsed"] < 150:
        assert time.monotonic() < deadline, "the scenario clock did not reach T+2m30s"
        time.sleep(0.2)
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    corrupt = [v for v in versions
               if b"truncated" in s3.get_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])["Body"].read()]
    assert len(corrupt) == 1, corrupt
