"""CloudWatch Logs space-delimited filter patterns, which moto does not understand.

Seed 001's log review looks for ALB 5xx with ``--filter-pattern "[..., status_code=5*, ...]"``.
moto takes any pattern that does not start with a letter or a quote as "unsupported" and
matches every line, so the review found a 5xx in every request. This module matches such
patterns as CloudWatch Logs does, and :func:`install` has moto's ``filter-log-events`` use it
for patterns in brackets (other patterns keep moto's matching).

What is matched (the AWS "space-delimited log events" syntax): a message is split into fields
at spaces, text in double quotes or in square brackets being one field (without its quotes or
brackets); the pattern ``[a, b=5*, ...]`` names one term per field; ``...`` stands for any
number of fields; a term's conditions use ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` (numbers
compare as numbers, ``=``/``!=`` with ``*`` wildcards on text) joined by ``&&`` / ``||``
(``&&`` binds tighter). Without ``...`` the message must have exactly as many fields as the
pattern has terms. A pattern that does not parse matches nothing (AWS refuses it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')
_CONDITION = re.compile(r"^\s*([A-Za-z_$][\w$.-]*)\s*(!=|<=|>=|=|<|>)\s*(.+?)\s*$")
_NAME = re.compile(r"^\s*[A-Za-z_$][\w$.-]*\s*$")
ELLIPSIS = "..."


@dataclass(frozen=True)
class Condition:
    op: str
    value: str

    def holds(self, field: str) -> bool:
        wanted, got = _number(self.value), _number(field)
        if self.op in ("=", "!="):
            if wanted is not None and got is not None:
                equal = wanted == got
            else:
                equal = re.fullmatch(".*".join(map(re.escape, self.value.strip('"').split("*"))), field) is not None
            return equal if self.op == "=" else not equal
        if wanted is None or got is None:
            return False
        return {"<": got < wanted, "<=": got <= wanted, ">": got > wanted, ">=": got >= wanted}[self.op]


#: A term: ``None`` for ``...``; else alternatives (``||``) of all-of (``&&``) conditions.
Term = tuple[tuple[Condition, ...], ...] | None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def fields(message: str) -> list[str]:
    """The message's fields: space-separated, a quoted or bracketed stretch being one."""
    return [next(g for g in m.groups() if g is not None) for m in _FIELD.finditer(message)]


def _split_terms(body: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in body:
        if char == '"':
            depth ^= 1
        if char == "," and not depth:
            terms.append(current)
            current = ""
        else:
            current += char
    return [*terms, current]


def _term(text: str) -> Term:
    if text.strip() == ELLIPSIS:
        return None
    alternatives = []
    for alternative in text.split("||"):
        conditions = []
        for part in alternative.split("&&"):
            match = _CONDITION.match(part)
            if match:
                conditions.append(Condition(match.group(2), match.group(3)))
            elif not _NAME.match(part):
                raise ValueError(f"not a field condition: {part.strip()!r}")
        alternatives.append(tuple(conditions))
    return tuple(alternatives)


@lru_cache(maxsize=64)
def parse(pattern: str) -> tuple[Term, ...]:
    """The terms of ``[...]``; ValueError when it is not a space-delimited pattern."""
    text = pattern.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError("a space-delimited pattern is written in square brackets")
    return tuple(_term(t) for t in _split_terms(text[1:-1]))


def _term_holds(term: tuple[tuple[Condition, ...], ...], field: str) -> bool:
    return any(all(c.holds(field) for c in alternative) for alternative in term)


def _match(terms: tuple[Term, ...], values: list[str]) -> bool:
    """Whether the fields match the terms in order; ``...`` takes any number of fields.

    Dynamic programming over (term, field) positions, so a pattern of many ellipses costs
    terms x fields steps, never an exponential search."""
    # reach[j]: the first i terms can consume exactly the first j fields.
    reach = [True] + [False] * len(values)
    for term in terms:
        if term is None:
            for j in range(1, len(values) + 1):
                reach[j] = reach[j] or reach[j - 1]
        else:
            reach = [False] + [reach[j] and _term_holds(term, values[j]) for j in range(len(values))]
    return reach[len(values)]


def matches(pattern: str, message: str) -> bool:
    try:
        terms = parse(pattern)
    except ValueError:
        return False
    return _match(terms, fields(message))


def install() -> None:
    """Have moto's log filtering (FilterLogEvents, subscription filters) use :func:`matches`
    for bracketed patterns; other patterns are moto's as before. Idempotent."""
    import moto.logs.models as logs_models

    original = logs_models.EventMessageFilter
    if getattr(original, "space_delimited", False):
        return

    class EventMessageFilter(original):  # type: ignore[misc, valid-type]
        space_delimited = True

        def __init__(self, pattern: str) -> None:
            super().__init__(pattern)
            self._pattern = pattern if pattern and pattern.strip().startswith("[") else None

        def matches(self, message: Any) -> bool:
            if self._pattern is None:
                return bool(super().matches(message))
            return matches(self._pattern, message)

    logs_models.EventMessageFilter = EventMessageFilter
