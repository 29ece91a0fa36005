"""``notify``: one post to a Slack-compatible webhook, recorded as a notification event."""

from __future__ import annotations

from typing import Any

from cockpit.content import templating
from cockpit.content.steps import NotifyStep
from cockpit.engine.calls import run_notify
from cockpit.engine.host import StepHost
from cockpit.engine.results import StepResult
from cockpit.engine.runtime import Runtime
from cockpit.engine.steps.executor import Executor
from cockpit.timeline import EventKind

class Notify(Executor[NotifyStep]):
    kind, default_timeout = "notify", 15.0  # one webhook post

    def render(self, step: NotifyStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "notify", "channel": templating.render_value(step.channel, ctx) if step.channel else None,
                "text": templating.render_text(step.text, ctx),
                "webhook": templating.render_value(step.webhook, ctx) if step.webhook else None}

    async def execute(self, step: NotifyStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime,
                      guarded: bool, bound: float) -> StepResult:
        return await run_notify(step, call, rt, bound)

    async def after(self, host: StepHost, step: NotifyStep, call: dict[str, Any], outputs: dict[str, Any]) -> None:
        # The whole text, its lines joined: what stakeholders were told is evidence, and its
        # first line alone ("DR FAILOVER INITIATED (INC-…)") said none of the numbers.
        said = " / ".join(line.strip() for line in call["text"].splitlines() if line.strip())
        await host.record_event(EventKind.NOTIFICATION, f"Notified {call.get('channel') or 'the webhook'}: {said}",
                                {"run_id": host.run_id, "step_id": step.id, "channel": call.get("channel"),
                                 "text": call["text"]})

    async def endpoints(self, step: NotifyStep, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        hook = rt.webhook(str(templating.preview_value(step.webhook, ctx)) if step.webhook else None)
        return [(f"step {step.id}'s webhook", hook)] if hook else []
