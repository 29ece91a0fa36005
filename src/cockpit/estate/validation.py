"""Check a scenario against what the estate actually has, before it runs.

A scenario that names an alarm, a replication pair, an endpoint, a deployment, a bucket, a
table or a log group the estate does not have would silently do nothing at the worst
moment of an exercise; it is refused up front with the file and line of the bad name.
"""

from __future__ import annotations

from pathlib import Path

from cockpit.content.endpoints import ENDPOINTS
from cockpit.content.errors import ContentError, Problem
from cockpit.content.scenario import Action, Scenario
from cockpit.content.yamlfile import line_for, load_yaml, read_content

PAIRS = ("data-lake", "reports", "models")
DEPLOYMENTS = ("storage-service", "api-gateway", "greenlang-api")


def _alarm_names() -> set[str]:
    from cockpit.estate import catalogue

    return {alarm.name for alarm in catalogue.ALARMS}


def _aws_call_problem(service: str, operation: str) -> str | None:
    """Why botocore would refuse this call's name (an unknown service or operation), or None."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return f"unknown AWS service {service!r}"
    if operation not in model.operation_names:
        return f"{service} has no operation {operation!r}"
    return None


def check_scenario(scenario: Scenario, source: Path, screens_dirs: list[Path] | tuple[Path, ...] = ()) -> None:
    """Raise ContentError listing every name the estate does not know, at its line.

    The screen the scenario opens on must exist too (the shipped ones and ``screens_dirs``):
    otherwise the exercise would fail after the estate started, far from the file.
    """
    from cockpit.content.screen import available_screens
    from cockpit.estate import catalogue

    #: (action field, its name field, what it is, the names the estate has)
    known: list[tuple[str, str, str, set[str] | tuple[str, ...]]] = [
        ("alarm", "name", "alarm", _alarm_names()),
        ("replication", "pair", "replication pair", PAIRS),
        ("http", "endpoint", "endpoint", tuple(ENDPOINTS)),
        ("k8s", "deployment", "deployment", DEPLOYMENTS),
        ("s3_object", "bucket", "bucket", {b.name for b in catalogue.BUCKETS}),
        ("dynamodb_item", "table", "table", {catalogue.FLIGHT_SCHOOL.table}),
        ("log", "group", "log group", set(catalogue.LOG_GROUPS_BY_NAME)),
    ]
    problems: list[Problem] = []
    _, lines = load_yaml(read_content(source), source)

    def require(value: str, names: set[str] | tuple[str, ...], what: str, loc: tuple) -> None:
        if value not in names:
            where = ".".join(map(str, loc))
            problems.append(Problem(source, line_for(loc, lines),
                                    f"{where}: unknown {what} {value!r} (one of {', '.join(sorted(names))})"))

    def check_call(call: object, loc: tuple) -> None:
        problem = _aws_call_problem(call.service, call.operation)  # type: ignore[attr-defined]
        if problem:
            problems.append(Problem(source, line_for((*loc, "operation"), lines), f"{'.'.join(map(str, loc))}: {problem}"))

    def check(action: Action, loc: tuple) -> None:
        for field, name, what, names in known:
            part = getattr(action, field, None)
            if part is not None:
                require(getattr(part, name), names, what, (*loc, field, name))
        if action.aws is not None:
            check_call(action.aws, (*loc, "aws"))

    # Nodes: a change names a seeded node or one the scenario has join; a joining node is new.
    from cockpit.estate.k8s_objects import NODES

    located = [(e, ("events", i)) for i, e in enumerate(scenario.events)] + [
        (a, ("reactions", r, "then", j)) for r, reaction in enumerate(scenario.reactions)
        for j, a in enumerate(reaction.then)]
    joining = [(a.node.name, loc) for a, loc in located if a.node is not None and a.node.joins]
    nodes = set(NODES) | {name for name, _ in joining}
    for name, loc in joining:
        if name in NODES:
            problems.append(Problem(source, line_for((*loc, "node", "name"), lines),
                                    f"{'.'.join(map(str, loc))}.node.name: {name!r} is already in the cluster: "
                                    "a node that joins is a new one"))
    for action, loc in located:
        if action.node is not None and not action.node.joins:
            require(action.node.name, nodes, "node", (*loc, "node", "name"))
    for i, event in enumerate(scenario.events):
        check(event, ("events", i))
    for r, reaction in enumerate(scenario.reactions):
        for j, action in enumerate(reaction.then):
            check(action, ("reactions", r, "then", j))
        if reaction.when.aws is not None:
            check_call(reaction.when.aws, ("reactions", r, "when", "aws"))
        for k, name in enumerate(reaction.when.restarted):
            require(name, DEPLOYMENTS, "deployment", ("reactions", r, "when", "restarted", k))
    require(scenario.drill.rpo_pair, PAIRS, "replication pair", ("drill", "rpo_pair"))
    require(scenario.drill.probe, tuple(ENDPOINTS), "endpoint", ("drill", "probe"))
    if scenario.screen is not None:
        require(scenario.screen, tuple(available_screens(screens_dirs)), "screen", ("screen",))
    if problems:
        raise ContentError(problems)
