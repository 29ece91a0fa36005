"""A hostile config file or incident export is one `cockpit: error:` line, not a traceback.

tomllib and the json module recurse once per nested array or table, so a few kilobytes of
brackets end in RecursionError; a huge file is refused from its size before it is read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

SRC = Path(__file__).resolve().parents[1] / "src"


def cockpit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "COCKPIT_CONFIG": ""}
    return subprocess.run([sys.executable, "-m", "cockpit", *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("value", ["[" * 20_000 + "]" * 20_000, "{a = " * 5_000 + "1" + "}" * 5_000])
def test_a_deeply_nested_config_is_one_error_line(tmp_path: Path, value: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"screen = {value}\n")
    result = cockpit(tmp_path, "--config", str(config), "playbook", "list")
    assert result.returncode == 2
    assert result.stderr == f"cockpit: error: {config}: not valid TOML: arrays or inline tables nested too deeply\n"


def test_a_huge_config_is_refused_by_its_size(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# padding\n" * 100_000)
    result = cockpit(tmp_path, "--config", str(config), "playbook", "list")
    assert result.returncode == 2
    assert result.stderr == f"cockpit: error: {config}: config file is 1,000,000 bytes; the limit is 64 KiB\n"


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "cockpit-incident", "events": [{"data": ' + "[" * 50_000 + "]" * 50_000 + "}]}",
])
def test_a_deeply_nested_import_is_one_error_line(tmp_path: Path, text: str) -> None:
    export = tmp_path / "deep.json"
    export.write_text(text)
    result = cockpit(tmp_path, "incident", "import", str(export))
    assert result.returncode != 0
    assert result.stderr == f"cockpit: error: {export}: not a cockpit incident export: nested too deeply\n"


def test_a_huge_import_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    export = tmp_path / "huge.json"
    with export.open("wb") as handle:
        handle.truncate(300 * 2**20)  # sparse: no disk, but 300 MiB to anyone who reads it
    result = cockpit(tmp_path, "incident", "import", str(export))
    assert result.returncode != 0
    assert result.stderr == (f"cockpit: error: {export}: the file is {300 * 2**20:,} bytes; "
                             "imports are limited to 256 MiB\n")


def test_a_missing_content_folder_in_the_config_is_one_warning_and_the_command_runs(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('playbooks_dirs = ["no-such-playbooks"]\n')
    result = cockpit(tmp_path, "--config", str(config), "playbook", "list")
    assert result.returncode == 0, result.stderr
    assert "dr-failover" in result.stdout
    assert result.stderr == f"cockpit: warning: playbooks_dirs: {tmp_path / 'no-such-playbooks'}: no such folder\n"
