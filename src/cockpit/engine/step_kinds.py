"""One home per step kind, engine side: how a step of each kind renders its call and executes.

Keyed by the same ``kind`` as the content side (``content/step_kinds.py``: description,
outputs, person or not, hints for the guided screen). The engine asks :func:`of` instead of
``isinstance`` chains: :func:`render_call` and :func:`execute` here, the bound of an attempt
(:func:`step_bound`), the endpoints a drill's ``--yes`` must prove (``estate_proof.py``),
what a person step asks and what follows a success (``person.py``). A new kind registers
one :class:`Executor`.

Person steps (manual, approve, choose) do not execute: the engine asks the
:class:`~cockpit.engine.operator.Operator`; their "call" is what the person is asked
(checklist, prompt), rendered here with the rest so that every template a step needs is
rendered, and can be found wanting, before anything is asked or called.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Generic, TypeVar

from cockpit.content import templating
from cockpit.content.step_kinds import lookup
from cockpit.content.playbook import (
    ApproveStep, AwsStep, ChooseStep, HttpStep, K8sStep, ManualStep, NotifyStep, ShellStep, StepBase, WaitStep,
)
from cockpit.engine.bounds import REQUEST_TIMEOUT, WAIT_DEFAULT, what
from cockpit.engine.calls import render_check, run_check, run_notify, run_wait
from cockpit.engine.conditions import option_states, suggestion
from cockpit.engine.host import StepHost
from cockpit.engine.operator import Refused, Rejection
from cockpit.engine.ownership import check_created_by
from cockpit.engine.results import StepFailure, StepResult, TimedOut
from cockpit.engine.runtime import Runtime
from cockpit.engine.shell import render_shell, run_shell
from cockpit.timeline import EventKind

S = TypeVar("S", bound=StepBase)


class EndpointsUnknown(Exception):
    """Why nobody can know what a step talks to (one line): a drill's ``--yes`` cannot cover it."""


