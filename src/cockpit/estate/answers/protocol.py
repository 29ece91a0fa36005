"""Read an AWS request and write its answer in the request's own protocol.

moto 5.2 already carries botocore-model-driven parsers and serializers for every protocol
(``moto.core.parse``, ``moto.core.serialize``); we use them rather than hand-writing XML or
JSON, so an answer is shaped exactly as the SDK's model says (timestamps, lists, maps).
Errors are written per protocol family the way botocore reads them.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import OperationModel, ServiceModel
from werkzeug.wrappers import Request


class AnswerError(Exception):
    """An AWS error to send back: HTTP status, error code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def service_model(service: str) -> ServiceModel:
    """The service's model as moto's parsers and serializers want it (moto's own shape classes,
    decoded once per process by moto's cache, and only when the estate first answers it)."""
    from moto.core.utils import get_service_model

    return get_service_model(service)


def parse(environ: dict[str, Any], service: str, operation: str, url_params: dict[str, str]) -> dict[str, Any]:
    """The request's parameters as botocore names them (``{"ActionNames": [...], ...}``)."""
    from moto.core.parse import PROTOCOL_PARSERS

    model = service_model(service)
    request = Request(environ)
    body = request.get_data(cache=True)
    parser = PROTOCOL_PARSERS[model.protocol](model.operation_model(operation))
    return dict(parser.parse({"method": request.method, "values": request.values, "headers": request.headers,
                              "body": body, "url_path": request.path, "url_params": url_params}))


def _dump(body: str | bytes) -> bytes:
    return body.encode() if isinstance(body, str) else body


def serialize(service: str, operation: str, result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a successful answer, shaped by the operation's output model."""
    from moto.core.serialize import XFormedAttributePicker, get_serializer_class

    model = service_model(service)
    op: OperationModel = model.operation_model(operation)
    serializer = get_serializer_class(model.service_name, model.protocol)(
        operation_model=op, value_picker=XFormedAttributePicker())
    out = serializer.serialize(result)
    body = _dump(out["body"])
    headers = {str(k): str(v) for k, v in out["headers"].items()}
    headers["Content-Length"] = str(len(body))
    return int(out["status_code"]), headers, body


def answer(start_response: Any, status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    start_response(f"{status} OK", list(headers.items()))
    return [body]


def error(start_response: Any, service: str, exc: AnswerError) -> list[bytes]:
    """An error botocore parses into ``Error.Code`` / ``Error.Message`` for this protocol."""
    protocol = service_model(service).protocol
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": exc.code, "message": exc.message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", exc.code)]
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(exc.code)}</Code>"
                f"<Message>{escape(exc.message)}</Message></Error></ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml")]
    start_response(f"{exc.status} Error", [*headers, ("Content-Length", str(len(body)))])
    return [body]
