"""The three PATCH flavours of the Kubernetes API, applied to plain dicts.

kmock merges every patch as a JSON merge patch, where a list in the patch replaces the
whole list. That is wrong for the strategic merge patch that kubectl and
kubernetes-asyncio send by default (``patch_namespaced_*`` with a dict body): there,
lists of named items (containers, env, ports, volumes) merge by their key. A playbook that
patches one container's image must not lose the others, so the estate applies the three
content types itself.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch  # a dependency of kmock

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"

#: Keys that identify an item in the lists the strategic merge patch merges (Kubernetes'
#: ``patchMergeKey`` of the common list fields).
_MERGE_KEYS = ("name", "containerPort", "type", "mountPath", "devicePath", "ip", "port", "topologyKey")


class PatchError(ValueError):
    """A patch that cannot be applied: answered as 422/415, never as a server error."""


def apply_patch(obj: dict[str, Any], patch: Any, content_type: str) -> dict[str, Any]:
    """The object after ``patch``; ``obj`` is left untouched."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == JSON_PATCH or isinstance(patch, list):
        try:
            return jsonpatch.apply_patch(copy.deepcopy(obj), patch, in_place=False)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as exc:
            raise PatchError(f"json patch: {exc}") from exc
    if not isinstance(patch, dict):
        raise PatchError("the patch body must be a JSON object")
    if ctype == MERGE:
        return merge(copy.deepcopy(obj), patch, strategic=False)
    if ctype in (STRATEGIC, APPLY, "application/json", ""):
        return merge(copy.deepcopy(obj), patch, strategic=True)
    raise PatchError(f"unsupported patch content type {ctype!r}")


def merge(base: Any, patch: Any, *, strategic: bool) -> Any:
    """RFC 7386 merge (``None`` deletes), plus by-key list merging when ``strategic``."""
    if not isinstance(patch, dict):
        if strategic and isinstance(patch, list) and isinstance(base, list):
            return _merge_lists(base, patch)
        return copy.deepcopy(patch)
    result = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if strategic and key.startswith("$"):
            continue  # $patch, $retainKeys, $setElementOrder/…: ordering hints we can ignore
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value, strategic=strategic)
    return result


def _merge_lists(base: list[Any], patch: list[Any]) -> list[Any]:
    key = _merge_key(base, patch)
    if key is None:
        return copy.deepcopy(patch)
    merged = [copy.deepcopy(item) for item in base]
    index = {item.get(key): i for i, item in enumerate(merged)}
    for item in patch:
        if item.get("$patch") == "delete":
            merged = [m for m in merged if m.get(key) != item.get(key)]
            index = {m.get(key): i for i, m in enumerate(merged)}
        elif item.get(key) in index:
            merged[index[item[key]]] = merge(merged[index[item[key]]], item, strategic=True)
        else:
            merged.append(merge({}, item, strategic=True))
            index[item.get(key)] = len(merged) - 1
    return merged


def _merge_key(base: list[Any], patch: list[Any]) -> str | None:
    items = [*base, *patch]
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _MERGE_KEYS:
        if all(key in i for i in patch):
            return key
    return None
