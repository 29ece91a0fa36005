"""``cockpit share init`` makes (or checks) the share table; ``cockpit share policy`` writes the
IAM policies that reach it (docs/sharing-design.md, 3.1 and 9).

:func:`init_table` takes design 3.1's steps, each safe to take again:

1. ``DescribeTable``; if there is none, ``CreateTable`` with ``pk`` (S, HASH) and ``sk``
   (S, RANGE), on demand, deletion protection on, tagged ``cockpit:share=1``, no index;
2. the ``table_exists`` waiter until it is ``ACTIVE``;
3. point-in-time recovery on, for 35 days (``UpdateContinuousBackups``; on a table that
   was there already, only if ``DescribeContinuousBackups`` says it is off);
4. the ``SHARE``/``#META`` item (a random ``share_id``, ``format``, ``created_by``) written
   only if absent; if present, the answer of the refused write carries it
   (``ReturnValuesOnConditionCheckFailure``), so no read is needed and nothing changes.

A table with any other key is refused in one line: its items would not be a share's.

Calls are botocore's, blocking, with the credential chain and ``AWS_ENDPOINT_URL`` of every
other command (``sources/aws_threads.py``); failures are read by ``sources/errors.py``.
Nothing here prints: the command says what :class:`InitResult` holds.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from cockpit.content.regions import partition_of
from cockpit.share.table import ADMIN_OPERATIONS, FORMAT, META_SK, NEW_ONLY, OPERATIONS, SHARE_PK
from cockpit.share.uri import ShareUri

#: What a share table's key is, as DescribeTable reports it.
KEY_SCHEMA = (("pk", "HASH", "S"), ("sk", "RANGE", "S"))
TAG = {"Key": "cockpit:share", "Value": "1"}
RECOVERY_DAYS = 35
#: The ``table_exists`` waiter: every 2 s, for 2 minutes (a new table takes seconds).
WAIT_DELAY, WAIT_ATTEMPTS = 2, 60
#: AWS refuses PITR on a table created a moment ago (ContinuousBackupsUnavailableException)
#: until its backups are set up; asked again this often, this long.
PITR_RETRY_DELAY, PITR_RETRY_SECONDS = 2.0, 120.0


class ShareAdminError(Exception):
    """``share init`` or ``share policy`` cannot do its work; the message is one line."""


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_table` found and did."""

    uri: ShareUri
    created: bool  # the table was made now
    pitr_turned_on: bool  # point-in-time recovery was off (or the table new) and is on now
    meta_written: bool  # the #META item was written now
    share_id: str

    def summary(self) -> str:
        where = f"table {self.uri.table} in {self.uri.region}"
        if self.created:
            return (f"created {where}: on demand, deletion protection, point-in-time recovery for "
                    f"{RECOVERY_DAYS} days; share {self.share_id}")
        done = [what for what, did in (("point-in-time recovery turned on", self.pitr_turned_on),
                                       ("share written", self.meta_written)) if did]
        return f"{where} is a share table; share {self.share_id}; " + ("; ".join(done) or "nothing to change")


def _client(uri: ShareUri, service: str) -> Any:
    from cockpit.sources.aws_threads import new_session, plain_client

    return plain_client(new_session(uri.profile), service, uri.region, connect_timeout=3.0, read_timeout=10.0,
                        max_attempts=3)


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _failed(what: str, exc: BaseException) -> ShareAdminError:
    from cockpit.sources.errors import classify

    return ShareAdminError(f"{what}: {classify(exc)}")


def init_table(uri: ShareUri, actor: str) -> InitResult:
    """Make the share table of ``uri``, or check the one there; see the module docstring."""
    import botocore.exceptions as bex

    step = f"DescribeTable {uri.table}"
    try:
        dynamodb = _client(uri, "dynamodb")  # a profile that is not there fails here
        table = _describe(dynamodb, uri.table)
        created = table is None
        if created:
            step = f"CreateTable {uri.table}"
            table = _create(dynamodb, uri.table)
        _check_keys(uri, table)
        if created or table.get("TableStatus") != "ACTIVE":
            step = f"waiting for table {uri.table} to be ACTIVE"
            dynamodb.get_waiter("table_exists").wait(
                TableName=uri.table, WaiterConfig={"Delay": WAIT_DELAY, "MaxAttempts": WAIT_ATTEMPTS})
        step = f"point-in-time recovery of {uri.table}"
        pitr_turned_on = _point_in_time_recovery(dynamodb, uri.table, known_off=created)
        step = f"PutItem {SHARE_PK}/{META_SK} in {uri.table}"
        share_id, meta_written = _meta(dynamodb, uri.table, actor)
    except (bex.BotoCoreError, bex.ClientError) as exc:
        raise _failed(step, exc) from None
    return InitResult(uri, created, pitr_turned_on, meta_written, share_id)


