"""GuardDuty ``ListFindings`` / ``GetFindings`` (seed 004's security monitoring); moto has neither.

The seeded detector (the first in us-east-1) holds one low-severity finding, the kind an
internet-facing ALB's hosts always collect (an unprotected port probed); detectors a
responder creates start empty, as in AWS. ``FindingCriteria`` is not applied (documented).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from cockpit.estate import catalogue as cat
from cockpit.estate.answers.call import Call
from cockpit.estate.answers.protocol import AnswerError

_FINDING_AGE = 26 * 3600  # first seen a day before the estate's world began


def _detectors(call: Call) -> list[str]:
    return list(call.clients("guardduty", call.region).list_detectors()["DetectorIds"])


def _findings(call: Call, detector: str) -> list[dict[str, Any]]:
    detectors = _detectors(call)
    if detector not in detectors:
        raise AnswerError(400, "BadRequestException",
                          "The request is rejected because the input detectorId is not owned by the current account.")
    if call.region != cat.US_REGION or detector != detectors[0]:
        return []
    hosts = call.clients("ec2", cat.US_REGION).describe_instances(Filters=[
        {"Name": "tag:Name", "Values": ["production-ecs-node"]}])["Reservations"]
    instance = hosts[0]["Instances"][0]["InstanceId"] if hosts else "i-unknown"
    seen = datetime.fromtimestamp(call.world_now() - _FINDING_AGE, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    finding_id = hashlib.sha1(f"{detector}|{instance}|portprobe".encode()).hexdigest()
    return [{
        "AccountId": cat.ACCOUNT_ID, "Id": finding_id, "Region": cat.US_REGION, "Partition": "aws",
        "Arn": f"arn:aws:guardduty:{cat.US_REGION}:{cat.ACCOUNT_ID}:detector/{detector}/finding/{finding_id}",
        "SchemaVersion": "2.0", "Type": "Recon:EC2/PortProbeUnprotectedPort", "Severity": 2.0,
        "Title": f"Unprotected port on EC2 instance {instance} is being probed.",
        "Description": f"EC2 instance {instance} has an unprotected port 22 which is being probed by a known "
                       "malicious host.",
        "CreatedAt": seen, "UpdatedAt": seen, "Confidence": 5.0,
        "Resource": {"ResourceType": "Instance", "InstanceDetails": {
            "InstanceId": instance, "InstanceType": "m5.large", "ImageId": "", "Tags": [
                {"Key": "Name", "Value": "production-ecs-node"}]}},
        "Service": {"ServiceName": "guardduty", "DetectorId": detector, "Archived": False, "Count": 14,
                    "EventFirstSeen": seen, "EventLastSeen": seen, "ResourceRole": "TARGET"},
    }]


def list_findings(params: dict[str, Any], call: Call) -> dict[str, Any]:
    return {"FindingIds": [f["Id"] for f in _findings(call, params.get("DetectorId", ""))]}


def get_findings(params: dict[str, Any], call: Call) -> dict[str, Any]:
    wanted = set(params.get("FindingIds") or [])
    return {"Findings": [f for f in _findings(call, params.get("DetectorId", "")) if f["Id"] in wanted]}
