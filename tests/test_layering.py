"""The layers of ``src/cockpit`` hold, and the core never imports Textual: only ``cockpit.ui`` may.

The order (docs/architecture.md#layers) is written as import-linter contracts in
``pyproject.toml`` (``[tool.importlinter]``) and checked here by running ``lint-imports``, so
``pytest -q`` (CI) enforces it and a failure prints the contract and the offending import
with its line. grimp, under import-linter, sees function-local imports too: an import that
runs back up the layers fails wherever it hides.

What import-linter cannot see is what a command loads at run time: headless commands
(status, run, incident, exercise --headless) must work on a box where the UI would be dead
weight, and start fast, so one test runs them and looks for ``textual`` in ``sys.modules``.
Nor do they need the emulated estate: after them no moto, kmock or boto3 is loaded either
(the ``demo`` extra a production install leaves out).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cockpit

SRC = Path(cockpit.__file__).resolve().parent
ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

#: ``lint-imports`` through the Python running the tests (the venv's), whatever PATH holds.
LINT = ("import sys; from importlinter.cli import lint_imports;"
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")


def lint_imports(*, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = None
    if pythonpath is not None:  # a copy of the package, found before the installed one
        env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([sys.executable, "-c", LINT, str(PYPROJECT)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


def test_the_import_contracts_are_kept():
    out = lint_imports()
    if out.returncode != 0:
        # The broken contracts and each offending import with its line, untruncated.
        report = out.stdout.partition("Broken contracts")[2] or out.stdout + out.stderr
        pytest.fail("lint-imports (pyproject.toml [tool.importlinter]): broken contracts" + report, pytrace=False)
    assert "3 kept, 0 broken" in out.stdout, out.stdout


def test_the_contracts_catch_imports_against_the_order(tmp_path):
    # The contracts are not vacuous: a copy of the package with three bad imports, two of
    # them hidden in functions, breaks each contract and the report names each import.
    copy = tmp_path / "cockpit"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "timeline" / "figures.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef _up_the_layers():\n    from cockpit.engine import engine\n    return engine\n")
    with (copy / "sources" / "poller.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\nimport textual.widgets\n")
    with (copy / "exercise" / "scoring.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef _estate():\n    from cockpit.estate.http import build_app\n    return build_app\n")
    out = lint_imports(pythonpath=tmp_path)
    assert out.returncode != 0, out.stdout
    assert "cockpit.timeline.figures -> cockpit.engine.engine" in out.stdout, out.stdout
    assert "cockpit.sources.poller -> textual" in out.stdout, out.stdout
    assert "cockpit.exercise.scoring -> cockpit.estate.http" in out.stdout, out.stdout
    assert "0 kept, 3 broken" in out.stdout, out.stdout


HEADLESS = [
    ["--help"],
    ["demo", "--help"],
    ["status", "--help"],
    ["incident", "--help"],
    ["playbook", "list"],
    ["run", "--help"],
    ["share", "--help"],
]

#: Headless commands that do their work, on no estate at all: none may need the ``demo`` extra.
WORKING = [
    ["--db", "{db}", "incident", "list"],
    ["--db", "{db}", "run", "dr-failover", "--dry-run"],
    ["playbook", "show", "dr-failover"],
    ["status", "--timeout", "1"],  # every source fails fast: nothing listens on port 9
]

#: The ``demo`` extra (moto[server], kmock, boto3): a production bastion does not install it.
ESTATE_PACKAGES = ("moto", "kmock", "boto3")


def _loaded_after(commands: list[list[str]], roots: tuple[str, ...], env: dict[str, str] | None = None) -> str:
    """Run ``commands`` in one fresh interpreter; the modules of ``roots`` left in sys.modules."""
    probe = (
        "import sys\n"
        "from cockpit.cli import cli\n"
        "for args in {args!r}:\n"
        "    try:\n"
        "        cli.main(args, prog_name='cockpit', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})\n"
        "print('LOADED:' + ','.join(loaded))\n"
    ).format(args=commands, roots=roots)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.rsplit("LOADED:", 1)[1].strip()


@pytest.mark.slow  # a fresh interpreter runs the commands
def test_headless_commands_do_not_load_textual():
    assert _loaded_after(HEADLESS, ("textual",)) == ""


@pytest.mark.slow  # a fresh interpreter runs the commands
def test_headless_commands_need_no_estate(tmp_path):
    """status, run, incident and playbook leave no moto, kmock or boto3 in sys.modules."""
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
           "KUBECONFIG": str(tmp_path / "none"), "COCKPIT_CONFIG": str(tmp_path / "none.toml")}
    env.pop("AWS_PROFILE", None)
    commands = [[a.format(db=tmp_path / "t.db") for a in args] for args in HEADLESS + WORKING]
    assert _loaded_after(commands, ESTATE_PACKAGES + ("textual",), env) == ""
