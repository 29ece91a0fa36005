"""Start-up: the first frame paints before anything it does not show is imported, and fast.

One real start of the cockpit in a fresh process (``firstframe_probe.py``), on a timeline
file that already holds an open incident, as a responder joining an incident would have.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import cockpit
from cockpit.timeline import Timeline

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PROBE = Path(__file__).with_name("firstframe_probe.py")

#: Not shown by the first frame, and each tens of milliseconds to import: the AWS and
#: Kubernetes clients (imported on a thread before polling), the timeline store (its model
#: is plain dataclasses and may load; the store itself on a
#: thread when the incident feed opens it), the incident dialogs and the playbook engine
#: with Jinja and Markdown (on a thread after the frame, and where used).
NOT_BEFORE_FIRST_FRAME = (
    "aiobotocore", "kubernetes_asyncio", "sqlite_utils", "click", "pluggy", "jinja2", "markdown_it",
    "cockpit.timeline.store", "cockpit.timeline.lifecycle", "cockpit.engine", "cockpit.content.playbook",
    # the exercise's machinery; its clock (pure arithmetic on checkpoints) is the header's: a
    # drill's elapsed time is scenario time
    "cockpit.exercise.session", "cockpit.exercise.drill", "cockpit.exercise.control", "cockpit.exercise.report",
    "cockpit.exercise.scoring", "cockpit.exercise.headless",
    "cockpit.ui.incident.dialogs", "cockpit.ui.incident.screen", "cockpit.ui.playbook.screen",
)


@pytest.fixture(scope="module")
def start(tmp_path_factory) -> dict[str, list[str]]:
    """The probe's lines by their first word, from one start of the cockpit."""
    home = tmp_path_factory.mktemp("home")
    with Timeline(home / "data" / "cockpit" / "timeline.db", actor="alice@bastion") as tl:
        incident = tl.declare("S3 5xx in eu-west-1", "P1")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home),
           "XDG_DATA_HOME": str(home / "data"),
           "AWS_CONFIG_FILE": str(home / "none"), "KUBECONFIG": str(home / "none"),
           "PYTHONPATH": str(Path(cockpit.__file__).parents[1])}  # the cockpit this test imported
    out = subprocess.run([sys.executable, str(PROBE), str(time.time())], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines() if line.strip()}
    lines["incident"] = [incident.id]
    return lines


def test_first_frame_before_heavy_clients(start):
    assert start["FIRST"][1:] == ["False", "False"], "aiobotocore/kubernetes_asyncio were imported before the first frame"
    assert float(start["FIRST"][0]) < 2.0  # generous for a loaded CI box; bench_ui.py measures the real figure
    assert "LOADED" in start


def test_first_frame_imports_only_what_it_shows(start):
    loaded = set(start["MODULES"])  # a module's packages are imported with it, so names suffice
    assert [name for name in NOT_BEFORE_FIRST_FRAME if name in loaded] == []
    assert "cockpit.ui.incident.header" in loaded  # the probe saw a real first frame


def test_an_incident_already_open_shows_in_the_header_once_loaded(start):
    assert "HEADER" in start, "the header never showed the open incident"
    assert start["HEADER"][0] == start["incident"][0]
    assert "S3 5xx in eu-west-1" in " ".join(start["HEADER"])
