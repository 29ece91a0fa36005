"""One order of alarms: what ``cockpit status`` prints is what the alarms pane shows by default."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cockpit.sources.alarms import AlarmItem, _level, worst_first

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def alarm(name: str, state: str, minutes_ago: float | None, severity: str = "critical") -> AlarmItem:
    return AlarmItem(name=name, region="eu-west-1", state=state, severity=severity, level=_level(state, severity),
                     reason="", type="metric",
                     updated_at=None if minutes_ago is None else NOW - timedelta(minutes=minutes_ago))


def test_worst_then_newest_then_by_name():
    items = [alarm("b-same-time", "ALARM", 5), alarm("warn", "ALARM", 1, "warning"), alarm("never", "ALARM", None),
             alarm("a-same-time", "ALARM", 5), alarm("newest", "ALARM", 1), alarm("ok", "OK", 0),
             alarm("nodata", "INSUFFICIENT_DATA", 0)]
    assert [a.name for a in sorted(items, key=worst_first)] == [
        "newest", "a-same-time", "b-same-time", "never", "nodata", "warn", "ok"]
