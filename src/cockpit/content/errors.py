"""Errors about operator content that a person can act on.

Every problem in a screen, playbook, scenario or config file is reported as
``file:line: what is wrong`` so an SRE can open the file at the right place. The CLI prints
these messages and exits non-zero; nothing about them is a traceback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, at one place."""

    path: Path | str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class ContentError(Exception):
    """A file of operator content is malformed; carries every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, path: Path | str, line: int | None, message: str) -> "ContentError":
        return cls([Problem(path, line, message)])


class NotFound(ContentError):
    """A named screen, playbook or scenario does not exist; the message lists what does."""

    def __init__(self, kind: str, name: str, available: list[str]):
        self.kind, self.name, self.available = kind, name, available
        listing = ", ".join(sorted(available)) or "none"
        super().__init__([Problem(kind, None, f"no {kind} named {name!r} (available: {listing})")])

    def __str__(self) -> str:  # a NotFound has no file to point at
        return self.problems[0].message


def did_you_mean(name: str, known: list[str]) -> str:
    """The hint after an unknown name: the closest of ``known``, else the short list of them, else nothing."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(known)})" if known and len(known) <= 12 else ""
