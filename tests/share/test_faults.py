"""The share throttled, the credentials expired or denied, the table unreachable: each says
itself in the words a responder acts on, local writes go on, and once the share answers
again the queue leaves in order, each event once.

A real fault proxy (tests/faultproxy.py) between one host and the estate's DynamoDB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit.share.log import TableLog
from cockpit.share.sync import share_incident, sync_once
from cockpit.share.uri import parse
from cockpit.timeline import Timeline, outbox
from tests.faultproxy import ProxyThread
from tests.share.conftest import REGION, looking_client

pytestmark = pytest.mark.slow

FAULTS = [("throttle", "share throttled"), ("throttle429", "share throttled"),
          ("expired", "share: credentials expired"), ("denied", "share: access denied"), ("down", "share offline"),
          ("internal", "share offline")]


def test_each_fault_says_itself_and_the_queue_leaves_once_after(table: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in table.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    with ProxyThread(table.env["AWS_ENDPOINT_URL"]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        with Timeline(tmp_path / "alice.db", actor="alice@bastion-1") as tl:
            log = TableLog(parse(table.uri), tl.node())
            incident_id = tl.declare("Lag", "P2").id
            assert share_incident(tl, log, incident_id).error is None
            said = {}
            for n, (mode, state) in enumerate(FAULTS):
                proxy.set(mode)
                tl.note(incident_id, f"written while {mode}", uid=f"fault-{n}")  # committed here whatever the share
                outcome = sync_once(tl, log)
                said[mode] = outcome.short(incident_id)
                assert said[mode] == f"{state} · {n + 1} queued", said
                assert outcome.line().startswith(f"{state}: ")
                assert "\n" not in outcome.line()
            proxy.set("pass")
            assert sync_once(tl, log).short(incident_id) == "shared · 1 responder"
            assert outbox.queued(tl.conn) == 0
    client = looking_client(table, "dynamodb", REGION)
    reader = TableLog(parse(table.uri), "", client)
    uids = [e["uid"] for s in reader.read(outbox.incident_pk(incident_id), 0) for e in s.events]
    mine = [u for u in uids if u.startswith("fault-")]
    assert mine == [f"fault-{n}" for n in range(len(FAULTS))]  # in order, each once
    assert len(uids) == len(set(uids))
