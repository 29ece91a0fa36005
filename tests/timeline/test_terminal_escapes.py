"""Escape sequences typed into an incident, or printed by a step, never reach the terminal.

A title with OSC 52 (write the clipboard), a note with CSI (clear the screen, colours) and a
bidi override: the CLI's human output carries none of their bytes; the JSON export keeps the
text as it was written (escaped by JSON), so nothing is lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

OSC52 = "\x1b]52;c;aGk=\x07"  # a short payload: a long base64 one is redacted as a token before it is stored
TITLE = f"S3 5xx{OSC52} in eu-west-1"
NOTE = "rolled back\x1b[2J\x1b[31m (red)\x1b[0m \u202eevil\u202c \x9b31m done"
FORBIDDEN = ["\x1b", "\x07", "\x9b", "\u202e", "52;c;"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "COCKPIT_CONFIG": "", "PYTHONIOENCODING": "utf-8"}


def cockpit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], env=env, capture_output=True, timeout=60)


def _clean(out: bytes) -> None:
    text = out.decode("utf-8")
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text)


def test_list_show_and_markdown_carry_no_escape(env: dict[str, str], tmp_path: Path) -> None:
    declared = cockpit(env, "incident", "declare", "--title", TITLE, "--severity", "P2")
    assert declared.returncode == 0, declared.stderr
    incident = declared.stdout.decode().strip()
    assert cockpit(env, "incident", "note", incident, NOTE).returncode == 0
    for args in (["incident", "list"], ["incident", "show", incident], ["incident", "export", incident]):
        result = cockpit(env, *args)
        assert result.returncode == 0, result.stderr
        _clean(result.stdout)
        assert b"S3 5xx in eu-west-1" in result.stdout  # the words stay
    shown = cockpit(env, "incident", "show", incident).stdout.decode()
    assert "rolled back (red) evil  done" in shown
    exported = json.loads(cockpit(env, "incident", "show", incident, "--json").stdout)
    assert exported["incident"]["title"] == TITLE  # lossless
    assert any(e["message"] == NOTE or NOTE in e["message"] for e in exported["events"])


def test_cockpit_run_output_carries_no_escape(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    code = "import sys; sys.stdout.write(sys.argv[1] + '\\n')"
    (folder / "escapes.yaml").write_text(f"""\
id: escapes
title: "Escapes"
parameters:
  x: {{}}
steps:
  - id: print
    kind: shell
    title: "Print {{{{ params.x }}}}"
    risk: read
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(code)}, "{{{{ params.x }}}}"]
""", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f"playbooks_dirs = [{json.dumps(str(folder))}]\n", encoding="utf-8")
    result = cockpit({**env, "COCKPIT_CONFIG": str(config)}, "run", "escapes", "--title", TITLE, "--severity", "P3",
                     "--param", f"x=out{OSC52}put", "--yes")
    assert result.returncode == 0, result.stderr
    _clean(result.stdout)
    _clean(result.stderr)
    assert b"output" in result.stdout
