"""The step kinds of the playbook format, one module each (content side).

Each module holds a kind's model and its :class:`~cockpit.content.steps.kind.StepKind`
(description, outputs, hints, calls, jumps, checks); its engine side is the module of the
same name in ``engine/steps/``. :data:`Step`, the discriminated union a playbook's
``steps:`` is validated with (and the published schema says), is built here from the
kinds, so a new kind is a module here, one in ``engine/steps/``, and its line in
:data:`KIND_CLASSES` and in the engine's list.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from cockpit.content.steps.approve import Approve, ApproveStep
from cockpit.content.steps.aws import Aws, AwsStep
from cockpit.content.steps.choose import Choose, ChooseStep, Option
from cockpit.content.steps.http import Http, HttpStep
from cockpit.content.steps.k8s import K8s, K8sStep
from cockpit.content.steps.kind import KINDS, CallKind, StepKind, lookup, of, outputs_of, register
from cockpit.content.steps.manual import Manual, ManualStep
from cockpit.content.steps.notify import Notify, NotifyStep
from cockpit.content.steps.shell import Shell, ShellStep
from cockpit.content.steps.wait import Wait, WaitStep

#: Every kind, in the order the schema and the documentation list them.
KIND_CLASSES: tuple[type[StepKind], ...] = (Manual, Aws, K8s, Http, Shell, Wait, Approve, Choose, Notify)
for _kind in KIND_CLASSES:
    register(_kind())

STEP_KINDS = tuple(kind.kind for kind in KIND_CLASSES)

#: One step of a playbook: the model its ``kind`` names.
Step = Annotated[Union[tuple(kind.model for kind in KIND_CLASSES)], Field(discriminator="kind")]

__all__ = [
    "KINDS", "KIND_CLASSES", "STEP_KINDS", "Step", "StepKind", "CallKind", "lookup", "of", "outputs_of", "register",
    "ApproveStep", "AwsStep", "ChooseStep", "HttpStep", "K8sStep", "ManualStep", "NotifyStep", "Option", "ShellStep",
    "WaitStep",
]
