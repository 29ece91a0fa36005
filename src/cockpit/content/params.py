"""Turning ``--param K=V`` strings, the screen and the defaults into a playbook's parameters.

One function for the engine, ``cockpit run`` and ``cockpit playbook show``, so a value is
typed and checked the same way wherever it enters. Precedence: a value given by the
operator, then ``default_from`` evaluated over the screen, then ``default``.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import TemplateError, Undefined

from cockpit.content import templating
from cockpit.content.playbook import Parameter, Playbook

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ParameterError(ValueError):
    """One or more parameters are wrong; ``messages`` has one line per problem."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


SECRET_SHOWN = "*****"


def shown_value(value: Any, secret: bool) -> Any:
    """A parameter's value as a preview shows it: a secret as ``*****``, unless it is empty.

    An empty secret (an optional token left out) is shown as what it is: masking it would make
    a template that tests it (``'Bearer ' ~ token if token``) preview a credential never sent."""
    return SECRET_SHOWN if secret and value not in (None, "") else value


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["bucket=x", "n=3"]`` -> ``{"bucket": "x", "n": "3"}``; ParameterError when malformed."""
    out: dict[str, str] = {}
    bad = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            bad.append(f"--param {pair!r}: expected NAME=VALUE")
        else:
            out[name.strip()] = value
    if bad:
        raise ParameterError(bad)
    return out


def default_of(param: Parameter, screen: Any = None, environ: dict[str, str] | None = None) -> Any:
    """The parameter's default: ``default_from`` over the screen when it yields a value, else ``default``.

    Screen values may hold ``${VAR:-fallback}`` (screen URLs do); those are expanded here.
    """
    if param.default_from and screen is not None:
        try:
            value = templating.evaluate(param.default_from, {"screen": screen})
        except (TemplateError, TypeError, ValueError, LookupError, AttributeError):
            value = None
        if value is not None and not isinstance(value, Undefined):
            if isinstance(value, str):
                value = _expand(value, environ)
            try:
                return param.coerce(value)
            except ValueError:
                pass  # the screen does not fit this parameter; the written default applies
    return param.default


def _expand(text: str, environ: dict[str, str] | None) -> str:
    import os

    env = os.environ if environ is None else environ
    return _ENV_REF.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), text)


def resolve_params(playbook: Playbook, given: dict[str, Any], screen: Any = None,
                   environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Every parameter's typed value; ParameterError lists unknown names, bad and missing values."""
    problems: list[str] = []
    for name in given:
        if name not in playbook.parameters:
            known = ", ".join(playbook.parameters) or "none"
            problems.append(f"unknown parameter {name!r} for {playbook.id} (parameters: {known})")
    values: dict[str, Any] = {}
    for name, param in playbook.parameters.items():
        if name in given:
            try:
                values[name] = param.coerce(given[name])
            except ValueError as exc:
                problems.append(f"parameter {name}: {exc}")
            continue
        value = default_of(param, screen, environ)
        if value is None and param.required:
            problems.append(f"parameter {name} is required: give --param {name}=VALUE")
        values[name] = value
    if problems:
        raise ParameterError(problems)
    return values
