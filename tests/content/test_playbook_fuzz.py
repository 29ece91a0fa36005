"""Fuzzing the playbook loader: whatever the file holds, the answer is a ContentError or a playbook.

Mutations start from the shipped playbooks (so they reach deep into steps, expectations,
templates and AWS parameters) and delete a key, replace a value, or rename a key; random
text covers the YAML parser itself. A traceback here would be a traceback for a user.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.content.errors import ContentError
from cockpit.content.paths import content_files
from cockpit.content.playbook import Playbook
from cockpit.content.playbooks import parse_playbook

SHIPPED = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in content_files("playbooks")]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["{{", "{{ params.x }}", "{{ steps.a.outputs.b }}", "{% for %}", "goto:end", "goto:x",
                     "destructive", "read", "aws", "shell", "wait", "choose", "[", "@", "15m", "-1", "P1",
                     "{{ ''.__class__ }}", "{{ 'x' * 1000000000 }}", "s3", "GetObject"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, prefix + (i,))
    return out


def _mutate(doc: Any, path: tuple, how: str, new: Any) -> Any:
    if not path:
        return new
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        parent[str(new)[:12] or "x"] = parent.pop(last)
    else:
        parent[last] = new
    return doc


def _check(text: str) -> None:
    try:
        result = parse_playbook(text, "fuzz.yaml")
    except ContentError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    assert isinstance(result, Playbook)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), how=st.sampled_from(["delete", "replace", "rename"]), new=values)
@pytest.mark.slow  # hypothesis fuzzing of every shipped playbook
def test_mutated_shipped_playbooks_never_raise_anything_but_content_error(data: st.DataObject, how: str,
                                                                         new: Any) -> None:
    import copy

    doc = copy.deepcopy(data.draw(st.sampled_from(SHIPPED)))
    path = data.draw(st.sampled_from(_paths(doc)))
    doc = _mutate(doc, path, how, new)
    _check(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("abc:-[]{}\"'|>&*!%@`#\t\n ,?0123456789")), max_size=120))
def test_random_yaml_text_never_raises_anything_but_content_error(text: str) -> None:
    _check(text)


@pytest.mark.parametrize("text", [
    "[" * 5000,                                   # nesting deeper than the parser's recursion
    "id: x\ntitle: y\nsteps:\n  - !!python/object/apply:os.system [echo pwned]\n",
    "id: x\ntitle: y\ndate: 2024-13-45\nsteps: []\n",
    "a: &a [*a]\n",
    "\x00\x01",
    "id: x\ntitle: y\nsteps:\n  - {id: a, kind: manual, title: \"{{ " + "(" * 500 + "1" + ")" * 500 + " }}\"}\n",
])
def test_pathological_files_are_content_errors(text: str) -> None:
    _check(text)


def test_a_terminal_escape_in_a_file_is_one_line_at_its_line() -> None:
    """A control character (here the start of an escape that clears the screen) is refused
    with the line it is on, in one line that carries no copy of the character."""
    with pytest.raises(ContentError) as caught:
        parse_playbook("id: x\ntitle: \"a\x1b[2Jb\"\nsteps: []\n", "esc.yaml")
    message = str(caught.value)
    assert message.startswith("esc.yaml:2: not valid YAML: character U+001B is not allowed"), message
    assert "\n" not in message and "\x1b" not in message


def test_a_file_that_is_not_utf8_is_a_content_error(tmp_path: Path) -> None:
    from cockpit.content.playbooks import load_playbook

    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError, match="cannot read"):
        load_playbook(path)
