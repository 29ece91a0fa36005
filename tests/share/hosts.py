"""Host processes (``sync_host.py``) for the share's fault tests, and what the tests read back:
each host's printed lines, each file's timeline, and the table's log as the table holds it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from cockpit.share.uri import parse
from cockpit.timeline import Timeline, outbox
from tests.share.conftest import REGION, looking_client

SCRIPT = Path(__file__).with_name("sync_host.py")
SRC = Path(__file__).resolve().parents[2] / "src"


class Host:
    """One life of a host process on ``db``, reaching AWS at ``endpoint``; its stdout lines are
    kept with the time each arrived, its stderr goes to a file beside the database."""

    def __init__(self, db: Path, uri: str, incident_id: str, tag: str, mode: str, env: dict[str, str],
                 endpoint: str) -> None:
        self.db, self.tag = db, tag
        self.lines: list[tuple[float, str]] = []
        self.errors = db.with_name(f"{tag}.stderr")
        with self.errors.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(SCRIPT), str(db), uri, incident_id, tag, mode],
                env={**env, "AWS_ENDPOINT_URL": endpoint, "PYTHONPATH": str(SRC)},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def notes(self) -> list[str]:
        """The uids this life said were committed, in the order it wrote them."""
        return [line[5:] for _, line in list(self.lines) if line.startswith("note ")]

    def outcomes(self, since: float = 0.0, until: float = float("inf")) -> list[str]:
        """The rounds' ``Outcome.short()`` lines that arrived in ``[since, until)``."""
        return [line[8:].split("\t")[0] for at, line in list(self.lines)
                if line.startswith("outcome ") and since <= at < until]

    def wait_for(self, predicate: Any, timeout: float, what: str) -> float:
        """Wait until a line satisfies ``predicate``; returns when it arrived."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            lines = list(self.lines)
            for at, line in lines[seen:]:
                if predicate(line):
                    return at
            seen = len(lines)
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"{self.tag}: no {what} within {timeout} s (exit {self.proc.poll()}); "
                             f"last lines {[line for _, line in self.lines[-5:]]}; stderr {self.stderr()[-2000:]}")

    def say(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 30.0) -> int:
        """Close its stdin (``watch`` hosts stop their rounds) and wait for it to exit."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except OSError:
            pass
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        """SIGKILL, wherever it is; its lines up to then are kept."""
        self.proc.kill()
        self.proc.wait(10)
        self._reader.join(10)

    def stderr(self) -> str:
        return self.errors.read_text(errors="replace") if self.errors.exists() else ""


def order(db: Path, incident_id: str) -> list[tuple[str, str]]:
    """The incident's events in ``db`` as (uid, clock), in timeline order."""
    with Timeline(db, actor="check@host") as tl:
        return [(e.uid, e.hlc) for e in tl.events(incident_id)]


def queued(db: Path) -> int:
    with Timeline(db, actor="check@host") as tl:
        return outbox.queued(tl.conn)


def log_uids(handle: Any, uri: str, incident_id: str) -> list[str]:
    """Every event uid in the incident's log slots (``E#`` items), slot after slot, read from
    the table itself (a plain query, not the code under test), uncounted by the estate."""
    client = looking_client(handle, "dynamodb", REGION)
    pages = client.get_paginator("query").paginate(
        TableName=parse(uri).table, ConsistentRead=True, KeyConditionExpression="pk = :p AND begins_with(sk, :e)",
        ExpressionAttributeValues={":p": {"S": outbox.incident_pk(incident_id)}, ":e": {"S": "E#"}})
    uids: list[str] = []
    for page in pages:
        for item in page["Items"]:
            uids += [event["uid"] for event in json.loads(item["body"]["S"])]
    return uids
