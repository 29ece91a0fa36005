"""The platform database's hourly dumps in ``greenlang-backups`` (seed 002).

Seed 002 lists them with ``aws s3 ls s3://greenlang-backups/database/ | tail -5``, holds
database restoration to a one-hour RPO and asks for a monthly restore test. A restore test
must load what it downloads, so each dump is a small plain-SQL ``pg_dump`` a real ``psql``
restores: the same tables every hour, the emissions rows growing with the hour, so a
restore's row counts say which hour it holds. Deterministic from the hour alone: two
estates started in the same hour hold the same bytes.

Keys (``greenlang-prod-<date>_<HHMM>.sql``, UTC) sort after the night's
``greenlang-prod-<date>.dump.gz`` (``_`` after ``.``), so the runbook's ``tail -5`` shows the
newest hours; no capitals, so the timeline's redaction never takes a key for a random token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

PREFIX = "database/"
#: Hourly dumps kept (the nightly ``.dump.gz`` is the long-term copy).
HOURS = 6
_KEY = re.compile(r"^database/greenlang-prod-(\d{4}-\d{2}-\d{2}_\d{4})\.sql$")

FACILITIES = (("1", "Rotterdam cement works", "NL"), ("2", "Duisburg steel mill", "DE"),
              ("3", "Gdansk fertiliser plant", "PL"), ("4", "Porto aluminium smelter", "PT"))


def minute_of(at: datetime) -> datetime:
    """When a dump ran, to the minute (UTC): what its key and LastModified say."""
    return at.astimezone(timezone.utc).replace(second=0, microsecond=0)


def key(at: datetime) -> str:
    return f"{PREFIX}greenlang-prod-{minute_of(at):%Y-%m-%d_%H%M}.sql"


def time_in(key_name: str) -> datetime | None:
    """When an hourly dump ran, from its key; None for anything else (the nightly dumps)."""
    match = _KEY.match(key_name)
    return datetime.strptime(match.group(1), "%Y-%m-%d_%H%M").replace(tzinfo=timezone.utc) if match else None


def emission_rows(at: datetime) -> int:
    """Rows of ``emissions`` in the dump taken at ``at``: 240 plus the hour of the day."""
    return 240 + minute_of(at).hour


def recent_times(now: datetime, count: int = HOURS) -> list[datetime]:
    """The last ``count`` hourly runs up to ``now``, oldest first. The newest ran as the
    estate started, so a calm estate stays within the 1 h RPO for its first hour, whatever
    minute of the hour it started at."""
    newest = minute_of(now)
    return [newest - timedelta(hours=n) for n in range(count - 1, -1, -1)]


def dump(at: datetime) -> bytes:
    """A plain-SQL dump of the greenlang database as ``pg_dump --format=plain`` writes one."""
    hour = minute_of(at)
    lines = [f"-- PostgreSQL database dump: greenlang (greenlang-prod), {hour:%Y-%m-%d %H:%M} UTC",
             "SET client_encoding = 'UTF8';",
             "SET standard_conforming_strings = on;",
             "CREATE TABLE public.facilities (id integer PRIMARY KEY, name text NOT NULL, country text NOT NULL);",
             "CREATE TABLE public.emissions (id integer PRIMARY KEY, facility_id integer NOT NULL "
             "REFERENCES public.facilities (id), recorded_at timestamp with time zone NOT NULL, "
             "kg_co2e numeric(12,3) NOT NULL);",
             "COPY public.facilities (id, name, country) FROM stdin;"]
    lines += ["\t".join(row) for row in FACILITIES]
    lines += ["\\.", "COPY public.emissions (id, facility_id, recorded_at, kg_co2e) FROM stdin;"]
    start = hour - timedelta(days=1)
    for n in range(1, emission_rows(hour) + 1):
        at = start + timedelta(minutes=6 * n)
        lines.append(f"{n}\t{n % len(FACILITIES) + 1}\t{at:%Y-%m-%d %H:%M:%S}+00\t{(n * 37) % 1000 + 0.125:.3f}")
    lines += ["\\.", "-- PostgreSQL database dump complete", ""]
    return "\n".join(lines).encode()


def stop(clients: Callable[[str, str], Any], since: float) -> list[str]:
    """The backup job stopped at ``since`` (epoch seconds, world time): the dumps it would have
    written after are not there. The seed wrote the last hours as if it ran; a scenario whose
    backups stopped takes back what never happened, nightly dump included. Returns the keys."""
    from cockpit.estate import catalogue as cat

    s3 = clients("s3", cat.PRIMARY_REGION)
    listed = s3.list_objects_v2(Bucket=cat.BACKUPS_BUCKET, Prefix=PREFIX).get("Contents", [])
    gone = [o["Key"] for o in listed if o["LastModified"].timestamp() > since]
    for name in gone:
        s3.delete_object(Bucket=cat.BACKUPS_BUCKET, Key=name)
    return gone
