"""A shared log in a folder, for tests whose hosts are processes.

A slot is a file ``<folder>/<pk>/<n>.json``, created whole or not at all: written to a
temporary name, then hard-linked to its final name, which fails if the name exists. That
is the conditional write DynamoDB gives the real log (``attribute_not_exists``), on one
machine's filesystem, and it holds across processes killed at any moment.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cockpit.timeline.mirror import Slot


class FolderLog:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, pk: str) -> Path:
        path = self.root / pk.replace("#", "_")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def read(self, pk: str, after: int) -> Sequence[Slot]:
        numbers = sorted(int(p.stem) for p in self._dir(pk).glob("*.json") if int(p.stem) > after)[:20]
        return [Slot(n, tuple(json.loads((self._dir(pk) / f"{n}.json").read_text()))) for n in numbers]

    def write(self, pk: str, slot: Slot) -> bool:
        folder = self._dir(pk)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(list(slot.events), f)
        try:
            os.link(tmp, folder / f"{slot.n}.json")
            return True
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)

    def uids(self, pk: str) -> list[str]:
        """Every event's uid in the log, slot after slot (for the test's count)."""
        uids, after = [], 0
        while slots := self.read(pk, after):
            uids += [e["uid"] for slot in slots for e in slot.events]
            after = slots[-1].n
        return uids
