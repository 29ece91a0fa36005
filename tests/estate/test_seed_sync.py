"""Seeding is deterministic: a bucket and its replica agree, so `aws s3 sync` between them
does the same thing on every fresh estate (nothing to copy), never a GLACIER object that
happened to look newer because its replica was written a second later.

Several fresh estates, each checked with the real aws-cli's `s3 sync --dryrun` both ways.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from cockpit.estate import catalogue as cat
from cockpit.estate.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY, AwsEstate
from cockpit.estate.requestlog import RequestLog

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

AWS = shutil.which("aws") or "/work/main/.venv/bin/aws"


def _sync_dryrun(endpoint: str, source: str, destination: str, source_region: str, region: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY, "AWS_DEFAULT_REGION": region})
    out = subprocess.run([AWS, "s3", "sync", "--dryrun", f"s3://{source}/", f"s3://{destination}/",
                          "--source-region", source_region, "--region", region],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout + out.stderr


def test_sync_between_primary_and_replica_behaves_the_same_on_every_fresh_estate():
    for _ in range(3):
        aws = AwsEstate(RequestLog())
        aws.start()
        try:
            for pair in cat.REPLICATION_PAIRS:
                back = _sync_dryrun(aws.endpoint_url, pair.destination, pair.source, pair.destination_region,
                                    pair.source_region)
                assert back == "", back  # the failback's sync: nothing to copy, no GLACIER copy attempted
                forth = _sync_dryrun(aws.endpoint_url, pair.source, pair.destination, pair.source_region,
                                     pair.destination_region)
                assert forth == "", forth
            # Every object and version has its own time, oldest version first.
            s3 = aws.client("s3", cat.PRIMARY_REGION)
            versions = s3.list_object_versions(Bucket=cat.REPLICATION_PAIRS[0].source)["Versions"]
            stamps = [v["LastModified"] for v in versions]
            assert len(set(stamps)) == len(stamps), stamps
            history = [v["LastModified"] for v in versions if v["Key"] == "silver/cbam/emissions/data.parquet"]
            assert len(history) == 3 and history == sorted(history, reverse=True)  # newest first, as S3 lists
        finally:
            aws.stop()
