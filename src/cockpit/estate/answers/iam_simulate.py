"""IAM ``SimulatePrincipalPolicy`` (seed 000's access-denied tree), evaluated simply and honestly.

The principal's own policies are read from the account (inline and attached, for a role or
a user and the user's groups) and evaluated as IAM does in the simple case: an explicit
``Deny`` wins, then an ``Allow`` whose actions and resources match, otherwise
``implicitDeny``. Wildcards ``*`` and ``?`` match as in IAM (actions case-insensitively).
Statements with a ``Condition`` are not applied (the simulation is given no context
values, and IAM then treats the condition as not met); they are listed as missing context.
Resource-based policies, permission boundaries and SCPs are not considered (documented in
docs/estate-aws.md).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

from cockpit.estate.answers.call import Call
from cockpit.estate.answers.protocol import AnswerError


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _document(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    return json.loads(unquote(raw))


def _policies(iam: Any, arn: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(policy id, source type, document) for every identity policy of the principal."""
    kind, _, name = arn.split(":", 5)[-1].partition("/")
    name = name.rsplit("/", 1)[-1]
    found: list[tuple[str, str, dict[str, Any]]] = []
    try:
        if kind == "role":
            inline = [(p, iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                      for p in iam.list_role_policies(RoleName=name)["PolicyNames"]]
            attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            groups: list[str] = []
        elif kind == "user":
            inline = [(p, iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"])
                      for p in iam.list_user_policies(UserName=name)["PolicyNames"]]
            attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
            groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]]
        else:
            raise AnswerError(400, "InvalidInput", f"PolicySourceArn {arn} is not a user or role ARN")
    except iam.exceptions.NoSuchEntityException:
        raise AnswerError(404, "NoSuchEntity", f"The {kind} with name {name} cannot be found.") from None
    found += [(p, kind, _document(doc)) for p, doc in inline]
    for group in groups:
        found += [(p, "group", _document(iam.get_group_policy(GroupName=group, PolicyName=p)["PolicyDocument"]))
                  for p in iam.list_group_policies(GroupName=group)["PolicyNames"]]
    for policy in attached:
        meta = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=meta["DefaultVersionId"])
        found.append((policy["PolicyName"], "aws-managed" if ":aws:policy/" in policy["PolicyArn"] else "user-managed",
                      _document(version["PolicyVersion"]["Document"])))
    return found


def _matches(patterns: list[str], value: str, *, case: bool) -> bool:
    if not case:
        value = value.lower()
    return any(fnmatchcase(value, p if case else p.lower()) for p in patterns)


def _applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in statement:
        acts = _matches(_as_list(statement["Action"]), action, case=False)
    else:
        acts = not _matches(_as_list(statement.get("NotAction")), action, case=False)
    if "Resource" in statement:
        res = _matches(_as_list(statement["Resource"]), resource, case=True)
    else:
        res = not _matches(_as_list(statement.get("NotResource")), resource, case=True)
    return acts and res


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def evaluate(policies: list[tuple[str, str, dict[str, Any]]], action: str, resource: str) -> dict[str, Any]:
    """One EvaluationResult: explicitDeny > allowed > implicitDeny."""
    allowed, denied, missing = [], [], set()
    for policy_id, source, document in policies:
        for statement in _statements(document):
            if not _applies(statement, action, resource):
                continue
            if statement.get("Condition"):
                for operator in statement["Condition"].values():
                    missing.update(operator)
                continue
            (denied if statement.get("Effect") == "Deny" else allowed).append(
                {"SourcePolicyId": policy_id, "SourcePolicyType": source})
    decision = "explicitDeny" if denied else "allowed" if allowed else "implicitDeny"
    return {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision,
            "MatchedStatements": denied or allowed, "MissingContextValues": sorted(missing)}


def simulate_principal_policy(params: dict[str, Any], call: Call) -> dict[str, Any]:
    arn = params.get("PolicySourceArn", "")
    iam = call.clients("iam", "us-east-1")
    policies = _policies(iam, arn)
    resources = params.get("ResourceArns") or ["*"]
    results = [evaluate(policies, action, resource)
               for action in params.get("ActionNames", []) for resource in resources]
    return {"EvaluationResults": results, "IsTruncated": False}
