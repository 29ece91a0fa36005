"""Screen files: the shipped ones carry the runbooks' names; a bad one is reported at file:line."""

from __future__ import annotations

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.screen import expand_env, find_screen, load_screens


def test_the_four_shipped_screens_name_the_runbooks_resources():
    screens = load_screens()
    assert set(screens) >= {"greenlang-storage", "aws-infrastructure", "greenlang-platform", "flight-school"}
    storage = screens["greenlang-storage"]
    assert [(p.id, p.rpo_seconds) for p in storage.replication] == [("data-lake", 900), ("reports", 900),
                                                                     ("models", 3600), ("bronze-zone", 3600)]
    assert storage.replication[0].destination_bucket == "greenlang-prod-eu-central-1-data-lake-confidential-replica"
    assert storage.alarms.severity_of("greenlang-s3-5xx-errors-critical") == "critical"
    assert storage.alarms.severity_of("greenlang-s3-4xx-errors-warning") == "warning"
    assert storage.kubernetes.deployments == ["storage-service", "api-gateway"]
    assert screens["aws-infrastructure"].ecs.clusters[0].name == "production-cluster"
    assert [e.method for e in screens["flight-school"].endpoints] == ["GET", "GET", "POST"]
    assert screens["greenlang-platform"].kubernetes.deployments == "all"


def test_a_bad_screen_names_file_and_line(tmp_path):
    (tmp_path / "broken.yaml").write_text(
        "name: broken\ntitle: Broken\nregions: [eu-west-1]\nreplication:\n  - id: p\n    source_bucket: a\n"
        "    destination_bucket: b\n    source_region: eu-west-1\n    rule_id: r\n    rpo_seconds: -5\n"
        "alarms:\n  severity:\n    - match: '(['\n      severity: critical\n")
    with pytest.raises(ContentError) as err:
        find_screen("broken", [tmp_path])
    text = str(err.value)
    assert f"{tmp_path / 'broken.yaml'}:10: replication.0.rpo_seconds" in text
    assert ":13: alarms.severity.0.match: not a valid regular expression" in text


def test_a_user_folder_overrides_a_shipped_screen(tmp_path):
    (tmp_path / "greenlang-platform.yaml").write_text("name: greenlang-platform\ntitle: Ours\n")
    assert find_screen("greenlang-platform", [tmp_path]).title == "Ours"


def test_environment_references_in_urls():
    url = "${HEALTH:-https://api.greenlang.io/v1/storage/health}"
    assert expand_env(url, {}) == "https://api.greenlang.io/v1/storage/health"
    assert expand_env(url, {"HEALTH": "http://127.0.0.1:8080/h"}) == "http://127.0.0.1:8080/h"
    with pytest.raises(ValueError, match="MISSING is not set"):
        expand_env("${MISSING}/x", {})
