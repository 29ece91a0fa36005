"""``cockpit share init`` on the emulated estate, as a real process over real HTTP: the table it
makes is the one design 3.1 asks for, a second run changes nothing and prints the same line,
and a table that is not a share's is refused in one line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import cockpit, requests_since
from tests.share.conftest import looking_client, share_env
from tests.test_layering import ESTATE_PACKAGES, _loaded_after

pytestmark = pytest.mark.slow  # `cockpit share init` as a subprocess, on an estate of its own

REGION = "eu-central-1"
META = {"pk": {"S": "SHARE"}, "sk": {"S": "#META"}}


def _meta(ddb: Any, table: str) -> dict[str, Any]:
    return ddb.get_item(TableName=table, Key=META, ConsistentRead=True)["Item"]


def _dynamodb_calls(handle: Any, since: float) -> dict[str, int]:
    counts = requests_since(handle, since)["by_operation"]
    return {key.split(":", 2)[2]: n for key, n in counts.items() if key.startswith("aws:dynamodb:")}


def test_init_makes_the_designs_table_and_prints_the_config_line(share_estate: Any, tmp_path: Path) -> None:
    env = share_env(share_estate.env, tmp_path)
    # No --table, no --region, no share configured: cockpit-share in the AWS default region.
    done = cockpit(["share", "init"], env, tmp_path / "t.db", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f'share = "dynamodb://cockpit-share?region={env["AWS_REGION"]}"\n'
    assert done.stderr.startswith(f"cockpit: created table cockpit-share in {env['AWS_REGION']}: on demand, "
                                  "deletion protection, point-in-time recovery for 35 days; share "), done.stderr

    ddb = looking_client(share_estate, "dynamodb", env["AWS_REGION"])
    table = ddb.describe_table(TableName="cockpit-share")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert sorted((a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]) == [
        ("pk", "S"), ("sk", "S")]
    assert not table.get("GlobalSecondaryIndexes") and not table.get("LocalSecondaryIndexes")
    pitr = ddb.describe_continuous_backups(TableName="cockpit-share")["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert pitr["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 35
    assert {"Key": "cockpit:share", "Value": "1"} in ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    meta = _meta(ddb, "cockpit-share")
    assert meta["format"] == {"N": "1"} and meta["created_by"] == {"S": "alice@bastion-1"}
    assert len(meta["share_id"]["S"]) == 32 and meta["share_id"]["S"] in done.stderr


def test_a_second_init_changes_nothing_and_prints_the_same_line(share_estate: Any, tmp_path: Path) -> None:
    env = share_env(share_estate.env, tmp_path)
    args = ["share", "init", "--table", "team.share-2", "--region", REGION]
    first = cockpit(args, env, tmp_path / "t.db", timeout=120)
    assert first.returncode == 0, first.stderr
    ddb = looking_client(share_estate, "dynamodb", REGION)
    meta = _meta(ddb, "team.share-2")

    since = time.time()
    second = cockpit(args, share_env(share_estate.env, tmp_path / "bob", actor="bob@laptop-2"), tmp_path / "t.db",
                     timeout=120)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout == f'share = "dynamodb://team.share-2?region={REGION}"\n'
    assert second.stderr == (f"cockpit: table team.share-2 in {REGION} is a share table; share "
                             f"{meta['share_id']['S']}; nothing to change\n")
    assert _meta(ddb, "team.share-2") == meta  # same share_id, still alice's
    # It looked, and the one write it tried (the meta item, only if absent) was refused.
    assert _dynamodb_calls(share_estate, since) == {"DescribeTable": 1, "DescribeContinuousBackups": 1, "PutItem": 1}


def test_init_turns_point_in_time_recovery_back_on(share_estate: Any, tmp_path: Path) -> None:
    env = share_env(share_estate.env, tmp_path)
    args = ["share", "init", "--table", "pitr-off", "--region", REGION]
    assert cockpit(args, env, tmp_path / "t.db", timeout=120).returncode == 0
    ddb = looking_client(share_estate, "dynamodb", REGION)
    meta = _meta(ddb, "pitr-off")
    ddb.update_continuous_backups(TableName="pitr-off",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})

    again = cockpit(args, env, tmp_path / "t.db", timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stderr.endswith("; point-in-time recovery turned on\n"), again.stderr
    pitr = ddb.describe_continuous_backups(TableName="pitr-off")["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert _meta(ddb, "pitr-off") == meta


def test_a_table_with_another_key_is_one_error_line(share_estate: Any, tmp_path: Path) -> None:
    ddb = looking_client(share_estate, "dynamodb", REGION)
    ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    since = time.time()
    refused = cockpit(["share", "init", "--table", "orders", "--region", REGION], share_env(share_estate.env, tmp_path),
                      tmp_path / "t.db", timeout=120)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr == (f"cockpit: error: table orders in {REGION} is not a share table: its key is "
                              "id (S, HASH), a share's is pk (S, HASH) + sk (S, RANGE); choose another table "
                              "(--table)\n")
    assert _dynamodb_calls(share_estate, since) == {"DescribeTable": 1}  # nothing written
    assert ddb.scan(TableName="orders")["Count"] == 0


def test_an_unreachable_endpoint_is_one_error_line(tmp_path: Path) -> None:
    env = share_env({"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "x",
                     "AWS_SECRET_ACCESS_KEY": "y"}, tmp_path)  # nothing listens on port 9
    failed = cockpit(["share", "init"], env, tmp_path / "t.db", timeout=120)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("cockpit: error: DescribeTable cockpit-share: unreachable: "), failed.stderr
    assert failed.stderr.count("\n") == 1


def test_the_shares_profile_signs_the_requests(share_estate: Any, tmp_path: Path) -> None:
    env = share_env(share_estate.env, tmp_path)
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("[sre-admin]\naws_access_key_id = AKIASREADMIN0000001\naws_secret_access_key = x\n")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
    share = f"dynamodb://by-profile?region={REGION}&profile=sre-admin"
    since = time.time()
    done = cockpit(["--share", share, "share", "init"], env, tmp_path / "t.db", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f'share = "{share}"\n'
    writes = requests_since(share_estate, since)["mutating_requests"]
    assert {w["operation"] for w in writes} == {"CreateTable", "UpdateContinuousBackups", "PutItem"}
    assert {w["access_key"] for w in writes} == {"AKIASREADMIN0000001"}  # the profile's, not AWS_ACCESS_KEY_ID's

    missing = cockpit(["--share", share.replace("sre-admin", "nobody"), "share", "init"], env, tmp_path / "t.db",
                      timeout=120)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == ("cockpit: error: DescribeTable by-profile: config: The config profile (nobody) "
                              "could not be found\n")


def test_init_needs_no_estate_package(share_estate: Any, tmp_path: Path) -> None:
    """`share init` does its work with botocore alone: no boto3, moto or kmock (the ``demo``
    extra a production bastion lacks), no Textual."""
    env = share_env(share_estate.env, tmp_path)
    loaded = _loaded_after([["share", "init", "--table", "lean-init", "--region", REGION]],
                           ESTATE_PACKAGES + ("textual",), env)
    assert loaded == ""
    assert _meta(looking_client(share_estate, "dynamodb", REGION), "lean-init")["format"] == {"N": "1"}
