"""The env the estate prints, as aws-cli sees it: every runbook service, each system's region.

Real aws-cli (v1 here, the one whose customizations bypass AWS_ENDPOINT_URL for RDS in
us-east-1) against the suite's estate, with nothing but the env file it wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.content.screen import load_screens
from cockpit.estate.process import read_env_file

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

AWS = shutil.which("aws")
needs_aws = pytest.mark.skipif(AWS is None, reason="aws-cli is not installed (no `aws` on PATH)")


def system_env_file(estate, system: str) -> Path:
    return estate.process.env_file.with_name(f"{estate.process.env_file.name}.{system}")


def run_aws(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    """`aws ARGS` with only the estate's env (no retries, so a wrong endpoint fails in seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
    env.update(read_env_file(env_file), AWS_MAX_ATTEMPTS="1")
    return subprocess.run([AWS, *args, "--cli-connect-timeout", "3", "--output", "text"], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@needs_aws
def test_aws_cli_reaches_the_estate_for_rds_in_us_east_1(estate):
    # The AWS runbook's P0 step and pre-deployment backup check, as written, in us-east-1.
    out = run_aws(estate.process.env_file, "rds", "describe-db-instances", "--region", "us-east-1",
                  "--query", "DBInstances[*].[DBInstanceIdentifier,DBInstanceStatus]")
    assert out.returncode == 0, out.stderr
    assert "production-db" in out.stdout
    snapshots = run_aws(estate.process.env_file, "rds", "describe-db-snapshots", "--region", "us-east-1",
                        "--db-instance-identifier", "production-db", "--query", "DBSnapshots[].DBSnapshotIdentifier")
    assert snapshots.returncode == 0, snapshots.stderr


@needs_aws
def test_each_systems_env_runs_its_runbook_commands_as_written(estate):
    # Seed 001 names no region: in the aws-infrastructure env its ECS and RDS commands find
    # production-cluster and production-db (us-east-1); in the storage env, the buckets (eu-west-1).
    infra = system_env_file(estate, "aws-infrastructure")
    assert read_env_file(infra)["AWS_DEFAULT_REGION"] == "us-east-1"
    clusters = run_aws(infra, "ecs", "list-clusters", "--query", "clusterArns")
    assert clusters.returncode == 0, clusters.stderr
    assert "production-cluster" in clusters.stdout
    rds = run_aws(infra, "rds", "describe-db-instances", "--query", "DBInstances[*].DBInstanceIdentifier")
    assert rds.returncode == 0 and "production-db" in rds.stdout, rds.stderr
    storage = system_env_file(estate, "greenlang-storage")
    assert read_env_file(storage)["AWS_DEFAULT_REGION"] == "eu-west-1"
    replication = run_aws(storage, "s3api", "get-bucket-replication", "--bucket",
                          "greenlang-prod-eu-west-1-data-lake-confidential", "--query", "ReplicationConfiguration.Role")
    assert replication.returncode == 0 and "replication-role" in replication.stdout, replication.stderr


def test_a_systems_region_comes_from_its_screen(tmp_path):
    from cockpit.estate.system_env import system_regions

    # A team's own screen that names a region only on its RDS pane gets an env in that region.
    (tmp_path / "billing.yaml").write_text("name: billing\ntitle: Billing\nrds:\n  region: ap-southeast-2\n"
                                           "  instances: [billing-db]\n")
    regions = system_regions(load_screens([tmp_path]))
    assert regions["billing"] == "ap-southeast-2"
    assert regions["flight-school"] == "us-east-1" and regions["greenlang-storage"] == "eu-west-1"
    assert regions["greenlang-platform"] is None


def test_env_for_an_unknown_screen_is_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cockpit", "demo", "--no-ui", "--env-for", "nope"],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                         env={**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)})
    assert out.returncode != 0
    assert out.stderr.startswith("cockpit: error: --env-for: no screen named 'nope'"), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and out.stdout == ""
