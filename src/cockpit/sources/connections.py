"""Long-lived clients shared by every source: one aiobotocore session, one kube client, one HTTP session.

Creating a botocore client costs milliseconds and a TLS handshake; doing it per refresh would
dominate the refresh. So clients are created on first use, cached per (service, region) and
closed together by :meth:`Connections.close`. Settings follow the ecosystem: botocore's own
chain (``AWS_PROFILE``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``, ``~/.aws/config``) and
``KUBECONFIG`` with its current (or a named) context. Every call is bounded: botocore's
``standard`` retry mode with connect/read timeouts, and aiohttp/kubernetes timeouts per call.

Two AWS backends, same clients to the sources (``await client.describe_alarms(...)``):
``"aio"`` (aiobotocore, on the event loop) for the running cockpit, and ``"threads"``
(botocore, a daemon thread per call; :mod:`cockpit.sources.aws_threads`) for one-shot
commands such as ``cockpit status``, which would otherwise spend a good part of their life
importing aiohttp.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from typing import Any


class Connections:
    """Lazily created, reused clients. Use as ``async with Connections() as conn:``."""

    def __init__(self, *, connect_timeout: float = 3.0, read_timeout: float = 8.0, max_attempts: int = 3,
                 kube_context: str | None = None, aws_backend: str = "aio") -> None:
        if aws_backend not in ("aio", "threads"):
            raise ValueError(f"aws_backend must be 'aio' or 'threads', not {aws_backend!r}")
        self.aws_backend = aws_backend
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.kube_context = kube_context
        self._stack = AsyncExitStack()
        self._aws: dict[tuple[str, str], Any] = {}
        self._aws_session: Any = None
        self._kube: dict[str | None, Any] = {}
        self._readers: dict[str | None, Any] = {}
        self._http: Any = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> "Connections":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._stack.aclose()
        self._aws.clear()
        self._kube.clear()
        self._readers.clear()
        self._http = None

    async def aws(self, service: str, region: str) -> Any:
        """The client for ``service`` in ``region``, created once."""
        key = (service, region)
        if key not in self._aws:
            async with self._lock:
                if key not in self._aws:
                    self._aws[key] = await self._new_aws_client(service, region)
        return self._aws[key]

    async def _new_aws_client(self, service: str, region: str) -> Any:
        if self.aws_backend == "threads":
            from cockpit.sources import aws_threads

            if self._aws_session is None:
                self._aws_session = aws_threads.new_session()
            client = aws_threads.create_client(
                self._aws_session, service, region, connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout, max_attempts=self.max_attempts)
            self._stack.callback(client.close)
            return client
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        if self._aws_session is None:
            self._aws_session = get_session()
        config = AioConfig(
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            user_agent_extra="cockpit",
        )
        creator = self._aws_session.create_client(service, region_name=region, config=config)
        return await self._stack.enter_async_context(creator)

    async def kube(self, context: str | None = None) -> Any:
        """A kubernetes-asyncio ApiClient from ``$KUBECONFIG`` (read now, not at import time)."""
        context = context or self.kube_context
        if context not in self._kube:
            async with self._lock:
                if context not in self._kube:
                    from kubernetes_asyncio import config
                    from kubernetes_asyncio.client import ApiClient, Configuration

                    cfg = Configuration()
                    path = os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
                    if not any(os.path.exists(p) for p in path.split(os.pathsep) if p):
                        raise config.ConfigException(f"no kubeconfig found at {path} (set KUBECONFIG)")
                    await config.load_kube_config(config_file=path, context=context, client_configuration=cfg,
                                                  persist_config=False)
                    client = ApiClient(configuration=cfg)
                    self._stack.push_async_callback(client.close)
                    self._kube[context] = client
        return self._kube[context]

    async def kube_reader(self, context: str | None = None) -> Any:
        """The lean reader of the sources (``sources/kube_reader.py``) for ``context``, made once."""
        context = context or self.kube_context
        if context not in self._readers:
            from cockpit.sources.kube_reader import KubeReader

            self._readers[context] = await asyncio.to_thread(
                KubeReader, context, connect_timeout=self.connect_timeout, read_timeout=self.read_timeout)
        return self._readers[context]

    async def http(self) -> Any:
        """The shared aiohttp ClientSession (per-request timeouts are set by the caller)."""
        if self._http is None:
            import aiohttp

            session = aiohttp.ClientSession(headers={"User-Agent": "cockpit-health/1"})
            self._stack.push_async_callback(session.close)
            self._http = session
        return self._http
