"""``k8s``: one Kubernetes call (``rollout_status``: a wait on the rollout)."""

from __future__ import annotations

from cockpit.content.steps import K8sStep
from cockpit.engine.steps.executor import CallExecutor

class K8s(CallExecutor):
    kind = "k8s"  # one API call (rollout_status: a wait, see WAIT_DEFAULT)

    def waits(self, step: K8sStep) -> bool:
        return step.action == "rollout_status"
