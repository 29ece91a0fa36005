"""How long a step may take: every executing step has a bound, and so has every request in it.

A provider that accepts a connection and never answers (a wedged API server, a black-holing
load balancer) must cost a responder a known number of seconds, not a hung terminal. Three
layers, each derived from the step's data:

* **the step**: ``timeout:`` in the playbook, else its kind's ``default_timeout``
  (``engine/steps/``, which also works out the bound: ``step_bound``).
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


#: ``wait`` and ``k8s rollout_status``: how long to wait for the condition by default.
WAIT_DEFAULT = 300.0
#: Seconds one request inside a step may take (a check of a wait, a poll of a rollout).
REQUEST_TIMEOUT = 20.0


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
