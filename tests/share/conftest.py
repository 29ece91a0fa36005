"""The share tests' estate, and a client that looks at it without being counted.

Each module that needs AWS starts its own estate (``start_estate``, a ``cockpit demo
--no-ui`` child), so the tables it makes and the requests its estate counts are its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit.estate.requestlog import INTERNAL_MARKER
from tests.engine.conftest import cli_env, cockpit

#: The region of the tests' share tables.
REGION = "eu-central-1"


@pytest.fixture(scope="module")
def share_estate(start_estate: Any) -> Any:
    """An estate of this module's own (no scenario)."""
    return start_estate()


@pytest.fixture
def table(share_estate: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """A share table of the test's own (incident numbers are per share), its URI as ``table.uri``."""
    name = "share-" + request.node.name.removeprefix("test_")[:40]
    done = cockpit(["share", "init", "--region", REGION, "--table", name], share_env(share_estate.env, tmp_path / "i"),
                   tmp_path / "init.db", timeout=120)
    assert done.returncode == 0, done.stderr
    share_estate.uri = f"dynamodb://{name}?region={REGION}"
    return share_estate


def looking_client(handle: Any, service: str, region: str) -> Any:
    """A boto3 client on the estate whose requests the estate does not count (``INTERNAL_MARKER``),
    so a test can look at what a command did without adding to what it counts."""
    import boto3
    from botocore.config import Config

    env = handle.env
    return boto3.client(service, region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                        config=Config(user_agent_extra=INTERNAL_MARKER))


def share_env(aws_env: dict[str, str], tmp_path: Path, actor: str = "alice@bastion-1") -> dict[str, str]:
    """A ``cockpit`` process's environment (``aws_env``: the estate's), with a config naming the responder."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = cli_env(aws_env, tmp_path)
    Path(env["COCKPIT_CONFIG"]).write_text(f'actor = "{actor}"\n', encoding="utf-8")
    return env
