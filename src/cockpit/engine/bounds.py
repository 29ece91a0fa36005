"""How long a step may take: every executing step has a bound, and so has every request in it.

A provider that accepts a connection and never answers (a wedged API server, a black-holing
load balancer) must cost a responder a known number of seconds, not a hung terminal. Three
layers, each derived from the step's data:

* **the step**: ``timeout:`` in the playbook, else :data:`DEFAULT_TIMEOUT` for its kind.
  The engine stops an attempt that runs past it and records the step failed ("timed out
  after N s"). For ``wait`` and ``k8s rollout_status``, ``timeout`` means how long to wait
  for the condition, so their bound is that plus one request: the last check may start
  just before the deadline.
* **one request** inside a step: :data:`REQUEST_TIMEOUT`, so one slow check of a ``wait``
  (or one poll of a rollout) is a failed check that the next one can make up for, instead
  of a hang that eats the whole wait.
* **the clients** (``Runtime``): botocore's connect/read timeouts are no longer than one
  request, and its ``standard`` retries (three attempts) are cut by the step's bound, so
  retries can no longer multiply a read timeout into minutes.
"""

from __future__ import annotations

from typing import Any

from cockpit.content.playbook import StepBase

#: Seconds one attempt of a step may take when the playbook gives no ``timeout``.
DEFAULT_TIMEOUT: dict[str, float] = {
    "aws": 60.0,     # one API call, retried by botocore within this
    "k8s": 60.0,     # one API call (rollout_status: see WAIT_DEFAULT)
    "http": 30.0,    # one request
    "notify": 15.0,  # one webhook post
    "shell": 600.0,  # a program: scripts legitimately run for minutes
}
#: ``wait`` and ``k8s rollout_status``: how long to wait for the condition by default.
WAIT_DEFAULT = 300.0
#: Seconds one request inside a step may take (a check of a wait, a poll of a rollout).
REQUEST_TIMEOUT = 20.0


def waits(step: StepBase) -> bool:
    """True when the step's ``timeout`` is how long to wait for a condition, not a bound on a call."""
    return step.kind == "wait" or (step.kind == "k8s" and getattr(step, "action", "") == "rollout_status")


def step_bound(step: StepBase) -> float:
    """Seconds one attempt of ``step`` may run before the engine stops it."""
    if waits(step):
        return float(step.timeout or WAIT_DEFAULT) + REQUEST_TIMEOUT
    return float(step.timeout or DEFAULT_TIMEOUT[step.kind])


def what(call: dict[str, Any] | None) -> str:
    """The call in a few words, for the line that says what timed out."""
    if not call:
        return "the step"
    kind = call.get("kind")
    if kind == "aws":
        return f"aws {call['service']} {call['operation']}" + (f" in {call['region']}" if call.get("region") else "")
    if kind == "k8s":
        name = f"/{call['name']}" if call.get("name") else ""
        return f"k8s {call['action']} {call['resource']}{name} in {call['namespace']}"
    if kind == "http":
        return f"{call['method']} {call['url']}"
    if kind == "shell":
        return str(call["argv"][0])
    if kind == "wait":
        return f"waiting on {what(call['check'])}"
    if kind == "notify":
        return "webhook post"
    return str(kind)
