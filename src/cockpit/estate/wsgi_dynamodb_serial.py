"""DynamoDB writes one at a time, so a conditional write is atomic here as it is in AWS.

DynamoDB makes each conditional write atomic: of two ``PutItem`` calls with
``attribute_not_exists(sk)`` on one key, one succeeds and the other gets
``ConditionalCheckFailedException``. Sharing an incident relies on nothing else
(docs/sharing-design.md, section 0: a log slot, a claim, a role, a number are each one
conditional write).

moto does not: its server answers each request on its own thread, and
``moto/dynamodb/models/table.py`` ``Table.put_item`` (moto 5.2.6) reads the current item
(``current = self.get_item(...)``), builds the new one (an ``Item`` converts every
attribute), evaluates the condition against ``current`` and then stores
(``self.items[hash_value][range_value] = item``), all without a lock; moto's only lock,
``backend_lock`` in ``moto/core/base_backend.py``, guards creating backends. Two writers
can both read "no item" and both win (``tests/share/test_serial_writes.py`` shows it on
plain moto). ``update_item`` and ``delete_item`` check and write the same way, and a failed
``TransactWriteItems`` puts back a copy of the tables it touched, erasing what other
writers stored meanwhile.

This middleware, in front of moto, lets one DynamoDB write at a time through: every
operation of the ``DynamoDB_20120810`` target that is not a read
(:func:`cockpit.content.aws_ops.is_read`, the answer the request counter uses; unknown
operations count as writes). Reads are not held, so polling hosts never queue behind each
other. That leaves two smaller gaps, both rare: ``UpdateItem`` changes the stored item in
place, so a read may see part of an update, and ``Query`` walks the table's dicts
(``Table.all_items``) while a write may add a key, which Python refuses with a
``RuntimeError`` (a 500). Four ``Query`` loops beside four ``PutItem`` loops for 30 s
showed neither; should they, a readers-writer lock here closes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.content import aws_ops
from cockpit.estate.wsgi_counter import WsgiApp

_TARGET = "DynamoDB_20120810."


class SerialDynamoDbWrites:
    """Wrap moto's WSGI app; run DynamoDB writes one at a time (module docstring)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(_TARGET) or aws_ops.is_read("dynamodb", target[len(_TARGET):]):
            return self.app(environ, start_response)
        with self._lock:
            # The whole answer inside the lock: the write is done when its body is.
            return list(self.app(environ, start_response))
