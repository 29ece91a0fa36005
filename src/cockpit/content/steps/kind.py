"""What a step kind decides on the content side, as one class: :class:`StepKind`.

A kind's home (``content/steps/<kind>.py``) holds its model and its :class:`StepKind`:
what a dry run and the guided screen say the step does, the outputs it has without
declaring them, whether a person answers it, what "Expected" shows, which calls it makes,
where it may jump and what is wrong with it that its model alone cannot say (a check that
needs the earlier steps). Its engine side (``engine/steps/<kind>.py``) renders and executes
it: content cannot import the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from cockpit.content.call_text import call_lines
from cockpit.content.errors import did_you_mean
from cockpit.content.step_base import AwsCall, HttpCall, K8sCall, Risk, StepBase
from cockpit.content.yamlfile import Loc

S = TypeVar("S", bound=StepBase)
T = TypeVar("T")
Call = AwsCall | HttpCall | K8sCall


class StepKind(Generic[S]):
    """What is decided per kind on the content side. Subclass, set the class attributes; the
    package (``content/steps/__init__.py``) registers one instance per kind."""

    kind: ClassVar[str]
    model: ClassVar[type[StepBase]]
    #: Outputs every step of this kind has without declaring them (besides its ``outputs:``).
    implicit_outputs: ClassVar[tuple[str, ...]] = ()
    #: A person answers it (the operator is asked; nothing executes).
    person: ClassVar[bool] = False
    #: A check run (nobody there) records it "not executed" instead of waiting for a person.
    skipped_unattended: ClassVar[bool] = False
    #: What the guided screen shows under "Expected" when the call lines say nothing of it.
    expected: ClassVar[tuple[str, ...]] = ()

    def describe(self, step: S, ctx: dict[str, Any], responder: bool) -> list[str]:
        """The lines saying what ``step`` does (``when``, ``confirm``, ``on_failure`` are added around them)."""
        return []

    def declared_outputs(self, step: S) -> tuple[str, ...]:
        """The outputs ``step`` declares (its ``outputs:`` mapping; some kinds add their own)."""
        return tuple(getattr(step, "outputs", {}) or ())

    def calls(self, step: S) -> tuple[tuple[Loc, Call], ...]:
        """(where in the step, call) for each aws, k8s or http call the step makes: the playbook
        checks validate them (operation names, URLs) and the engine renders their inputs early."""
        return ()

    def jumps(self, step: S) -> tuple[tuple[Loc, str], ...]:
        """(where in the step, step id) for each goto the kind itself offers (``on_failure`` is everyone's)."""
        return ()

    def problems(self, step: S, earlier: Mapping[str, StepBase]) -> Iterator[tuple[Loc, str]]:
        """(where in the step, message) for what is wrong with ``step`` that its model cannot see;
        ``earlier`` holds the steps before it, by id."""
        return iter(())


class CallKind(StepKind[Any]):
    """aws, k8s, http: the step is one call."""

    expected = ("the call succeeds",)

    def describe(self, step: Any, ctx: dict[str, Any], responder: bool) -> list[str]:
        return call_lines(step, ctx)

    def calls(self, step: Any) -> tuple[tuple[Loc, Call], ...]:
        return (((), step),)


def creator_of(step: Any, earlier: Mapping[str, StepBase], model: type, what: str
               ) -> Generator[tuple[Loc, str], None, Any]:
    """Yield what is wrong with the step ``step.created_by`` names (not an earlier step, not a
    ``model`` step that writes: ``what`` says which); return it, or None when it cannot be it."""
    guard = step.created_by
    creator = earlier.get(guard.step)
    if creator is None:
        yield ("created_by", "step"), (f"created_by: {guard.step!r} is not an earlier step"
                                       f"{did_you_mean(guard.step, list(earlier))}")
        return None
    if not isinstance(creator, model) or creator.risk is Risk.read:
        yield ("created_by", "step"), (f"created_by: step {guard.step!r} is not {what} that creates "
                                       "something (it only reads)")
        return None
    return creator


KINDS: dict[str, StepKind[Any]] = {}
#: Called after the kinds change (the playbook model takes the new ones in, see playbook.py).
_listeners: list[Callable[[], None]] = []


def register(kind: StepKind[Any]) -> StepKind[Any]:
    """Make ``kind`` the home of its steps (replacing an earlier one of the same name): from
    now on playbook files may name it."""
    KINDS[kind.kind] = kind
    _changed()
    return kind


def unregister(name: str) -> None:
    """Forget the kind ``name``: playbook files naming it are wrong again."""
    if KINDS.pop(name, None) is not None:
        _changed()


def listen(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a kind is registered or forgotten."""
    _listeners.append(callback)


def _changed() -> None:
    for callback in _listeners:
        callback()


def of(step: StepBase | str) -> StepKind[Any]:
    """The home of ``step``'s kind (or of the kind named)."""
    return lookup(KINDS, step, "step kind")


def lookup(table: Mapping[str, T], step: StepBase | str, what: str) -> T:
    """``table``'s entry for ``step``'s kind (or the kind named): this registry's and the engine's."""
    name = step if isinstance(step, str) else step.kind
    try:
        return table[name]
    except KeyError:
        raise LookupError(f"no {what} {name!r} is registered") from None


def outputs_of(step: StepBase) -> tuple[str, ...]:
    """Every output name a step offers: declared and implicit."""
    kind = of(step)
    return kind.declared_outputs(step) + kind.implicit_outputs
