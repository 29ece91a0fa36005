"""``choose``: the operator picks an option (a headless run: the one whose condition holds); its goto follows."""

from __future__ import annotations

from typing import Any

from cockpit.content import templating
from cockpit.content.steps import ChooseStep
from cockpit.engine.conditions import option_states, suggestion
from cockpit.engine.host import StepHost
from cockpit.engine.operator import Refused
from cockpit.engine.steps.executor import Executor
from cockpit.timeline import EventKind

class Choose(Executor[ChooseStep]):
    kind = "choose"

    def render(self, step: ChooseStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "choose", "prompt": " ".join(str(templating.render_value(step.prompt, ctx)).split())}

    async def answer(self, host: StepHost, step: ChooseStep, ctx: dict[str, Any],
                     call: dict[str, Any]) -> tuple[dict[str, Any], str]:
        prompt = call["prompt"]
        suggested = suggestion(step, ctx)
        states = option_states(step, ctx)
        choice = await host.ask(step, prompt, host.operator.choose(step, prompt, states, suggested))
        chosen = next((o for o in states if o.id == choice), None)
        if chosen is None:
            raise Refused(f"{choice!r} is not an option of {step.id} ({', '.join(o.id for o in step.options)})")
        how = "condition held" if choice == suggested else "chosen by the responder"
        why = f": {chosen.evidence}" if chosen.evidence else ""
        await host.record_event(EventKind.DECISION, f"Decision {step.id}: {chosen.label} ({how}{why})",
                                {"run_id": host.run_id, "step_id": step.id, "choice": chosen.id, "how": how,
                                 "options": [{"id": o.id, "label": o.label, "met": o.met, "evidence": o.evidence}
                                             for o in states]})
        return {"choice": chosen.id}, f"{chosen.label} ({how})"

    async def after(self, host: StepHost, step: ChooseStep, call: dict[str, Any], outputs: dict[str, Any]) -> None:
        goto = next(o.goto for o in step.options if o.id == outputs["choice"])
        if goto:
            await host.skip_to(step, goto)
