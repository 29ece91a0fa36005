"""The whole estate in one object: AWS (moto), Kubernetes (kmock), HTTP, and the scenario.

``Estate`` starts the three servers on free loopback ports (AWS seeding runs in a thread
while the Kubernetes emulator and the HTTP endpoints start on the loop), writes a
kubeconfig, and starts the scenario driver. ``env()`` is the environment that points
Cockpit — or aws-cli, kubectl, curl — at it. ``cockpit demo --no-ui`` runs one until
interrupted; the tests start one per suite.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from cockpit.content.scenario import Scenario
from cockpit.estate.aws_config import write_aws_client_config
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.driver import ScenarioDriver
from cockpit.estate.http import build_app, serve
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.state import EstateState

#: Credentials moto accepts; not secrets, and never real.
DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
DEFAULT_REGION = "eu-west-1"
#: The environment variable that carries the estate's proof secret (see ``prove``).
TOKEN_VARIABLE = "COCKPIT_ESTATE_TOKEN"


def proof_mac(token: str, nonce: str, endpoints: dict[str, str]) -> str:
    """HMAC-SHA256 over the challenge and the endpoints the estate claims as its own."""
    message = nonce + "\n" + json.dumps(endpoints, sort_keys=True)
    return hmac.new(token.encode(), message.encode(), hashlib.sha256).hexdigest()


class Estate:
    """Start with ``await estate.start()`` (or ``async with``); stop with ``await estate.stop()``."""

    def __init__(self, workdir: Path, *, scenario: Scenario | None = None, speed: float = 1.0,
                 restart_seconds: float = 3.0):
        self.workdir = workdir
        self.scenario = scenario
        self.speed = speed
        self.restart_seconds = restart_seconds
        #: The one scenario clock: the driver fires events on it, the AWS estate stamps world time with it.
        self.clock = ScenarioClock(speed)
        self.clock.pause()  # scenario time starts at ready (start() resumes it)
        self.log = RequestLog()
        self.state = EstateState()
        self.started_at: float | None = None
        self.ready_seconds: float | None = None
        self._http_runner: web.AppRunner | None = None
        self._driver_task: asyncio.Task | None = None
        self.aws: Any = None
        self.kube: Any = None
        self.driver: ScenarioDriver | None = None
        self.http_url = ""
        self.kubeconfig = workdir / "kubeconfig"
        #: Known only to this process and whoever reads the env file it writes (0600, in a
        #: 0700 folder); never served. It lets the engine tell this estate from anything
        #: else listening on a loopback port (``prove``).
        self.token = secrets.token_hex(32)
        self._aws_client_env: dict[str, str] = {}

    async def __aenter__(self) -> "Estate":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        # Imported here: moto is heavy, and only the estate process needs it.
        from cockpit.estate.aws import AwsEstate
        from cockpit.estate.k8s import KubeEstate

        began = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._aws_client_env = write_aws_client_config(self.workdir)
        self.aws = AwsEstate(self.log, clock=self.clock, seed=self.scenario.id if self.scenario else "cockpit")
        # Without a scenario, ready once what the panes read is seeded; the rest follows
        # within a second, held from view until then (AwsEstate.start). A scenario's first
        # events may touch any service, and its clock starts now: it gets the whole account.
        start_aws = functools.partial(self.aws.start, defer_rest=self.scenario is None)
        aws_ready = asyncio.create_task(asyncio.to_thread(start_aws))
        try:
            self.kube = KubeEstate(self.log, clock=self.clock, restart_seconds=self.restart_seconds)
            await self.kube.start()
            self._http_runner, self.http_url = await serve(build_app(self.state, self.log, self.control,
                                                                       grafana_alerts=self.kube.alerts))
            self.kube.write_kubeconfig(self.kubeconfig)
        finally:
            await aws_ready  # never leave the seeding thread behind, even on failure
        self.driver = ScenarioDriver(self.scenario, self.state, self.aws, self.kube, self.clock)
        self.clock.epoch = time.time() - self.clock.now()  # world time meets wall time at ready
        self.clock.resume()
        # Events at T+0 are part of the world a client first sees: fired before ready, not
        # on the driver's first tick, which a fast client (a facilitator's "pause") can beat.
        await self.driver.fire_due_events()
        self._driver_task = asyncio.create_task(self.driver.run(), name="scenario-driver")
        self.started_at = time.time()
        self.ready_seconds = time.monotonic() - began

    async def stop(self) -> None:
        if self._driver_task:
            self._driver_task.cancel()
            await asyncio.gather(self._driver_task, return_exceptions=True)
        if self._http_runner:
            await self._http_runner.cleanup()
        if self.kube:
            await self.kube.stop()
        if self.aws:
            await asyncio.to_thread(self.aws.stop)

    def env(self, region: str | None = None) -> dict[str, str]:
        """The environment that points any AWS/Kubernetes/HTTP client at this estate.

        ``region``: the default region of the system worked on (``system_env.py``); without
        one, the storage runbook's. ``AWS_CONFIG_FILE`` and ``PYTHONPATH`` make aws-cli v1
        honour ``AWS_ENDPOINT_URL`` where it otherwise would not (``aws_config.py``).
        """
        region = region or DEFAULT_REGION
        return {
            "AWS_ENDPOINT_URL": self.aws.endpoint_url,
            **DEMO_CREDENTIALS,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            **self._aws_client_env,
            "KUBECONFIG": str(self.kubeconfig),
            "COCKPIT_ESTATE_URL": self.http_url,
            "COCKPIT_STORAGE_HEALTH_URL": f"{self.http_url}/v1/storage/health",
            "COCKPIT_FLIGHT_SCHOOL_API_URL": f"{self.http_url}/prod",
            "COCKPIT_WEBHOOK_URL": f"{self.http_url}/webhook/slack",
            "COCKPIT_GRAFANA_URL": f"{self.http_url}/grafana",  # https://grafana.greenlang.io (seed 002)
            TOKEN_VARIABLE: self.token,
        }

    def endpoints(self) -> dict[str, str]:
        """The base URLs this estate serves: AWS, the Kubernetes API, HTTP."""
        return {"aws": self.aws.endpoint_url, "kubernetes": self.kube.url, "http": self.http_url}

    def prove(self, nonce: str) -> dict[str, Any]:
        """Answer a challenge: the endpoints, with a MAC only the token's holder can make.

        A drill's ``--yes`` confirms destructive steps only against an estate that answers
        this (``engine/estate_proof.py``); loopback alone proves nothing.
        """
        if not 16 <= len(nonce) <= 128:
            raise ValueError("prove needs ?nonce=<16 to 128 characters>")
        endpoints = self.endpoints()
        return {"endpoints": endpoints, "mac": proof_mac(self.token, nonce, endpoints)}

    # -- control API (served at /_estate/<action>) --------------------------------------
    async def control(self, action: str, query: dict[str, str]) -> dict[str, Any]:
        assert self.driver is not None
        since = float(query.get("since", 0) or 0)
        if action == "status":
            env = {k: v for k, v in self.env().items() if k != TOKEN_VARIABLE}  # the secret is never served
            return {**self.driver.status(), "started_at": self.started_at, "ready_seconds": self.ready_seconds,
                    "seeded": self.aws.seeded if self.aws is not None else False, "env": env}
        if action == "prove":
            return self.prove(query.get("nonce", ""))
        if action == "requests":
            return self.log.summary(since=since)
        if action == "reset-requests":
            self.log.clear()
            return {"ok": True}
        if action == "pause":
            self.driver.clock.pause()
        elif action == "resume":
            self.driver.clock.resume()
        elif action == "speed":
            try:
                self.driver.clock.set_speed(float(query.get("x", "")))
            except ValueError:
                raise ValueError("speed needs ?x=<number greater than 0>") from None
        elif action == "next":
            fired = await self.driver.fire_next_now()
            return {"fired": fired.as_dict() if fired else None, **self.driver.status()}
        elif action == "next-inject":
            fired = await self.driver.fire_next_inject_now()
            return {"fired": fired.as_dict() if fired else None, **self.driver.status()}
        else:
            raise KeyError(action)
        return self.driver.status()
