"""Fixtures for the timeline: a real SQLite file per test, and a writer process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.timeline import Timeline

WRITER = Path(__file__).with_name("writer.py")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "timeline.db"


@pytest.fixture
def tl(db_path: Path) -> Iterator[Timeline]:
    with Timeline(db_path, actor="alice@bastion") as timeline:
        yield timeline


def start_writer(db: Path, incident_id: str, count: int, tag: str) -> subprocess.Popen[str]:
    """A separate process appending ``count`` notes, printing each seq once committed."""
    return subprocess.Popen([sys.executable, str(WRITER), str(db), incident_id, str(count), tag],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