class Executor(Generic[S]):
    """What the engine does with a step of one kind. Subclass, set ``kind``, register."""

    kind: ClassVar[str]
    #: Seconds one attempt may take when the playbook gives no ``timeout`` (see bounds.py).
    default_timeout: ClassVar[float] = 60.0
    #: The executor stops its own work at the bound (a shell stops its process group), so
    #: the engine hands it the bound instead of cancelling it.
    bounds_itself: ClassVar[bool] = False

    def render(self, step: S, ctx: dict[str, Any]) -> dict[str, Any] | None:
        """The rendered call (for a person step: what is asked). Raises template errors."""
        return None

    def waits(self, step: S) -> bool:
        """True when the step's ``timeout`` is how long to wait for a condition, not a bound on a call."""
        return False

    async def execute(self, step: S, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime, guarded: bool,
                      bound: float) -> StepResult:
        """Perform the call (``guarded``: a read-only or tabletop run looks once instead of waiting)."""
        raise StepFailure(f"step kind {step.kind} does not execute")

    async def answer(self, host: StepHost, step: S, ctx: dict[str, Any],
                     call: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """A person's step: ask the operator what ``call`` asks; (outputs, summary). Raises
        :class:`~cockpit.engine.operator.Refused` when the answer does not do."""
        raise Refused(f"step kind {step.kind} is not answered by a person")

    async def after(self, host: StepHost, step: S, call: dict[str, Any], outputs: dict[str, Any]) -> None:
        """What follows the step's success, once it is recorded (``outputs``: a person's answer;
        empty for an executing step): a decision's goto, a notification's event."""

    async def endpoints(self, step: S, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        """(what, URL) for every endpoint ``step`` will use, resolved as :meth:`execute` resolves them.

        Raises :class:`EndpointsUnknown` when they cannot be known (a program)."""
        return []


EXECUTORS: dict[str, Executor[Any]] = {}


def register(executor: Executor[Any]) -> Executor[Any]:
    """Make ``executor`` what the engine does with steps of its kind."""
    EXECUTORS[executor.kind] = executor
    return executor


def of(step: StepBase | str) -> Executor[Any]:
    """What the engine does with ``step``'s kind (or the kind named)."""
    return lookup(EXECUTORS, step, "executor for step kind")


# -- what every kind goes through ------------------------------------------------------------


def render_call(step: StepBase, ctx: dict[str, Any]) -> dict[str, Any] | None:
    """The rendered call of a step (for a person step: what is asked). Raises template errors."""
    return of(step).render(step, ctx)


def step_bound(step: StepBase) -> float:
    """Seconds one attempt of ``step`` may run before the engine stops it."""
    executor = of(step)
    if executor.waits(step):
        return float(step.timeout or WAIT_DEFAULT) + REQUEST_TIMEOUT
    return float(step.timeout or executor.default_timeout)


async def execute(step: StepBase, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime,
                  guarded: bool = False) -> StepResult:
    """Run one executing step (``call`` is its :func:`render_call`) within its bound.

    Raises :class:`TimedOut` when the step runs past :func:`step_bound`; a kind that stops
    its own work at the bound (a shell's process group: SIGTERM, then SIGKILL) is given it.
    """
    executor, bound = of(step), step_bound(step)
    if executor.bounds_itself:
        return await executor.execute(step, call, ctx, rt, guarded, bound)
    try:
        async with asyncio.timeout(bound) as limit:
            return await executor.execute(step, call, ctx, rt, guarded, bound)
    except TimeoutError:
        if not limit.expired():  # a client's own timeout inside the bound, not ours
            raise StepFailure(f"{what(call)}: no answer (timed out)") from None
        raise TimedOut(f"timed out after {bound:g}s: {what(call)}", bound) from None


# -- the kinds -------------------------------------------------------------------------------------


class _Call(Executor[Any]):
    """aws, k8s, http: one call (a rollout_status polls: each read is one request)."""

    def render(self, step: Any, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return render_check(step, ctx)

    async def execute(self, step: Any, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime, guarded: bool,
                      bound: float) -> StepResult:
        return await run_check(step, ctx, rt, once=guarded,
                               request_timeout=REQUEST_TIMEOUT if self.waits(step) else bound)

    async def endpoints(self, step: Any, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        return await check_endpoints(step, step.id, rt, ctx)


async def check_endpoints(call: Any, step_id: str, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
    """The endpoint one AWS, Kubernetes or HTTP call uses."""
    if call.kind == "aws":
        region = str(templating.preview_value(call.region, ctx)) if call.region else rt.default_region
        client = await rt.connections.aws(call.service, region)
        return [(f"step {step_id}'s AWS endpoint ({call.service}, {region})", client.meta.endpoint_url)]
    if call.kind == "k8s":
        api = await rt.connections.kube(rt.kube_context)
        return [(f"step {step_id}'s Kubernetes API server", api.configuration.host)]
    return [(f"step {step_id}'s URL", str(templating.preview_value(call.url, ctx)))]


class Aws(_Call):
    kind = "aws"  # one API call, retried by botocore within its bound

    async def execute(self, step: AwsStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime, guarded: bool,
                      bound: float) -> StepResult:
        check_created_by(step, call, ctx)  # before any request: a clean-up reaches only what the run made
        return await super().execute(step, call, ctx, rt, guarded, bound)


class K8s(_Call):
    kind = "k8s"  # one API call (rollout_status: a wait, see WAIT_DEFAULT)

    def waits(self, step: K8sStep) -> bool:
        return step.action == "rollout_status"


class Http(_Call):
    kind, default_timeout = "http", 30.0  # one request


class Shell(Executor[ShellStep]):
    kind, default_timeout, bounds_itself = "shell", 600.0, True  # scripts legitimately run for minutes

    def render(self, step: ShellStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "shell", **render_shell(step, ctx)}

    async def execute(self, step: ShellStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime,
                      guarded: bool, bound: float) -> StepResult:
        check_created_by(step, call, ctx)  # before the program starts: it reaches only what the run made
        return await run_shell(step, ctx, rt, bound)

    async def endpoints(self, step: ShellStep, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        raise EndpointsUnknown(f"step {step.id} runs a program ({step.argv[0]}): what it talks to cannot be proven")


class Wait(Executor[WaitStep]):
    kind = "wait"

    def render(self, step: WaitStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "wait", "check": render_check(step.check, ctx), "until": step.until,
                "interval": step.interval, "timeout": step.timeout}

    def waits(self, step: WaitStep) -> bool:
        return True

    async def execute(self, step: WaitStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime,
                      guarded: bool, bound: float) -> StepResult:
        return await run_wait(step, ctx, rt, once=guarded, call=call)

    async def endpoints(self, step: WaitStep, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        return await check_endpoints(step.check, step.id, rt, ctx)


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
        await host.record_event(EventKind.NOTIFICATION,
                                f"Notified {call.get('channel') or 'the webhook'}: {call['text'].splitlines()[0]}",
                                {"run_id": host.run_id, "step_id": step.id, "channel": call.get("channel"),
                                 "text": call["text"]})

    async def endpoints(self, step: NotifyStep, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        hook = rt.webhook(str(templating.preview_value(step.webhook, ctx)) if step.webhook else None)
        return [(f"step {step.id}'s webhook", hook)] if hook else []


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


class Approve(Executor[ApproveStep]):
    kind = "approve"

    def render(self, step: ApproveStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "approve", "prompt": str(templating.render_value(step.prompt, ctx))}

    async def answer(self, host: StepHost, step: ApproveStep, ctx: dict[str, Any],
                     call: dict[str, Any]) -> tuple[dict[str, Any], str]:
        prompt = call["prompt"]
        answer = await host.ask(step, prompt, host.operator.approve(step, prompt))
        if isinstance(answer, Rejection):
            await self._rejected(host, step, prompt, answer)
        name = str(answer).strip()
        if not name:
            raise Refused("no approver name given")
        await host.record_approval(name, prompt, step)
        return {"approver": name}, f"approved by {name} ({step.approver})"

    @staticmethod
    async def _rejected(host: StepHost, step: ApproveStep, prompt: str, rejection: Rejection) -> None:
        """Record who said no and why (an ``approval`` event, decision ``rejected``), then fail the step.

        The step fails like any failed step, so its ``on_failure`` decides: abort (the default)
        stops the run, continue or goto move on.
        """
        by, reason = rejection.by.strip(), " ".join(rejection.reason.split())
        if not by or not reason:
            raise Refused("a rejection needs the name of who rejects and the reason")
        await host.record_approval(by, prompt, step, decision="rejected", reason=reason)
        raise Refused(f"rejected by {by}: {reason}")


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


for _executor in (Manual, Aws, K8s, Http, Shell, Wait, Approve, Choose, Notify):
    register(_executor())
