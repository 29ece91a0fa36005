"""``cockpit share policy`` grants what Cockpit calls and nothing else, on the share table only,
over TLS only (docs/sharing-design.md, section 9); and what ``share init`` calls, counted by
the estate where the requests arrive, is what ``--admin`` grants."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cockpit.cli import cli
from cockpit.share.table import ADMIN_OPERATIONS, OPERATIONS
from tests.engine.conftest import cockpit, requests_since
from tests.share.conftest import looking_client, share_env
from tests.test_layering import ESTATE_PACKAGES, _loaded_after

SHARE = "dynamodb://cockpit-share?region=eu-central-1"
ARN = "arn:aws:dynamodb:eu-central-1:123456789012:table/cockpit-share"


def _policy(tmp_path: Path, *args: str) -> dict[str, Any]:
    config = tmp_path / "config.toml"
    config.write_text(f'share = "{SHARE}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "share", "policy", "--account", "123456789012", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _only_statement(document: dict[str, Any]) -> dict[str, Any]:
    assert document["Version"] == "2012-10-17"
    [statement] = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "true"}}
    assert set(statement) == {"Sid", "Effect", "Action", "Resource", "Condition"}  # no NotAction, no Principal
    return statement


def test_responders_get_exactly_the_operations_cockpit_calls_on_the_table(tmp_path: Path) -> None:
    statement = _only_statement(_policy(tmp_path))
    assert statement["Action"] == sorted(f"dynamodb:{op}" for op in OPERATIONS)
    assert statement["Resource"] == ARN


def test_admin_gets_exactly_what_init_needs_on_the_table(tmp_path: Path) -> None:
    statement = _only_statement(_policy(tmp_path, "--admin"))
    assert statement["Action"] == sorted(f"dynamodb:{op}" for op in ADMIN_OPERATIONS)
    assert statement["Resource"] == ARN


def test_table_and_region_options_name_the_arn_in_the_regions_partition(tmp_path: Path) -> None:
    statement = _only_statement(_policy(tmp_path, "--table", "sre.share", "--region", "cn-north-1"))
    assert statement["Resource"] == "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/sre.share"


def test_the_share_option_wins_over_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('share = "dynamodb://from-config?region=eu-central-1"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "--share", "dynamodb://from-option?region=us-east-1",
                                      "share", "policy", "--account", "123456789012"])
    assert result.exit_code == 0, result.stderr
    assert _only_statement(json.loads(result.stdout))["Resource"] == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/from-option")


def test_a_bad_account_is_one_error_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'share = "{SHARE}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "share", "policy", "--account", "12345"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "cockpit: error: account '12345': an AWS account id is 12 digits\n"


@pytest.mark.slow  # a fresh interpreter runs the command
def test_policy_with_an_account_loads_no_aws_client_at_all(tmp_path: Path) -> None:
    """Printing a policy is text: no botocore (so no credentials, no endpoint), no estate package."""
    config = tmp_path / "config.toml"
    config.write_text(f'share = "{SHARE}"\n')
    env = {**os.environ, "COCKPIT_CONFIG": str(config)}
    loaded = _loaded_after([["share", "policy", "--account", "123456789012"]],
                           ESTATE_PACKAGES + ("textual", "botocore"), env)
    assert loaded == ""


def test_without_an_account_the_policy_names_the_callers_from_sts(share_estate: Any, tmp_path: Path) -> None:
    done = cockpit(["--share", SHARE, "share", "policy"], share_env(share_estate.env, tmp_path), tmp_path / "t.db",
                   timeout=120)
    assert done.returncode == 0, done.stderr
    assert _only_statement(json.loads(done.stdout))["Resource"] == ARN  # moto's account, as STS answers it


def test_every_operation_init_calls_is_in_the_admin_policy(share_estate: Any, tmp_path: Path) -> None:
    """Counted at the estate, over every path init takes: a new table, the same table again with
    point-in-time recovery off, and a table that is not a share's."""
    env = share_env(share_estate.env, tmp_path)
    ddb = looking_client(share_estate, "dynamodb", "eu-central-1")
    ddb.create_table(TableName="not-a-share", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    since = time.time()
    init = ["--share", SHARE, "share", "init"]
    assert cockpit(init, env, tmp_path / "t.db", timeout=120).returncode == 0
    ddb.update_continuous_backups(TableName="cockpit-share",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    again = cockpit(init, env, tmp_path / "t.db", timeout=120)
    assert again.returncode == 0 and "point-in-time recovery turned on" in again.stderr, again.stderr
    assert cockpit([*init, "--table", "not-a-share"], env, tmp_path / "t.db", timeout=120).returncode == 2

    counts = requests_since(share_estate, since)["by_operation"]
    called = {key.rsplit(":", 1)[1] for key in counts if key.startswith("aws:dynamodb:")}
    assert called <= ADMIN_OPERATIONS, called - ADMIN_OPERATIONS
    # Nothing granted that init does not call, but TagResource: init tags the table in its
    # CreateTable, and IAM may check a tag given at creation as dynamodb:TagResource.
    assert ADMIN_OPERATIONS - called == {"TagResource"}
