"""Finding, loading and validating playbook files.

``load_playbook(path)`` is the one way in: YAML with line numbers, the pydantic models, then
the whole-playbook checks of :mod:`cockpit.content.playbook_checks`. Whatever the file holds,
the only exception it raises is :class:`ContentError` (every problem, each ``file:line``).

Shipped playbooks come first, then the user's folders (config ``playbooks_dirs``); a later
file with the same ``id`` overrides an earlier one, so a team can adapt a shipped runbook
without forking Cockpit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cockpit.content.errors import ContentError, NotFound, Problem
from cockpit.content.paths import content_files
from pydantic import ValidationError

from cockpit.content.playbook import Playbook

from cockpit.content import steps as step_kinds
from cockpit.content.playbook_checks import check_playbook
from cockpit.content.yamlfile import Loc, describe_error, line_for, load_yaml, read_content, resolve_loc


def parse_playbook(text: str, path: Path | str) -> Playbook:
    """Validate the YAML ``text`` of a playbook; raise ContentError listing every problem."""
    try:
        data, lines = load_yaml(text, path)
    except ContentError:
        raise
    except yaml.YAMLError as exc:  # e.g. an unknown !!tag: the composer accepts it, the constructor does not
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise ContentError.single(path, mark.line + 1 if mark else None,
                                  f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar the safe loader cannot build (bad date)
        raise ContentError.single(path, None, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise ContentError.single(path, None, "not valid YAML: nested too deeply") from None
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise ContentError.single(path, 1, f"a playbook must be a mapping (id:, title:, steps: ...), not {kind}")
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_problems(exc, lines, path)) from None
    except RecursionError:
        raise ContentError.single(path, None, "the playbook is nested too deeply") from None
    problems = check_playbook(playbook, data, lines, path)
    if problems:
        raise ContentError(problems)
    playbook._source = str(path)
    return playbook


def _problems(exc: ValidationError, lines: dict[Loc, int], path: Path | str) -> list[Problem]:
    """pydantic's errors as file:line problems; a bad or missing step ``kind`` said plainly."""
    problems = []
    for err in exc.errors():
        loc = resolve_loc(tuple(err.get("loc", ())), lines)
        kinds = "aws, http, k8s" if "check" in loc else ", ".join(step_kinds.names())
        if err.get("type") == "union_tag_invalid" and "kind" in str(err.get("ctx", {}).get("discriminator", "")):
            loc += ("kind",)
            message = f"{_dotted(loc)}: unknown step kind {err['ctx'].get('tag')!r} (kinds: {kinds})"
        elif err.get("type") == "union_tag_not_found":
            message = f"{_dotted(loc)}: `kind` is missing (one of: {kinds})"
        else:
            message = describe_error(loc, err)
        problems.append(Problem(path, line_for(loc, lines), message))
    return problems


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def load_playbook(path: Path) -> Playbook:
    """Read and validate one playbook file."""
    return parse_playbook(read_content(path), path)


@dataclass
class Catalog:
    """Every playbook found, by id, and the problems of the files that did not load."""

    playbooks: dict[str, Playbook] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, playbook_id: str) -> Playbook:
        """The playbook ``playbook_id``; NotFound lists the ids there are (and why some files did not load)."""
        named_like_it = [p for p in self.problems if Path(str(p.path)).stem == playbook_id]
        if named_like_it:  # a broken override must not silently fall back to the shipped playbook
            raise ContentError(named_like_it)
        if playbook_id in self.playbooks:
            return self.playbooks[playbook_id]
        if self.problems:
            raise ContentError([*self.problems, Problem("playbooks", None,
                                f"no playbook named {playbook_id!r} among the files that loaded")])
        raise NotFound("playbook", playbook_id, list(self.playbooks))


def load_catalog(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> Catalog:
    """Load the shipped playbooks and those in ``extra_dirs`` (later ones override by id)."""
    catalog = Catalog()
    for path in content_files("playbooks", extra_dirs):
        try:
            playbook = load_playbook(path)
        except ContentError as exc:
            catalog.problems.extend(exc.problems)
            continue
        catalog.playbooks[playbook.id] = playbook
    return catalog


def find_playbook(playbook_id: str, extra_dirs: list[Path] | tuple[Path, ...] = ()) -> Playbook:
    """The playbook with this id, or ContentError/NotFound saying why not."""
    return load_catalog(extra_dirs).get(playbook_id)


def playbook_files(paths: list[Path]) -> list[Path]:
    """Files named on a command line: a folder stands for its ``*.yaml``/``*.yml`` files."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            out.append(path)
    return out


def summary(playbook: Playbook) -> dict[str, Any]:
    """What `cockpit playbook list --json` shows of one playbook."""
    return {"id": playbook.id, "title": playbook.title, "tags": list(playbook.tags),
            "steps": len(playbook.steps), "severities": list(playbook.applies_to.severities),
            "screens": list(playbook.applies_to.screens), "source": playbook.source}
