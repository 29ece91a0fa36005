"""Full garbage collections at quiet moments, not in the middle of a key press.

At scale (2,000 alarms, 500 services, 100 pairs) the cockpit process holds ~250,000
objects (snapshots, rendered rows, Textual's caches). CPython's automatic full collection
walks all of them, several times a minute, and a key pressed then waits for it — the largest part of the p99 key latency measured by bench/bench_ui.py.
Most garbage is freed by reference counting anyway; the young generations still collect
cycles automatically, and quickly. So:

* what exists once the cockpit is up (modules, classes, CSS) is frozen (``gc.freeze``):
  it is never garbage, and no collection walks it again;
* automatic *full* collections are off; :meth:`QuietCollector.tick` (called once a second)
  runs one when no key came for :attr:`quiet` seconds and the last one is
  :attr:`every` seconds old — or after :attr:`longest` seconds whatever the keys do, so
  memory stays bounded (bench_ui reports RSS).

Process-wide by nature: the cockpit app installs it after its first frame and uninstalls it
when it ends; the cockpit screen reports keys and ticks.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


class QuietCollector:
    """Runs full collections when the responder is not typing (see the module docstring)."""

    def __init__(self, *, quiet: float = 1.5, every: float = 20.0, longest: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        #: Seconds without a key before a full collection may run.
        self.quiet = quiet
        #: Seconds between two full collections when the screen is quiet.
        self.every = every
        #: Seconds after which a full collection runs even while keys keep coming.
        self.longest = longest
        self.clock = clock
        self.last_key = clock()
        self.last_full = clock()
        #: Full collections run, and the longest one (seconds), for the benchmark.
        self.collections = 0
        self.longest_pause = 0.0
        self._saved: tuple[int, int, int] | None = None

    def install(self) -> None:
        """Freeze what exists now and turn automatic full collections off (idempotent)."""
        if self._saved is not None:
            return
        gc.collect()
        gc.freeze()
        self._saved = gc.get_threshold()
        young, middle, _ = self._saved
        gc.set_threshold(young, middle, 2**31 - 1)

    def uninstall(self) -> None:
        """Give CPython its automatic full collections back."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def key_pressed(self) -> None:
        self.last_key = self.clock()

    def tick(self) -> bool:
        """Run a full collection if now is a good moment; return whether one ran."""
        if self._saved is None:
            return False
        now = self.clock()
        quiet = now - self.last_key >= self.quiet and now - self.last_full >= self.every
        if not (quiet or now - self.last_full >= self.longest):
            return False
        started = time.perf_counter()
        gc.collect()
        self.longest_pause = max(self.longest_pause, time.perf_counter() - started)
        self.collections += 1
        self.last_full = self.clock()
        return True


#: The one collector of the process.
COLLECTOR = QuietCollector()
