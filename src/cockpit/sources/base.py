"""What every source shares: a timeout on every refresh, and keeping the last good snapshot.

A subclass implements :meth:`Source.fetch` (one refresh: provider calls in, items out) and
counts its provider calls in ``self.calls``. :meth:`Source.refresh` never raises: a failure
becomes a stale snapshot carrying the previous items and a classified error, so a pane keeps
showing what it knew and the poller can back off.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

from cockpit.sources.errors import classify
from cockpit.sources.snapshot import ErrorKind, Snapshot, SourceError

T = TypeVar("T")


class Source(ABC, Generic[T]):
    """One pane's data provider. Not safe to refresh concurrently: the Poller never does."""

    #: Stable identifier, used as the key in ``cockpit status --json``.
    name: str = "source"
    #: Which pane shows it: "alarms", "replication" or "services".
    pane: str = "services"

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.calls = 0
        self._snapshot: Snapshot[T] = Snapshot(self.name)

    @property
    def snapshot(self) -> Snapshot[T]:
        """The latest snapshot (initially empty, never fetched)."""
        return self._snapshot

    @abstractmethod
    async def fetch(self) -> tuple[T, ...]:
        """Call the provider and return the items; raise on any failure."""

    def gave_up(self, after: float) -> Snapshot[T]:
        """The snapshot when the caller stopped waiting for this source after ``after`` seconds."""
        self._snapshot = self._snapshot.failed(SourceError(ErrorKind.TIMEOUT, f"no answer within {after:g}s"),
                                               calls=self.calls)
        return self._snapshot

    async def refresh(self) -> Snapshot[T]:
        """Fetch within the timeout; on failure keep the last good items, marked stale."""
        self.calls = 0
        try:
            async with asyncio.timeout(self.timeout):
                items = await self.fetch()
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            error = SourceError(ErrorKind.TIMEOUT, f"no answer within {self.timeout:g}s")
            self._snapshot = self._snapshot.failed(error, calls=self.calls)
        except Exception as exc:  # every failure is classified and shown in the pane
            self._snapshot = self._snapshot.failed(classify(exc), calls=self.calls)
        else:
            self._snapshot = self._snapshot.succeeded(tuple(items), calls=self.calls)
        return self._snapshot
