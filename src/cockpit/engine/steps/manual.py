"""``manual``: the operator ticks every item of the checklist."""

from __future__ import annotations

from typing import Any

from cockpit.content import templating
from cockpit.content.steps import ManualStep
from cockpit.engine.host import StepHost
from cockpit.engine.operator import Refused
from cockpit.engine.steps.executor import Executor

class Manual(Executor[ManualStep]):
    kind = "manual"

    def render(self, step: ManualStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "manual", "checklist": [str(templating.render_value(i, ctx)) for i in step.checklist]}

    async def answer(self, host: StepHost, step: ManualStep, ctx: dict[str, Any],
                     call: dict[str, Any]) -> tuple[dict[str, Any], str]:
        items = call["checklist"]
        ticked = await host.ask(step, "tick every item", host.operator.confirm_checklist(step, items))
        missing = [i for i in items if i not in ticked]
        if missing:
            raise Refused(f"not ticked: {'; '.join(missing)}")
        return {"checked": list(ticked)}, f"checklist confirmed ({len(items)} items)"
