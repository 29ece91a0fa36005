"""Live sources: alarms, replication lag and service health, as immutable snapshots.

Everything here is async and headless (no Textual): the cockpit screen runs each source in
its own worker through a :class:`~cockpit.sources.poller.Poller`, and ``cockpit status``
refreshes every source once. See docs/sources.md.
"""

from cockpit.sources.snapshot import Level, Snapshot, SourceError

__all__ = ["Level", "Snapshot", "SourceError"]
