"""botocore's own clients, each call in a daemon thread: the AWS backend of one-shot commands.

``cockpit status`` lives for a second, so what it imports and sets up is most of its cost.
aiobotocore rides on aiohttp (a slow import) and adds per-call overhead that a running
cockpit amortises over hours but a one-shot command pays in full; botocore alone answers the
same questions with the same retry mode, timeouts, credentials chain and exceptions (so
:func:`cockpit.sources.errors.classify` reads its failures the same way). botocore clients are
thread-safe; a refresh makes a handful of calls, so one thread per call is cheap.

Daemon threads, not an executor: a call that hangs past its source's timeout is abandoned
(the source reports TIMEOUT as usual) and never holds the process open at exit, as a
``ThreadPoolExecutor`` would. The long-running cockpit keeps aiobotocore: hundreds of calls
a minute belong on the event loop, not in threads.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller gave up (timeout, cancel): nobody waits for this answer
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def in_daemon_thread(prefix: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> asyncio.Future:
    """Run ``fn(*args, **kwargs)`` in a new daemon thread; the future settles on the caller's loop.

    The thread is named ``{prefix}-{fn's name}`` (``aws-describe_alarms``, ``kube-get``,
    ``http-request``), so a thread dump of a hung process says what each thread waits on.
    The prefix comes before ``fn`` and positionally, so it never takes a keyword of ``fn``'s."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def run() -> None:
        result, error = None, None
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the awaiting coroutine, which classifies it
            error = exc
        try:
            loop.call_soon_threadsafe(_settle, future, result, error)
        except RuntimeError:  # the loop has closed: the command is over
            pass

    name = getattr(fn, "__name__", "call").lstrip("_") or "call"
    threading.Thread(target=run, name=f"{prefix}-{name}", daemon=True).start()
    return future


class ThreadedClient:
    """A botocore client whose API operations are awaitable, as aiobotocore's are.

    Only the service's operations (``describe_alarms``, …) become coroutines; everything else
    (``meta``, ``exceptions``, ``close``) is the botocore client's own.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._operations = set(client.meta.method_to_api_mapping)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name not in self._operations:
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await in_daemon_thread("aws", attr, *args, **kwargs)

        call.__name__ = name
        return call


def create_client(session: Any, service: str, region: str, *, connect_timeout: float, read_timeout: float,
                  max_attempts: int) -> ThreadedClient:
    """A botocore client for ``service`` in ``region`` with Cockpit's retry and timeout settings."""
    return ThreadedClient(plain_client(session, service, region, connect_timeout=connect_timeout,
                                       read_timeout=read_timeout, max_attempts=max_attempts))


def plain_client(session: Any, service: str, region: str, *, connect_timeout: float, read_timeout: float,
                 max_attempts: int) -> Any:
    """The same botocore client, its calls plain and blocking: for a command that makes a few
    calls one after another (``cockpit share init``)."""
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "total_max_attempts": max_attempts}, connect_timeout=connect_timeout,
                    read_timeout=read_timeout, user_agent_extra="cockpit")
    return session.create_client(service, region_name=region, config=config)


def new_session(profile: str | None = None) -> Any:
    """A botocore session following the usual chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, …);
    ``profile`` names the profile of the shared config and credentials files instead of AWS_PROFILE."""
    import botocore.session

    return botocore.session.Session(profile=profile) if profile else botocore.session.get_session()
