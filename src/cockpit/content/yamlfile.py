"""Load YAML while remembering where every value came from, and validate it with pydantic.

PyYAML's composer keeps a start mark for every node; we walk the node tree once, building
plain Python data and a map from each value's path (``("steps", 3, "kind")``) to its line.
A pydantic ``ValidationError`` carries the same kind of path in ``loc``, so each error is
reported at the line of the deepest part of its path that exists in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cockpit.content.errors import ContentError, Problem

Loc = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (a silent overwrite hides a mistake)."""


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: Path | str) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                raise ContentError.single(path, key_node.start_mark.line + 1, "mapping keys must be plain strings")
            if key == "<<":
                raise ContentError.single(path, key_node.start_mark.line + 1, "YAML merge keys (<<) are not supported")
            if key in out:
                raise ContentError.single(path, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            lines[loc + (key,)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, loc + (key,), lines, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loc + (i,), lines, path) for i, item in enumerate(node.value)]
    # Scalars: let the SafeLoader resolve the tag (int, float, bool, null, timestamp, str).
    try:
        return _Loader("").construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:  # e.g. a timestamp like 2024-13-45
        raise ContentError.single(path, node.start_mark.line + 1, f"cannot read value {node.value!r}: {exc}") from None


def load_yaml(text: str, path: Path | str) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML document; return the data and its path→line map."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError.single(path, line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ContentError.single(path, None, f"not valid YAML: {exc}") from None
    if node is None:
        raise ContentError.single(path, 1, "the file is empty")
    lines: dict[Loc, int] = {}
    return _construct(node, (), lines, path), lines


def resolve_loc(loc: Loc, lines: dict[Loc, int]) -> Loc:
    """Drop the parts of a pydantic ``loc`` that are not in the file.

    Tagged unions put the tag (``"aws"``) or a validator name into ``loc``; those parts have
    no place in the document. The last part is kept even when absent: it names the field
    that is missing.
    """
    kept: Loc = ()
    for i, part in enumerate(loc):
        if kept + (part,) in lines or i == len(loc) - 1 and not _is_tag(part):
            kept += (part,)
    return kept


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and (part.startswith("function-") or "[" in part)


def line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """The line of the deepest prefix of ``loc`` present in the file."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def describe_error(loc: Loc, err: dict[str, Any]) -> str:
    """One pydantic error as a sentence that names the field."""
    where = ".".join(str(part) for part in loc)
    msg = str(err.get("msg", "invalid"))
    kind = err.get("type")
    if kind == "missing":
        return f"{where or 'document'}: required field is missing"
    if kind == "extra_forbidden":
        return f"{where}: unknown field (check the spelling)"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{where}: {msg}" if where else msg


def problems_from_validation(exc: ValidationError, lines: dict[Loc, int], path: Path | str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = resolve_loc(tuple(err.get("loc", ())), lines)
        problems.append(Problem(path, line_for(loc, lines), describe_error(loc, err)))
    return problems


def validate(model: type[M], data: Any, lines: dict[Loc, int], path: Path | str, context: dict[str, Any] | None = None) -> M:
    """Validate ``data`` as ``model``; turn every pydantic error into a file:line problem."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ContentError(problems_from_validation(exc, lines, path)) from None


def load_model(model: type[M], path: Path, context: dict[str, Any] | None = None) -> M:
    """Read ``path`` and validate it as ``model``, or raise a ContentError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError.single(path, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError.single(path, None, f"cannot read: {exc}") from None
    data, lines = load_yaml(text, path)
    return validate(model, data, lines, path, context)
