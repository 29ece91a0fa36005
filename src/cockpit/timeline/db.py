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

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cockpit.timeline.model import TimelineError

BUSY_TIMEOUT_MS = 5_000
WRITE_DEADLINE_S = 60.0
SYNCHRONOUS = ("FULL", "NORMAL")


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
            # SQLite gives the -wal and -shm files the database file's permissions.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        except OSError as exc:
            raise TimelineError(f"cannot open timeline database {path}: {exc.strerror or exc}") from None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise TimelineError(f"cannot open timeline database {path}: {exc}") from None
    return conn


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retry_locked(action):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WRITE_DEADLINE_S
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
    _retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        _retry_locked(lambda: conn.execute("COMMIT"))
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
