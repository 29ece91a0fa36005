"""Cockpit builds on Textual's public API only: every private Textual member it touches is a
breakage waiting for the next Textual release (issue 13), and the pin ``textual<9`` can only go
once there are none.

The sources are read with ``ast`` (not searched as text) and three things are reported, each as
``file:line``:

- an import of a private Textual module or name (``textual._compositor``, ``from textual.widget
  import _BorderTitle``);
- a ``._name`` attribute that Textual itself defines (a method, a class attribute or an instance
  attribute of one of its classes, read off Textual's own sources), on anything: ``self._nodes``,
  ``super()._pop_result_callback()``, ``screen._compositor``. Such a name on a Textual subclass
  is Textual's member, or one that shadows it; either way a Textual release can break it;
- a method named like a private Textual method defined in a subclass of a Textual class (an
  override of Textual's internals), and ``__dict__`` read off a Textual class (its descriptors).

The allow-list names the files still allowed to do so, with why.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import types
from functools import cache
from pathlib import Path
from typing import Any

import textual

SRC = Path(__file__).resolve().parent.parent / "src" / "cockpit"

#: Files allowed to use private Textual members, and why. Meant to shrink to nothing.
ALLOWED: set[str] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@cache
def textual_private_names() -> frozenset[str]:
    """Every private name Textual's own sources define: methods, class attributes, ``self._x``."""
    names: set[str] = set()
    for path in Path(textual.__file__).parent.rglob("*.py"):
        names |= _defined(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return frozenset(names)


@cache
def cockpit_private_names() -> frozenset[str]:
    """Every private name Cockpit's own sources define (its own members, whatever they sit on)."""
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        names |= _defined(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return frozenset(names)


def _defined(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = node.name
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            name = node.attr
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            name = node.id
        else:
            continue
        if _private(name):
            names.add(name)
    return names


@cache
def _members_of_textual_class(klass: type) -> frozenset[str]:
    """The private names one Textual class defines: in its ``__dict__`` and as ``self._x`` in its methods."""
    names = {name for name in vars(klass) if _private(name)}
    try:
        source = textwrap.dedent(inspect.getsource(klass))
    except (OSError, TypeError):
        return frozenset(names)
    return frozenset(names | _defined(ast.parse(source)))


def textual_members(cls: type) -> frozenset[str]:
    """The private names the Textual classes among ``cls``'s bases define (empty: not a Textual class)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if _textual_module(klass.__module__):
            names |= _members_of_textual_class(klass)
    return frozenset(names)


def _textual_module(module: str | None) -> bool:
    return module is not None and (module == "textual" or module.startswith("textual."))


def _module_of(rel: str) -> Any:
    """The Cockpit module at ``rel`` (under src/cockpit), imported; None for a standalone sample."""
    name = "cockpit." + rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def violations(path: Path, rel: str, module: Any = None) -> list[str]:
    """What ``path`` does with private Textual members, as "file:line: what".

    ``module``: the classes the file defines, to see which derive from Textual ones (by
    default the Cockpit module at ``rel``, imported).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    textual_names: set[str] = set()  # names bound to Textual modules or classes in this file
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _textual_module(alias.name):
                    textual_names.add((alias.asname or alias.name).split(".")[0])
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append((node.lineno, f"imports private module {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and _textual_module(node.module):
            assert node.module is not None
            if any(_private(part) for part in node.module.split(".")):
                found.append((node.lineno, f"imports from private module {node.module}"))
            for alias in node.names:
                textual_names.add(alias.asname or alias.name)
                if _private(alias.name):
                    found.append((node.lineno, f"imports private name {alias.name} from {node.module}"))
    if not textual_names:
        return []  # Textual stays in ui/ (the import contract); nothing here can reach it
    module = module if module is not None else _module_of(rel)
    in_class: set[int] = set()  # attribute nodes judged with their class
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name, None)
        members = textual_members(cls) if isinstance(cls, type) else frozenset()
        if not members:
            continue
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in members:
                found.append((item.lineno, f"{node.name} overrides Textual's private {item.name}()"))
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and _on_self(sub.value):
                in_class.add(id(sub))
                if sub.attr in members:
                    found.append((sub.lineno, f"{node.name} uses Textual's private member .{sub.attr}"))
    textual_only = textual_private_names() - cockpit_private_names()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in in_class:
            continue
        if node.attr in textual_only:
            found.append((node.lineno, f"uses Textual's private member .{node.attr}"))
        elif node.attr == "__dict__" and isinstance(node.value, ast.Name) and node.value.id in textual_names:
            found.append((node.lineno, f"reads {node.value.id}.__dict__ (Textual's descriptors)"))
    return [f"{rel}:{line}: {what}" for line, what in sorted(set(found))]


def _on_self(value: ast.expr) -> bool:
    """``self.x``, ``cls.x`` or ``super().x``: a member of the class being defined."""
    if isinstance(value, ast.Name):
        return value.id in ("self", "cls")
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"


def all_violations() -> list[str]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel not in ALLOWED:
            out.extend(violations(path, rel))
    return out


def test_no_private_textual_members_outside_the_allow_list() -> None:
    found = all_violations()
    assert not found, "private Textual members used (build on the public API):\n" + "\n".join(found)


def test_the_allow_list_names_files_that_exist() -> None:
    assert all((SRC / rel).is_file() for rel in ALLOWED)


def test_the_check_sees_each_kind_of_private_use(tmp_path: Path) -> None:
    """What each rule catches, on code like the uses that were removed (issue 13)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from textual.screen import Screen\n"
        "from textual.widget import Widget\n"
        "from textual._compositor import Compositor\n"
        "class CockpitScreen(Screen[None]):\n"
        "    def _pop_result_callback(self):\n"
        "        if self._result_callbacks:\n"
        "            super()._pop_result_callback()\n"
        "attribute = Widget.__dict__['border_title']\n"
        "class Mine:\n"
        "    def _own(self):\n"
        "        return self._mine\n",
        encoding="utf-8")
    module = types.ModuleType("sample")
    exec(compile(sample.read_text(encoding="utf-8").replace("from textual._compositor import Compositor\n", "\n"),
                 str(sample), "exec"), module.__dict__)
    found = violations(sample, "sample.py", module)
    assert [line.split(":")[1] for line in found] == ["3", "5", "6", "7", "8"], found
