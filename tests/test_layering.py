"""The core never imports Textual: only ``cockpit.ui`` may.

Headless commands (status, run, incident, exercise --headless) must work on a box where the
UI would be dead weight, and start fast. Checked two ways: statically (no module outside
``ui/`` has an ``import textual``) and at run time (a headless command leaves no
``textual`` module in ``sys.modules``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_headless_commands_do_not_load_textual():
    probe = (
        "import sys\n"
        "from cockpit.cli import cli\n"
        "for args in {args!r}:\n"
        "    try:\n"
        "        cli.main(args, prog_name='cockpit', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print('TEXTUAL:' + ','.join(loaded))\n"
    ).format(args=HEADLESS)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "TEXTUAL:\n" in out.stdout or out.stdout.rstrip().endswith("TEXTUAL:"), out.stdout
