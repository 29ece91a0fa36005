"""Cost Explorer: daily costs per service and reservation recommendations (seeds 000, 001, 004).

There is no billing behind the estate, so the costs are made up, but plausibly and
deterministically: each service has a daily figure in the runbooks' order of magnitude
(seed 004's cost table for the flight school; the GreenLang and production estates around
it), varied by up to ±12 % per day from a hash of (service, date), so the same query always
answers the same and a week has a trend. Filters on ``SERVICE`` apply; other filters and
dimensions are not modelled (documented).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from cockpit.estate import catalogue as cat
from cockpit.estate.answers.call import Call
from cockpit.estate.answers.protocol import AnswerError

#: Service -> (USD a day, usage types with their share of the cost).
DAILY: dict[str, tuple[float, tuple[tuple[str, float], ...]]] = {
    "Amazon Elastic Compute Cloud - Compute": (27.65, (("BoxUsage:m5.large", 0.93), ("EBS:VolumeUsage.gp3", 0.07))),
    "Amazon Relational Database Service": (38.40, (("Multi-AZUsage:db.r5.large", 0.86), ("RDS:Multi-AZ-GP2-Storage", 0.14))),
    "Amazon Simple Storage Service": (14.20, (("TimedStorage-ByteHrs", 0.61), ("Requests-Tier1", 0.14),
                                              ("Requests-Tier2", 0.05), ("C3DataTransfer-Out-Bytes", 0.20))),
    "Amazon Elastic Container Service": (6.10, (("ECS-EC2-Usage", 1.0),)),
    "Elastic Load Balancing": (5.42, (("LoadBalancerUsage", 0.6), ("LCUUsage", 0.4))),
    "Amazon CloudWatch": (3.05, (("CW:MetricMonitorUsage", 0.7), ("DataProcessing-Bytes", 0.3))),
    "Amazon Bedrock": (1.33, (("USE1-Claude-InputTokenCount", 0.4), ("USE1-Claude-OutputTokenCount", 0.6))),
    "Amazon Route 53": (0.52, (("HostedZone", 0.8), ("Health-Check-AWS", 0.2))),
    "Amazon DynamoDB": (0.17, (("PayPerRequestThroughput", 0.8), ("TimedStorage-ByteHrs", 0.2))),
    "Amazon API Gateway": (0.13, (("ApiGatewayRequest", 1.0),)),
    "AWS Lambda": (0.03, (("Lambda-GB-Second", 0.9), ("Request", 0.1))),
}
#: Tag values the GreenLang buckets carry (seed 000 groups S3 costs by greenlang:application).
TAG_SHARES: dict[str, tuple[tuple[str, float], ...]] = {
    "greenlang:application": (("data-lake", 0.62), ("reports", 0.18), ("models", 0.15), ("", 0.05)),
}


def daily_cost(service: str, day: date) -> float:
    base = DAILY[service][0]
    spread = int(hashlib.sha256(f"{service}|{day.isoformat()}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return round(base * (0.88 + 0.24 * spread), 4)


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise AnswerError(400, "ValidationException", f"{field} {value!r} is not a date (YYYY-MM-DD)") from None


def _periods(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    if granularity == "DAILY":
        return [(start + timedelta(days=n), start + timedelta(days=n + 1)) for n in range((end - start).days)]
    periods, cursor = [], start
    while cursor < end:
        month_end = (cursor.replace(day=1) + timedelta(days=32)).replace(day=1)
        periods.append((cursor, min(month_end, end)))
        cursor = min(month_end, end)
    return periods


def _services(filter_: dict[str, Any] | None) -> list[str]:
    dims = (filter_ or {}).get("Dimensions") or {}
    if dims.get("Key") == "SERVICE":
        return [s for s in DAILY if s in dims.get("Values", [])]
    return list(DAILY)


def _amounts(metrics: list[str], usd: float) -> dict[str, dict[str, str]]:
    return {m: ({"Amount": f"{usd * 10:.4f}", "Unit": "N/A"} if m.endswith("Quantity")
                else {"Amount": f"{usd:.10f}".rstrip("0").rstrip("."), "Unit": "USD"}) for m in metrics}


def get_cost_and_usage(params: dict[str, Any], call: Call) -> dict[str, Any]:
    period = params.get("TimePeriod") or {}
    start, end = _day(period.get("Start"), "Start"), _day(period.get("End"), "End")
    if start >= end:
        raise AnswerError(400, "ValidationException", "Start date must be before the end date")
    granularity = params.get("Granularity") or "DAILY"
    metrics = params.get("Metrics") or []
    if not metrics:
        raise AnswerError(400, "ValidationException", "Metrics is required")
    services = _services(params.get("Filter"))
    group_by = params.get("GroupBy") or []
    today = date.fromtimestamp(call.world_now())
    results = []
    for p_start, p_end in _periods(start, end, granularity):
        days = [p_start + timedelta(days=n) for n in range((p_end - p_start).days)]
        per_key: dict[str, float] = {}
        for service in services:
            cost = sum(daily_cost(service, d) for d in days)
            for key, share in _split(service, group_by):
                per_key[key] = per_key.get(key, 0.0) + cost * share
        entry: dict[str, Any] = {"TimePeriod": {"Start": p_start.isoformat(), "End": p_end.isoformat()},
                                 "Estimated": p_end > today}
        if group_by:
            entry["Total"] = {}
            entry["Groups"] = [{"Keys": [k], "Metrics": _amounts(metrics, v)} for k, v in per_key.items()]
        else:
            entry["Total"] = _amounts(metrics, sum(per_key.values()))
            entry["Groups"] = []
        results.append(entry)
    answer: dict[str, Any] = {"ResultsByTime": results, "DimensionValueAttributes": []}
    if group_by:
        answer["GroupDefinitions"] = [{"Type": g.get("Type"), "Key": g.get("Key")} for g in group_by]
    return answer


def _split(service: str, group_by: list[dict[str, str]]) -> list[tuple[str, float]]:
    if not group_by:
        return [("", 1.0)]
    group = group_by[0]
    key = group.get("Key", "")
    if group.get("Type") == "TAG":
        shares = TAG_SHARES.get(key, (("", 1.0),)) if service == "Amazon Simple Storage Service" else (("", 1.0),)
        return [(f"{key}${value}", share) for value, share in shares]
    if key == "USAGE_TYPE":
        return list(DAILY[service][1])
    if key == "REGION":
        return [(cat.US_REGION, 0.7), (cat.PRIMARY_REGION, 0.25), (cat.DR_REGION, 0.05)]
    return [(service, 1.0)]


def get_reservation_purchase_recommendation(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """EC2: the running m5.large hosts, counted in the account; RDS: production-db; else none."""
    service = params.get("Service", "")
    lookback = {"SEVEN_DAYS": 7, "THIRTY_DAYS": 30, "SIXTY_DAYS": 60}.get(params.get("LookbackPeriodInDays") or
                                                                          "SEVEN_DAYS", 7)
    term, payment = params.get("TermInYears") or "ONE_YEAR", params.get("PaymentOption") or "NO_UPFRONT"
    details = []
    if service == "Amazon Elastic Compute Cloud - Compute" or service == "EC2":
        reservations = call.clients("ec2", cat.US_REGION).describe_instances(Filters=[
            {"Name": "instance-state-name", "Values": ["running"]},
            {"Name": "instance-type", "Values": ["m5.large"]}])["Reservations"]
        count = sum(len(r["Instances"]) for r in reservations)
        if count:
            details.append(_detail({"EC2InstanceDetails": {
                "Family": "m5", "InstanceType": "m5.large", "Region": cat.US_REGION, "Platform": "Linux/UNIX",
                "Tenancy": "shared", "CurrentGeneration": True, "SizeFlexEligible": True}}, count, 70.08, 0.36))
    elif service in ("Amazon Relational Database Service", "RDS"):
        details.append(_detail({"RDSInstanceDetails": {
            "Family": "r5", "InstanceType": "db.r5.large", "Region": cat.US_REGION, "DatabaseEngine": "PostgreSQL",
            "DeploymentOption": "Multi-AZ", "LicenseModel": "No license required", "CurrentGeneration": True,
            "SizeFlexEligible": True}}, 1, 1168.0, 0.31))
    recommendations = []
    if details:
        savings = sum(float(d["EstimatedMonthlySavingsAmount"]) for d in details)
        recommendations.append({
            "AccountScope": "PAYER", "LookbackPeriodInDays": params.get("LookbackPeriodInDays") or "SEVEN_DAYS",
            "TermInYears": term, "PaymentOption": payment,
            "ServiceSpecification": {"EC2Specification": {"OfferingClass": "STANDARD"}},
            "RecommendationDetails": details,
            "RecommendationSummary": {"TotalEstimatedMonthlySavingsAmount": f"{savings:.2f}",
                                      "TotalEstimatedMonthlySavingsPercentage": f"{details[0]['EstimatedMonthlySavingsPercentage']}",
                                      "CurrencyCode": "USD"}})
    generated = date.fromtimestamp(call.world_now()).isoformat()
    return {"Metadata": {"RecommendationId": hashlib.sha1(f"{service}|{term}|{payment}|{lookback}".encode()).hexdigest()[:36],
                         "GenerationTimestamp": f"{generated}T00:00:00Z", "LookbackPeriodInDays": str(lookback)},
            "Recommendations": recommendations}


def _detail(instance: dict[str, Any], count: int, monthly_on_demand: float, saving: float) -> dict[str, Any]:
    on_demand = monthly_on_demand * count
    return {"AccountId": cat.ACCOUNT_ID, "InstanceDetails": instance,
            "RecommendedNumberOfInstancesToPurchase": str(count),
            "RecommendedNormalizedUnitsToPurchase": str(count * 4),
            "MinimumNumberOfInstancesUsedPerHour": str(count), "MaximumNumberOfInstancesUsedPerHour": str(count),
            "AverageNumberOfInstancesUsedPerHour": f"{count:.1f}", "AverageUtilization": "100.0",
            "EstimatedBreakEvenInMonths": "0.0", "CurrencyCode": "USD", "UpfrontCost": "0.0",
            "RecurringStandardMonthlyCost": f"{on_demand * (1 - saving):.2f}",
            "EstimatedMonthlyOnDemandCost": f"{on_demand:.2f}",
            "EstimatedMonthlySavingsAmount": f"{on_demand * saving:.2f}",
            "EstimatedMonthlySavingsPercentage": f"{saving * 100:.1f}",
            "EstimatedReservationCostForLookbackPeriod": f"{on_demand * (1 - saving):.2f}"}
