"""Check a scenario against what the estate actually has, before it runs.

A scenario that names an alarm, a replication pair, an endpoint or a deployment the estate
does not have would silently do nothing at the worst moment of an exercise; it is refused
up front with the file and line of the bad name.
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
    problems: list[Problem] = []
    alarms = _alarm_names()
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

    for i, event in enumerate(scenario.events):
        check(event, ("events", i))
    for r, reaction in enumerate(scenario.reactions):
        for j, action in enumerate(reaction.then):
            check(action, ("reactions", r, "then", j))
        for k, name in enumerate(reaction.when.restarted):
            if name not in DEPLOYMENTS:
                problems.append(Problem(source, at("reactions", r, "when", "restarted", k),
                                        f"reactions.{r}.when.restarted: unknown deployment {name!r}"))
    if problems:
        raise ContentError(problems)
