"""The immutable result of one refresh of one source, and the ok/warning/unknown/critical scale.

A pane is a function of a snapshot. A snapshot always carries the *last good* items; when
the latest refresh failed it also carries the error and is ``stale``, so a pane can keep
showing what it knew, how old it is, and why it is not newer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Level(enum.IntEnum):
    """How bad something is; ordered so ``max()`` gives the worst.

    ``UNKNOWN`` is "I cannot see it" (a source that could not be read, a reading with no
    recent datapoint): worse than a warning, because what cannot be seen may be on fire,
    but not as bad as a critical someone can see. The values are that order, *not* exit
    codes: :attr:`exit_code` gives the monitoring-plugin code scripts already understand.
    """

    OK = 0
    WARNING = 1
    UNKNOWN = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def exit_code(self) -> int:
        """The monitoring-plugin convention: 0 ok, 1 warning, 2 critical, 3 unknown."""
        return _EXIT_CODES[self]


_EXIT_CODES = {Level.OK: 0, Level.WARNING: 1, Level.CRITICAL: 2, Level.UNKNOWN: 3}


class ErrorKind(str, enum.Enum):
    """What went wrong, in the words a responder acts on."""

    CREDENTIALS = "credentials"  # expired token, access denied: re-login, not retry
    THROTTLED = "throttled"  # the provider asked us to slow down
    UNREACHABLE = "unreachable"  # connection refused, DNS, TLS
    TIMEOUT = "timeout"  # slower than our timeout
    MALFORMED = "malformed"  # an answer we could not read
    CONFIG = "config"  # our own settings are wrong (no kubeconfig, bad URL)
    ERROR = "error"  # anything else the provider said


@dataclass(frozen=True)
class SourceError:
    """A classified failure of one refresh."""

    kind: ErrorKind
    message: str
    at: datetime = field(default_factory=utcnow)

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "message": self.message, "at": iso(self.at)}


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """What one source knew after its latest refresh.

    ``items`` and ``fetched_at`` are from the last *successful* fetch (empty/None if there
    never was one); ``error`` is set when the latest attempt failed, which makes the
    snapshot ``stale``. ``attempted_at`` is when the latest attempt ended.
    """

    source: str
    items: tuple[T, ...] = ()
    fetched_at: datetime | None = None
    error: SourceError | None = None
    attempted_at: datetime | None = None
    failures: int = 0  # consecutive failed attempts
    calls: int = 0  # provider calls made by the latest attempt (API economy)

    @property
    def stale(self) -> bool:
        """The items are older than the latest attempt (which failed)."""
        return self.error is not None

    @property
    def ok(self) -> bool:
        return self.error is None and self.fetched_at is not None

    def age(self, now: datetime | None = None) -> float | None:
        """Seconds since the items were fetched; None when nothing was ever fetched."""
        if self.fetched_at is None:
            return None
        return max(0.0, ((now or utcnow()) - self.fetched_at).total_seconds())

    @property
    def level(self) -> Level:
        """The worst item; a source whose latest attempt failed is at least unknown (what it
        showed may have changed since, and nobody can see it)."""
        worst = max((getattr(i, "level", Level.OK) for i in self.items), default=Level.OK)
        if self.error is not None:
            worst = max(worst, Level.UNKNOWN)
        return worst

    def succeeded(self, items: tuple[T, ...], calls: int = 0) -> "Snapshot[T]":
        now = utcnow()
        return replace(self, items=items, fetched_at=now, error=None, attempted_at=now, failures=0, calls=calls)

    def failed(self, error: SourceError, calls: int = 0) -> "Snapshot[T]":
        return replace(self, error=error, attempted_at=error.at, failures=self.failures + 1, calls=calls)


def iso(value: datetime | None) -> str | None:
    """UTC ISO-8601 with a ``Z``, the one timestamp format of Cockpit's JSON."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
