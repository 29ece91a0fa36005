"""Label and field selectors, as the API server applies them to lists and watches.

kmock ignores ``labelSelector`` and ``fieldSelector``; Cockpit's panes list pods by their
deployment's labels (``app=storage-service``) and kubectl's ``rollout status`` watches one
deployment by ``metadata.name``. Without filtering, both would see the wrong objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_SET_EXPR = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


class SelectorError(ValueError):
    """A selector the server cannot parse (answered as 400 Bad Request)."""


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside ``in (a, b)`` parentheses."""
    terms, depth, current = [], 0, ""
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    terms.append(current)
    return [t.strip() for t in terms if t.strip()]


def label_selector(selector: str) -> Predicate:
    """A predicate over objects for a label selector such as ``app=x,tier in (a,b),!legacy``."""
    checks: list[Callable[[dict[str, str]], bool]] = []
    for term in _split_terms(selector):
        if m := _SET_EXPR.match(term):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            if op == "in":
                checks.append(lambda labels, k=key, vs=values: labels.get(k) in vs)
            else:
                checks.append(lambda labels, k=key, vs=values: labels.get(k) not in vs)
        elif "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            checks.append(lambda labels, k=key, v=value: labels.get(k) != v)
        elif "=" in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            checks.append(lambda labels, k=key, v=value: labels.get(k) == v)
        elif term.startswith("!"):
            checks.append(lambda labels, k=term[1:].strip(): k not in labels)
        elif re.fullmatch(r"[\w./-]+", term):
            checks.append(lambda labels, k=term: k in labels)
        else:
            raise SelectorError(f"unable to parse label selector requirement {term!r}")

    def predicate(obj: dict[str, Any]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(check(labels) for check in checks)
    return predicate


def _field(obj: dict[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def field_selector(selector: str) -> Predicate:
    """A predicate for a field selector such as ``metadata.name=x,status.phase!=Running``."""
    checks: list[Callable[[dict[str, Any]], bool]] = []
    for term in _split_terms(selector):
        if "!=" in term:
            path, value = (s.strip() for s in term.split("!=", 1))
            checks.append(lambda o, p=path, v=value: _field(o, p) != v)
        elif "=" in term:
            path, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            checks.append(lambda o, p=path, v=value: _field(o, p) == v)
        else:
            raise SelectorError(f"invalid field selector {term!r}")
    return lambda obj: all(check(obj) for check in checks)


def selector_from_params(params: dict[str, str]) -> Predicate:
    """The combined predicate of a request's ``labelSelector`` and ``fieldSelector``."""
    preds = []
    if params.get("labelSelector"):
        preds.append(label_selector(params["labelSelector"]))
    if params.get("fieldSelector"):
        preds.append(field_selector(params["fieldSelector"]))
    return lambda obj: all(p(obj) for p in preds)
