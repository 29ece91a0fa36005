"""The estate pages DescribeAlarms as AWS does (moto alone answers in one page)."""

from __future__ import annotations

import io
import json
import time

from aiobotocore.session import get_session

from cockpit.estate.wsgi_paging import DescribeAlarmsPaging


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



async def test_the_estate_refuses_a_token_it_did_not_give(estate):
    """The estate's CloudWatch pages its own answers (it serialises only the page): a forged
    or expired token is refused in AWS's words, not answered with a first page again."""
    import botocore.exceptions
    import pytest

    env = estate.env
    async with get_session().create_client(
            "cloudwatch", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id="testing", aws_secret_access_key="testing") as cw:
        first = await cw.describe_alarms(MaxRecords=1)
        assert first.get("NextToken") and len(first["MetricAlarms"]) == 1
        second = await cw.describe_alarms(MaxRecords=1, NextToken=first["NextToken"])
        assert second["MetricAlarms"][0]["AlarmName"] != first["MetricAlarms"][0]["AlarmName"]
        for bad in ("nonsense", "0123456789abcdef.1"):
            with pytest.raises(botocore.exceptions.ClientError) as refused:
                await cw.describe_alarms(MaxRecords=1, NextToken=bad)
            assert refused.value.response["Error"]["Code"] == "InvalidNextToken"


class _Listing:
    """A WSGI app answering DescribeAlarms with ``count`` alarms, counting how often it is asked
    (moto builds its whole answer on every call: this is what the paging must not repeat)."""

    def __init__(self, count: int) -> None:
        self.count, self.calls = count, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        body = json.dumps({"MetricAlarms": [{"AlarmName": f"a{i:04d}"} for i in range(self.count)]}).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))])
        return [body]


def _page(app, **request):
    body = json.dumps(request).encode()
    environ = {"HTTP_X_AMZ_TARGET": "GraniteServiceVersion20100801.DescribeAlarms",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    got = {}
    data = b"".join(app(environ, lambda status, headers: got.update(status=status)))
    return got["status"], json.loads(data)


def test_a_paging_sequence_builds_the_listing_once():
    """1,000 alarms in pages of 100: one listing, not ten (reading a 10,000-alarm account was
    quadratic and took minutes, so the panes of a big demo or drill went stale)."""
    listing = _Listing(1000)
    app = DescribeAlarmsPaging(listing)
    names, token, pages = [], None, 0
    while True:
        status, answer = _page(app, MaxRecords=100, **({"NextToken": token} if token else {}))
        assert status.startswith("200")
        names += [a["AlarmName"] for a in answer["MetricAlarms"]]
        pages += 1
        token = answer.get("NextToken")
        if not token:
            break
    assert pages == 10 and names == [f"a{i:04d}" for i in range(1000)]
    assert listing.calls == 1


def test_interleaved_sequences_keep_their_own_listing_and_a_bad_token_is_refused():
    listing = _Listing(5)
    app = DescribeAlarmsPaging(listing)
    _, first = _page(app, MaxRecords=2)
    listing.count = 3  # the account changed: a new sequence sees it, the running one does not
    _, other = _page(app, MaxRecords=2)
    _, rest = _page(app, MaxRecords=2, NextToken=first["NextToken"])
    _, other_rest = _page(app, MaxRecords=2, NextToken=other["NextToken"])
    assert [a["AlarmName"] for a in rest["MetricAlarms"]] == ["a0002", "a0003"] and "NextToken" in rest
    assert [a["AlarmName"] for a in other_rest["MetricAlarms"]] == ["a0002"] and "NextToken" not in other_rest
    for bad in ("nonsense", "12", f"{first['NextToken'].partition('.')[0]}.x"):
        status, answer = _page(app, MaxRecords=2, NextToken=bad)
        assert status.startswith("400") and answer["__type"] == "InvalidNextToken"
