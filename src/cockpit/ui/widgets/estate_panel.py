"""The emulated estate: a two-line strip on the cockpit screen, and the full panel (key ``e``).

Both read the estate's control API (``/_estate/status``) in an async worker once a second;
the next read is scheduled when the previous one finished, so reads never pile up. The
strip shows where AWS is (``AWS_ENDPOINT_URL …``) and the scenario clock; the panel adds
every endpoint and the latest scenario happenings.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker

from cockpit.content.durations import format_duration
from cockpit.ui.failures import forward_failure

_SHOWN = ("AWS_ENDPOINT_URL", "AWS_REGION", "KUBECONFIG", "COCKPIT_STORAGE_HEALTH_URL",
          "COCKPIT_FLIGHT_SCHOOL_API_URL", "COCKPIT_WEBHOOK_URL")
STARTING = "Starting the emulated estate (moto, kmock, aiohttp)…"


def scenario_text(status: dict[str, Any]) -> str:
    """``<title>  T+3m00s (×60) · events 4/12 · next at T+6m00s``, or the calm-estate line."""
    if not status.get("scenario"):
        return "No scenario: the estate is calm. (cockpit demo --scenario eu-west-1-storage-outage)"
    state = "paused" if status["paused"] else f"×{status['speed']:g}"
    nxt = status.get("next_event_at")
    return (f"[b]{escape(str(status['title']))}[/]  T+{format_duration(status['elapsed'])} ({state}) · events "
            f"{status['events_fired']}/{status['events_total']}"
            + (f" · next at T+{format_duration(nxt)}" if nxt is not None else ""))


def strip_text(status: dict[str, Any]) -> str:
    """The scenario in one line, clock first so 80 columns show the clock and the title."""
    if not status.get("scenario"):
        return "No scenario: the estate is calm."
    state = "paused" if status["paused"] else f"×{status['speed']:g}"
    return (f"T+{format_duration(status['elapsed'])} {state} · {status['events_fired']}/{status['events_total']} "
            f"events · [b]{escape(str(status['title']))}[/]")


class _EstateReader:
    """Mixin: read ``/_estate/status`` forever, one read at a time, and hand it to ``_show_status``."""

    _url: str | None = None

    @work(exclusive=True, group="estate-status", exit_on_error=False, description="read the scenario clock")
    async def poll_status(self) -> None:
        import aiohttp  # here, not at module level: the first frame must not wait for it

        assert self._url
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
                async with http.get(f"{self._url}/_estate/status") as resp:
                    status = await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self._show_unreachable(str(exc) or type(exc).__name__)
        else:
            self._show_status(status)
        self.set_timer(1.0, self.poll_status)  # type: ignore[attr-defined]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """This node's workers: a failure goes to the App, which says it and logs it."""
        forward_failure(self, event)

    def _show_status(self, status: dict[str, Any]) -> None:
        raise NotImplementedError

    def _show_unreachable(self, error: str) -> None:
        raise NotImplementedError


class EstateStrip(_EstateReader, Vertical):
    """Two lines under the header in demo mode: the AWS endpoint, then the scenario clock."""

    def compose(self) -> ComposeResult:
        yield Static(STARTING, id="strip-endpoint")
        yield Static("", id="strip-scenario")

    def failed(self, error: str) -> None:
        first = error.splitlines()[0] if error else "unknown error"
        self.query_one("#strip-endpoint", Static).update(f"[b]The emulated estate did not start:[/] {escape(first)}")

    def show_estate(self, env: dict[str, str]) -> None:
        self.query_one("#strip-endpoint", Static).update(
            f"[b]AWS_ENDPOINT_URL[/] {escape(env.get('AWS_ENDPOINT_URL', '?'))} · [dim]e: estate details[/]")
        self._url = env.get("COCKPIT_ESTATE_URL")
        if self._url:
            self.poll_status()

    def _show_status(self, status: dict[str, Any]) -> None:
        self.query_one("#strip-scenario", Static).update(strip_text(status))

    def _show_unreachable(self, error: str) -> None:
        self.query_one("#strip-scenario", Static).update(f"estate unreachable: {escape(error)}")


class EstatePanel(_EstateReader, Vertical):
    """Endpoints of the emulated estate, the scenario clock and its latest happenings."""

    DEFAULT_CLASSES = "pane"

    def compose(self) -> ComposeResult:
        yield Static("", id="estate-endpoints")
        yield Static("", id="scenario-clock")
        yield Static("", id="scenario-log")

    def on_mount(self) -> None:
        self.border_title = "Emulated estate"

    def starting(self) -> None:
        self.query_one("#estate-endpoints", Static).update(STARTING)

    def failed(self, error: str) -> None:
        self.query_one("#estate-endpoints", Static).update(f"[b red]The emulated estate did not start[/]\n{escape(error)}")

    def show_estate(self, env: dict[str, str]) -> None:
        lines = [f"[b]{key}[/] {escape(env[key])}" for key in _SHOWN if key in env]
        self.query_one("#estate-endpoints", Static).update("\n".join(lines))
        self._url = env.get("COCKPIT_ESTATE_URL")
        if self._url:
            self.poll_status()

    def _show_status(self, status: dict[str, Any]) -> None:
        self.query_one("#scenario-clock", Static).update(scenario_text(status))
        recent = status.get("happenings", [])[-6:]
        self.query_one("#scenario-log", Static).update(
            "\n".join(f"T+{format_duration(h['at'])}  {escape(str(h['summary']))}" for h in recent))

    def _show_unreachable(self, error: str) -> None:
        self.query_one("#scenario-clock", Static).update(f"[red]estate unreachable: {escape(error)}[/]")
