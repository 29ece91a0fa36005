"""A shell step's program dies with the cockpit (Linux): ``PR_SET_PDEATHSIG``.

A step's program runs in its own session, so a Ctrl-C aimed at the terminal does not reach
it and the engine can stop it in order (SIGTERM, then SIGKILL). But when the cockpit itself
is killed (kill -9, the OOM killer, a lost host session) nothing would stop it: it ran on to
completion, and a "rerun" verdict on resume ran it a second time alongside the first. So on
Linux the child asks the kernel, between fork and exec, for SIGKILL when its parent dies.

Limits, stated rather than hidden:

* The signal follows the death of the parent **thread** that forked, not the process.
  asyncio spawns from the event loop's thread, which lives as long as the run; a caller
  that ran the engine on a short-lived thread's loop would see its step killed when that
  thread ends.
* It reaches the step's program, not what that program started (grandchildren are
  reparented and live on); a program that forks workers should hold them itself
  (``PR_SET_CHILD_SUBREAPER``, or its own parent-death signal) or be run through ``exec``.
* Elsewhere (macOS, BSD) there is no such call: the program runs on, as before.

The function run in the child calls only a ctypes function resolved before the fork and
``os.getppid``: little can deadlock there even when other threads held locks at fork time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child SIGKILLed when this thread dies; None where unsupported."""
    if _PRCTL is None:
        return None
    prctl, parent = _PRCTL, os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the cockpit died between fork and prctl: nobody will signal
            os._exit(137)

    return preexec
