"""What the engine does with a step of one kind, as one class: :class:`Executor`.

Keyed by the same ``kind`` as the content side (``content/steps/``: model, description,
outputs, person or not, hints for the guided screen). The engine asks :func:`of` instead of
``isinstance`` chains: :func:`render_call` and :func:`execute` here, the bound of an attempt
(:func:`step_bound`), the endpoints a drill's ``--yes`` must prove (``estate_proof.py``),
what a person step asks and what follows a success (``person.py``).

Person steps (manual, approve, choose) do not execute: the engine asks the
:class:`~cockpit.engine.operator.Operator`; their "call" is what the person is asked
(checklist, prompt), rendered with the rest so that every template a step needs is
rendered, and can be found wanting, before anything is asked or called.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Generic, TypeVar

from cockpit.content import steps as kinds, templating
from cockpit.content.step_base import StepBase
from cockpit.engine.bounds import REQUEST_TIMEOUT, WAIT_DEFAULT, what
from cockpit.engine.calls import check_inputs, render_check, run_check
from cockpit.engine.host import StepHost
from cockpit.engine.operator import Refused
from cockpit.engine.results import StepFailure, StepResult, TimedOut
from cockpit.engine.runtime import Runtime

S = TypeVar("S", bound=StepBase)


class EndpointsUnknown(Exception):
    """Why nobody can know what a step talks to (one line): a drill's ``--yes`` cannot cover it."""


class Executor(Generic[S]):
    """What the engine does with a step of one kind. Subclass and set ``kind``; the package
    (``engine/steps/__init__.py``) registers one instance per kind."""

    kind: ClassVar[str]
    #: Seconds one attempt may take when the playbook gives no ``timeout`` (see bounds.py).
    default_timeout: ClassVar[float] = 60.0
    #: The executor stops its own work at the bound (a shell stops its process group), so
    #: the engine hands it the bound instead of cancelling it.
    bounds_itself: ClassVar[bool] = False

    def render(self, step: S, ctx: dict[str, Any]) -> dict[str, Any] | None:
        """The rendered call (for a person step: what is asked). Raises template errors."""
        return None

    def check_inputs(self, step: S, ctx: dict[str, Any]) -> None:
        """Raise :class:`~cockpit.engine.context.OutputNotProduced` when what the step reads
        besides its call names an output an earlier step did not produce (before anything runs)."""
        check_inputs([call for _, call in kinds.of(step).calls(step)], ctx)

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


def unregister(name: str) -> None:
    """Forget the executor of the kind ``name``."""
    EXECUTORS.pop(name, None)


def of(step: StepBase | str) -> Executor[Any]:
    """What the engine does with ``step``'s kind (or the kind named)."""
    return kinds.lookup(EXECUTORS, step, "executor for step kind")


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


class CallExecutor(Executor[Any]):
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
