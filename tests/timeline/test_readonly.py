"""A timeline on read-only media can still be listed, shown and exported.

Root ignores file modes, so chmod proves nothing here: the timeline is written on a small
tmpfs that is then remounted read-only, where writes fail for root too (the test checks
that first). Skipped with the reason where tmpfs cannot be mounted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.timeline import Timeline
from tests.tmpfs import mounted_tmpfs


@pytest.fixture
def media(tmp_path: Path):
    with mounted_tmpfs(tmp_path / "media", "4m", "to make read-only") as mount:
        yield mount


def _read_only(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    with pytest.raises(OSError):  # really read-only, for root as well
        (mount / "probe").write_text("x")


def _cockpit(db: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    env.update({"COCKPIT_CONFIG": str(config), "XDG_DATA_HOME": str(tmp_path / "data")})
    return subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), "incident", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_list_show_and_export_a_timeline_on_read_only_media(media: Path, tmp_path: Path) -> None:
    db = media / "timeline.db"
    with Timeline(db, "alice") as tl:
        incident = tl.declare("Storage replication lag", "P2")
        tl.note(incident.id, "failover started")
    _read_only(media)
    before = sorted(os.listdir(media))

    listed = _cockpit(db, tmp_path, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [i["id"] for i in json.loads(listed.stdout)] == [incident.id]
    shown = _cockpit(db, tmp_path, "show", incident.id)
    assert shown.returncode == 0 and "failover started" in shown.stdout, shown.stderr
    exported = _cockpit(db, tmp_path, "export", incident.id, "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert any(e["message"] == "failover started" for e in json.loads(exported.stdout)["events"])
    markdown = _cockpit(db, tmp_path, "export", incident.id)
    assert markdown.returncode == 0 and "Storage replication lag" in markdown.stdout, markdown.stderr
    assert sorted(os.listdir(media)) == before  # nothing was created beside it

    note = _cockpit(db, tmp_path, "note", incident.id, "more")  # a write says why it cannot, in one line
    assert note.returncode != 0 and "Traceback" not in note.stderr
    assert note.stderr.startswith("cockpit: error: ") and len(note.stderr.strip().splitlines()) == 1


def test_unmerged_writes_on_read_only_media_are_read_too(media: Path, tmp_path: Path) -> None:
    """A cockpit killed before closing leaves its last writes in -wal (and a -shm). Read-only,
    they are still read: ``immutable=1`` alone would hide the incident."""
    db = media / "timeline.db"
    killed = subprocess.run([sys.executable, "-c", "import os, sys\nfrom cockpit.timeline import Timeline\n"
                             "tl = Timeline(sys.argv[1]); tl.declare('Killed mid-incident', 'P1')\nos._exit(0)\n",
                             str(db)], capture_output=True, text=True, timeout=60)
    assert killed.returncode == 0, killed.stderr
    assert (media / "timeline.db-wal").stat().st_size > 0
    _read_only(media)
    listed = _cockpit(db, tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "Killed mid-incident" in listed.stdout
