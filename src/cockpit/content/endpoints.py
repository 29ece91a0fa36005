"""The HTTP endpoints a scenario may name, with the path the emulated estate serves each at.

A scenario's HTTP faults (``endpoint:``) and a drill's availability probe (``drill.probe``)
name these. The table sits with the scenario format, below both its readers: the estate,
which serves the paths (``estate/http.py``) and checks scenarios against the names
(``estate/validation.py``), and the drill meter, which probes a path from the cockpit's
process (``exercise/drill.py``) and must not import the estate's server to learn it.
"""

from __future__ import annotations

#: Endpoint names used by scenarios and screens, with the path each serves.
ENDPOINTS = {
    "storage-health": "/v1/storage/health",
    "flight-schools": "/prod/schools",
    "flight-school-detail": "/prod/schools/{id}",
    "flight-explain-match": "/prod/explain-match",
}
