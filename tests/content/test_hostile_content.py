"""Hostile content files: each gets one `file:line: message`, quickly, in bounded memory.

The files under ``hostile/`` are the corpus (a billion-laughs alias bomb, an alias inside
the value it names, nesting deep through aliases, nesting deep as written); the big ones are
generated here. Every command runs as a child process with its address space capped at
1.5 GB and a generous timeout, so a loader that expands a bomb fails the test (out of
memory, or too slow) instead of taking the test run down with it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess on each hostile file

HOSTILE = Path(__file__).parent / "hostile"
SRC = Path(__file__).resolve().parents[2] / "src"
MEMORY = 1536 * 1024 * 1024


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cockpit(tmp_path: Path, *args: str, config: str = "", timeout: float = 30) -> subprocess.CompletedProcess:
    """Run `cockpit ARGS` with its own config file (``config`` is its TOML body)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(config)
    env = {**os.environ, "PYTHONPATH": str(SRC), "COCKPIT_CONFIG": str(cfg), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, preexec_fn=_cap_memory, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("name, line, words", [
    ("billion-laughs.yaml", 10, "this value stands for more than 50,000 values once its YAML aliases (*name) are expanded"),
    ("self-alias.yaml", 5, "alias *s refers to a value that contains it"),
    ("deep-aliases.yaml", 7, "nested more than 64 levels deep once its YAML aliases (*name) are expanded"),
    ("deep-nesting.yaml", 5, "nested more than 64 levels deep"),
])
def test_playbook_validate_names_file_and_line_of_a_hostile_file(tmp_path: Path, name: str, line: int,
                                                                 words: str) -> None:
    result = cockpit(tmp_path, "playbook", "validate", str(HOSTILE / name))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{HOSTILE / name}:{line}: {words}"], result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_playbook_list_reports_a_bomb_in_a_playbooks_folder_and_lists_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "laughs.yaml").write_bytes((HOSTILE / "billion-laughs.yaml").read_bytes())
    result = cockpit(tmp_path, "playbook", "list", config=f"playbooks_dirs = [{str(folder)!r}]\n")
    assert "dr-failover" in result.stdout
    assert f"{folder / 'laughs.yaml'}:10: this value stands for more than 50,000 values" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["billion-laughs", "deep-aliases"])
def test_status_on_a_hostile_screen_is_one_error_line(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "screens"
    folder.mkdir()
    (folder / f"{name}.yaml").write_bytes((HOSTILE / f"{name}.yaml").read_bytes())
    result = cockpit(tmp_path, "status", "--screen", name, config=f"screens_dirs = [{str(folder)!r}]\n")
    assert result.returncode == 64  # EX_USAGE: status keeps 0-3 for the monitoring levels
    assert result.stderr.startswith(f"cockpit: error: {folder / name}.yaml:"), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_exercise_of_a_hostile_scenario_is_one_error_line(tmp_path: Path) -> None:
    scenario = tmp_path / "laughs.yaml"
    scenario.write_bytes((HOSTILE / "billion-laughs.yaml").read_bytes())
    result = cockpit(tmp_path, "exercise", str(scenario), "--mode", "tabletop", "--headless")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"cockpit: error: {scenario}:10: this value stands for more than 50,000 "
                                          "values once its YAML aliases (*name) are expanded"]


def test_a_5_mb_playbook_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    step = "  - {id: s%d, kind: manual, title: \"Step %d of a very long runbook that nobody will ever finish\"}\n"
    big.write_text("id: big\ntitle: Big\nsteps:\n" + "".join(step % (i, i) for i in range(60_000)))
    assert big.stat().st_size > 5_000_000
    result = cockpit(tmp_path, "playbook", "validate", str(big), timeout=20)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{big}: the file is {big.stat().st_size:,} bytes; content files are "
                                          "limited to 128 KiB (split it up)"]


def test_a_fifo_named_like_a_playbook_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = cockpit(tmp_path, "playbook", "validate", str(fifo), timeout=20)
    assert result.stdout.splitlines() == [f"{fifo}: not a regular file"]
