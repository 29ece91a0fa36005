"""A screen's response plans: checked when the screen loads, and held against what fires.

The playbooks a plan names must exist (a plan offering a missing playbook would fail when
picked, at 3 a.m.); a bad pattern or level is a file:line error. Held against alarms, the
matrix suggests the most severe row that holds — counting alarms and how long each has been
in ALARM — and a criterion such as seed 003's "S3 API unavailable > 30 minutes" is met only
after 30 minutes in ALARM.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.paths import shipped_dir
from cockpit.content.screen import find_screen, load_screen, load_screens
from cockpit.sources.alarms import AlarmItem
from cockpit.sources.response import alerts_holding, offers, offers_for_alarm, suggest_level
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import Level

NOW = datetime(2026, 11, 12, 9, 43, tzinfo=timezone.utc)
STORAGE = shipped_dir("screens") / "greenlang-storage.yaml"


def alarm(name: str, severity: str, minutes: float | None, state: str = "ALARM") -> AlarmItem:
    since = NOW - timedelta(minutes=minutes) if minutes is not None else None
    return AlarmItem(name, "eu-west-1", state, severity, Level.CRITICAL if severity == "critical" else Level.WARNING,
                     "", since, "metric")


def outage(five_xx_minutes: float | None = 31) -> list[AlarmItem]:
    """The storage outage 31 minutes in: three critical alarms and two warnings."""
    return [alarm("greenlang-s3-5xx-errors-critical", "critical", five_xx_minutes),
            alarm("greenlang-s3-4xx-errors-warning", "warning", 30),
            alarm("greenlang-s3-replication-pending-critical", "critical", 25),
            alarm("greenlang-s3-replication-lag-warning", "warning", 22),
            alarm("S3-Replication-Lag-Critical", "critical", 19)]


def edited(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = STORAGE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "greenlang-storage.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if new.splitlines()[0] in row)
    return path, line


def test_a_plan_naming_a_missing_playbook_is_refused_at_its_line(tmp_path):
    path, line = edited(tmp_path, "      playbooks: [s3-access-denied]", "      playbooks: [s3-acess-denied]")
    with pytest.raises(ContentError) as caught:
        load_screen(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message and "no playbook named 's3-acess-denied'" in message
    assert "s3-access-denied" in message  # the ones there are, to pick from


def test_a_playbook_in_the_users_folder_satisfies_the_plan(tmp_path):
    path, _ = edited(tmp_path, "      playbooks: [s3-access-denied]", "      playbooks: [our-s3-access]")
    mine = tmp_path / "playbooks"
    mine.mkdir()
    (mine / "ours.yaml").write_text("# ours\nid: \"our-s3-access\"  # adapted\ntitle: Ours\nsteps: []\n")
    with pytest.raises(ContentError):
        find_screen("greenlang-storage", [tmp_path])
    assert find_screen("greenlang-storage", [tmp_path], [mine]).responses.plans[2].playbooks[0].id == "our-s3-access"


@pytest.mark.parametrize(("old", "new", "said"), [
    ("    - level: P3\n      alarms: 4xx", "    - level: P5\n      alarms: 4xx", "responses.levels.5.level"),
    ("    - alarms: (?i)lifecycle\n", "    - alarms: (?i)lifecycle[\n", "not a valid regular expression"),
    ("      firing_for: 30m", "      firing_for: soon", "expected a duration"),
    ("      respond_within: 5m", "      respond_within: soon", "expected a duration"),
    ("      playbook: p1-storage-incident", "      playbook: p1-storage-incidnet", "no playbook named 'p1-storage-incidnet'"),
    ("      metrics: ^p2-replication-lag$", "      metrics: ^p2-replication-lags$",
     "names none of the screen's metrics rows (data-lake-size, "),
])
def test_a_bad_row_is_refused_at_its_line(tmp_path, old, new, said):
    path, line = edited(tmp_path, old, new)
    with pytest.raises(ContentError) as caught:
        load_screen(path)
    assert said in str(caught.value)
    assert any(p.line in (line, line + 1) for p in caught.value.problems), str(caught.value)


def test_every_shipped_plan_names_a_shipped_playbook_and_every_screen_with_alarms_has_a_matrix():
    screens = load_screens()
    for name, screen in screens.items():
        if screen.alarms is not None:
            assert screen.responses.levels and screen.responses.plans, name


def test_the_storage_matrix_suggests_p1_while_s3_fails_and_says_why():
    responses = find_screen("greenlang-storage").responses
    suggestion = suggest_level(responses, outage(), NOW)
    assert suggestion is not None and suggestion.level == "P1"
    assert suggestion.reason == ("P1 suggested: 5 alarms firing (3 critical), "
                                 "greenlang-s3-5xx-errors-critical for 31 min")
    assert "S3 unavailable" in suggestion.rule.note
    # Without the 5xx alarm, replication failing outright (backlog and lag past the RPO) is
    # still P1; the backlog alone is P2; the lag warning alone P3, and P2 after 45 minutes.
    assert suggest_level(responses, outage()[1:], NOW).level == "P1"
    assert suggest_level(responses, [outage()[2]], NOW).level == "P2"
    lag = alarm("greenlang-s3-replication-lag-warning", "warning", 20)
    assert suggest_level(responses, [lag], NOW).level == "P3"
    # Nothing in ALARM: no suggestion (an alarm back to OK calls for nothing).
    assert suggest_level(responses, [alarm("greenlang-s3-5xx-errors-critical", "critical", 40, "OK")], NOW) is None


def test_the_failover_criterion_is_judged_on_time_in_alarm_not_on_state():
    responses = find_screen("greenlang-storage").responses
    for minutes, status, against in ((31, "met", "31 min ≥ 30 min"), (5, "not met", "5 min of 30 min")):
        first = offers(responses, outage(minutes), NOW)
        assert [o.playbook_id for o in first][:3] == ["dr-failover", "s3-replication-lag", "p1-storage-incident"]
        (check,) = first[0].checks
        assert check.status == status and check.short == f"{status}: S3 API unavailable > 30 minutes ({against})"
    unknown = offers(responses, outage(None), NOW)[0].checks[0]
    assert unknown.status == "unknown"
    # The lag alarm's detail offers the lag playbook first, and judges the failover on the 5xx alarm.
    lag_offers = offers_for_alarm(responses, outage()[3], outage(5), NOW)
    # The P2 response to failed replication (the backlog alarm) comes next, before the failover.
    assert [o.playbook_id for o in lag_offers] == ["s3-replication-lag", "p2-replication-failure", "dr-failover"]
    assert lag_offers[2].checks[0].status == "not met"
    assert "greenlang-s3-5xx-errors-critical in ALARM for 5 min of 30 min" in lag_offers[2].checks[0].line


def metric_row(name: str, level: Level, status: str, problem: str) -> ServiceItem:
    return ServiceItem("metric", name, "eu-west-1", status, level, problem)


# Seed 000 "Alert Response Matrix", as the runbook prints it: alert, severity, response time, action.
MATRIX = [("S3 5xx errors > 10/min", "critical", 300, "Investigate immediately", "p1-storage-incident"),
          ("S3 4xx errors > 100/min", "warning", 1800, "Review access patterns", "s3-access-denied"),
          ("Replication lag > 15 min", "warning", 1800, "Check replication status", "s3-replication-lag"),
          ("Replication pending > 1000", "critical", 900, "Investigate replication", "s3-replication-lag"),
          ("Storage > 10 TB", "warning", 86400, "Review growth, optimize", "weekly-storage-review"),
          ("Lifecycle failures", "warning", 86400, "Review lifecycle rules", "s3-lifecycle-issues")]


def test_every_row_of_the_alert_response_matrix_is_a_rule_of_the_storage_screen():
    alerts = find_screen("greenlang-storage").responses.alerts
    assert [(a.alert, a.severity, a.respond_within, a.action, a.playbook) for a in alerts] == MATRIX


@pytest.mark.parametrize(("firing", "metrics", "alert", "within"), [
    ([alarm("greenlang-s3-5xx-errors-critical", "critical", 3)], [], "S3 5xx errors > 10/min", "5 min"),
    ([alarm("greenlang-s3-4xx-errors-warning", "warning", 3)], [], "S3 4xx errors > 100/min", "30 min"),
    ([alarm("greenlang-s3-replication-lag-warning", "warning", 3)], [], "Replication lag > 15 min", "30 min"),
    ([alarm("greenlang-s3-replication-pending-critical", "critical", 3)], [], "Replication pending > 1000", "15 min"),
    ([], [metric_row("data-lake-size", Level.WARNING, "11.2 TB", "above 10 TB")], "Storage > 10 TB", "24 h"),
    ([alarm("greenlang-s3-lifecycle-failures", "warning", 3)], [], "Lifecycle failures", "24 h"),
    # Everything at once: the tightest response time wins (5 min, the 5xx row).
    (outage(), [metric_row("data-lake-size", Level.WARNING, "11.2 TB", "above 10 TB")], "S3 5xx errors > 10/min",
     "5 min"),
])
def test_declaring_owes_the_matrix_rows_response_time(firing, metrics, alert, within):
    responses = find_screen("greenlang-storage").responses
    suggestion = suggest_level(responses, firing, NOW, metrics)
    assert suggestion is not None and suggestion.alert is not None
    assert suggestion.alert.alert.alert == alert
    assert suggestion.alert.line.startswith(f"Respond within {within}: ")
    # The row's playbook is offered in the picker.
    offered = {o.playbook_id: o for o in offers(responses, firing, NOW, metrics)}
    assert suggestion.alert.alert.playbook in offered


def test_storage_over_10_tb_is_a_metric_row_not_an_alarm_and_calm_rows_hold_nothing():
    responses = find_screen("greenlang-storage").responses
    big = metric_row("data-lake-size", Level.WARNING, "11.2 TB", "above 10 TB")
    suggestion = suggest_level(responses, [], NOW, [big])
    assert suggestion is not None and suggestion.level == "P4"
    assert suggestion.reason == "P4 suggested: 0 alarms firing (0 critical), data-lake-size at 11.2 TB (above 10 TB)"
    assert [o.playbook_id for o in offers(responses, [], NOW, [big])] == ["weekly-storage-review"]
    assert "respond within 24 h: Review growth, optimize (Storage > 10 TB, warning)" in \
        offers(responses, [], NOW, [big])[0].plan.reason
    # Under the threshold, unknown (no datapoint), or an alarm merely named like the row: nothing.
    calm = [metric_row("data-lake-size", Level.OK, "3.2 TB", ""), metric_row("data-lake-size", Level.UNKNOWN, "no data", "x")]
    assert suggest_level(responses, [], NOW, calm) is None and alerts_holding(responses, [], NOW, calm) == []
    assert alerts_holding(responses, [alarm("data-lake-size", "warning", 5)], NOW) == []


def test_p2_replication_lag_over_an_hour_is_the_p2_metric_row_not_the_15_minute_alarm_firing_long():
    responses = find_screen("greenlang-storage").responses
    lag = metric_row("p2-replication-lag", Level.CRITICAL, "75 min", "above 60 min")
    suggestion = suggest_level(responses, [], NOW, [lag])
    assert suggestion is not None and suggestion.level == "P2"
    assert suggestion.reason.endswith("p2-replication-lag at 75 min (above 60 min)")
    assert "replication lag > 1 hour" in suggestion.rule.note
    # The 15-minute lag alarm firing for 46 min is still P3: it says lag > 15 min, not > 1 h.
    assert suggest_level(responses, [alarm("greenlang-s3-replication-lag-warning", "warning", 46)], NOW).level == "P3"
    # A service row of another kind with the same name is not a metric row.
    other = ServiceItem("endpoint", "p2-replication-lag", "eu-west-1", "500", Level.CRITICAL, "down")
    assert suggest_level(responses, [], NOW, [other]) is None
