"""The estate pages DescribeAlarms as AWS does (moto alone answers in one page)."""

from __future__ import annotations

import time

from aiobotocore.session import get_session


async def test_describe_alarms_comes_in_pages_of_max_records(estate):
    env = estate.env
    since = time.time()
    async with get_session().create_client(
            "cloudwatch", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id="testing", aws_secret_access_key="testing") as cw:
        everything = (await cw.describe_alarms())["MetricAlarms"]
        pages = [page async for page in cw.get_paginator("describe_alarms").paginate(
            PaginationConfig={"PageSize": 2})]
    names = [a["AlarmName"] for page in pages for a in page["MetricAlarms"]]
    assert len(everything) > 2
    assert len(pages) == -(-len(everything) // 2)  # ceil: every page but the last is full
    assert sorted(names) == sorted(a["AlarmName"] for a in everything)  # nothing lost or repeated
    served = estate.control("requests", since=str(since))["by_operation"]
    assert served["aws:cloudwatch:DescribeAlarms"] == 1 + len(pages)
