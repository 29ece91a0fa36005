"""The step kinds of the playbook format, one module each (content side).

Each module holds a kind's model and its :class:`~cockpit.content.steps.kind.StepKind`
(description, outputs, hints, calls, jumps, checks); its engine side is the module of the
same name in ``engine/steps/``. :func:`step_union`, the discriminated union a
playbook's ``steps:`` is validated with (and the published schema says), is built here from
the kinds registered, so a built-in kind is a module here, one in ``engine/steps/`` and its
line in :data:`KIND_CLASSES` and in the engine's list. A kind registered later (a plugin; a
test's toy kind, declared in one module with its executor) is taken in by the playbook
model at once (``playbook.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from cockpit.content.steps.approve import Approve, ApproveStep
from cockpit.content.steps.aws import Aws, AwsStep
from cockpit.content.steps.choose import Choose, ChooseStep, Option
from cockpit.content.steps.http import Http, HttpStep
from cockpit.content.steps.k8s import K8s, K8sStep
from cockpit.content.steps.kind import KINDS, CallKind, StepKind, listen, lookup, of, outputs_of, register, unregister
from cockpit.content.steps.manual import Manual, ManualStep
from cockpit.content.steps.notify import Notify, NotifyStep
from cockpit.content.steps.shell import Shell, ShellStep
from cockpit.content.steps.wait import Wait, WaitStep

#: The built-in kinds, in the order the schema and the documentation list them.
KIND_CLASSES: tuple[type[StepKind], ...] = (Manual, Aws, K8s, Http, Shell, Wait, Approve, Choose, Notify)
for _kind in KIND_CLASSES:
    register(_kind())


def step_union() -> Any:
    """One step of a playbook: the model its ``kind`` names, of every kind registered now."""
    return Annotated[Union[tuple(kind.model for kind in KINDS.values())], Field(discriminator="kind")]


def names() -> tuple[str, ...]:
    """The kinds a playbook file may name now."""
    return tuple(KINDS)


Step = step_union()

__all__ = [
    "KINDS", "KIND_CLASSES", "Step", "StepKind", "CallKind", "listen", "lookup", "names", "of", "outputs_of",
    "register", "step_union", "unregister",
    "ApproveStep", "AwsStep", "ChooseStep", "HttpStep", "K8sStep", "ManualStep", "NotifyStep", "Option", "ShellStep",
    "WaitStep",
]
