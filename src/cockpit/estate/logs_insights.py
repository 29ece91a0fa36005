"""CloudWatch Logs Insights queries, run over a log group's events as Insights runs them.

moto's ``StartQuery`` reads only ``fields`` and ``limit``: it ignores ``filter`` and
``stats``, so seed 004's "Count errors by type" (``filter @message like /ERROR/ | stats
count() by @message``) answers every line of the group, unfiltered and uncounted. This is
the part of the query language the runbooks use, pure (no moto, no clock): ``fields``,
``filter`` (``like /regex/``, ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, joined by ``and`` /
``or``), ``stats`` (``count()``, ``count(f)``, ``sum``, ``avg``, ``min``, ``max``, ``as``
names, ``by`` fields), ``sort`` and ``limit``. A command outside that (seed 004's ``eval``,
which Insights does not have either) is a ``MalformedQueryException``, as AWS answers.

Fields are discovered as Insights discovers them for Lambda: ``@type`` (START, END,
REPORT), ``@requestId``, and on REPORT lines ``@duration``, ``@billedDuration``,
``@memorySize``, ``@maxMemoryUsed`` (numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

#: Insights' default (and largest) number of rows.
DEFAULT_LIMIT = 10000
_LAMBDA_LINE = re.compile(r"^(?P<type>START|END|REPORT) RequestId: (?P<id>[\w-]+)")
_REPORT_NUMBERS = {"@duration": r"\bDuration: ([\d.]+) ms", "@billedDuration": r"Billed Duration: ([\d.]+) ms",
                   "@memorySize": r"Memory Size: (\d+) MB", "@maxMemoryUsed": r"Max Memory Used: (\d+) MB"}
_COMPARISON = re.compile(r"^(?P<field>[@\w.]+)\s*(?P<op>like|not like|=|!=|<=|>=|<|>)\s*(?P<value>.+)$", re.S)
_AGGREGATE = re.compile(r"^(?P<fn>count|sum|avg|min|max)\((?P<arg>[@\w.]*)\)(?:\s+as\s+(?P<alias>\w+))?$", re.I)


class MalformedQuery(ValueError):
    """The query is not one Insights would run: the message says where."""


@dataclass(frozen=True)
class Event:
    timestamp_ms: int
    message: str
    log_stream: str
    log_group: str


def fields_of(event: Event) -> dict[str, Any]:
    """The fields Insights discovers in one event."""
    found: dict[str, Any] = {"@timestamp": event.timestamp_ms, "@message": event.message,
                             "@logStream": event.log_stream, "@log": event.log_group}
    match = _LAMBDA_LINE.match(event.message)
    if match:
        found["@type"], found["@requestId"] = match["type"], match["id"]
        if match["type"] == "REPORT":
            for name, pattern in _REPORT_NUMBERS.items():
                number = re.search(pattern, event.message)
                if number:
                    found[name] = float(number[1])
    return found


def _split_commands(query: str) -> list[str]:
    """The query's commands (``|``-separated; a ``|`` inside /regex/ or quotes is not a separator)."""
    parts, current, quote = [], [], ""
    for char in query:
        if quote:
            quote = "" if char == quote else quote
        elif char in "/\"'":
            quote = char
        elif char == "|":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    lines = [" ".join(line.split("#")[0].split()) for line in "".join(f"{p}\n|" for p in parts).split("\n|")]
    return [line for line in lines if line]


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        return float(text)
    except ValueError:
        raise MalformedQuery(f"unexpected value {text!r}") from None


def _condition(text: str) -> Any:
    """A predicate over an event's fields from ``a like /x/ and b > 3`` (``or`` binds looser)."""
    clauses = [[_comparison(c) for c in re.split(r"\s+and\s+", alt)] for alt in re.split(r"\s+or\s+", text)]
    return lambda row: any(all(test(row) for test in clause) for clause in clauses)


