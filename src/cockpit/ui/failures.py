"""Where a worker that failed ends up: one line on screen and a line in the log file.

Textual posts ``Worker.StateChanged`` to the node that ran the worker and does not bubble
it, so the App handles its own workers' (every ``@work`` on the App and its mixins:
start_exercise, load_clients, log_alarm_transitions, F6/F7/F8, incident writes, opening a
playbook) and screens and widgets forward theirs with :func:`forward_failure` as a
:class:`WorkerFailed` message. Both end in ``CockpitApp.report_worker_failure``.

The log is Python ``logging`` (logger ``cockpit``) appended to
``$XDG_STATE_HOME/cockpit/cockpit.log`` (``~/.local/state/cockpit/cockpit.log``), with the
traceback: under Textual nothing may print to the terminal, and Textual's own ``log`` only
reaches a ``textual console`` that is rarely running during an incident.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from textual.message import Message
from textual.worker import Worker, WorkerState

log = logging.getLogger("cockpit")


class WorkerFailed(Message):
    """A worker of a screen or widget ended in an error (forwarded to the App)."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker


def failure_line(worker: Worker) -> str:
    """One line for people: what failed (the worker's description or name) and why."""
    what = worker.description or worker.name or "a background task"
    error = worker.error
    why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return f"{what} failed: {' '.join(why.split())}"


def log_failure(worker: Worker) -> str:
    """Write the failure, with its traceback, to the log; returns :func:`failure_line`."""
    line, error = failure_line(worker), worker.error
    log.error("%s", line, exc_info=(type(error), error, error.__traceback__) if error is not None else None)
    return line


def forward_failure(node: object, event: Worker.StateChanged) -> None:
    """Call from a screen's or widget's ``Worker.StateChanged`` handler for what it does not handle itself."""
    if event.state == WorkerState.ERROR:
        node.app.post_message(WorkerFailed(event.worker))  # type: ignore[attr-defined]


def log_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "cockpit" / "cockpit.log"


def open_log() -> Path | None:
    """Send the ``cockpit`` logger to the log file (once); None when it cannot be written."""
    path = log_path()
    for handler in log.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)  # no file until a failure
    except OSError:
        return None  # no log file: the notification still says what failed
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # never to the terminal's stderr under Textual
    return path
