"""The one place the estate touches moto's IAM access keys and IAM's clock.

moto stamps IAM's dates (a key's ``CreateDate``, its last use) with the wall clock and
accepts any request whatever its key's status: a key made Inactive still signs calls, and a
key never ages however far the scenario runs. The estate plays IAM on the scenario clock
instead: :func:`world_clock` has moto's IAM stamp *world* time (so a key created at T+47h
of a fast-played scenario is 47 hours younger than the seeded one, and ``LastUsedDate`` is
when the scenario's call was made), and :mod:`wsgi_iam_keys` refuses calls signed with an
Inactive or deleted key and applies a scenario's rotation policy, reading and writing the
keys only through the functions here (moto 5.2: ``iam_backends[account]["aws"]``, whose
``access_keys`` maps every user's key id to its ``AccessKey``; ``AccessKeyLastUsed``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account: the one the estate seeds

_lock = threading.Lock()
_pinned: list[datetime] = []  # a time the seed asked for (iam_clock), innermost last


@dataclass(frozen=True)
class KeyView:
    """One access key as moto holds it, read at one moment (times are world time, UTC)."""

    key_id: str
    user: str
    status: str  # Active / Inactive
    created: datetime


def _backend() -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT_ID]["aws"]


def _naive_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def _as_naive_utc(when: datetime) -> datetime:
    """moto's form of a time: naive UTC (a naive ``when`` is taken as UTC already)."""
    return when if when.tzinfo is None else when.astimezone(timezone.utc).replace(tzinfo=None)


def world_clock(world_now: Callable[[], float]) -> Callable[[], None]:
    """Have moto's IAM stamp world time from now on; returns the function that undoes it.

    Only IAM's module clock is rebound (moto keeps naive UTC datetimes), so creation dates,
    policy versions and ``AccessKeyLastUsed`` (stamped on every request a known key signs)
    are all on the scenario clock, and :func:`iam_clock` can pin it for a seeded write.
    """
    import moto.iam.models as iam_models

    real = iam_models.utcnow

    def now() -> datetime:
        return _pinned[-1] if _pinned else _naive_utc(world_now())

    iam_models.utcnow = now

    def undo() -> None:
        iam_models.utcnow = real

    return undo


@contextmanager
def iam_clock(at: datetime) -> Iterator[None]:
    """Have moto stamp the IAM writes made inside with ``at`` (the seed's key, 88 days old)."""
    _pinned.append(_as_naive_utc(at))
    try:
        yield
    finally:
        _pinned.pop()


def now() -> datetime:
    """IAM's clock now (naive UTC): world time once :func:`world_clock` is in force."""
    import moto.iam.models as iam_models

    return iam_models.utcnow()


def key(key_id: str) -> KeyView | None:
    """The access key with this id (None: not an IAM user's key, or deleted)."""
    found = _backend().access_keys.get(key_id)
    if found is None or not found.user_name:
        return None
    return KeyView(found.access_key_id, found.user_name, found.status, found.create_date)


def set_last_used(key_id: str, at: datetime, service: str, region: str) -> None:
    """What GetAccessKeyLastUsed answers for the key (the seed's CI deploys before T+0)."""
    from moto.iam.models import AccessKeyLastUsed

    with _lock:
        _backend().access_keys[key_id].last_used = AccessKeyLastUsed(
            timestamp=_as_naive_utc(at), service=service, region=region)


def deactivate_older_than(cutoff: datetime) -> list[KeyView]:
    """Make every Active user key created before ``cutoff`` (naive UTC, world time) Inactive."""
    changed = []
    with _lock:
        for found in list(_backend().access_keys.values()):
            if found.user_name and found.status == "Active" and found.create_date < cutoff:
                found.status = "Inactive"
                changed.append(KeyView(found.access_key_id, found.user_name, found.status, found.create_date))
    return changed


def user_key_ids() -> set[str]:
    """Every IAM user's access key id now (a key missing later was deleted)."""
    return {k for k, v in _backend().access_keys.items() if v.user_name}


def set_root_mfa(enabled: bool) -> None:
    """What GetAccountSummary's ``AccountMFAEnabled`` says: moto has no root user to give an
    MFA device, so it always answers 0; the estate's account has root MFA, as the runbooks'
    security checklists require (seed 004: "Verify MFA is enabled on root account")."""
    with _lock:
        _backend().account_summary._account_mfa_enabled = 1 if enabled else 0
