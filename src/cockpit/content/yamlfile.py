"""Load YAML while remembering where every value came from, and validate it with pydantic.

PyYAML's composer keeps a start mark for every node; we walk the node tree once, building
plain Python data and a map from each value's path (``("steps", 3, "kind")``) to its line.
A pydantic ``ValidationError`` carries the same kind of path in ``loc``, so each error is
reported at the line of the deepest part of its path that exists in the file.

Content files come from anyone who can write to a playbooks folder, so the loader bounds its
own work before it builds anything (:data:`MAX_BYTES`, :data:`MAX_DEPTH`, :data:`MAX_VALUES`):
a YAML alias repeats the value it points at, and ten lines of aliases ("billion laughs")
stand for a billion values. The composer shares the aliased node, so composing is cheap;
counting each node's *expanded* size as it is composed catches the bomb at the line that
sets it off, before a single Python object is built.

The text is scanned and parsed into events by libyaml (PyYAML's ``CParser``) when PyYAML was
built with it, and by PyYAML's pure-Python parser otherwise; the events are composed into
nodes by PyYAML's Python composer in both cases, so the bounds above hold either way. The
pure-Python scanner was most of the cost of reading the playbook catalog, which the
cockpit reads while its panes come up (``docs/performance.md``). libyaml's parser keeps its
nesting on the heap, not the C stack, and the file's size is bounded before it is parsed.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner
from pydantic import BaseModel, ValidationError

from cockpit.content.errors import ContentError, Problem

Loc = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)


#: Largest content file read (bytes). The biggest shipped playbook is ~17 KB; a file this size
#: already takes the playbook checks a second or two when every reference in it is wrong.
MAX_BYTES = 128 * 1024
#: Deepest nesting of mappings and lists, counted after aliases are expanded. Playbooks need
#: ~8 (AWS parameters); PyYAML's composer and our walk recurse once or twice per level.
MAX_DEPTH = 64
#: Most values (mappings, lists, scalars, keys) a file may stand for once aliases are expanded.
MAX_VALUES = 50_000


class _PyParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python reader, scanner and parser: text in, events out."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


#: libyaml's event parser if PyYAML was built with it (scanner and parser in C), else PyYAML's own.
_Parser: type = _PyParser
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser as _Parser


class _Loader(Composer, _Parser, SafeConstructor, Resolver):  # type: ignore[misc, valid-type]
    """A safe loader that bounds the document it composes: depth, and size once aliases expand.

    Composer comes first so that its Python ``compose_*`` (and the hook below) compose the
    events of ``_Parser``, whatever parser that is; the constructor is the SafeLoader's.

    ``sizes`` holds each finished node's expanded size and height; an alias adds the size of
    the node it names. An alias to a node still being composed (``a: &a [*a]``) is refused:
    expanding it would never end.
    """

    def __init__(self, text: str, path: Path | str):
        _Parser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.path = path
        self.depth = 0
        self.sizes: dict[yaml.Node, tuple[int, int]] = {}  # node -> (values, height) once expanded

    def refuse(self, mark: Any, message: str) -> ContentError:
        return ContentError.single(self.path, mark.line + 1 if mark else None, message)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)  # raises for an undefined alias
            if node not in self.sizes:
                raise self.refuse(event.start_mark, f"alias *{event.anchor} refers to a value that contains it")
            return node
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self.refuse(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        self.sizes[node] = self.measure(node)
        return node

    def measure(self, node: yaml.Node) -> tuple[int, int]:
        """(values, height) of ``node`` with every alias under it expanded; refuse past the limits."""
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            return 1, 1
        values = 1 + sum(self.sizes[child][0] for child in children)
        height = 1 + max((self.sizes[child][1] for child in children), default=0)
        if values > MAX_VALUES:
            raise self.refuse(node.start_mark, f"this value stands for more than {MAX_VALUES:,} values once its "
                                               "YAML aliases (*name) are expanded")
        if height > MAX_DEPTH:
            raise self.refuse(node.start_mark, f"nested more than {MAX_DEPTH} levels deep once its YAML aliases "
                                               "(*name) are expanded")
        return values, height


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], loader: _Loader) -> Any:
    """Plain data from a node the loader has bounded; fills ``lines`` with each path's line."""
    path = loader.path
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
            out[key] = _construct(value_node, loc + (key,), lines, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loc + (i,), lines, loader) for i, item in enumerate(node.value)]
    # Scalars: let the SafeLoader resolve the tag (int, float, bool, null, timestamp, str).
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:  # e.g. a timestamp like 2024-13-45
        reason = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else exc
        raise ContentError.single(path, node.start_mark.line + 1, f"cannot read value {node.value!r}: {reason}") from None


def too_big(size: int) -> str:
    return f"the file is {size:,} bytes; content files are limited to {MAX_BYTES // 1024} KiB (split it up)"


#: libyaml's own bound on nesting, met while it scans (deeper than :data:`MAX_DEPTH`).
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def load_yaml(text: str, path: Path | str) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML document; return the data and its path→line map."""
    if len(text) > MAX_BYTES:
        raise ContentError.single(path, None, too_big(len(text.encode("utf-8"))))
    loader = None
    try:
        loader = _Loader(text, path)  # PyYAML's own reader checks the characters here
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:  # a control character: no mark, a position
        line = text.count("\n", 0, exc.position) + 1
        raise ContentError.single(path, line, f"not valid YAML: character U+{exc.character:04X} is not allowed "
                                              f"({exc.reason})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        message = (f"nested more than {MAX_DEPTH} levels deep" if problem == _LIBYAML_TOO_DEEP
                   else f"not valid YAML: {problem}")
        raise ContentError.single(path, line, message) from None
    except yaml.YAMLError as exc:
        raise ContentError.single(path, None, f"not valid YAML: {exc}") from None
    if node is None:
        loader.dispose()
        raise ContentError.single(path, 1, "the file is empty")
    lines: dict[Loc, int] = {}
    try:
        return _construct(node, (), lines, loader), lines
    finally:
        loader.dispose()


def read_content(path: Path) -> str:
    """The text of one content file, read no further than :data:`MAX_BYTES`.

    A FIFO or a device named ``*.yaml`` would block or never end, so only regular files
    are opened; a bigger file is refused from its size, before it is read.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ContentError.single(path, None, "is a directory, not a content file")
        if not stat.S_ISREG(info.st_mode):
            raise ContentError.single(path, None, "not a regular file")
        if info.st_size > MAX_BYTES:
            raise ContentError.single(path, None, too_big(info.st_size))
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ContentError.single(path, None, "no such file") from None
    except OSError as exc:
        raise ContentError.single(path, None, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:  # it grew after stat
        raise ContentError.single(path, None, too_big(len(raw)))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError.single(path, None, f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


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
    data, lines = load_yaml(read_content(path), path)
    return validate(model, data, lines, path, context)
