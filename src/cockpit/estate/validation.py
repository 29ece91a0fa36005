"""Check a scenario against what the estate actually has, before it runs.

A scenario that names an alarm, a replication pair, an endpoint, a deployment, a bucket, a
table or a log group the estate does not have would silently do nothing at the worst
moment of an exercise; it is refused up front with the file and line of the bad name.
"""

from __future__ import annotations

from pathlib import Path

from cockpit.content.errors import ContentError, Problem
from cockpit.content.scenario import Action, Scenario
from cockpit.content.yamlfile import line_for, load_yaml
from cockpit.estate.http import ENDPOINTS

PAIRS = ("data-lake", "reports", "models")
DEPLOYMENTS = ("storage-service", "api-gateway", "greenlang-api")


def _alarm_names() -> set[str]:
    from cockpit.estate import catalogue

    return {alarm.name for alarm in catalogue.ALARMS}


def check_scenario(scenario: Scenario, source: Path) -> None:
    """Raise ContentError listing every name the estate does not know, at its line."""
    from cockpit.estate import catalogue

    problems: list[Problem] = []
    alarms = _alarm_names()
    buckets = {b.name for b in catalogue.BUCKETS}
    groups = set(catalogue.LOG_GROUPS_BY_NAME)
    tables = {catalogue.FLIGHT_SCHOOL.table}
    _, lines = load_yaml(source.read_text(encoding="utf-8"), source)

    def at(*loc: object) -> int | None:
        return line_for(tuple(loc), lines)

    def check(action: Action, loc: tuple) -> None:
        where = ".".join(map(str, loc))
        if action.alarm and action.alarm.name not in alarms:
            problems.append(Problem(source, at(*loc, "alarm", "name"), f"{where}: unknown alarm {action.alarm.name!r} "
                                                  f"(the estate has: {', '.join(sorted(alarms))})"))
        if action.replication and action.replication.pair not in PAIRS:
            problems.append(Problem(source, at(*loc, "replication", "pair"), f"{where}: unknown replication pair "
                                                  f"{action.replication.pair!r} (one of {', '.join(PAIRS)})"))
        if action.http and action.http.endpoint not in ENDPOINTS:
            problems.append(Problem(source, at(*loc, "http", "endpoint"), f"{where}: unknown endpoint {action.http.endpoint!r} "
                                                  f"(one of {', '.join(ENDPOINTS)})"))
        if action.k8s and action.k8s.deployment not in DEPLOYMENTS:
            problems.append(Problem(source, at(*loc, "k8s", "deployment"), f"{where}: unknown deployment {action.k8s.deployment!r} "
                                                  f"(one of {', '.join(DEPLOYMENTS)})"))
        if action.s3_object and action.s3_object.bucket not in buckets:
            problems.append(Problem(source, at(*loc, "s3_object", "bucket"), f"{where}: unknown bucket "
                                    f"{action.s3_object.bucket!r} (one of {', '.join(sorted(buckets))})"))
        if action.dynamodb_item and action.dynamodb_item.table not in tables:
            problems.append(Problem(source, at(*loc, "dynamodb_item", "table"), f"{where}: unknown table "
                                    f"{action.dynamodb_item.table!r} (one of {', '.join(sorted(tables))})"))
        if action.log and action.log.group not in groups:
            problems.append(Problem(source, at(*loc, "log", "group"), f"{where}: unknown log group "
                                    f"{action.log.group!r} (one of {', '.join(sorted(groups))})"))

    for i, event in enumerate(scenario.events):
        check(event, ("events", i))
    for r, reaction in enumerate(scenario.reactions):
        for j, action in enumerate(reaction.then):
            check(action, ("reactions", r, "then", j))
        for k, name in enumerate(reaction.when.restarted):
            if name not in DEPLOYMENTS:
                problems.append(Problem(source, at("reactions", r, "when", "restarted", k),
                                        f"reactions.{r}.when.restarted: unknown deployment {name!r}"))
    if scenario.drill.rpo_pair not in PAIRS:
        problems.append(Problem(source, at("drill", "rpo_pair"), f"drill.rpo_pair: unknown replication pair "
                                f"{scenario.drill.rpo_pair!r} (one of {', '.join(PAIRS)})"))
    if scenario.drill.probe not in ENDPOINTS:
        problems.append(Problem(source, at("drill", "probe"), f"drill.probe: unknown endpoint "
                                f"{scenario.drill.probe!r} (one of {', '.join(ENDPOINTS)})"))
    if problems:
        raise ContentError(problems)
