"""kmock's KubernetesEmulator, taught the parts of the API server Cockpit and kubectl use.

kmock stores objects and serves fetch/list/watch/create/patch/delete, but as a plain
JSON store: a PUT replace answers 404, every PATCH is a merge patch, lists carry no
``kind`` and ignore selectors, the ``scale`` subresource is the whole object, and no
server-side bookkeeping happens (``resourceVersion``, ``generation``). This subclass fills
those gaps by serving the writes and lists itself, and counts every request it answers
into the estate's :class:`RequestLog` (a hook on the server, not a patched client).

The controller and the scenario driver change objects in-process through
:meth:`ClusterAPI.put` / :meth:`remove`, which keep the same bookkeeping and queue watch
events that :meth:`flush_events` publishes.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections.abc import Callable
from typing import Any

import aiohttp.web
import attrs
import kmock
import yaml

from cockpit.estate import k8s_metrics as metrics
from cockpit.estate import k8s_objects as objs
from cockpit.estate.k8s_openapi import OpenAPI
from cockpit.estate.k8s_patch import APPLY, PatchError, apply_patch
from cockpit.estate.k8s_requests import STREAMING_PATH, api_error, is_watch, namespace_request, service_name
from cockpit.estate.k8s_selectors import SelectorError, selector_from_params
from cockpit.estate.k8s_tables import table, wants_table
from cockpit.estate.k8s_time import WorldTime
from cockpit.estate.requestlog import INTERNAL_MARKER, RequestLog

Key = tuple[kmock.resource, str | None, str]

#: Resources whose spec changes bump ``metadata.generation`` (what rollout status compares).
_GENERATION = {"deployments", "replicasets", "statefulsets", "daemonsets"}
#: Resources with a status subresource: a write to the main resource keeps the stored status.
_STATUS = {"deployments", "replicasets", "pods", "nodes", "namespaces"}
_READ_METHODS = ("GET", "HEAD", "OPTIONS")
_KEEP_REQUESTS = 200
_CLOSE: dict[str, Any] = {"type": "CLOSE"}
PODS = kmock.resource("v1/pods")
NODES = kmock.resource("v1/nodes")
DEPLOYMENTS = kmock.resource("apps/v1/deployments")  # put on the event buses to end open watches


@attrs.define(kw_only=True)
class ClusterAPI(kmock.KubernetesEmulator):
    """The emulated API server. ``log`` receives one record per HTTP request."""

    log: RequestLog | None = None
    #: The OpenAPI v3 documents kubectl reads before it writes; also what Strict field
    #: validation holds objects against.
    openapi: OpenAPI | None = None
    #: The scenario's clock: objects are stamped in world time, shown on the client's wall
    #: clock (see k8s_time).
    world: WorldTime = attrs.field(factory=WorldTime)
    #: (namespace, app, world time) -> the load a serving pod of the app carried then (the
    #: controller's record; 1.0 without one), which its log lines show.
    load: Callable[[str, str, float], float] | None = None
    _versions: Any = attrs.field(factory=lambda: itertools.count(1), init=False)
    _resource_version: int = attrs.field(default=0, init=False)
    _pending: list[tuple[kmock.resource, dict[str, Any]]] = attrs.field(factory=list, init=False)
    _observers: list[Callable[[], None]] = attrs.field(factory=list, init=False)

    # ---------------------------------------------------------------- in-process access
    def declare(self, key: str, kind: str, namespaced: bool, subresources: tuple[str, ...],
                shortnames: tuple[str, ...]) -> None:
        """Make a resource discoverable (kubectl needs ``kind`` and ``namespaced``)."""
        self.resources[key] = kmock.ResourceInfo(kind=kind, singular=kind.lower(), namespaced=namespaced,
                                                 verbs=set(objs.READ_ONLY.get(key, objs.VERBS)),
                                                 subresources=set(subresources),
                                                 shortnames=set(shortnames))

    def observe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every stored change (in-process, synchronously), so a reader
        that polls cannot miss a state the cluster passes through between two polls (a node
        cordoned, then deleted a moment later)."""
        self._observers.append(callback)

    def _changed(self) -> None:
        for callback in self._observers:
            callback()

    def get(self, resource: kmock.resource, ns: str | None, name: str) -> dict[str, Any] | None:
        """The stored object (the live dict: treat as read-only), or None."""
        key = (resource, ns, name)
        if key not in self.objects or self.objects[key].deleted:
            return None
        return self.objects[key].last.raw

    def list(self, resource: kmock.resource, ns: str | None = None,
             where: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Live objects of ``resource`` (in ``ns`` if given) that satisfy ``where``."""
        found = []
        for (res, obj_ns, _), obj in self.objects.items():
            if res == resource and (ns is None or obj_ns == ns) and not obj.deleted:
                raw = obj.last.raw
                if where is None or where(raw):
                    found.append(raw)
        return found

    def put(self, resource: kmock.resource, obj: dict[str, Any]) -> dict[str, Any]:
        """Store ``obj`` (whole), stamping a new resourceVersion; queues ADDED/MODIFIED."""
        meta = obj.setdefault("metadata", {})
        key = (resource, meta.get("namespace"), meta["name"])
        existed = self.get(*key) is not None
        self._resource_version = next(self._versions)
        meta["resourceVersion"] = str(self._resource_version)
        self.objects[key] = obj  # a fresh one-version history: memory stays flat
        self._pending.append((resource, {"type": "MODIFIED" if existed else "ADDED", "object": obj}))
        self._changed()
        return obj

    def remove(self, resource: kmock.resource, ns: str | None, name: str) -> dict[str, Any] | None:
        """Hard-delete an object; queues DELETED."""
        obj = self.get(resource, ns, name)
        if obj is not None:
            del self.objects[resource, ns, name]
            self._resource_version = next(self._versions)
            self._pending.append((resource, {"type": "DELETED", "object": obj}))
            self._changed()
        return obj

    async def flush_events(self) -> None:
        """Publish queued changes to the watch streams."""
        pending, self._pending = self._pending, []
        for resource, event in pending:
            await self._buses[resource].put(event)

    async def close_watches(self) -> None:
        """End every open watch stream cleanly (before shutdown, so it need not wait for them)."""
        for bus in list(self._buses.values()):
            await bus.put(_CLOSE)

    def forget_requests(self) -> None:
        """Drop kmock's own per-request history, which would otherwise grow for hours of demo."""
        del self._requests[:-_KEEP_REQUESTS]
        for payload in self._payloads:
            del payload._requests[:-_KEEP_REQUESTS]
        if self._errors:
            del self._errors[-1][:-_KEEP_REQUESTS]

    # ---------------------------------------------------------------- HTTP entry point
    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        """Namespace URLs are parsed by :func:`namespace_request` (kmock misreads them)."""
        if raw_request.path.startswith("/openapi/") and self.openapi is not None:
            return self._serve_openapi(raw_request)
        streaming = STREAMING_PATH.match(raw_request.path)
        if streaming:  # no containers run here: say so, rather than kmock's "declare an endpoint"
            return await self._render_error(api_error(
                400, "BadRequest", f"{streaming.group(1)} is not available: the emulated cluster runs no "
                                   f"containers (see docs/estate-k8s.md)"))
        request = await namespace_request(raw_request)
        if request is None:
            return await super().__call__(raw_request)
        try:
            return await self._handle(request)
        except kmock.KubernetesError as exc:
            return await self._render_error(exc)

    def _serve_openapi(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.Response:
        """``/openapi/v3`` and its per-group-version documents (JSON; what kubectl 1.27+ reads).
        ``/openapi/v2`` is answered 404, so a client falls back as it does on a v3-only server."""
        assert self.openapi is not None
        if self.log is not None:
            internal = INTERNAL_MARKER in raw_request.headers.get("User-Agent", "")
            self.log.record("k8s", "openapi", "GET", "GET", internal=internal, mutating=False)
        path = raw_request.path
        if path.rstrip("/") == "/openapi/v3":
            return aiohttp.web.json_response(self.openapi.root())
        body = self.openapi.document(path.removeprefix("/openapi/v3/")) if path.startswith("/openapi/v3/") else None
        if body is None:
            error = api_error(404, "NotFound", "the server could not find the requested resource")
            return aiohttp.web.json_response({"apiVersion": "v1", "kind": "Status", "metadata": {}, "code": 404,
                                              "status": "Failure", "reason": error.reason,
                                              "message": error.message}, status=404)
        # Immutable for a hash-pinned URL, as the real server says; clients may cache it.
        return aiohttp.web.Response(body=body, content_type="application/json",
                                    headers={"Cache-Control": "public, immutable"})

    async def _handle(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        self._record(request)
        method = request.method.value.upper()
        if request.resource is None or request.resource.plural is None:
            return await super()._handle(request)
        if request.resource.group == metrics.GROUP:
            self._require_resource(request)
            return aiohttp.web.json_response(self.world.to_client(self._serve_metrics(request, method)))
        route = {
            ("PUT", True): self._serve_replace,
            ("PATCH", True): self._serve_patch,
            ("POST", False): self._serve_post,
            ("DELETE", True): self._serve_delete_object,
        }.get((method, request.name is not None))
        if method == "GET" and request.subresource == "scale":
            route = self._serve_get_scale
        elif method == "GET" and request.name is not None and request.subresource in (None, "status") \
                and not is_watch(request):
            route = self._serve_get
        elif method == "GET" and request.name is None and not is_watch(request):
            route = self._serve_list_json
        if method == "GET" and request.subresource == "log" and request.resource.plural == "pods":
            return self._serve_log(request)
        if method == "GET" and not request.subresource and wants_table(request.headers.get("Accept", "")) \
                and not is_watch(request):
            route = self._serve_table
        if method == "GET" and is_watch(request):
            self._require_resource(request)
            return await self._serve_watch_stream(request)
        if route is None:
            return await super()._handle(request)
        self._require_resource(request)
        try:
            warnings = self._field_validation(request) if method in ("POST", "PUT", "PATCH") else []
            payload = await route(request)
        except (PatchError, SelectorError) as exc:
            raise api_error(422 if isinstance(exc, PatchError) else 400,
                         "Invalid" if isinstance(exc, PatchError) else "BadRequest", str(exc)) from exc
        await self.flush_events()
        status = 201 if method == "POST" else 200
        response = aiohttp.web.json_response(self.world.to_client(payload), status=status)
        for warning in warnings:
            quoted = warning.replace("\\", "\\\\").replace('"', '\\"')  # RFC 7234 quoted-string
            response.headers.add("Warning", f'299 - "{quoted}"')
        return response

    def _field_validation(self, request: kmock.Request) -> list[str]:
        """The API server's field validation of a write: unknown fields fail the request with
        ``fieldValidation=Strict`` (what kubectl sends), come back as warnings with ``Warn``
        (the default); with ``Warn`` and ``Ignore`` they are dropped, as decoding into the
        server's types drops them, so they are never stored."""
        assert request.resource is not None
        mode = str(request.params.get("fieldValidation") or "Warn").lower()
        info = self.resources[request.resource] if request.resource in self.resources else None
        if self.openapi is None or info is None or not info.kind:
            return []
        body = self._body(request)  # the request's own parsed body: dropping fields here sticks
        if not isinstance(body, dict):
            return []  # a JSON patch names paths, not fields
        group, version, kind = str(request.resource.group or ""), str(request.resource.version), info.kind
        if request.subresource == "scale":
            group, version, kind = "autoscaling", "v1", "Scale"
        unknown = [f'unknown field "{field}"' for field in
                   self.openapi.unknown_fields(group, version, kind, body, drop=mode != "strict")]
        if unknown and mode == "strict":
            gv = f"{group}/{version}" if group else version
            raise api_error(400, "BadRequest", f'{kind} in version "{gv}" cannot be handled as a {kind}: '
                                               f'strict decoding error: {", ".join(unknown)}')
        return unknown if mode == "warn" else []

    def _record(self, request: kmock.Request) -> None:
        if self.log is None:
            return
        method = request.method.value.upper()
        headers = {k.lower(): v for k, v in request.headers.items()}
        internal = INTERNAL_MARKER in headers.get("user-agent", "") or INTERNAL_MARKER.lower() in headers
        self.log.record("k8s", service_name(request), method, method,
                        internal=internal, mutating=method not in _READ_METHODS)

    def _require_resource(self, request: kmock.Request) -> None:
        if request.resource not in self._get_resources():
            raise api_error(404, "NotFound", f"the server could not find the requested resource ({request.resource.plural})")

    def _key(self, request: kmock.Request) -> Key:
        assert request.resource is not None and request.name is not None
        return (request.resource, request.namespace, request.name)

    def _existing(self, request: kmock.Request) -> dict[str, Any]:
        obj = self.get(*self._key(request))
        if obj is None:
            raise api_error(404, "NotFound", f'{request.resource.plural} "{request.name}" not found')
        return obj

    def _client_body(self, request: kmock.Request) -> Any:
        """The request's body with its times moved from the client's wall clock to world time."""
        return self.world.from_client(self._body(request))

    def _body(self, request: kmock.Request) -> Any:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith(APPLY):
            try:
                return yaml.safe_load(request.text)
            except yaml.YAMLError as exc:
                raise PatchError(f"apply body is not YAML: {exc}") from exc
        if "protobuf" in ctype:
            raise api_error(415, "UnsupportedMediaType",
                         "the emulated API server speaks JSON only; use kubectl apply/create -f FILE")
        if request.data is None:
            raise PatchError("the request body is not JSON")
        return request.data

    # ---------------------------------------------------------------- writes
    def _store(self, request: kmock.Request, old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        """Server-side bookkeeping shared by create, replace and patch, then store."""
        assert request.resource is not None
        plural = request.resource.plural
        meta = new.setdefault("metadata", {})
        if old is not None:
            for field in ("uid", "creationTimestamp", "name", "namespace"):
                if field in old["metadata"]:
                    meta[field] = old["metadata"][field]
            meta["generation"] = old["metadata"].get("generation", 1)
            if plural in _GENERATION and new.get("spec") != old.get("spec"):
                meta["generation"] += 1
        else:
            if request.namespace:
                meta["namespace"] = request.namespace
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + objs.new_metadata("x", None, 0)["uid"][:5]
            if not meta.get("name"):
                raise api_error(422, "Invalid", "metadata.name: Required value: name or generateName is required")
            fresh = objs.new_metadata(meta["name"], meta.get("namespace"), self.world.now())
            meta.setdefault("uid", fresh["uid"])
            meta["creationTimestamp"] = fresh["creationTimestamp"]
            meta["generation"] = 1
        kind = self.resources[request.resource].kind if request.resource in self.resources else None
        if kind:
            group = request.resource.group
            new["apiVersion"] = f"{group}/{request.resource.version}" if group else str(request.resource.version)
            new["kind"] = kind
        return self.put(request.resource, new)

    async def _serve_post(self, request: kmock.Request) -> dict[str, Any]:
        body = self._client_body(request)
        if not isinstance(body, dict):
            raise PatchError("the object must be a JSON object")
        name = body.get("metadata", {}).get("name")
        if name and self.get(request.resource, request.namespace, name) is not None:
            raise api_error(409, "AlreadyExists", f'{request.resource.plural} "{name}" already exists')
        return self._store(request, None, copy.deepcopy(body))

    async def _serve_replace(self, request: kmock.Request) -> dict[str, Any]:
        old = self._existing(request)
        body = self._client_body(request)
        if not isinstance(body, dict):
            raise PatchError("the object must be a JSON object")
        if request.subresource == "scale":
            return self._scale(request, old, body.get("spec", {}).get("replicas"))
        sent_version = body.get("metadata", {}).get("resourceVersion")
        if sent_version and sent_version != old["metadata"].get("resourceVersion"):
            raise api_error(409, "Conflict", f'Operation cannot be fulfilled on {request.resource.plural} '
                         f'"{request.name}": the object has been modified; please apply your changes '
                         f'to the latest version and try again')
        new = copy.deepcopy(body)
        return self._store(request, old, self._merge_status(request, old, new))

    async def _serve_patch(self, request: kmock.Request) -> dict[str, Any]:
        ctype = request.headers.get("Content-Type", "")
        old = self.get(*self._key(request))
        body = self._client_body(request)
        if old is None and ctype.startswith(APPLY):  # server-side apply creates
            return self._store(request, None, {**copy.deepcopy(body), "metadata": {
                **body.get("metadata", {}), "name": request.name}})
        old = self._existing(request)
        if request.subresource == "scale":
            return self._scale(request, old, apply_patch({"spec": {}}, body, ctype).get("spec", {}).get("replicas"))
        new = apply_patch(old, body, ctype)
        return self._store(request, old, self._merge_status(request, old, new))

    def _merge_status(self, request: kmock.Request, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        """A write to ``/status`` changes only the status; a write to the object never does."""
        assert request.resource is not None
        if request.subresource == "status":
            return {**old, "status": new.get("status", {})}
        if request.resource.plural in _STATUS and "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        return new

    def _serve_log(self, request: kmock.Request) -> aiohttp.web.Response:
        """A few plausible lines, so ``kubectl logs`` and a log step have something to show."""
        pod = self._existing(request)
        params = request.params
        if not pod.get("spec", {}).get("nodeName"):  # no kubelet to ask
            raise api_error(400, "BadRequest", f"pod {request.name} does not have a host assigned")
        wanted = params.get("container")
        for status in pod.get("status", {}).get("containerStatuses", []):
            reason = status.get("state", {}).get("waiting", {}).get("reason")
            if (wanted in (None, status.get("name"))) and reason == "ContainerCreating":
                raise api_error(400, "BadRequest", f'container "{status.get("name")}" in pod '
                                                   f'"{request.name}" is waiting to start: {reason}')
        now, offset = self.world.now(), self.world.offset()
        try:  # sinceSeconds counts back in world seconds; sinceTime is on the client's clock
            since = (now - float(params["sinceSeconds"]) if params.get("sinceSeconds") else
                     objs.parse_rfc3339(params["sinceTime"]) + offset if params.get("sinceTime") else None)
            tail = int(params["tailLines"]) if params.get("tailLines") else None
        except ValueError as exc:
            raise api_error(400, "BadRequest", f"invalid log options: {exc}") from exc
        app = pod["metadata"].get("labels", {}).get("app", "")
        ns, record = pod["metadata"].get("namespace", ""), self.load
        text = objs.pod_log(pod, now, since=since, tail=tail, shown_offset=offset,
                            timestamps=str(params.get("timestamps", "")).lower() in ("true", "1"),
                            load=(lambda t: record(ns, app, t)) if record else None)
        return aiohttp.web.Response(text=text, content_type="text/plain")

    async def _serve_get(self, request: kmock.Request) -> dict[str, Any]:
        return self._existing(request)

    async def _serve_delete_object(self, request: kmock.Request) -> dict[str, Any]:
        """Immediate deletion (no grace period, no finalizers): what a drill needs."""
        obj = self._existing(request)
        self.remove(request.resource, request.namespace, str(request.name))
        return {"apiVersion": "v1", "kind": "Status", "metadata": {}, "status": "Success",
                "details": {"name": request.name, "kind": request.resource.plural, "uid": obj["metadata"].get("uid")}}

    # ---------------------------------------------------------------- metrics.k8s.io
    def _serve_metrics(self, request: kmock.Request, method: str) -> dict[str, Any]:
        """NodeMetrics / PodMetrics, computed from the cluster now (see k8s_metrics)."""
        assert request.resource is not None
        if method != "GET" or is_watch(request):
            raise api_error(405, "MethodNotAllowed", f"the server does not allow this method on the requested "
                                                     f"resource ({request.resource.plural}.{metrics.GROUP})")
        pods = self.list(PODS, request.namespace)
        build = metrics.node_metrics if request.resource.plural == "nodes" else metrics.pod_metrics
        items = build(pods, self.list(DEPLOYMENTS), self.list(NODES), self.world.now())
        if request.name is not None:
            items = [i for i in items if i["metadata"]["name"] == request.name]
            if not items:
                kind = "nodemetrics" if request.resource.plural == "nodes" else "podmetrics"
                raise api_error(404, "NotFound", f'{kind}.{metrics.GROUP} "{request.name}" not found')
        try:
            where = selector_from_params(dict(request.params))
        except SelectorError as exc:
            raise api_error(400, "BadRequest", str(exc)) from exc
        items = [i for i in items if where(i)]
        if wants_table(request.headers.get("Accept", "")):
            return table(str(request.resource.plural), items, str(self._resource_version), self.world.now())
        if request.name is not None:
            return items[0]
        kind = "NodeMetricsList" if request.resource.plural == "nodes" else "PodMetricsList"
        return {"kind": kind, "apiVersion": metrics.API_VERSION, "metadata": {}, "items": items}

    # ---------------------------------------------------------------- scale subresource
    def _scale(self, request: kmock.Request, old: dict[str, Any], replicas: Any) -> dict[str, Any]:
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise PatchError(f"spec.replicas: Invalid value: {replicas!r}: must be a non-negative integer")
        new = copy.deepcopy(old)
        new["spec"]["replicas"] = replicas
        stored = self._store(request, old, new)
        return objs.scale(stored)

    async def _serve_get_scale(self, request: kmock.Request) -> dict[str, Any]:
        return objs.scale(self._existing(request))

    # ---------------------------------------------------------------- reads
    async def _serve_version(self, request: kmock.Request) -> Any:
        """kmock's resource list, corrected so kubectl accepts it: the core group is ``v1``
        (not ``/v1``) and subresources carry no short names of their own."""
        payload = await super()._serve_version(request)
        if payload.get("groupVersion", "").startswith("/"):
            payload["groupVersion"] = payload["groupVersion"][1:]
        for entry in payload.get("resources", []):
            if "/" in entry["name"]:
                entry["shortNames"] = []
                entry["categories"] = []
                entry["verbs"] = ["get", "patch", "update"]
                if entry["name"].endswith("/scale"):
                    entry.update(kind="Scale", group="autoscaling", version="v1")
        return payload

    async def _serve_table(self, request: kmock.Request) -> dict[str, Any]:
        """What ``kubectl get`` shows: the real server's columns (see k8s_tables)."""
        assert request.resource is not None
        if request.name is not None:
            items = [self._existing(request)]
        else:
            items = self.list(request.resource, request.namespace, selector_from_params(dict(request.params)))
        return table(str(request.resource.plural), items, str(self._resource_version), self.world.now())

    def _list_kind(self, request: kmock.Request) -> tuple[str, str]:
        assert request.resource is not None
        info = self.resources[request.resource] if request.resource in self.resources else None
        kind = (info.kind if info and info.kind else request.resource.plural.capitalize()) + "List"
        group = request.resource.group
        return (f"{group}/{request.resource.version}" if group else str(request.resource.version)), kind

    async def _serve_list_json(self, request: kmock.Request) -> dict[str, Any]:
        assert request.resource is not None
        where = selector_from_params(dict(request.params))
        items = self.list(request.resource, request.namespace, where)
        api_version, kind = self._list_kind(request)
        return {"apiVersion": api_version, "kind": kind,
                "metadata": {"resourceVersion": str(self._resource_version)}, "items": items}

    async def _serve_watch_stream(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        """A watch as the API server streams it: JSON lines with ``Content-Type: application/json``
        (kmock streams ``application/octet-stream``, which kubectl refuses), filtered by the
        request's selectors, and ended after ``timeoutSeconds`` as clients expect."""
        assert request.resource is not None and request._raw_request is not None
        where = selector_from_params(dict(request.params))
        timeout = float(request.params.get("timeoutSeconds") or 0) or None

        def wanted(obj: dict[str, Any]) -> bool:
            meta = obj.get("metadata", {})
            return ((not request.namespace or meta.get("namespace") == request.namespace)
                    and (not request.name or meta.get("name") == request.name) and where(obj))

        bus = self._buses[request.resource]
        marker = await bus.mark()  # before the snapshot, so that no change falls in between
        since = int(request.params.get("resourceVersion") or 0)
        # From a resourceVersion (what a client got from its list), only what changed after it.
        initial = [{"type": "ADDED" if not since else "MODIFIED", "object": obj}
                   for obj in self.list(request.resource, request.namespace)
                   if wanted(obj) and int(obj["metadata"].get("resourceVersion", 0)) > since]
        response = aiohttp.web.StreamResponse(headers={"Content-Type": "application/json"})
        try:
            await response.prepare(request._raw_request)
            for event in initial:
                await response.write(json.dumps(self.world.to_client(event)).encode() + b"\n")
            try:
                async with asyncio.timeout(timeout):
                    async for event in bus.stream(since=marker):
                        if event is _CLOSE:
                            break
                        if wanted(event.get("object", {})):
                            await response.write(json.dumps(self.world.to_client(event)).encode() + b"\n")
            except TimeoutError:
                pass
            await response.write_eof()
        except ConnectionError:
            pass  # the client went away: nothing to tell it
        finally:
            await bus.unmark(marker)
        return response
