"""Jinja2 for playbooks: one sandboxed environment, used to check templates and to render them.

Playbook values such as ``{{ params.dr_bucket }}`` are rendered when a step runs, with values
an operator typed (``--param``) or read from AWS. So the environment is Jinja2's
:class:`ImmutableSandboxedEnvironment` (no ``__class__`` tricks, no mutating lists or dicts)
with :class:`StrictUndefined` (a typo fails loudly instead of rendering an empty bucket name),
bounded by :mod:`cockpit.content.sandbox` so a template can neither build a gigabyte string
nor loop for an hour (every render runs in its own work budget).

Names a template sees (:data:`CONTEXT_NAMES`): ``params``, ``steps`` (``steps.<id>.outputs.<name>``
and ``steps.<id>.status``), ``incident``, ``screen``, plus ``result`` inside a ``wait`` step's
``until``. There is deliberately no ``env``: environment variables hold credentials, and a
rendered call is written to the timeline.

A value that is exactly one ``{{ expression }}`` keeps the expression's type (an int stays an
int for ``MaxKeys``); anything else renders to a string.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser
from jinja2.runtime import StrictUndefined

from cockpit.content.sandbox import BoundedEnvironment, budget, check_size

#: Root names a playbook template may use.
CONTEXT_NAMES = ("params", "steps", "incident", "screen")
#: The fields of ``incident`` the engine provides.
INCIDENT_FIELDS = ("id", "title", "severity", "mode", "commander", "status", "declared_at")
#: What ``steps.<id>`` offers besides ``outputs``.
STEP_FIELDS = ("outputs", "status")

_SINGLE_EXPR = re.compile(r"^\s*\{\{(?P<expr>.*)\}\}\s*$", re.DOTALL)


def now(**delta: float) -> str:
    """UTC now, shifted by ``timedelta(**delta)``, as ISO-8601 (what AWS timestamps accept).

    ``{{ now(hours=-1) }}`` is the runbooks' ``$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%S)``.
    """
    allowed = {"weeks", "days", "hours", "minutes", "seconds"}
    unknown = set(delta) - allowed
    if unknown:
        raise SecurityError(f"now() takes only {', '.join(sorted(allowed))}")
    return (datetime.now(timezone.utc) + timedelta(**delta)).replace(microsecond=0).isoformat()


def age(timestamp: Any) -> str:
    """How long ago an ISO-8601 timestamp was, as a person says it ("31 min", "2 h 5 min").

    For an option's ``evidence``: "5xx alarm in ALARM for {{ steps.a.outputs.since | age }}"
    reads at 3 a.m. where a timestamp needs arithmetic. Not a timestamp: ValueError.
    """
    text = str(timestamp).strip().replace("Z", "+00:00")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = max(0, int((datetime.now(timezone.utc) - when).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def epoch(timestamp: Any) -> int:
    """An ISO-8601 timestamp as whole seconds since 1970 (UTC when it names no zone).

    CloudWatch Logs takes epoch times (``StartQuery``'s ``startTime``; ``FilterLogEvents``'
    milliseconds: ``(now(hours=-1) | epoch) * 1000``), which a runbook computes with
    ``$(date -u -d '1 hour ago' +%s)``. Not a timestamp: ValueError.
    """
    when = datetime.fromisoformat(str(timestamp).strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def _make_env(undefined: type[Undefined] = StrictUndefined) -> BoundedEnvironment:
    env = BoundedEnvironment(undefined=undefined, autoescape=False, keep_trailing_newline=False)
    env.globals = {"now": now, "range": env.globals["range"], "dict": dict}
    env.filters["age"] = age
    env.filters["epoch"] = epoch
    return env


#: The environment the engine renders with.
ENV = _make_env()


def has_template(value: str) -> bool:
    return "{{" in value or "{%" in value or "{#" in value


def parse_template(source: str) -> nodes.Template:
    """Parse ``source`` as a template; raises TemplateSyntaxError."""
    return ENV.parse(source)


def parse_expression(source: str) -> nodes.Expr:
    """Parse a bare expression (``when``, ``condition``, ``until``); raises TemplateSyntaxError."""
    parser = Parser(ENV, source, state="variable")
    expr = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("unexpected text after the expression", parser.stream.current.lineno, None, None)
    return expr


def checked(source: str, expression: bool = False) -> tuple[nodes.Node | None, str | None]:
    """``source`` parsed once for the checks: (tree, None), or (None, a one-line description
    of what is wrong with it). Remembered per source: the catalog repeats the same templates
    (``{{ params.region }}``) across steps and playbooks, and the checks only read trees.
    Only short sources are remembered, so what is kept stays small whatever the files hold."""
    if len(source) > _REMEMBERED_CHARS:
        return _parse_checked(source, expression)
    return _remembered(source, expression)


_REMEMBERED_CHARS = 400


def _parse_checked(source: str, expression: bool) -> tuple[nodes.Node | None, str | None]:
    try:
        return (parse_expression(source) if expression else parse_template(source)), None
    except TemplateSyntaxError as exc:
        where = f" (line {exc.lineno} of the template)" if exc.lineno and exc.lineno > 1 else ""
        return None, f"{exc.message}{where}"
    except RecursionError:
        return None, "template is nested too deeply"


_remembered = lru_cache(maxsize=2048)(_parse_checked)  # the shipped catalog has ~1,100 distinct ones


def references(tree: nodes.Node) -> list[tuple[str, ...]]:
    """Attribute chains rooted at a free name: ``steps.a.outputs.b`` -> ("steps", "a", "outputs", "b").

    A chain stops at the first part that is not a constant (``params[name]``); names bound
    inside the template (``{% for x in ... %}``, ``{% set %}``) are not references.
    """
    bound = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    chains: list[tuple[str, ...]] = []
    inner: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in inner:
            continue
        chain: list[str] = []
        cur: nodes.Node = node
        while isinstance(cur, (nodes.Getattr, nodes.Getitem)):
            inner.add(id(cur.node))
            if isinstance(cur, nodes.Getattr):
                chain.append(cur.attr)
            elif isinstance(cur.arg, nodes.Const) and isinstance(cur.arg.value, (str, int)):
                chain.append(str(cur.arg.value))
            else:
                chain.clear()  # a computed key: keep only what comes before it
            cur = cur.node
        if isinstance(cur, nodes.Name) and cur.name not in bound:
            chains.append((cur.name, *reversed(chain)))
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in bound:
            chains.append((name.name,))
    return chains


def unknown_filters(tree: nodes.Node) -> list[str]:
    """Filters and tests the template names that the environment lacks (``| epoch`` on a
    cockpit without it). Jinja resolves them only when it compiles, which validation never
    does, so without this a misspelt filter passed ``validate`` and failed the run."""
    missing = []
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        known = ENV.filters if isinstance(node, nodes.Filter) else ENV.tests
        kind = "filter" if isinstance(node, nodes.Filter) else "test"
        if node.name not in known and f"{kind} {node.name!r}" not in missing:
            missing.append(f"{kind} {node.name!r}")
    return missing


def free_names(tree: nodes.Node) -> set[str]:
    """Root names the template reads that it does not define itself, minus Jinja globals."""
    return {chain[0] for chain in references(tree)} - set(ENV.globals)


# -- rendering (the engine's side) -------------------------------------------------------------


def render_text(source: str, context: dict[str, Any]) -> str:
    """Render a template to a string. Raises jinja2 errors (UndefinedError, SecurityError...)."""
    with budget(), _no_runaway_recursion():
        return ENV.from_string(source).render(context)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate a bare expression (``when``, an option's ``condition``, ``until``)."""
    with budget(), _no_runaway_recursion():
        return check_size(ENV.compile_expression(expression, undefined_to_none=False)(**context), "the value")