def _describe(dynamodb: Any, table: str) -> dict[str, Any] | None:
    try:
        return dynamodb.describe_table(TableName=table)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return None


def _create(dynamodb: Any, table: str) -> dict[str, Any]:
    """CreateTable; another host's init that got there first counts as a table that was there."""
    try:
        return dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": kind} for name, _, kind in KEY_SCHEMA],
            KeySchema=[{"AttributeName": name, "KeyType": role} for name, role, _ in KEY_SCHEMA],
            BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True, Tags=[TAG],
        )["TableDescription"]
    except dynamodb.exceptions.ResourceInUseException:
        return dynamodb.describe_table(TableName=table)["Table"]


def _check_keys(uri: ShareUri, table: dict[str, Any]) -> None:
    types = {a.get("AttributeName"): a.get("AttributeType") for a in table.get("AttributeDefinitions", [])}
    keys = tuple((k.get("AttributeName"), k.get("KeyType"), types.get(k.get("AttributeName")))
                 for k in table.get("KeySchema", []))
    if keys != KEY_SCHEMA:
        def shown(schema: tuple) -> str:
            return " + ".join(f"{name} ({kind}, {role})" for name, role, kind in schema) or "none"

        raise ShareAdminError(f"table {uri.table} in {uri.region} is not a share table: its key is {shown(keys)}, "
                              f"a share's is {shown(KEY_SCHEMA)}; choose another table (--table)")


def _point_in_time_recovery(dynamodb: Any, table: str, *, known_off: bool) -> bool:
    """Turn PITR on unless it is; whether this call turned it on."""
    if not known_off:
        described = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        if described.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED":
            return False
    deadline = time.monotonic() + PITR_RETRY_SECONDS
    while True:
        try:
            dynamodb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": RECOVERY_DAYS})
            return True
        except dynamodb.exceptions.ContinuousBackupsUnavailableException:
            if time.monotonic() > deadline:
                raise
            time.sleep(PITR_RETRY_DELAY)


def _meta(dynamodb: Any, table: str, actor: str) -> tuple[str, bool]:
    """(share_id, whether written now): the meta item, written only where there is none."""
    share_id = uuid.uuid4().hex
    try:
        dynamodb.put_item(
            TableName=table,
            Item={"pk": {"S": SHARE_PK}, "sk": {"S": META_SK}, "share_id": {"S": share_id},
                  "format": {"N": str(FORMAT)}, "created_by": {"S": actor}},
            ConditionExpression=NEW_ONLY, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return share_id, True
    except dynamodb.exceptions.ConditionalCheckFailedException as exc:
        held = exc.response.get("Item") or {}
    found = held.get("share_id", {}).get("S")
    if not found:
        raise ShareAdminError(f"table {table}: its {SHARE_PK}/{META_SK} item has no share_id")
    version = held.get("format", {}).get("N", "")
    if version != str(FORMAT):
        raise ShareAdminError(f"table {table} holds a share of format {version or '?'}; this cockpit knows "
                              f"format {FORMAT}: upgrade Cockpit")
    return found, False


# -- IAM -----------------------------------------------------------------------------------

def table_arn(uri: ShareUri, account: str) -> str:
    return f"arn:{partition_of(uri.region)}:dynamodb:{uri.region}:{account}:table/{uri.table}"


def policy(uri: ShareUri, account: str, admin: bool = False) -> dict[str, Any]:
    """The IAM policy responders need (``admin``: the one ``share init`` needs), on the table only,
    over TLS only: design section 9, built from ``table.py``'s operations."""
    if not re.fullmatch(r"\d{12}", account):
        raise ShareAdminError(f"account {account!r}: an AWS account id is 12 digits")
    operations = ADMIN_OPERATIONS if admin else OPERATIONS
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CockpitShareInit" if admin else "CockpitShare",
            "Effect": "Allow",
            "Action": [f"dynamodb:{op}" for op in sorted(operations)],
            "Resource": table_arn(uri, account),
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }],
    }


def caller_account(uri: ShareUri) -> str:
    """The account of the credentials ``uri``'s profile (or the chain) gives, from STS."""
    import botocore.exceptions as bex

    try:
        return str(_client(uri, "sts").get_caller_identity()["Account"])
    except (bex.BotoCoreError, bex.ClientError, KeyError) as exc:
        from cockpit.sources.errors import classify

        raise ShareAdminError(f"cannot tell the account: STS GetCallerIdentity: {classify(exc)}; "
                              "give --account ID") from None
