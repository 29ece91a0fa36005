"""Without the ``demo`` extra, the commands that need the estate say what to install.

A production bastion installs ``cockpit-sre`` alone: no moto[server], kmock or boto3. The
estate's commands must then fail with one line naming the extra (exit 64, a usage error),
never a traceback from an estate that dies on start-up. Absence is real here: a meta path
finder in a ``sitecustomize`` on PYTHONPATH makes ``import moto`` (and kmock, boto3) fail in the
``cockpit`` process, as on a machine where they were never installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

BLOCKER = '''
import sys

class NotInstalled:
    """As if the demo extra was never installed."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
'''



def _cockpit(tmp_path: Path, *args: str, blocked=("moto", "kmock", "boto3")) -> subprocess.CompletedProcess:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=tuple(blocked)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("COCKPIT_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=tmp_path)


@pytest.mark.parametrize("args, command", [
    (["demo"], "cockpit demo"),
    (["demo", "--no-ui"], "cockpit demo"),
    (["demo", "--scenario", "eu-west-1-storage-outage"], "cockpit demo"),
    (["exercise", "eu-west-1-storage-outage", "--mode", "drill", "--headless"], "cockpit exercise"),
    (["exercise", "eu-west-1-storage-outage", "--mode", "tabletop"], "cockpit exercise"),
])
def test_estate_commands_name_the_extra(tmp_path, args, command):
    out = _cockpit(tmp_path, *args)
    assert out.returncode == 64, out.stderr
    assert out.stderr == (f"cockpit: error: {command} needs the emulated estate (moto, kmock, boto3 not installed): "
                          "pip install 'cockpit-sre[demo]'\n")
    assert out.stdout == ""


def test_one_missing_package_is_named(tmp_path):
    out = _cockpit(tmp_path, "demo", "--no-ui", blocked=("kmock",))
    assert out.returncode == 64
    assert "(kmock not installed): pip install 'cockpit-sre[demo]'" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_and_headless_commands_work_without_it(tmp_path):
    assert _cockpit(tmp_path, "demo", "--help").returncode == 0
    shown = _cockpit(tmp_path, "playbook", "show", "dr-failover")
    assert shown.returncode == 0 and "dr-failover" in shown.stdout, shown.stderr
