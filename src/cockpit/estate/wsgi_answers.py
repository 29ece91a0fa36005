"""Answer the AWS calls the runbooks make that moto does not implement.

moto answers IAM ``SimulatePrincipalPolicy``, CloudTrail ``LookupEvents``, Cost Explorer's
reservation recommendations and GuardDuty's findings with a NotImplementedError (or an
HTML 404), and Cost Explorer's ``GetCostAndUsage`` with nothing. A responder pasting the
runbook's audit or cost command would learn nothing about the estate. This middleware
sits in front of moto and answers those (service, operation) pairs itself, from handlers
in :mod:`cockpit.estate.answers`, in the request's own protocol (moto's model-driven
serializers). Everything else passes through untouched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.estate.answers import cloudtrail_events, cost, guardduty_findings, iam_simulate, lambda_provisioned, protocol
from cockpit.estate.answers import health_events
from cockpit.estate.answers.call import Call
from cockpit.estate.request_resources import access_key_of
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.wsgi_counter import WsgiApp, credential_scope, operation_of

Handler = Callable[[dict[str, Any], Call], dict[str, Any]]

#: (service as the counter names it, operation) -> handler.
HANDLERS: dict[tuple[str, str], Handler] = {
    ("iam", "SimulatePrincipalPolicy"): iam_simulate.simulate_principal_policy,
    ("cloudtrail", "LookupEvents"): cloudtrail_events.lookup_events,
    ("ce", "GetCostAndUsage"): cost.get_cost_and_usage,
    ("ce", "GetReservationPurchaseRecommendation"): cost.get_reservation_purchase_recommendation,
    ("guardduty", "ListFindings"): guardduty_findings.list_findings,
    ("guardduty", "GetFindings"): guardduty_findings.get_findings,
    ("lambda", "PutProvisionedConcurrencyConfig"): lambda_provisioned.put_provisioned_concurrency_config,
    ("lambda", "GetProvisionedConcurrencyConfig"): lambda_provisioned.get_provisioned_concurrency_config,
    ("health", "DescribeEvents"): health_events.describe_events,
}
#: REST operations: (service, method, path pattern) -> operation, with the URI's parameters.
REST_ROUTES: tuple[tuple[str, str, re.Pattern[str], str], ...] = (
    ("guardduty", "POST", re.compile(r"^/detector/(?P<DetectorId>[^/]+)/findings/?$"), "ListFindings"),
    ("guardduty", "POST", re.compile(r"^/detector/(?P<DetectorId>[^/]+)/findings/get/?$"), "GetFindings"),
    ("lambda", "PUT", re.compile(r"^/2019-09-30/functions/(?P<FunctionName>[^/]+)/provisioned-concurrency/?$"),
     "PutProvisionedConcurrencyConfig"),
    ("lambda", "GET", re.compile(r"^/2019-09-30/functions/(?P<FunctionName>[^/]+)/provisioned-concurrency/?$"),
     "GetProvisionedConcurrencyConfig"),
)

_log = logging.getLogger(__name__)


class EstateAnswers:
    """WSGI middleware: answer :data:`HANDLERS`' operations, pass everything else to ``app``."""

    def __init__(self, app: WsgiApp, log: RequestLog, clients: Callable[[str, str], Any],
                 world_now: Callable[[], float], outages: Any = None) -> None:
        self.app = app
        self.outages = outages  # wsgi_outage.Outages, for AWS Health
        self.log = log
        self.clients = clients
        self.world_now = world_now
        self.store: dict[str, Any] = {}  # handlers' state (provisioned concurrency configs), this estate's

    def route(self, environ: dict[str, Any]) -> tuple[str, str, dict[str, str]] | None:
        service, _ = credential_scope(environ)
        operation = operation_of(environ)
        if (service, operation) in HANDLERS:
            return service, operation, {}
        method, path = environ.get("REQUEST_METHOD", "GET").upper(), environ.get("PATH_INFO", "") or "/"
        for route_service, route_method, pattern, name in REST_ROUTES:
            match = pattern.match(path)
            if route_service == service and route_method == method and match:
                return service, name, match.groupdict()
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        routed = self.route(environ)
        if routed is None:
            return self.app(environ, start_response)
        service, operation, url_params = routed
        _, region = credential_scope(environ)
        call = Call(region=region or "us-east-1", access_key=access_key_of(environ), clients=self.clients,
                    log=self.log, world_now=self.world_now, store=self.store, outages=self.outages)
        cbor = protocol.is_cbor(environ)
        try:
            params = protocol.parse(environ, service, operation, url_params)
            result = HANDLERS[(service, operation)](params, call)
            status, headers, body = protocol.serialize(service, operation, result, cbor=cbor)
        except protocol.AnswerError as exc:
            return protocol.error(start_response, service, exc, cbor=cbor)
        except Exception as exc:  # noqa: BLE001 - one clear AWS error, never a traceback page
            _log.exception("the estate failed to answer %s %s", service, operation)
            return protocol.error(start_response, service,
                                  protocol.AnswerError(500, "InternalFailure", f"{operation}: {exc}"), cbor=cbor)
        return protocol.answer(start_response, status, headers, body)
