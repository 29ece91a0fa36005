"""Opening the timeline file safely, and writing to it from several processes at once.

Durability (see docs/timeline.md): WAL with ``synchronous=FULL``. In WAL mode a commit is
durable against *process death* (kill -9, a dropped SSH session) as soon as SQLite has
written the WAL frame, with ``NORMAL`` or ``FULL`` alike, because the bytes are in the
kernel. ``FULL`` adds an fsync of the WAL on every commit, which makes the commit survive a
kernel panic or power loss as well. Timeline events arrive at human pace (and the bench
shows thousands of fsync'ed commits per second here), so we pay for ``FULL``: a host that
crashes *is* sometimes the incident, and its timeline is the evidence.

Concurrency: every write is one ``BEGIN IMMEDIATE`` transaction, which takes the write
lock up front, so two writers never deadlock upgrading a read lock; ``busy_timeout`` makes
SQLite wait for the lock, and :func:`write` retries beyond that so "database is locked"
never reaches a user while another cockpit is busy.
"""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cockpit.timeline.model import TimelineError

BUSY_TIMEOUT_MS = 5_000
WRITE_DEADLINE_S = 60.0
#: Overrides WRITE_DEADLINE_S (seconds): how long a write waits for another process's lock.
LOCK_WAIT_ENV = "COCKPIT_TIMELINE_LOCK_WAIT"
SYNCHRONOUS = ("FULL", "NORMAL")


class TimelineWriteError(TimelineError):
    """A write the timeline could not make (disk full, locked too long, I/O error): one line.

    Raised instead of ``sqlite3`` errors from :func:`write`, so callers that must say what
    happened to the record (the engine: "executed, outcome not recorded") can catch it.
    """


def lock_wait() -> float:
    """Seconds a write waits for the lock: ``$COCKPIT_TIMELINE_LOCK_WAIT`` or 60."""
    raw = os.environ.get(LOCK_WAIT_ENV, "")
    try:
        return max(float(raw), 0.0) if raw.strip() else WRITE_DEADLINE_S
    except ValueError:
        return WRITE_DEADLINE_S


def describe(exc: sqlite3.Error) -> str:
    """What went wrong with a timeline file, in words a responder can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL" or "disk is full" in str(exc):
        return "disk full (the timeline could not grow)"
    if isinstance(exc, sqlite3.OperationalError) and _is_locked(exc):
        return f"locked by another process for more than {lock_wait():g}s"
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        return "read-only (the file or its folder cannot be written)"
    return str(exc)


def open_connection(path: Path | str, synchronous: str = "FULL") -> sqlite3.Connection:
    """Open (creating 0600, parent 0700) the timeline file with WAL and our pragmas."""
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}")
    path = Path(path)
    if str(path) != ":memory:":
        path = path.expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Create the file ourselves so it is never world-readable, not even for a moment;
            # SQLite gives the -wal and -shm files the database file's permissions. Only if it
            # is new: closing any descriptor of a file drops every POSIX lock this process holds
            # on it, so opening and closing a file another connection here has open would leave
            # that connection unlocked (tests/timeline/test_second_connection.py).
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            why = "disk full" if exc.errno == errno.ENOSPC else exc.strerror or exc
            raise TimelineError(f"cannot open timeline database {path}: {why}") from None
    try:
        busy_ms = min(BUSY_TIMEOUT_MS, int(lock_wait() * 1000))
        conn = sqlite3.connect(str(path), timeout=busy_ms / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        _retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise TimelineError(f"cannot open timeline database {path}: {describe(exc)}") from None
    return conn


def open_readonly(path: Path | str) -> sqlite3.Connection:
    """Open an existing timeline for reading only: read-only media, an evidence copy.

    ``mode=ro`` first: it still reads the WAL, but SQLite must be able to create the
    ``-shm`` file beside it, which a read-only folder forbids. Then ``immutable=1``, which
    needs no ``-shm`` but ignores the WAL; so it is used only when no WAL holds writes
    (a cockpit that closed cleanly merged and removed it). Otherwise: one line saying why.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise TimelineError(f"cannot open timeline database {path}: no such file")
    where = "file:" + urllib.parse.quote(str(path.resolve()))
    try:
        return _readable(f"{where}?mode=ro")
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN":
            raise TimelineError(f"cannot open timeline database {path}: {describe(exc)}") from None
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise TimelineError(f"cannot open timeline database {path} read-only: {wal.name} holds writes not yet "
                            "merged and the folder cannot be written; copy the folder somewhere writable")
    try:
        return _readable(f"{where}?immutable=1")
    except sqlite3.DatabaseError as exc:
        raise TimelineError(f"cannot open timeline database {path}: {describe(exc)}") from None


def _readable(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opening is lazy: read once
    except BaseException:
        conn.close()
        raise
    return conn


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retry_locked(action):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + lock_wait()
    delay = 0.005
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.2)


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One ``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on error; waits out other writers.

    When this returns, the transaction is committed (and, with FULL, fsync'ed): callers may
    tell the world the event exists.
    """
    if conn.in_transaction:
        raise RuntimeError("nested timeline write")
    try:
        _retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
    except sqlite3.Error as exc:
        raise TimelineWriteError(f"timeline write failed: {describe(exc)}") from exc
    try:
        yield conn
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise TimelineWriteError(f"timeline write failed: {describe(exc)}") from exc
        raise
    try:
        _retry_locked(lambda: conn.execute("COMMIT"))
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise TimelineWriteError(f"timeline write failed: {describe(exc)}") from exc
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction; SQLite may have rolled it back itself (SQLITE_FULL can)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass  # "no transaction is active": SQLite already rolled back; nothing was written
