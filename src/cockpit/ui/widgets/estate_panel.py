"""The emulated estate at a glance: where its endpoints are and the scenario clock.

Polls the estate's control API (``/_estate/status``) once a second in an async worker;
the next poll is scheduled when the previous one finished, so polls never pile up.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from cockpit.content.durations import format_duration

_SHOWN = ("AWS_ENDPOINT_URL", "AWS_REGION", "KUBECONFIG", "COCKPIT_STORAGE_HEALTH_URL",
          "COCKPIT_FLIGHT_SCHOOL_API_URL", "COCKPIT_WEBHOOK_URL")


class EstatePanel(Vertical):
    """Endpoints of the emulated estate and the scenario clock."""

    DEFAULT_CLASSES = "pane"

    def compose(self) -> ComposeResult:
        yield Static("", id="estate-endpoints")
        yield Static("", id="scenario-clock")
        yield Static("", id="scenario-log")

    def on_mount(self) -> None:
        self.border_title = "Emulated estate"
        self._url: str | None = None

    def starting(self) -> None:
        self.query_one("#estate-endpoints", Static).update("Starting the emulated estate (moto, kmock, aiohttp)…")

    def failed(self, error: str) -> None:
        self.query_one("#estate-endpoints", Static).update(f"[b red]The emulated estate did not start[/]\n{error}")

    def show_estate(self, env: dict[str, str]) -> None:
        lines = [f"[b]{key}[/] {env[key]}" for key in _SHOWN if key in env]
        self.query_one("#estate-endpoints", Static).update("\n".join(lines))
        self._url = env.get("COCKPIT_ESTATE_URL")
        self.poll_status()

    @work(exclusive=True, group="estate-status", exit_on_error=False, description="read the scenario clock")
    async def poll_status(self) -> None:
        assert self._url
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
                async with http.get(f"{self._url}/_estate/status") as resp:
                    status = await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.query_one("#scenario-clock", Static).update(f"[red]estate unreachable: {exc}[/]")
        else:
            self._show_status(status)
        self.set_timer(1.0, self.poll_status)

    def _show_status(self, status: dict[str, Any]) -> None:
        clock = self.query_one("#scenario-clock", Static)
        if not status.get("scenario"):
            clock.update("No scenario: the estate is calm. (cockpit demo --scenario eu-west-1-storage-outage)")
        else:
            state = "paused" if status["paused"] else f"×{status['speed']:g}"
            nxt = status.get("next_event_at")
            clock.update(
                f"[b]{status['title']}[/]\n"
                f"T+{format_duration(status['elapsed'])} ({state}) · events {status['events_fired']}/"
                f"{status['events_total']}" + (f" · next at T+{format_duration(nxt)}" if nxt is not None else "")
            )
        recent = status.get("happenings", [])[-6:]
        self.query_one("#scenario-log", Static).update(
            "\n".join(f"T+{format_duration(h['at'])}  {h['summary']}" for h in recent))
