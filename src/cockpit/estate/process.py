"""Run the estate in a child process, as ``cockpit demo`` does.

Emulating AWS (moto serves from threads, under the GIL) must never compete with the UI's
event loop, so the cockpit starts ``cockpit demo --no-ui`` as a child, waits for it to
write its environment file, and stops it on quit. The child watches its parent and exits
if the parent disappears (a dropped SSH session, a kill -9), so no estate is left behind.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class EstateStartError(RuntimeError):
    """The estate process did not come up; the message carries the end of its log."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse the ``KEY=value`` (shell-quoted) file that ``demo --no-ui --env-file`` writes."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, _, value = line.partition("=")
        parts = shlex.split(value)
        env[key] = parts[0] if parts else ""
    return env


def format_env(env: dict[str, str], *, export: bool = False) -> str:
    prefix = "export " if export else ""
    return "".join(f"{prefix}{key}={shlex.quote(value)}\n" for key, value in env.items())


#: The cockpit's scratch directory for its estate (env file, log). Removed by ``stop()``, or
#: by the estate itself when the cockpit died without stopping it (a dropped SSH session).
DEMO_DIR_PREFIX = "cockpit-demo-"


class EstateProcess:
    """``with EstateProcess(scenario=..., speed=...) as env:`` — the estate's environment."""

    def __init__(self, *, scenario: str | None = None, speed: float | None = None, timeout: float = 30.0):
        self.scenario, self.speed, self.timeout = scenario, speed, timeout
        self._dir = Path(tempfile.mkdtemp(prefix=DEMO_DIR_PREFIX))
        self.env_file = self._dir / "estate.env"
        self.log_file = self._dir / "estate.log"
        self.proc: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    def launch(self) -> None:
        """Spawn the estate process without waiting for it (``start`` waits).

        ``cockpit demo`` launches before importing Textual, so the estate's start-up overlaps
        the UI's instead of following it."""
        if self.proc is not None:
            return
        args = [sys.executable, "-m", "cockpit", "demo", "--no-ui", "--env-file", str(self.env_file),
                "--parent-pid", str(os.getpid())]
        if self.scenario:
            args += ["--scenario", self.scenario]
        if self.speed:
            args += ["--speed", str(self.speed)]
        with open(self.log_file, "wb") as log:
            # Own session: Ctrl-C or a hang-up aimed at the terminal reaches the cockpit,
            # which then stops the estate in order; the estate also watches its parent.
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def start(self) -> dict[str, str]:
        """Launch (if not yet) and wait until the estate has written its environment."""
        self.launch()
        assert self.proc is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.env_file.exists():
                self.env = read_env_file(self.env_file)
                return self.env
            if self.proc.poll() is not None:
                raise EstateStartError(f"the emulated estate exited (code {self.proc.returncode}):\n{self.tail()}")
            time.sleep(0.01)  # a stat per 10 ms is nothing; the panes wait on it
        self.stop()
        raise EstateStartError(f"the emulated estate was not ready after {self.timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace: float = 5.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self._dir, ignore_errors=True)  # idempotent: stop() may be called twice

    def __enter__(self) -> dict[str, str]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
