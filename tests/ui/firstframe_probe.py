"""Run as a script: open the cockpit headless and report what the start-up did.

Prints ``FIRST <seconds since argv[1]> <aiobotocore loaded> <kubernetes_asyncio loaded>``
and ``MODULES <every module imported by then>`` when the first frame is painted, then
``LOADED <seconds>`` when the clients are imported, then ``HEADER <first line>`` once the
incident header shows an incident from the timeline file (if there is one within 10 s),
and exits.
"""

from __future__ import annotations

import sys
import time

T0 = float(sys.argv[1])

from textual import on  # noqa: E402

from cockpit.config import Config  # noqa: E402
from cockpit.ui.app import CockpitApp  # noqa: E402
from cockpit.ui.incident.header import IncidentHeader  # noqa: E402


class Probe(CockpitApp):
    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame)  # queued before the app's own after-refresh work
        super().on_mount()

    def _first_frame(self) -> None:
        print("FIRST", time.time() - T0, "aiobotocore" in sys.modules, "kubernetes_asyncio" in sys.modules, flush=True)
        print("MODULES", *sorted(sys.modules), flush=True)

    @on(CockpitApp.ClientsLoaded)
    def _probe_loaded(self) -> None:
        print("LOADED", time.time() - T0, flush=True)
        self.set_interval(0.05, self._header)
        self.set_timer(10, self.exit)

    def _header(self) -> None:
        header = self.screen.query_one(IncidentHeader)
        if header.incident is not None:
            print("HEADER", header.text.splitlines()[0], flush=True)
            self.exit()


Probe(config=Config()).run(headless=True, size=(80, 24))
