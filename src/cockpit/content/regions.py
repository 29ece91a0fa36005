"""AWS region names, checked against botocore's partition data when a file is loaded.

A region is written in screens (alarm regions, replication pairs, ECS/RDS/target
groups/DynamoDB), in scenarios (metrics) and in playbook steps. Mistyped (``eu-west-l``,
``eu-wset-1``), it does not fail where it is written: the pane stays empty or the step
fails at 3 a.m. with a DNS error. So the loader refuses it up front, with the line and the
closest real region.

The names come from ``botocore/data/partitions.json`` (7 KB; every partition, including
China and GovCloud), read without importing botocore, so a screen loads no faster or
slower than before. A region that botocore's partition data does not list yet (a brand
new one) is refused too: upgrading botocore is the fix, and the message says so.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
from pathlib import Path


@functools.lru_cache(maxsize=1)
def _partitions() -> dict[str, str]:
    """Every region of every partition in the installed botocore -> its partition (``aws``,
    ``aws-cn``, ``aws-us-gov``, …); empty if the data cannot be read."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {region: str(partition.get("id", "aws")) for partition in data.get("partitions", ())
            for region in partition.get("regions", {}) if not region.endswith("-global")}


@functools.lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Every region of every partition in the installed botocore (empty if it cannot be read)."""
    return frozenset(_partitions())


def partition_of(region: str) -> str:
    """The partition an ARN in ``region`` names: ``aws``, ``aws-cn``, ``aws-us-gov``, … (``aws``
    for a region botocore does not list)."""
    return _partitions().get(region, "aws")


def region_problem(name: str) -> str | None:
    """Why ``name`` is not an AWS region, or None when it is (or when no region list is available)."""
    regions = known_regions()
    if not regions or name in regions:
        return None
    close = difflib.get_close_matches(name, sorted(regions), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{name!r} is not a region in botocore's partition data{hint}"


def check_region(name: str) -> str:
    """A pydantic validator: ``name`` if it is a region, else ValueError with the closest one."""
    problem = region_problem(name)
    if problem:
        raise ValueError(problem)
    return name
