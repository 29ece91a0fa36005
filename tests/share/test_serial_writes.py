"""Of many writers racing one conditional PutItem, exactly one wins: on the emulated estate as on
AWS (``estate/wsgi_dynamodb_serial.py``). A share's log slots, claims, roles and numbers are
each decided by such a write, so a test of them on an estate where two writers could win
would pass or fail for the wrong reason.

The race is 16 threads putting one new key with ``attribute_not_exists(sk)``, 50 times. Its
items are wide (200 attributes): moto builds the new item, a ``DynamoType`` per attribute,
between reading the current one and storing it, which widens the window two writers need.
A real slot (a few attributes, one of them the JSON body) races the same way, only less
often. With the middleware taken out of the estate's chain, the estate test failed in each
of five runs (up to five winners in a trial; counted in two runs: 19 and 24 trials of 50
with more than one). At 100 attributes it failed too, in 2 and 5 trials of 50; on moto in
one process, at 20 or 50 attributes, no trial of 50 had two winners. The guard below runs
the race on plain moto, so that a moto which one day holds it itself is noticed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cockpit.share.table import NEW_ONLY, SHARE_PK, slot_sk

pytestmark = pytest.mark.slow  # real servers: the estate, and moto's server in this process

THREADS = 16
TRIALS = 50
WIDE = {f"a{i:03d}": {"S": "x"} for i in range(200)}
REGION = "eu-central-1"


def _race(endpoint: str, table: str, until: Callable[[int], bool] = lambda winners: False) -> list[int]:
    """How many writers won each trial (stopping after a trial whose count ``until`` accepts)."""
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "dynamodb", REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(max_pool_connections=THREADS, retries={"mode": "standard", "total_max_attempts": 1}))
    client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])
    winners: list[int] = []
    for trial in range(1, TRIALS + 1):
        start = threading.Barrier(THREADS)
        won: list[int] = []
        failed: list[BaseException] = []

        def put(writer: int) -> None:
            start.wait()
            try:
                client.put_item(TableName=table, ConditionExpression=NEW_ONLY, Item={
                    "pk": {"S": SHARE_PK}, "sk": {"S": slot_sk(trial)}, "writer": {"N": str(writer)}, **WIDE})
                won.append(writer)
            except client.exceptions.ConditionalCheckFailedException:
                pass
            except BaseException as exc:  # noqa: BLE001 — reported below, with the trial
                failed.append(exc)

        threads = [threading.Thread(target=put, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failed, f"trial {trial}: {failed[0]!r}"
        winners.append(len(won))
        if until(len(won)):
            break
    return winners


def test_one_writer_wins_each_race_on_the_estate(share_estate: Any) -> None:
    winners = _race(share_estate.env["AWS_ENDPOINT_URL"], "race-estate")
    assert winners == [1] * TRIALS


@pytest.fixture(scope="module")
def serve() -> Iterator[Callable[[Any], str]]:
    """Serve a WSGI app in front of moto on a free loopback port, as moto's own server does."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any) -> None:
            return None

    servers = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


def _moto() -> Any:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def test_plain_moto_lets_several_writers_win(serve: Callable[[Any], str]) -> None:
    """The guard: moto alone, without the middleware, lets the same race have several winners."""
    winners = _race(serve(_moto()), "race-plain", until=lambda won: won > 1)
    assert winners[-1] > 1, "moto held 50 races alone: is the middleware still needed, or is the race too narrow?"
