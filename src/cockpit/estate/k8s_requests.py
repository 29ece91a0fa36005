"""Reading incoming API requests: what they are called in the log, and the URLs kmock misreads.

Kept apart from :mod:`cockpit.estate.k8s_api` so the server class stays about serving.
"""

from __future__ import annotations

import json
import re

import aiohttp.web
import kmock

NAMESPACES = kmock.resource("v1/namespaces")
#: Pod subresources that stream to a running container (SPDY/WebSocket upgrades).
STREAMING_PATH = re.compile(r"^/api/v1/namespaces/[^/]+/pods/[^/]+/(exec|attach|portforward)/?$")
_NAMESPACE_PATH = re.compile(r"^/api/v1/namespaces(?:/([^/]+)(?:/(status|finalize))?)?/?$")


def service_name(request: kmock.Request) -> str:
    """``apps/v1 deployments``, ``v1 pods/status``, or ``discovery`` for non-resource paths."""
    res = request.resource
    if res is None or not res.plural:
        return "discovery"
    group_version = f"{res.group}/{res.version}" if res.group else str(res.version)
    sub = f"/{request.subresource}" if request.subresource else ""
    return f"{group_version} {res.plural}{sub}"


def is_watch(request: kmock.Request) -> bool:
    """``?watch=true`` as Go's ParseBool reads it (kubernetes-asyncio sends ``True``)."""
    return request.params.get("watch", "").lower() in ("true", "1", "t")


def api_error(status: int, reason: str, message: str) -> kmock.KubernetesError:
    """An error answered as a Kubernetes ``Status``, which clients turn into ApiException."""
    # Non-empty details: kmock would otherwise put a server traceback in the answer.
    return kmock.KubernetesError(status=status, reason=reason, message=message,
                                 details={"causes": [{"message": message}]})


async def namespace_request(raw_request: aiohttp.web.BaseRequest) -> kmock.Request | None:
    """The parsed request for ``/api/v1/namespaces[/NAME[/status]]``, else None.

    kmock's path parser reads these as the start of ``namespaces/{ns}/…`` and fails
    (``kubectl get ns`` answered 500), so they are parsed here instead.
    """
    match = _NAMESPACE_PATH.match(raw_request.path)
    if match is None:
        return None
    name, subresource = match.group(1), match.group(2)
    method = raw_request.method.upper()
    body = await raw_request.read()
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if method == "GET":
        action = kmock.action.WATCH if raw_request.query.get("watch", "").lower() in ("true", "1") else (
            kmock.action.FETCH if name else kmock.action.LIST)
    else:
        action = {"POST": kmock.action.CREATE, "PATCH": kmock.action.UPDATE,
                  "DELETE": kmock.action.DELETE}.get(method)
    return kmock.Request(
        method=raw_request.method, url=raw_request.url, params=dict(raw_request.query),
        headers=dict(raw_request.headers), body=body, text=body.decode("utf-8", "replace"), data=data,
        resource=NAMESPACES, name=name, subresource=subresource, raw_request=raw_request, action=action)
