"""``http``: one request."""

from __future__ import annotations

from cockpit.engine.steps.executor import CallExecutor

class Http(CallExecutor):
    kind, default_timeout = "http", 30.0  # one request
