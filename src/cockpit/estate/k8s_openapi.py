"""The OpenAPI v3 documents the API server publishes, for the kinds the estate serves.

kubectl (1.27 and later) reads ``/openapi/v3`` and the per-group-version document of the
kind it writes before ``apply``, ``create -f`` and ``replace``: the PATCH operation's
``fieldValidation`` parameter tells it the server validates fields itself (so kubectl
sends ``fieldValidation=Strict`` instead of validating client-side), and the component
schemas, with their ``x-kubernetes-patch-merge-key``, are what it computes the strategic
merge patch from. Without them kubectl refuses to apply ("failed to download openapi")
unless told ``--validate=false``.

The schemas are generated from kubernetes-asyncio's models, which are generated from a
real API server's OpenAPI document (the version is in their headers): ``openapi_types``
and ``attribute_map`` give every field's JSON name and type, and the setters that refuse
``None`` give the required ones. The model files are read as text (the two dict literals
go through :func:`ast.literal_eval`), not imported, so the estate does not pay for importing
kubernetes-asyncio's client (its slowest import); the documents are built on the
first request and kept. A kind without a model (metrics.k8s.io) has no
document, as kubectl never writes one. What the models drop is put back from Kubernetes' Go types in ``_PATCH_META``:
the merge keys and strategies of the lists the strategic merge patch merges.

:func:`unknown_fields` holds an object against the same schemas, which is how the estate
answers ``fieldValidation=Strict`` the way the API server does.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

#: Model class -> the definition name the real document uses, for the packages we can tell.
_META = {"ObjectMeta", "ListMeta", "OwnerReference", "ManagedFieldsEntry", "LabelSelector",
         "LabelSelectorRequirement", "Status", "StatusDetails", "StatusCause", "Time", "DeleteOptions",
         "Preconditions", "Condition", "Patch"}
_APPS = ("Deployment", "ReplicaSet", "RollingUpdateDeployment", "StatefulSet", "DaemonSet")
_GROUP_PACKAGE = {"": "core", "apps": "apps", "autoscaling": "autoscaling",
                  "apiregistration.k8s.io": "apiregistration"}

#: (model, JSON field) -> (x-kubernetes-patch-merge-key, x-kubernetes-patch-strategy), from
#: the ``patchMergeKey``/``patchStrategy`` tags of Kubernetes' Go types, which the models lose.
_PATCH_META: dict[tuple[str, str], tuple[str | None, str]] = {
    ("V1PodSpec", "containers"): ("name", "merge"),
    ("V1PodSpec", "initContainers"): ("name", "merge"),
    ("V1PodSpec", "ephemeralContainers"): ("name", "merge"),
    ("V1PodSpec", "volumes"): ("name", "merge,retainKeys"),
    ("V1PodSpec", "imagePullSecrets"): ("name", "merge"),
    ("V1PodSpec", "hostAliases"): ("ip", "merge"),
    ("V1PodSpec", "resourceClaims"): ("name", "merge,retainKeys"),
    ("V1Container", "ports"): ("containerPort", "merge"),
    ("V1Container", "env"): ("name", "merge"),
    ("V1Container", "volumeMounts"): ("mountPath", "merge"),
    ("V1Container", "volumeDevices"): ("devicePath", "merge"),
    ("V1ObjectMeta", "finalizers"): (None, "merge"),
    ("V1ObjectMeta", "ownerReferences"): ("uid", "merge"),
    ("V1DeploymentSpec", "strategy"): (None, "retainKeys"),
    ("V1DeploymentStatus", "conditions"): ("type", "merge"),
    ("V1ReplicaSetStatus", "conditions"): ("type", "merge"),
    ("V1PodStatus", "conditions"): ("type", "merge"),
    ("V1PodStatus", "podIPs"): ("ip", "merge"),
    ("V1NodeStatus", "conditions"): ("type", "merge"),
    ("V1NodeStatus", "addresses"): ("type", "merge"),
    ("V1ServiceSpec", "ports"): ("port", "merge"),
    ("V1NamespaceStatus", "conditions"): ("type", "merge"),
}
_SCALARS = {"str": {"type": "string"}, "int": {"type": "integer", "format": "int64"},
            "float": {"type": "number", "format": "double"}, "bool": {"type": "boolean"},
            "datetime": {"type": "string", "format": "date-time"}, "date": {"type": "string", "format": "date"},
            # IntOrString and Quantity: the models say "object"; the API accepts either scalar.
            "object": {"x-kubernetes-int-or-string": True}}
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json", "application/apply-patch+yaml")
_NAME_PARAM = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "uniqueItems": True}}
_NS_PARAM = {"name": "namespace", "in": "path", "required": True, "schema": {"type": "string", "uniqueItems": True}}
_QUERY = {name: {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
          for name in ("dryRun", "fieldManager", "fieldValidation", "pretty", "labelSelector",
                       "fieldSelector", "resourceVersion", "watch", "limit", "continue")}
_QUERY["force"] = {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}}


def model_class(group: str, version: str, kind: str) -> str:
    """The kubernetes-asyncio model of a kind: ``V1Deployment``; core Events are ``CoreV1Event``."""
    base = f"{version[0].upper()}{version[1:]}{kind}"
    return f"Core{base}" if (group, kind) == ("", "Event") else base


def definition_name(model: str, group: str = "") -> str:
    """``V1ObjectMeta`` -> ``io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`` where we can tell."""
    match = re.match(r"^(?:Core)?(V\d+(?:alpha\d+|beta\d+)?)(.+)$", model)
    if match is None:
        return model
    version, name = match.group(1).lower(), match.group(2)
    if name in _META:
        return f"io.k8s.apimachinery.pkg.apis.meta.{version}.{name}"
    if name.startswith(_APPS):
        return f"io.k8s.api.apps.{version}.{name}"
    if name.startswith("APIService"):
        return f"io.k8s.kube-aggregator.pkg.apis.apiregistration.{version}.{name}"
    package = _GROUP_PACKAGE.get(group, "core")
    return f"io.k8s.api.{package}.{version}.{name}"


def _module_file(model: str) -> str:
    """openapi-generator's file name for a model: ``V1APIService`` -> ``v1_api_service``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", model)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()


