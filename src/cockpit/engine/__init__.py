"""The playbook engine: runs playbooks step by step, persisted in the timeline (docs/engine.md).

No Textual here: the headless ``cockpit run`` and the guided screen drive the same
:class:`Engine` through its controls and listen to its past-tense events.
"""

from cockpit.engine.engine import Engine, EngineError, NotRecorded
from cockpit.engine.events import (
    EngineEvent, RunFinished, RunStarted, StepFinished, StepHeld, StepOutput, StepStarted, StepWaiting,
)
from cockpit.engine.operator import HeadlessOperator, NeedsPerson, Operator, OptionState, Refused, Rejection
from cockpit.engine.policy import Policy
from cockpit.engine.runtime import Runtime

__all__ = [
    "Engine", "EngineError", "EngineEvent", "HeadlessOperator", "NeedsPerson", "NotRecorded", "Operator",
    "OptionState", "Policy", "Refused", "Rejection", "RunFinished", "RunStarted", "Runtime", "StepFinished",
    "StepHeld", "StepOutput", "StepStarted", "StepWaiting",
]
