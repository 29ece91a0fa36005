"""``notify``: a rendered message to a Slack-compatible incoming webhook."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cockpit.content import templating
from cockpit.content.step_base import Risk, StepBase, Template
from cockpit.content.steps.kind import StepKind


class NotifyStep(StepBase):
    """A rendered message to a Slack-compatible incoming webhook."""

    kind: Literal["notify"]
    text: Template = Field(min_length=1)
    channel: str | None = None
    webhook: Template | None = Field(None, description="Webhook URL; default: `webhook_url` from the config.")

    def inferred_risk(self) -> Risk:
        return Risk.write


class Notify(StepKind[NotifyStep]):
    kind, model = "notify", NotifyStep
    expected = ("the call succeeds",)

    def describe(self, step: NotifyStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        render = templating.preview_value
        where = render(step.webhook, ctx) if step.webhook else "the configured webhook"
        channel = f" {render(step.channel, ctx)}" if step.channel else ""
        return [f"notify{channel} via {where}:", *(f"  | {line}" for line in str(render(step.text, ctx)).splitlines())]
