"""``k8s``: one Kubernetes action (a ``rollout_status`` waits for the rollout)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.content.step_base import K8S_READ_ACTIONS, Duration, K8sCall, Risk, StepBase
from cockpit.content.steps.kind import CallKind


class K8sStep(StepBase, K8sCall):
    kind: Literal["k8s"]  # narrowed again: StepBase.kind (str) would otherwise win over the call's
    timeout: Duration | None = Field(None, description="rollout_status: how long to wait for the rollout.")

    def inferred_risk(self) -> Risk:
        return Risk.read if self.action in K8S_READ_ACTIONS else Risk.write


class K8s(CallKind):
    kind, model, implicit_outputs = "k8s", K8sStep, ("object",)
