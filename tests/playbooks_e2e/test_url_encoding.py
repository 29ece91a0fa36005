"""A parameter filled into a URL stays in its part of the URL, on the estate's real HTTP server.

flight-school-health-check requests ``{{ params.base_url }}/schools/{{ params.school_id }}``.
The values below would, pasted as text, reach ``/prod/schools`` (``..``), add a query (``?``)
or cut the URL short (``#``). Encoded for a path segment, each arrives as the id the server
looks up: the estate's 404 names it whole. The values are given straight to the engine,
past the parameter's ``pattern`` (a second defence, tested at the end), so only the URL
encoding stands between them and another path.
"""

from __future__ import annotations

import pytest

from cockpit.content.params import ParameterError, resolve_params
from cockpit.content.playbooks import find_playbook, parse_playbook
from cockpit.content.describe import render_playbook
from cockpit.engine import Engine, HeadlessOperator, Policy, Runtime
from cockpit.timeline.aio import AsyncTimeline

HOSTILE = ["../schools", "x/../../schools", "school-001?debug=1", "school-001#frag", "%2e%2e", "..%2Fschools",
           "a&b=c d+e"]


async def _detail(base_url: str, school_id: str, db) -> tuple[str, dict, list[str]]:
    playbook = find_playbook("flight-school-health-check")
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare("url encoding", "P3")
            engine = await Engine.start(playbook, tl, incident.id, {"base_url": base_url, "school_id": school_id},
                                        operator=HeadlessOperator(yes=True), policy=Policy(), runtime=runtime)
            await engine.run_to_end()
            record = engine.records["school_detail"]
            states = await tl.call(tl.sync.step_states, engine.run_id)
            return record["status"], record.get("outputs") or {}, [s.error or "" for s in states]
    finally:
        await runtime.close()


@pytest.mark.parametrize("school_id", HOSTILE)
async def test_a_path_parameter_stays_one_path_segment(estate, estate_env, tmp_path, school_id):
    base_url = estate_env["COCKPIT_FLIGHT_SCHOOL_API_URL"]
    status, outputs, _ = await _detail(base_url, school_id, tmp_path / "t.db")
    assert status == "failed"
    assert outputs["status"] == 404  # /prod/schools/{id} answered, not /prod/schools nor another path
    assert outputs["body"] == {"message": f"school {school_id} not found"}  # the whole value was the id


async def test_a_dot_dot_segment_is_refused_before_any_request(estate, estate_env, tmp_path):
    base_url = estate_env["COCKPIT_FLIGHT_SCHOOL_API_URL"]
    status, outputs, errors = await _detail(base_url, "..", tmp_path / "t.db")
    assert status == "failed"
    assert any("fills a path segment and may not be '..'" in e for e in errors), errors
    assert "status" not in outputs


async def test_an_ordinary_id_still_reaches_its_school(estate, estate_env, tmp_path):
    status, outputs, _ = await _detail(estate_env["COCKPIT_FLIGHT_SCHOOL_API_URL"], "school-001", tmp_path / "t.db")
    assert status == "succeeded" and outputs["name"]


def test_the_preview_shows_the_encoded_url():
    playbook = parse_playbook(PREVIEWED, "previewed.yaml")
    text = render_playbook(playbook, ["base_url=https://api.example.com/prod", "school_id=a?b/../c", "q=x&y=#z"])
    assert "call: GET https://api.example.com/prod/schools/a%3Fb%2F..%2Fc?verbose=x%26y%3D%23z" in text
    assert "call: GET <params.base_url>/schools/<params.school_id>?verbose=<params.q>" in render_playbook(playbook)


PREVIEWED = """\
id: previewed
title: Previewed
parameters:
  base_url: {required: false}
  school_id: {required: false}
  q: {required: false}
steps:
  - id: detail
    kind: http
    title: Detail
    url: "{{ params.base_url }}/schools/{{ params.school_id }}?verbose={{ params.q }}"
"""


def test_the_shipped_pattern_refuses_a_path_in_the_id():
    with pytest.raises(ParameterError) as caught:
        resolve_params(find_playbook("flight-school-health-check"),
                       {"base_url": "https://api.example.com/prod", "school_id": "../admin"})
    assert "school_id" in str(caught.value)
