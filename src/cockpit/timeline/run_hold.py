"""Who drives a run: one process at a time, released by the kernel when it dies.

Several cockpits may share one timeline file (a team on one bastion), and each reopens a
playbook's unfinished run where it stopped. Without a hold, a second cockpit reopening a run
that the first is still driving would find its step ``running``, call it unknown, and both
could go on to execute the next step: a step run twice. So the process that drives a run
holds an exclusive advisory lock (``flock``) on a small file beside the timeline, one per
run, for as long as it drives it; another process asking for the same run is refused with
who holds it. A process that exits or is killed (kill -9, a dropped SSH session) loses the
lock with its file descriptors, so a crashed run can always be reopened, where its running
step becomes unknown as before. Within one process the holds are counted (one cockpit
guards its own runs: one run in progress per app, one per ``cockpit run``).

The file holds the holder's actor, process id and when it took the run, for the refusal's
line only; the lock, not the text, decides. Files stay after their run ends (a few bytes
each): removing them would race a process opening the same path.
"""

from __future__ import annotations

import fcntl
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from cockpit.textsafe import sanitize

__all__ = ["RunHeld", "RunHold", "hold_run"]

#: (folder, run id) -> [descriptor, holds] of the runs this process drives. flock conflicts
#: between two descriptors even in one process, so a second engine here shares the first's.
_held: dict[tuple[str, str], list[int]] = {}
_lock = threading.Lock()


class RunHeld(Exception):
    """Another process drives the run; the message says who."""


class RunHold:
    """This process drives ``run_id`` until :meth:`release` (or until it exits)."""

    def __init__(self, key: tuple[str, str] | None) -> None:
        self._key = key

    def release(self) -> None:
        """Let another process drive the run once no engine of this one does (idempotent)."""
        key, self._key = self._key, None
        if key is None:
            return
        with _lock:
            entry = _held.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del _held[key]
                os.close(entry[0])  # closing the descriptor releases the flock


def _folder(db_path: Path | str) -> Path:
    path = Path(db_path).resolve()
    return path.with_name(f".{path.name}.runs")


def hold_run(db_path: Path | str, run_id: str, actor: str) -> RunHold:
    """Take ``run_id`` of the timeline at ``db_path`` for this process; raise :class:`RunHeld`
    naming the holder when another process drives it."""
    if str(db_path) == ":memory:":  # a timeline no other process can open: nothing to share
        return RunHold(None)
    folder = _folder(db_path)
    key = (str(folder), run_id)
    with _lock:
        entry = _held.get(key)
        if entry is not None:  # an engine of this process drives it already (one app guards its own)
            entry[1] += 1
            return RunHold(key)
        folder.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(folder / f"{run_id}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = sanitize(_read(fd), newlines=False)
            os.close(fd)
            raise RunHeld(f"run {run_id} is being driven by {holder or 'another cockpit'}") from None
        except BaseException:
            os.close(fd)
            raise
        _held[key] = [fd, 1]
        since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{actor} (pid {os.getpid()}, since {since})".encode("utf-8", "replace"), 0)
    return RunHold(key)


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