@functools.cache
def _models_dir() -> Path:
    spec = importlib.util.find_spec("kubernetes_asyncio")  # locates, never imports, the package
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("kubernetes-asyncio is not installed; the estate's OpenAPI comes from its models")
    return Path(next(iter(spec.submodule_search_locations))) / "client" / "models"


@functools.cache
def _model(model: str) -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(python attribute -> type, python attribute -> JSON name, required attributes) of a model."""
    source = (_models_dir() / f"{_module_file(model)}.py").read_text(encoding="utf-8")
    found: dict[str, dict[str, str]] = {}
    for name in ("openapi_types", "attribute_map"):  # two dict literals in the class body
        match = re.search(rf"^    {name} = (\{{.*?^    \}})", source, re.MULTILINE | re.DOTALL)
        found[name] = ast.literal_eval(match.group(1)) if match else {}
    required = frozenset(re.findall(r"Invalid value for `(\w+)`, must not be `None`", source))
    return found["openapi_types"], found["attribute_map"], required


def _type_schema(type_: str, schemas: dict[str, Any], group: str) -> dict[str, Any]:
    if type_ in _SCALARS:
        return dict(_SCALARS[type_])
    if type_.startswith("list[") and type_.endswith("]"):
        return {"type": "array", "items": _type_schema(type_[5:-1], schemas, group)}
    if type_.startswith("dict(") and type_.endswith(")"):
        value = type_[5:-1].split(",", 1)[1].strip()
        return {"type": "object", "additionalProperties": _type_schema(value, schemas, group)}
    return {"$ref": f"#/components/schemas/{_add_model(type_, schemas, group)}"}


def _add_model(model: str, schemas: dict[str, Any], group: str) -> str:
    """Add ``model`` and everything it references to ``schemas``; returns its definition name."""
    name = definition_name(model, group)
    if name in schemas:
        return name
    types, json_names, required = _model(model)  # first: a missing model leaves no trace
    schemas[name] = schema = {"type": "object", "properties": {}}
    for attr, type_ in types.items():
        field = json_names.get(attr, attr)
        prop = _type_schema(type_, schemas, group)
        merge_key, strategy = _PATCH_META.get((model, field), (None, ""))
        if merge_key:
            prop["x-kubernetes-patch-merge-key"] = merge_key
        if strategy:
            prop["x-kubernetes-patch-strategy"] = strategy
        schema["properties"][field] = prop
    if required:
        schema["required"] = sorted(json_names.get(a, a) for a in required)
    return name


def _gvk(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "version": version, "kind": kind}


def _operation(action: str, gvk: dict[str, str], ref: str, params: list[str], *,
               body: tuple[str, ...] = ()) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{action}{gvk['kind']}",
        "parameters": [_QUERY[p] for p in params],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": ref}}}}},
        "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,
    }
    if body:
        patch_ref = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
        op["requestBody"] = {"required": True, "content": {
            ctype: {"schema": {"$ref": patch_ref if "patch" in ctype else ref}} for ctype in body}}
    return op


def _paths_for(prefix: str, plural: str, gvk: dict[str, str], ref: str, namespaced: bool,
               subresources: tuple[str, ...], scale_ref: str | None) -> dict[str, Any]:
    base = f"{prefix}/namespaces/{{namespace}}/{plural}" if namespaced else f"{prefix}/{plural}"
    scope = [_NS_PARAM] if namespaced else []
    writes = ["dryRun", "fieldManager", "fieldValidation", "pretty"]
    reads = ["labelSelector", "fieldSelector", "resourceVersion", "watch", "limit", "continue", "pretty"]
    paths: dict[str, Any] = {
        base: {"parameters": scope,
               "get": _operation("list", gvk, ref, reads),
               "post": _operation("post", gvk, ref, writes, body=("application/json", "application/yaml"))},
        f"{base}/{{name}}": {"parameters": [_NAME_PARAM, *scope],
                             "get": _operation("get", gvk, ref, ["pretty"]),
                             "put": _operation("put", gvk, ref, writes, body=("application/json", "application/yaml")),
                             "patch": _operation("patch", gvk, ref, [*writes, "force"], body=_PATCH_TYPES),
                             "delete": _operation("delete", gvk, ref, ["dryRun", "pretty"])},
    }
    if namespaced:
        paths[f"{prefix}/{plural}"] = {"get": _operation("list", gvk, ref, reads)}
    for sub in subresources:
        sub_gvk, sub_ref = (_gvk("autoscaling", "v1", "Scale"), scale_ref) if sub == "scale" else (gvk, ref)
        if sub_ref is None or sub == "log":
            continue
        paths[f"{base}/{{name}}/{sub}"] = {
            "parameters": [_NAME_PARAM, *scope],
            "get": _operation("get", sub_gvk, sub_ref, ["pretty"]),
            "put": _operation("put", sub_gvk, sub_ref, writes, body=("application/json",)),
            "patch": _operation("patch", sub_gvk, sub_ref, [*writes, "force"], body=_PATCH_TYPES)}
    return paths


def _split(key: str) -> tuple[str, str, str]:
    """``apps/v1/deployments`` -> (``apps``, ``v1``, ``deployments``); ``v1/pods`` -> (``""``, …)."""
    parts = key.split("/")
    return ("", parts[0], parts[1]) if len(parts) == 2 else (parts[0], parts[1], parts[2])


def gv_path(group: str, version: str) -> str:
    """The key of a group version in ``/openapi/v3``: ``api/v1``, ``apis/apps/v1``."""
    return f"api/{version}" if not group else f"apis/{group}/{version}"


class OpenAPI:
    """The documents for one set of resources (``k8s_objects.RESOURCES``' shape), built once."""

    def __init__(self, resources: dict[str, tuple[str, bool, tuple[str, ...], tuple[str, ...]]]) -> None:
        self._resources = resources
        self._documents: dict[str, bytes] | None = None
        self._kinds: dict[tuple[str, str, str], tuple[str, dict[str, Any]]] = {}

    def _build(self) -> dict[str, bytes]:
        if self._documents is not None:
            return self._documents
        docs: dict[str, dict[str, Any]] = {}
        for key, (kind, namespaced, subresources, _) in self._resources.items():
            group, version, plural = _split(key)
            path = gv_path(group, version)
            doc = docs.setdefault(path, {
                "openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.29.3"},
                "paths": {}, "components": {"schemas": {}, "securitySchemes": {
                    "BearerToken": {"type": "apiKey", "description": "Bearer Token authentication",
                                    "name": "authorization", "in": "header"}}}})
            schemas = doc["components"]["schemas"]
            schemas.setdefault(
                "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
                {"type": "object", "description": "Patch is provided to give a concrete name and type "
                                                   "to the Kubernetes PATCH request body."})
            try:
                name = _add_model(model_class(group, version, kind), schemas, group)
            except FileNotFoundError:
                continue  # no model for it (read-only aggregated kinds such as NodeMetrics)
            schemas[name]["x-kubernetes-group-version-kind"] = [_gvk(group, version, kind)]
            scale_ref = None
            if "scale" in subresources:
                scale = _add_model("V1Scale", schemas, "autoscaling")
                schemas[scale]["x-kubernetes-group-version-kind"] = [_gvk("autoscaling", "v1", "Scale")]
                scale_ref = f"#/components/schemas/{scale}"
            doc["paths"].update(_paths_for("/" + path, plural, _gvk(group, version, kind),
                                           f"#/components/schemas/{name}", namespaced, subresources, scale_ref))
            self._kinds[(group, version, kind)] = (name, schemas)
        self._documents = {path: json.dumps(doc, sort_keys=True).encode() for path, doc in docs.items()
                           if doc["paths"]}
        return self._documents

    def root(self) -> dict[str, Any]:
        """``/openapi/v3``: every group version with the URL (and content hash) of its document."""
        return {"paths": {path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={_hash(body)}"}
                          for path, body in sorted(self._build().items())}}

    def document(self, path: str) -> bytes | None:
        """``/openapi/v3/<path>`` as JSON bytes, or None for a group version we do not serve."""
        return self._build().get(path.strip("/"))

    def unknown_fields(self, group: str, version: str, kind: str, obj: Any, *, drop: bool = False) -> list[str]:
        """Fields of ``obj`` its kind's schema does not declare, as the API server names them
        (``spec.template.spec.containers[0].imagee``); empty for a kind without a schema.
        ``drop`` removes them from ``obj`` too, as decoding into the server's types does."""
        self._build()
        found = self._kinds.get((group, version, kind))
        if found is None:
            return []
        name, schemas = found
        out: list[str] = []
        _walk(obj, schemas[name], schemas, "", out, drop)
        return out


def _hash(body: bytes) -> str:
    return hashlib.sha512(body).hexdigest()[:128].upper()


def _walk(value: Any, schema: dict[str, Any], schemas: dict[str, Any], path: str, out: list[str],
          drop: bool) -> None:
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        for key, item in list(value.items()):
            if key.startswith("$"):  # strategic-merge-patch directives ($patch, $setElementOrder/…)
                continue
            where = f"{path}.{key}" if path else key
            if key not in props:
                out.append(where)
                if drop:
                    del value[key]
            elif item is not None:
                _walk(item, props[key], schemas, where, out, drop)
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, item in value.items():
            if item is not None:
                _walk(item, schema["additionalProperties"], schemas, f"{path}.{key}", out, drop)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            if item is not None:
                _walk(item, schema["items"], schemas, f"{path}[{i}]", out, drop)
