"""The ``created_by`` guard: a step that acts only on what this run created.

A clean-up (delete the test instance the DR test restored) must never reach a resource the
run did not make, whatever a parameter, an edited template or a resumed run says. The proof
is in the data the run recorded: the creating step succeeded *in this run* and the answer of
its call named the resource (its output); the cleaning step's rendered parameter must be
exactly that name. Anything else and the call is refused before a request is made. A
creating step a person marked done after a crash has no recorded answer, so the guard
refuses there too: the clean-up is then a person's to do, never a guess.
"""

from __future__ import annotations

from typing import Any

from cockpit.content.playbook import AwsStep
from cockpit.engine.results import StepFailure


def check_created_by(step: AwsStep, call: dict[str, Any], ctx: dict[str, Any]) -> None:
    """Raise :class:`StepFailure` unless ``step``'s resource is the one its creator's answer named."""
    guard = step.created_by
    if guard is None:
        return
    wanted = (call.get("params") or {}).get(guard.param)
    record = ctx["steps"].get(guard.step) or {}
    status = record.get("status")
    outputs = record.get("outputs")
    created = outputs[guard.output] if outputs is not None and guard.output in outputs else None
    refused = f"not run: {guard.param} {wanted!r} was not created by this run"
    if status != "succeeded":
        raise StepFailure(f"{refused} (step {guard.step} {status or 'has not run'})")
    if created in (None, ""):
        raise StepFailure(f"{refused} (step {guard.step} recorded no {guard.output}: its answer was not seen)")
    if not isinstance(wanted, str) or wanted != str(created):
        raise StepFailure(f"{refused} (step {guard.step} created {created!r})")
