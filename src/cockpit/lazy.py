"""Packages whose public names are imported on first use (PEP 562), as ``textual.widgets`` does.

The cockpit's first frame must not pay for what only a key opens (dialogs, the playbook
engine, the SQLite timeline store): ``cockpit.timeline``, ``cockpit.ui.incident`` and
``cockpit.ui.playbook`` map each public name to the module that defines it and import that
module when the name is first asked for, so ``cockpit.timeline.model`` costs what it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose ``exports`` map name -> submodule."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
