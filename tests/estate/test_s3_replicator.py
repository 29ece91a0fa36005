"""S3 replication of objects written at run time (estate/s3_replicator.py), as a client sees it.

Before, nothing copied a run-time write: it said PENDING for ever and FAILED never existed.
Now a write is replicated, unless the rule's role may not (its own policy, evaluated as
SimulatePrincipalPolicy does) or the destination bucket is missing: then that version is
FAILED for good, and a write after the fix replicates again. The module runs its own estate:
it changes the replication role and a bucket's replication configuration.
"""

from __future__ import annotations

import boto3
import pytest

from cockpit.estate import catalogue as cat

ROLE = cat.REPLICATION_ROLE_ARN.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def handle(start_estate):
    return start_estate()


def _client(handle, service: str, region: str):
    return boto3.client(service, region_name=region, endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_write_replicates_fails_while_the_role_may_not_and_replicates_again_after_the_fix(handle):
    s3, s3_dr, iam = (_client(handle, "s3", cat.PRIMARY_REGION), _client(handle, "s3", cat.DR_REGION),
                      _client(handle, "iam", cat.US_REGION))
    key = "silver/cbam/replicator-test.json"

    first = s3.put_object(Bucket=cat.DATA_LAKE, Key=key, Body=b'{"n": 1}', ContentType="application/json")
    assert s3.head_object(Bucket=cat.DATA_LAKE, Key=key)["ReplicationStatus"] == "COMPLETED"
    copy = s3_dr.head_object(Bucket=cat.DATA_LAKE_REPLICA, Key=key)
    assert (copy["ETag"], copy["ReplicationStatus"], copy["ContentType"]) == (first["ETag"], "REPLICA",
                                                                              "application/json")

    policy = iam.get_role_policy(RoleName=ROLE, PolicyName="s3-replication")["PolicyDocument"]
    iam.delete_role_policy(RoleName=ROLE, PolicyName="s3-replication")
    failed = s3.put_object(Bucket=cat.DATA_LAKE, Key=key, Body=b'{"n": 2}')
    assert s3.head_object(Bucket=cat.DATA_LAKE, Key=key)["ReplicationStatus"] == "FAILED"
    assert s3_dr.head_object(Bucket=cat.DATA_LAKE_REPLICA, Key=key)["ETag"] == first["ETag"]  # never got there
    assert s3.head_object(Bucket=cat.DATA_LAKE, Key=key, VersionId=first["VersionId"])["ReplicationStatus"] == \
        "COMPLETED"

    import json

    iam.put_role_policy(RoleName=ROLE, PolicyName="s3-replication", PolicyDocument=json.dumps(policy))
    # S3 does not retry the failed version...
    assert s3.head_object(Bucket=cat.DATA_LAKE, Key=key, VersionId=failed["VersionId"])["ReplicationStatus"] == \
        "FAILED"
    # ...a new write (here the failed object copied onto itself) replicates.
    s3.copy_object(Bucket=cat.DATA_LAKE, Key=key, CopySource={"Bucket": cat.DATA_LAKE, "Key": key},
                   MetadataDirective="REPLACE", ContentType="application/json")
    assert s3.head_object(Bucket=cat.DATA_LAKE, Key=key)["ReplicationStatus"] == "COMPLETED"
    assert s3_dr.head_object(Bucket=cat.DATA_LAKE_REPLICA, Key=key)["ETag"] == failed["ETag"]


def test_a_write_fails_to_replicate_into_a_destination_that_does_not_exist(handle):
    s3 = _client(handle, "s3", cat.PRIMARY_REGION)
    source = cat.PAIRS_BY_ID["reports"].source
    config = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
    gone = {**config, "Rules": [{**rule, "Destination": {**rule["Destination"], "Bucket": "arn:aws:s3:::no-such-replica"}}
                                for rule in config["Rules"]]}
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=gone)
    try:
        s3.put_object(Bucket=source, Key="cbam/to-nowhere.pdf", Body=b"%PDF")
        assert s3.head_object(Bucket=source, Key="cbam/to-nowhere.pdf")["ReplicationStatus"] == "FAILED"
    finally:
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=config)
