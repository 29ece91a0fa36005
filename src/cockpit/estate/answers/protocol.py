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
from botocore.model import ShapeResolver as _ShapeResolver
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
    if is_cbor(environ):
        return _cbor_decode(body)
    parser = PROTOCOL_PARSERS[_protocol(model)](model.operation_model(operation))
    return dict(parser.parse({"method": request.method, "values": request.values, "headers": request.headers,
                              "body": body, "url_path": request.path, "url_params": url_params}))


def _dump(body: str | bytes) -> bytes:
    return body.encode() if isinstance(body, str) else body


def is_cbor(environ: dict[str, Any]) -> bool:
    """Whether the request speaks smithy rpc-v2-cbor (botocore >= 1.40 for AWS Health, CloudWatch...)."""
    return environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor"


def _protocol(model: ServiceModel) -> str:
    """The protocol moto can parse and write for a non-CBOR request: a service whose model
    prefers rpc-v2-cbor (AWS Health) also speaks JSON, which is what aiobotocore sends."""
    protocols = model.metadata.get("protocols") or [model.protocol]
    if model.protocol == "smithy-rpc-v2-cbor" and "json" in protocols:
        return "json"
    return model.protocol


def _cbor_decode(body: bytes) -> dict[str, Any]:
    """A CBOR request body as plain values (botocore's own CBOR reader; no new dependency)."""
    from botocore.parsers import RpcV2CBORParser

    if not body:
        return {}
    parser = RpcV2CBORParser()
    value = parser.parse_data_item(parser.get_peekable_stream_from_bytes(body))
    return dict(value) if isinstance(value, dict) else {}


def _cbor_encode(value: dict[str, Any], shape: Any) -> bytes:
    """``value`` as CBOR, shaped by ``shape`` (botocore's own CBOR writer)."""
    from botocore.serialize import RpcV2CBORSerializer

    body = bytearray()
    RpcV2CBORSerializer()._serialize_data_item(body, value, shape)
    return bytes(body)


_CBOR_HEADERS = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}


def serialize(service: str, operation: str, result: dict[str, Any],
              cbor: bool = False) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a successful answer, shaped by the operation's output model
    (in CBOR when the request was: ``cbor``)."""
    from moto.core.serialize import XFormedAttributePicker, get_serializer_class

    model = service_model(service)
    op: OperationModel = model.operation_model(operation)
    if cbor:
        body = _cbor_encode(result, op.output_shape)
        return 200, {**_CBOR_HEADERS, "Content-Length": str(len(body))}, body
    serializer = get_serializer_class(model.service_name, _protocol(model))(
        operation_model=op, value_picker=XFormedAttributePicker())
    out = serializer.serialize(result)
    body = _dump(out["body"])
    headers = {str(k): str(v) for k, v in out["headers"].items()}
    headers["Content-Length"] = str(len(body))
    return int(out["status_code"]), headers, body


def answer(start_response: Any, status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    start_response(f"{status} OK", list(headers.items()))
    return [body]


def error(start_response: Any, service: str, exc: AnswerError, cbor: bool = False) -> list[bytes]:
    """An error botocore parses into ``Error.Code`` / ``Error.Message`` for this protocol."""
    protocol = _protocol(service_model(service))
    if cbor:
        from botocore.model import StructureShape

        shape = StructureShape("Error", {"type": "structure", "members": {
            "__type": {"shape": "String"}, "message": {"shape": "String"}}},
            _ShapeResolver({"String": {"type": "string"}}))
        body = _cbor_encode({"__type": exc.code, "message": exc.message}, shape)
        headers = list(_CBOR_HEADERS.items())
    elif protocol in ("json", "rest-json"):
        body = json.dumps({"__type": exc.code, "message": exc.message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", exc.code)]
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(exc.code)}</Code>"
                f"<Message>{escape(exc.message)}</Message></Error></ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml")]
    start_response(f"{exc.status} Error", [*headers, ("Content-Length", str(len(body)))])
    return [body]
