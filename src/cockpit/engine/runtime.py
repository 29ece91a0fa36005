"""What executors share for one run: the clients, the webhook, the live-output callback.

Clients come from :class:`cockpit.sources.connections.Connections` (the panes' own pattern:
created once, bounded by timeouts, closed together), so a run talks to AWS, Kubernetes and
HTTP exactly as the live panes do: the standard AWS chain and ``KUBECONFIG``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from cockpit.engine.bounds import REQUEST_TIMEOUT
from cockpit.sources.connections import Connections


@dataclass
class Runtime:
    #: botocore's read timeout is one request's bound; its three standard attempts are cut
    #: by the step's bound (cockpit.engine.bounds), never multiplied past it.
    connections: Connections = field(default_factory=lambda: Connections(read_timeout=REQUEST_TIMEOUT))
    webhook_url: str | None = None
    kube_context: str | None = None
    #: Called with (line, stream) for live output; the engine turns it into StepOutput events.
    emit: Callable[[str, str], None] = lambda line, stream: None
    #: Seconds between SIGTERM and SIGKILL when a shell step is cancelled or times out.
    kill_grace: float = 5.0

    @property
    def default_region(self) -> str:
        return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    def webhook(self, explicit: str | None) -> str | None:
        """The step's own webhook, else ``$COCKPIT_WEBHOOK_URL`` (the demo's sink), else the config's."""
        return explicit or os.environ.get("COCKPIT_WEBHOOK_URL") or self.webhook_url

    async def close(self) -> None:
        await self.connections.close()
