"""How the cockpit polls: intervals, timeouts and backoff, and the connections it shares.

Kept apart from the widgets so tests and the benchmark can tighten the numbers (a 0.5 s
refresh, a 1.5 s timeout) without reaching into the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LiveSettings:
    """Polling settings; ``None`` interval means the screen's own ``refresh_seconds``."""

    #: Seconds between the end of one refresh and the start of the next.
    interval: float | None = None
    #: Bound on one refresh of one source.
    timeout: float = 10.0
    #: Longest wait after repeated failures (backoff is exponential with jitter up to this).
    max_backoff: float = 30.0
    #: botocore connect/read timeouts and attempts (standard retry mode).
    connect_timeout: float = 3.0
    read_timeout: float = 8.0
    max_attempts: int = 3

    def connections(self, kube_context: str | None = None) -> Any:
        """Fresh shared clients for the sources (imported here: they are not needed for the first frame)."""
        from cockpit.sources.connections import Connections

        return Connections(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                           max_attempts=self.max_attempts, kube_context=kube_context)


def warm_imports(kubernetes: bool) -> None:
    """Import the heavy client libraries (called from a thread worker, after the first frame).

    Importing aiobotocore and kubernetes-asyncio takes hundreds of milliseconds; done on
    the event loop it would freeze the keyboard for that long.
    """
    import aiobotocore.config  # noqa: F401
    import aiobotocore.session  # noqa: F401
    import aiohttp  # noqa: F401
    import botocore.parsers  # noqa: F401

    import cockpit.sources.alarms  # noqa: F401
    import cockpit.sources.errors  # noqa: F401
    import cockpit.sources.replication  # noqa: F401

    if kubernetes:
        import cockpit.sources.kube_reader  # noqa: F401  (kubernetes-asyncio waits for a playbook's k8s step)
