"""Which AWS operations only read: the one answer the playbook model, the wait-check
validator and the estate's request counter share.

A name prefix is not an answer: ``Test*`` holds ElastiCache ``TestFailover`` (fails a
primary over) and API Gateway ``TestInvokeMethod`` (calls the backend), ``Get*`` holds
Redshift ``GetClusterCredentials`` (creates a database user). So the answer comes from
botocore's service models where they say, and from a reviewed list where they do not:

* **the model** — an operation with the ``readonly`` trait; a REST operation (rest-json,
  rest-xml) whose HTTP method is GET or HEAD; an operation a paginator pages or a waiter
  polls (nobody pages or polls a write);
* **reviewed reads** (``aws_reviewed.txt``) — for the query/json protocols, where every
  operation is a POST and most models carry no trait: the read operations of the services
  runbooks use, listed from the verbs (Describe, Get, List, …) and read through;
* **reviewed writes** (same file) — what the model or the list would call a read but
  changes something (``iot ConfirmTopicRuleDestination`` is a GET; ``swf
  PollForDecisionTask`` is paginated and takes a task).

Anything else is a write: an operation nobody has vouched for is treated as one that
changes the estate (fail safe; a playbook can still say ``risk: write``, never lower).

Reading botocore's models costs about a second (EC2's alone is a third), too much for
every ``cockpit`` start, so the answer is derived once, ahead of time, into
``aws_reads.txt`` (one line per service) that this module reads on first use; botocore is
imported only by :func:`derive` (``python -m cockpit.content.aws_ops`` rewrites the
table). ``tests/content/test_aws_ops.py`` derives it again from the installed botocore and
fails when the committed table differs, so an upgrade's new operations are reviewed in
the diff rather than guessed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TABLE = HERE / "aws_reads.txt"
REVIEWED = HERE / "aws_reviewed.txt"

#: SigV4 signing names (what a request's credential scope says) that differ from
#: botocore's service names (what a playbook says).
SIGNING_NAMES = {"monitoring": "cloudwatch", "elasticloadbalancing": "elbv2", "email": "ses",
                 "execute-api": "apigateway", "states": "stepfunctions"}


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    reads: dict[str, frozenset[str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            service, _, ops = line.partition(":")
            reads[service] = frozenset(ops.split())
    return reads


def is_read(service: str, operation: str) -> bool:
    """Whether ``service``'s ``operation`` only reads (unknown service or operation: no)."""
    return operation in _table().get(SIGNING_NAMES.get(service, service), frozenset())


# -- deriving the table (development time; imports botocore) ---------------------------------


def reviewed() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(reads, writes) from ``aws_reviewed.txt``: ``read|write service Operation  # why``."""
    lists: dict[str, dict[str, set[str]]] = {"read": {}, "write": {}}
    for number, raw in enumerate(REVIEWED.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) < 3 or line[0] not in lists:
            raise ValueError(f"{REVIEWED}:{number}: expected 'read|write SERVICE Operation ...'")
        lists[line[0]].setdefault(line[1], set()).update(line[2:])
    return lists["read"], lists["write"]


@functools.lru_cache(maxsize=None)
def _available(loader: Any, kind: str) -> frozenset[str]:
    return frozenset(loader.list_available_services(kind))


def _model_reads(loader: Any, service: str) -> tuple[set[str], set[str]]:
    """(every operation, those the model says only read) for one service."""
    model = loader.load_service_model(service, "service-2")
    protocol = model["metadata"]["protocol"]
    ops = model["operations"]
    reads = {name for name, op in ops.items()
             if op.get("readonly") or (protocol.startswith("rest") and op["http"]["method"] in ("GET", "HEAD"))}
    for kind, key in (("paginators-1", "pagination"), ("waiters-2", "waiters")):
        if service not in _available(loader, kind):
            continue
        doc = loader.load_service_model(service, kind)
        if kind.startswith("paginators"):
            reads |= set(doc[key])
        else:
            reads |= {w["operation"] for w in doc[key].values()}
    return set(ops), reads & set(ops)


def derive() -> dict[str, list[str]]:
    """The table from the installed botocore's models and the reviewed lists."""
    from botocore.loaders import Loader

    loader = Loader()
    extra_reads, writes = reviewed()
    table: dict[str, list[str]] = {}
    for service in sorted(loader.list_available_services("service-2")):
        ops, reads = _model_reads(loader, service)
        unknown = (extra_reads.get(service, set()) | writes.get(service, set())) - ops
        if unknown:
            raise ValueError(f"{REVIEWED}: {service} has no operation {', '.join(sorted(unknown))}")
        reads = (reads | extra_reads.get(service, set())) - writes.get(service, set())
        if reads:
            table[service] = sorted(reads)
    missing = (set(extra_reads) | set(writes)) - set(table) - set(loader.list_available_services("service-2"))
    if missing:
        raise ValueError(f"{REVIEWED}: no botocore service {', '.join(sorted(missing))}")
    return table


def render(table: dict[str, list[str]]) -> str:
    import botocore

    head = (f"# Read-only AWS operations per service: derived by cockpit.content.aws_ops from botocore "
            f"{botocore.__version__}'s models\n# and aws_reviewed.txt. Do not edit: run "
            "`python -m cockpit.content.aws_ops` and review the diff.\n")
    return head + "".join(f"{service}: {' '.join(ops)}\n" for service, ops in table.items())


def stale() -> str | None:
    """What differs between the committed table and a fresh derivation (None: nothing)."""
    table = derive()
    committed = {s: sorted(ops) for s, ops in _table().items()}
    if committed == table:
        return None
    added = {s: sorted(set(ops) - set(committed.get(s, ()))) for s, ops in table.items()}
    removed = {s: sorted(set(ops) - set(table.get(s, ()))) for s, ops in committed.items()}
    return json.dumps({"added": {s: o for s, o in added.items() if o},
                       "removed": {s: o for s, o in removed.items() if o}})[:2000]


if __name__ == "__main__":
    TABLE.write_text(render(derive()), encoding="utf-8")
    _table.cache_clear()
    print(f"{TABLE}: {sum(len(v) for v in _table().values())} read operations in {len(_table())} services")
