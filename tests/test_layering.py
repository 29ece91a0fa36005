"""The core never imports Textual: only ``cockpit.ui`` may.

Headless commands (status, run, incident, exercise --headless) must work on a box where the
UI would be dead weight, and start fast. Checked two ways: statically (no module outside
``ui/`` has an ``import textual``) and at run time (a headless command leaves no
``textual`` module in ``sys.modules``). Nor do they need the emulated estate: after them no
moto, kmock or boto3 is loaded either (the ``demo`` extra a production install leaves out).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cockpit

SRC = Path(cockpit.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_outside_ui_imports_textual():
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        if relative.parts[0] == "ui":
            continue
        bad = sorted(n for n in _imports(path) if n == "textual" or n.startswith("textual."))
        if bad:
            offenders.append(f"{relative}: {', '.join(bad)}")
    assert offenders == [], "Textual imported outside cockpit/ui:\n" + "\n".join(offenders)


def test_the_ui_package_is_where_textual_lives():
    # Guard against the test above passing vacuously (e.g. the ui package moved).
    ui_imports = set().union(*(_imports(p) for p in (SRC / "ui").rglob("*.py")))
    assert any(n == "textual" or n.startswith("textual.") for n in ui_imports)


HEADLESS = [
    ["--help"],
    ["demo", "--help"],
    ["status", "--help"],
    ["incident", "--help"],
    ["playbook", "list"],
    ["run", "--help"],
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