class _no_runaway_recursion:
    """A macro that calls itself ends in RecursionError: say so as a template error."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if kind is RecursionError:
            raise SecurityError("template recurses too deeply (a macro or loop that calls itself?)") from None


def render_value(value: Any, context: dict[str, Any]) -> Any:
    """Render every string inside ``value`` (dicts and lists recursively).

    A string that is exactly one ``{{ expr }}`` becomes the expression's value, so
    ``"{{ params.replicas }}"`` gives ``3``, not ``"3"``.
    """
    if isinstance(value, str):
        if not has_template(value):
            return value
        match = _SINGLE_EXPR.match(value)
        if match and "{{" not in match.group("expr") and "}}" not in match.group("expr"):
            result = evaluate(match.group("expr"), context)
            if isinstance(result, Undefined):
                str(result)  # raises for StrictUndefined
            return result
        return render_text(value, context)
    if isinstance(value, dict):
        return {k: render_value(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, context) for v in value]
    return value


# -- previews (`cockpit playbook show`, dry runs) ----------------------------------------------


class Placeholder:
    """A value not known yet (an earlier step's output, a parameter without a default).

    Renders as ``<steps.find_hc.outputs.id>`` so a preview shows where the value will come from.
    """

    def __init__(self, path: str):
        self._path = path

    def __getattr__(self, name: str) -> "Placeholder":
        if name.startswith("__"):
            raise AttributeError(name)
        return Placeholder(f"{self._path}.{name}")

    def __getitem__(self, key: Any) -> "Placeholder":
        return Placeholder(f"{self._path}[{key!r}]")

    def __str__(self) -> str:
        return f"<{self._path}>"

    __repr__ = __str__

    def __bool__(self) -> bool:  # an unknown value is neither true nor false: the preview shows the template
        raise TypeError(f"{self} is not known before the run")

    def __iter__(self):  # a loop over an unknown list previews as one placeholder item
        yield Placeholder(f"{self._path}[*]")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Placeholder):
            return other._path == self._path
        raise TypeError(f"{self} is not known before the run")

    __ne__ = __eq__  # type: ignore[assignment]  # both fail for a real comparison

    def __hash__(self) -> int:
        return hash(self._path)


class Known:
    """A namespace of known values whose missing names preview as placeholders."""

    def __init__(self, name: str, values: dict[str, Any]):
        self._name, self._values = name, values

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        if key in self._values:
            return self._values[key]
        return Placeholder(f"{self._name}.{key}")

    __getitem__ = __getattr__


def preview_context(params: dict[str, Any]) -> dict[str, Any]:
    """A context for previews: the known parameters; everything else a placeholder."""
    return {
        "params": Known("params", params),
        "steps": Placeholder("steps"),
        "incident": Placeholder("incident"),
        "screen": Placeholder("screen"),
        "result": Placeholder("result"),
    }


def preview_value(value: Any, context: dict[str, Any]) -> Any:
    """Like :func:`render_value`, but never fails: a value that cannot render stays as written."""
    if isinstance(value, dict):
        return {k: preview_value(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [preview_value(v, context) for v in value]
    try:
        out = render_value(value, context)
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError):
        return value  # a preview shows what cannot be rendered yet as written
    return str(out) if isinstance(out, Placeholder) else out