def _comparison(text: str) -> Any:
    match = _COMPARISON.match(text.strip())
    if not match:
        raise MalformedQuery(f"cannot read the filter {text!r}")
    name, op, raw = match["field"], match["op"], match["value"].strip()
    if op in ("like", "not like"):
        if len(raw) >= 2 and raw[0] == raw[-1] == "/":
            pattern = re.compile(raw[1:-1])
        else:
            pattern = re.compile(re.escape(str(_literal(raw))))
        wanted = op == "like"
        return lambda row: (row.get(name) is not None and bool(pattern.search(str(row[name])))) == wanted
    value = _literal(raw)

    def test(row: dict[str, Any]) -> bool:
        have = row.get(name)
        if have is None:
            return op == "!="
        if isinstance(value, float):
            try:
                have = float(have)
            except (TypeError, ValueError):
                return op == "!="
        else:
            have = str(have)
        return {"=": have == value, "!=": have != value, "<": have < value, "<=": have <= value,
                ">": have > value, ">=": have >= value}[op]
    return test


def _stats(text: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """([(column, function, field)], by-fields) of ``count() as n, avg(@duration) by @type``."""
    parts = re.split(r"\s+by\s+", text, maxsplit=1)
    head, by = parts[0], parts[1] if len(parts) > 1 else ""
    aggregates = []
    for part in [p.strip() for p in head.split(",") if p.strip()]:
        match = _AGGREGATE.match(part)
        if not match:
            raise MalformedQuery(f"unsupported stats function {part!r}")
        column = match["alias"] or f"{match['fn'].lower()}({match['arg']})"
        aggregates.append((column, match["fn"].lower(), match["arg"]))
    return aggregates, [f.strip() for f in by.split(",") if f.strip()]


def _aggregate(fn: str, arg: str, rows: list[dict[str, Any]]) -> Any:
    if fn == "count":
        return len(rows) if not arg else sum(1 for r in rows if r.get(arg) is not None)
    numbers = []
    for row in rows:
        try:
            numbers.append(float(row[arg]))
        except (KeyError, TypeError, ValueError):
            continue
    if not numbers:
        return None
    return {"sum": sum(numbers), "avg": sum(numbers) / len(numbers), "min": min(numbers), "max": max(numbers)}[fn]


def _shown(name: str, value: Any) -> str:
    if name == "@timestamp" and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def run_query(query: str, events: list[Event]) -> tuple[list[list[dict[str, str]]], int]:
    """(results as GetQueryResults gives them, records matched) of ``query`` over ``events``."""
    commands = _split_commands(query)
    if not commands:
        raise MalformedQuery("the query is empty")
    rows = [fields_of(e) for e in sorted(events, key=lambda e: e.timestamp_ms, reverse=True)]
    columns: list[str] | None = None
    limit = DEFAULT_LIMIT
    matched = len(rows)
    for command in commands:
        word, _, rest = command.partition(" ")
        word = word.lower()
        if word in ("fields", "display"):
            columns = [f.strip() for f in rest.split(",") if f.strip()]
        elif word == "filter":
            keep = _condition(rest)
            rows = [r for r in rows if keep(r)]
            matched = len(rows)
        elif word == "stats":
            aggregates, by = _stats(rest)
            groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
            for row in rows:
                groups.setdefault(tuple(row.get(f) for f in by), []).append(row)
            if not by and not groups:
                groups[()] = []
            rows = []
            for key, members in groups.items():
                row = dict(zip(by, key))
                row.update({column: _aggregate(fn, arg, members) for column, fn, arg in aggregates})
                rows.append(row)
            columns = [column for column, _, _ in aggregates] + by
        elif word == "sort":
            for spec in reversed([s.strip() for s in rest.split(",") if s.strip()]):
                name, _, direction = spec.partition(" ")
                descending = direction.strip().lower() == "desc"
                present = [r for r in rows if r.get(name) is not None]
                absent = [r for r in rows if r.get(name) is None]
                present.sort(key=lambda r, n=name: (isinstance(r[n], str), r[n]), reverse=descending)
                rows = present + absent
        elif word in ("limit", "head"):
            try:
                limit = int(rest)
            except ValueError:
                raise MalformedQuery(f"limit takes a number, not {rest!r}") from None
            if not 0 < limit <= DEFAULT_LIMIT:
                raise MalformedQuery(f"limit must be between 1 and {DEFAULT_LIMIT}")
        else:
            raise MalformedQuery(f"unexpected command {word!r}")
    shown = columns or ["@timestamp", "@message"]
    results = [[{"field": name, "value": _shown(name, row[name])} for name in shown if row.get(name) is not None]
               for row in rows[:limit]]
    return results, matched
