"""The whole program in a real terminal: `cockpit demo` under tmux at 80x24.

Starts the demo as a user would, reads the screen, quits with `q` (or drops the terminal,
as a lost SSH session does), and checks that nothing is left behind: no estate process, no
listening port, no scratch directory.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


class Tmux:
    def __init__(self, command: str, width: int = 80, height: int = 24):
        self.session = f"cockpit-test-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height),
                        command], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, *keys], check=True)

    def pane_pid(self) -> int:
        out = subprocess.run(["tmux", "display", "-p", "-t", self.session, "#{pane_pid}"],
                             capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.session], capture_output=True).returncode == 0

    def wait_for(self, pattern: str, timeout: float = 45.0) -> re.Match:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            match = re.search(pattern, screen)
            if match:
                return match
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not on screen after {timeout} s:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _estate_processes(parent_pid: int) -> list[str]:
    out = subprocess.run(["pgrep", "-af", "--", f"--parent-pid {parent_pid}"], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if "pgrep" not in line]


def _start_demo(tmp_path, *args: str) -> Tmux:
    command = (f"env TERM=xterm-256color XDG_DATA_HOME={shlex.quote(str(tmp_path))} "
               f"{shlex.quote(sys.executable)} -m cockpit demo {' '.join(map(shlex.quote, args))}")
    return Tmux(f"exec {command}")


def _left_behind(parent_pid: int, aws_port: int, scratch: Path | None = None, timeout: float = 10.0) -> list[str]:
    """What of the cockpit's estate is still there once ``timeout`` has passed (nothing: [])."""
    deadline = time.monotonic() + timeout
    while True:
        left = [what for what, there in (
            ("an estate process", bool(_estate_processes(parent_pid))),
            (f"the estate's AWS port {aws_port}, open", _port_open(aws_port)),
            (f"the scratch directory {scratch}", scratch is not None and scratch.exists()),
        ) if there]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.2)


def test_demo_opens_shows_the_estate_and_quits_cleanly(tmp_path):
    term = _start_demo(tmp_path, "--scenario", "eu-west-1-storage-outage", "--speed", "60")
    try:
        pid = term.pane_pid()
        term.wait_for(r"Starting the emulated estate|AWS_ENDPOINT_URL", timeout=15)  # first frame, at once
        match = term.wait_for(r"AWS_ENDPOINT_URL http://127\.0\.0\.1:(\d+)")
        aws_port = int(match.group(1))
        term.wait_for(r"eu-west-1 S3 outage")  # the scenario clock
        assert _port_open(aws_port)
        assert _estate_processes(pid), "the estate should run as a child of the cockpit"
        term.keys("q")
        deadline = time.monotonic() + 20
        while term.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not term.alive(), "cockpit did not exit on q"
        assert _left_behind(pid, aws_port) == [], "the estate outlived the cockpit"
    finally:
        term.kill()


def test_a_dropped_terminal_leaves_nothing_behind(tmp_path):
    term = _start_demo(tmp_path)
    try:
        pid = term.pane_pid()
        aws_port = int(term.wait_for(r"AWS_ENDPOINT_URL http://127\.0\.0\.1:(\d+)").group(1))
        [estate] = _estate_processes(pid)
        scratch = Path(re.search(r"--env-file (\S+)", estate).group(1)).parent
        assert scratch.is_dir()
    finally:
        term.kill()  # tmux hangs up on the cockpit, as sshd does when the connection drops
    assert _left_behind(pid, aws_port, scratch, timeout=15) == []


def test_a_scenario_opens_on_its_own_screen(tmp_path):
    """`cockpit demo --scenario production-db-high-cpu` tells its story on the screen the
    scenario names (aws-infrastructure), not on the configured default (storage), where
    none of its alarms would show; `--screen` still wins."""
    term = _start_demo(tmp_path, "--scenario", "production-db-high-cpu", "--speed", "10")
    try:
        term.wait_for(r"AWS infrastructure", timeout=30)
        assert "GreenLang storage" not in term.screen()
    finally:
        term.kill()
