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

from cockpit.content.step_base import argv_index
from cockpit.content.steps import AwsStep, ShellStep
from cockpit.engine.results import StepFailure


def _pick(values: Any, ref: str) -> Any:
    """``ref`` of a call's parameters or a step's outputs; ``argv[N]`` reads the argument list.

    A shell program's "answer" is that it succeeded with the arguments it was given: ``createdb
    NAME`` exiting 0 means this run created NAME (it refuses a name that exists), so the
    creating step's recorded ``argv`` names what it made."""
    if values is None:
        return None
    index = argv_index(ref)
    if index is None:
        return values[ref] if ref in values else None
    argv = values["argv"] if "argv" in values else None
    return argv[index] if isinstance(argv, list) and -len(argv) <= index < len(argv) else None


def check_created_by(step: AwsStep | ShellStep, call: dict[str, Any], ctx: dict[str, Any]) -> None:
    """Raise :class:`StepFailure` unless ``step``'s resource is the one its creator's answer named."""
    guard = step.created_by
    if guard is None:
        return
    # ``argv[N]`` names an argument of the rendered call (a program's); any other name a parameter.
    wanted = _pick(call if argv_index(guard.param) is not None else call.get("params") or {}, guard.param)
    record = ctx["steps"].get(guard.step) or {}
    status = record.get("status")
    outputs = record.get("outputs")
    created = _pick(outputs, guard.output)
    refused = f"not run: {guard.param} {wanted!r} was not created by this run"
    if status != "succeeded":
        raise StepFailure(f"{refused} (step {guard.step} {status or 'has not run'})")
    if created in (None, ""):
        raise StepFailure(f"{refused} (step {guard.step} recorded no {guard.output}: its answer was not seen)")
    if not isinstance(wanted, str) or wanted != str(created):
        raise StepFailure(f"{refused} (step {guard.step} created {created!r})")
