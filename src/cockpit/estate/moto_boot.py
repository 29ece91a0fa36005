"""Import moto once per process, reading botocore's data files once instead of five times.

Most of the estate's start is moto and botocore decoding the same JSON again and again.
moto 5.2 asks a brand-new ``boto3.Session()`` for facts that never change in a process
(which regions EC2 has, in three partitions; which regions each service has), and every
new session builds a new botocore loader, so ``endpoints.json`` and EC2's 3 MB service
model are decoded once per question: three times while ``moto.ec2.models`` is imported
(needed: ECS, ELBv2 and RDS import it), once more for moto's region table, and once more
for the seeding client: a quarter of the estate's cold start (docs/performance.md).

:func:`boot` imports moto's server and EC2 models with ``boto3.Session`` bound, for the
length of the import, to a factory that hands every *argument-less* call one shared
default session (the modules keep that factory: they bound the name when imported). A
call with arguments gets a real new session, as before. The answers are the same: a
default session reads the same files. Nothing is mocked; moto still serves every request.
:func:`shared_loader` is that session's botocore loader, so the estate's own boto3 session
can use it (``register_component("data_loader", ...)``, botocore's public hook) and not
decode the models moto already decoded.

If moto was imported before :func:`boot` ran (a test process that used moto first), the
imports are already done and nothing is rebound: slower, never different.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.session

_lock = threading.RLock()  # re-entrant: moto calls back into _default_session while boot() imports
_shared: dict[str, Any] = {}


def _default_session(*args: Any, **kwargs: Any) -> boto3.session.Session:
    """``boto3.Session`` for modules imported by :func:`boot`: one default session, shared."""
    if args or kwargs:
        return boto3.session.Session(*args, **kwargs)
    with _lock:
        session = _shared.get("session")
        if session is None:
            core = _shared["core"] = botocore.session.get_session()
            session = _shared["session"] = boto3.session.Session(botocore_session=core)
        return session


def boot() -> None:
    """Import moto's server and its EC2 models (idempotent, thread-safe; the slowest part of a cold start)."""
    with _lock:
        if _shared.get("booted"):
            return
        original = boto3.Session
        boto3.Session = _default_session  # type: ignore[misc, assignment]
        try:
            import moto.ec2.models  # noqa: F401  (ECS, ELBv2 and RDS need it; the heavy one)
            import moto.moto_server.werkzeug_app  # noqa: F401
        finally:
            boto3.Session = original  # type: ignore[misc]
        _shared["booted"] = True


def shared_loader() -> Any | None:
    """The botocore loader behind moto's shared default session, if :func:`boot` made one."""
    core = _shared.get("core")
    return core.get_component("data_loader") if core is not None else None
