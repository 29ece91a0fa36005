"""The runbooks' own commands that answered wrong in the estate, run with the real aws-cli
and only the env the estate writes for the runbook's system (docs/runbook-commands.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cockpit.estate.process import read_env_file

DATA_LAKE = "greenlang-prod-eu-west-1-data-lake-confidential"
REPLICA = "greenlang-prod-eu-central-1-data-lake-confidential-replica"


def aws(estate, screen: str, *args: str) -> subprocess.CompletedProcess:
    """aws-cli as an SRE runs it after sourcing the system's env file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(read_env_file(Path(f"{estate.process.env_file}.{screen}")))
    return subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=90)


def answer(proc: subprocess.CompletedProcess):
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_replication_status_is_completed_on_the_source_and_replica_on_the_copy(estate):
    """Seed 000: head-object --query ReplicationStatus (was null: moto reports none)."""
    key = "silver/cbam/latest/manifest.json"
    assert answer(aws(estate, "greenlang-storage", "s3api", "head-object", "--bucket", DATA_LAKE, "--key", key,
                      "--query", "ReplicationStatus")) == "COMPLETED"
    assert answer(aws(estate, "greenlang-storage", "s3api", "head-object", "--bucket", REPLICA, "--key", key,
                      "--region", "eu-central-1", "--query", "ReplicationStatus")) == "REPLICA"


def test_an_archived_objects_tags_are_readable_but_its_data_is_not(estate, tmp_path):
    """Seed 000: get-object-tagging on the GLACIER report (moto refused it: InvalidObjectState)."""
    key = "archive/2024/compliance_report.pdf"
    tags = answer(aws(estate, "greenlang-storage", "s3api", "get-object-tagging", "--bucket", DATA_LAKE, "--key", key))
    assert {"Key": "replication", "Value": "enabled"} in tags["TagSet"]
    refused = aws(estate, "greenlang-storage", "s3api", "get-object", "--bucket", DATA_LAKE, "--key", key,
                  str(tmp_path / "report.pdf"))
    assert refused.returncode != 0 and "InvalidObjectState" in refused.stderr


def test_a_comma_joined_statistics_list_is_refused_as_cloudwatch_refuses_it(estate):
    """Seed 001's `--statistics Maximum,Average` is one name to aws-cli: AWS answers a
    ValidationError, the estate answered an HTML 500 that aws-cli retried four times."""
    args = ["cloudwatch", "get-metric-statistics", "--namespace", "AWS/RDS", "--metric-name", "DatabaseConnections",
            "--dimensions", "Name=DBInstanceIdentifier,Value=production-db", "--start-time", "2020-01-01",
            "--end-time", "2030-01-01", "--period", "86400", "--statistics"]
    bad = aws(estate, "aws-infrastructure", *args, "Maximum,Average")
    assert bad.returncode != 0
    assert "(ValidationError)" in bad.stderr and "enum value set" in bad.stderr and "<html" not in bad.stderr.lower()
    good = answer(aws(estate, "aws-infrastructure", *args, "Maximum", "Average"))
    assert good["Datapoints"] and all(p["Maximum"] >= p["Average"] > 0 for p in good["Datapoints"])


def test_the_flight_school_frontend_has_its_cloudfront_distribution(estate):
    """Seed 004's `aws cloudfront list-distributions` (was an empty answer)."""
    dists = answer(aws(estate, "flight-school", "cloudfront", "list-distributions"))["DistributionList"]["Items"]
    origins = [o["DomainName"] for d in dists for o in d["Origins"]["Items"]]
    assert "flight-school-marketplace.s3-website-us-east-1.amazonaws.com" in origins
