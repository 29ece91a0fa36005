"""docs/procedures.md is the inventory of the runbooks' procedures (issue 12): a reader
trusts it to say which playbook runs a procedure. Every playbook it names must exist, every
shipped playbook must be in it, and every row must say full, part or missing."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.content.playbooks import load_catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "procedures.md"
_ID = re.compile(r"`([a-z0-9][a-z0-9-]*)`")


def _rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| 0") and len(cells) == 5:
            rows.append(cells)
    return rows


def test_every_row_names_real_playbooks_and_a_status():
    shipped = set(load_catalog().playbooks)
    rows = _rows()
    assert len(rows) >= 75, "the inventory lost its rows"
    for seed, procedure, playbooks, status, _note in rows:
        assert status in {"full", "part", "missing"}, (procedure, status)
        named = set(_ID.findall(playbooks))
        assert named <= shipped, f"{seed} {procedure}: no such playbook {sorted(named - shipped)}"
        if status == "missing":
            assert not named, f"{seed} {procedure}: missing, yet it names {sorted(named)}"


def test_every_shipped_playbook_is_in_the_inventory():
    named = {pid for row in _rows() for pid in _ID.findall(row[2])}
    assert set(load_catalog().playbooks) <= named, sorted(set(load_catalog().playbooks) - named)
