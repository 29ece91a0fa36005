"""The step kinds, engine side: one :class:`~cockpit.engine.steps.executor.Executor` a module.

Each module is the engine half of the kind of the same name in ``content/steps/`` (which
holds its model and what is decided before any engine runs): how a step of that kind
renders its call, executes or is answered by a person, what follows its success, and which
endpoints it talks to.
"""

from __future__ import annotations

from cockpit.engine.steps.approve import Approve
from cockpit.engine.steps.aws import Aws
from cockpit.engine.steps.choose import Choose
from cockpit.engine.steps.executor import (
    EXECUTORS, EndpointsUnknown, Executor, execute, of, register, render_call, step_bound, unregister,
)
from cockpit.engine.steps.http import Http
from cockpit.engine.steps.k8s import K8s
from cockpit.engine.steps.manual import Manual
from cockpit.engine.steps.notify import Notify
from cockpit.engine.steps.shell import Shell
from cockpit.engine.steps.wait import Wait

#: Every kind's executor, in the order of ``content.steps.KIND_CLASSES``.
EXECUTOR_CLASSES: tuple[type[Executor], ...] = (Manual, Aws, K8s, Http, Shell, Wait, Approve, Choose, Notify)
for _executor in EXECUTOR_CLASSES:
    register(_executor())

__all__ = ["EXECUTORS", "EXECUTOR_CLASSES", "EndpointsUnknown", "Executor", "execute", "of", "register",
           "render_call", "step_bound", "unregister"]
