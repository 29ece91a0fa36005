"""Lambda ``PutProvisionedConcurrencyConfig`` / ``GetProvisionedConcurrencyConfig`` (seed 004's
"Lambda Scaling": "For high traffic: Enable provisioned concurrency"); moto answers both
"Not yet implemented".

As AWS does, a config belongs to a published version or an alias (``--qualifier``: the
runbook's command leaves it out, which AWS refuses), never ``$LATEST``; the function must
exist. The estate has no cold starts to save, so a config is READY at once with all of it
allocated. Configs live as long as the estate (``Call.store``), like moto's own state.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cockpit.estate.answers.call import Call
from cockpit.estate.answers.protocol import AnswerError


def _function(call: Call, name: str, qualifier: str) -> str:
    """The function's name, once it is known that ``qualifier`` is one of its versions or aliases."""
    lam = call.clients("lambda", call.region)
    try:
        versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
        aliases = [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]]
    except lam.exceptions.ResourceNotFoundException:
        raise AnswerError(404, "ResourceNotFoundException", f"Function not found: {name}") from None
    if qualifier == "$LATEST" or not qualifier:
        raise AnswerError(400, "InvalidParameterValueException",
                          "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    if qualifier not in versions and qualifier not in aliases:
        raise AnswerError(404, "ResourceNotFoundException", f"Function not found: {name}:{qualifier}")
    return name.rsplit(":", 1)[-1]


def _configs(call: Call) -> dict[tuple[str, str, str], dict[str, Any]]:
    return call.store.setdefault("lambda_provisioned", {})


def put_provisioned_concurrency_config(params: dict[str, Any], call: Call) -> dict[str, Any]:
    name = _function(call, params["FunctionName"], params.get("Qualifier", ""))
    wanted = int(params["ProvisionedConcurrentExecutions"])
    if wanted < 1:
        raise AnswerError(400, "InvalidParameterValueException",
                          "ProvisionedConcurrentExecutions must be at least 1.")
    config = {
        "RequestedProvisionedConcurrentExecutions": wanted,
        "AvailableProvisionedConcurrentExecutions": wanted,
        "AllocatedProvisionedConcurrentExecutions": wanted,
        "Status": "READY",
        "LastModified": datetime.fromtimestamp(call.world_now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    }
    _configs(call)[(call.region, name, params["Qualifier"])] = config
    return dict(config)


def get_provisioned_concurrency_config(params: dict[str, Any], call: Call) -> dict[str, Any]:
    name = _function(call, params["FunctionName"], params.get("Qualifier", ""))
    config = _configs(call).get((call.region, name, params["Qualifier"]))
    if config is None:
        raise AnswerError(404, "ProvisionedConcurrencyConfigNotFoundException",
                          "No Provisioned Concurrency Config found for this function")
    return dict(config)
