"""A drill's timeline carries its scenario clock as checkpoints in its events. A timeline that
was hand-edited or imported from elsewhere can carry checkpoints that are not: the drill is
still shown and exported, from the checkpoints that are good, with one line of output and
never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.exercise.clock import ClockMap
from cockpit.timeline import Timeline

GOOD = {"wall": 1_700_000_000.0, "at": 60.0, "speed": 30.0, "paused": False}
BAD = [
    {"wall": "soon", "at": 0},                            # a key missing, a string for a time
    {"wall": 1.0, "at": 0.0, "speed": 30.0, "paused": "no"},
    {"wall": float("nan"), "at": 0.0, "speed": 1.0, "paused": False},
    {"wall": True, "at": 0.0, "speed": 1.0, "paused": False},
    ["not", "a", "checkpoint"],
    None,
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: json.dumps(b)[:30])
def test_the_cli_exports_a_drill_whose_clock_is_malformed(tmp_path: Path, bad) -> None:
    db = tmp_path / "t.db"
    with Timeline(db, "facilitator@test") as tl:
        incident = tl.declare("drill with an edited clock", "P2", mode="drill")
        tl.append(incident.id, "inject", "exercise started", data={"exercise": "start", "clock": bad})
        tl.append(incident.id, "inject", "clock", data={"exercise": "clock", "clock": GOOD})
    for fmt in ("md", "json"):
        out = subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), "incident", "export", incident.id,
                              "--format", fmt], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
        assert "drill with an edited clock" in out.stdout


def test_the_clock_reads_only_the_checkpoints_that_are_checkpoints() -> None:
    class E:
        def __init__(self, clock) -> None:
            self.data = {"exercise": "clock", "clock": clock}

    clock = ClockMap.from_events([E(b) for b in BAD] + [E(GOOD)])
    assert len(clock.points) == 1
    assert clock.at(GOOD["wall"] + 2) == 120.0  # 60 s + 2 s at ×30
