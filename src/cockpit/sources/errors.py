"""Turn any failure of a provider call into a :class:`SourceError` a responder can act on.

The classes come from three client libraries (botocore, aiohttp, kubernetes-asyncio) and
from the sources' own Kubernetes reader (:class:`KubeConfigError`, :class:`KubeApiError`,
stdlib ``http.client`` and ``ssl``). None of the libraries is imported here for its own sake: botocore inside :func:`classify` (importing the sources
package stays cheap, the UI paints its first frame before the heavy clients load), aiohttp and
kubernetes-asyncio only if they are already loaded — an exception of theirs cannot exist
otherwise, and ``cockpit status`` on an AWS-only screen never loads them.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import sys

from cockpit.sources.snapshot import ErrorKind, SourceError

#: The caller may not call the operation at all (IAM): asking again will not help.
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_CREDENTIAL_CODES = _DENIED_CODES | {
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
    "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
    "AuthFailure", "InvalidAccessKeyId", "MissingAuthenticationToken",
}
#: The endpoint does not have the operation (an emulator, a partial implementation).
_NOT_IMPLEMENTED_CODES = {
    "NotImplemented", "NotImplementedException", "InvalidAction", "UnknownOperationException",
    "UnsupportedOperation", "UnsupportedOperationException",
}
_THROTTLE_CODES = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
    "TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
    "ProvisionedThroughputExceededException", "SlowDown", "LimitExceededException",
}


def _short(text: object, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def classify(exc: BaseException) -> SourceError:
    """A one-line, classified description of ``exc``."""
    import botocore.exceptions as bex
    from botocore.parsers import ResponseParserError

    aiohttp = sys.modules.get("aiohttp")
    aio_timeout = (aiohttp.ServerTimeoutError,) if aiohttp else ()
    aio_unreachable = (aiohttp.ClientConnectionError,) if aiohttp else ()
    aio_malformed = (aiohttp.ContentTypeError,) if aiohttp else ()
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, bex.ConnectTimeoutError, bex.ReadTimeoutError,
                        *aio_timeout)):
        return SourceError(ErrorKind.TIMEOUT, _short(exc) or "no answer within the timeout")
    if isinstance(exc, bex.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = _short(f"{code}: {err.get('Message', '')}".strip(": "))
        if code in _THROTTLE_CODES or status == 429:
            return SourceError(ErrorKind.THROTTLED, message)
        if code in _CREDENTIAL_CODES or status in (401, 403):
            return SourceError(ErrorKind.CREDENTIALS, message)
        if status is not None and status >= 500 and not code:
            return SourceError(ErrorKind.MALFORMED, message or f"HTTP {status}")
        return SourceError(ErrorKind.ERROR, message or f"HTTP {status}")
    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError, bex.TokenRetrievalError,
                        bex.CredentialRetrievalError, bex.UnauthorizedSSOTokenError)):
        return SourceError(ErrorKind.CREDENTIALS, _short(exc))
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectionClosedError, bex.ProxyConnectionError,
                        bex.SSLError, *aio_unreachable, ConnectionError)):
        return SourceError(ErrorKind.UNREACHABLE, _short(exc))
    if isinstance(exc, MalformedAnswer):
        return SourceError(ErrorKind.MALFORMED, _short(exc))
    if isinstance(exc, (ResponseParserError, json.JSONDecodeError, *aio_malformed, UnicodeDecodeError,
                        http.client.HTTPException)):
        return SourceError(ErrorKind.MALFORMED, _short(exc))
    if isinstance(exc, (bex.NoRegionError, bex.ProfileNotFound, bex.InvalidEndpointConfigurationError)):
        return SourceError(ErrorKind.CONFIG, _short(exc))
    if isinstance(exc, KubeConfigError):
        return SourceError(ErrorKind.CONFIG, _short(exc))
    if isinstance(exc, KubeApiError):
        message = _short(f"HTTP {exc.status} {exc.reason}".strip() + (f": {exc.message}" if exc.message else ""))
        if exc.status in (401, 403):
            return SourceError(ErrorKind.CREDENTIALS, message)
        if exc.status == 429:
            return SourceError(ErrorKind.THROTTLED, message)
        return SourceError(ErrorKind.ERROR, message)
    k8s = _classify_kubernetes(exc)
    if k8s is not None:
        return k8s
    if isinstance(exc, OSError):
        return SourceError(ErrorKind.UNREACHABLE, _short(exc))
    if isinstance(exc, (KeyError, TypeError, ValueError, AttributeError, IndexError)):
        # Raised while reading an answer that lacks what every real answer has.
        return SourceError(ErrorKind.MALFORMED, _short(f"{type(exc).__name__}: {exc}"))
    return SourceError(ErrorKind.ERROR, _short(f"{type(exc).__name__}: {exc}"))


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says that the AWS operation is not available to this caller, so that
    asking again cannot help: access denied, or an endpoint that does not implement it
    (one of :data:`_NOT_IMPLEMENTED_CODES`, or a 501: the estate's answer for what moto lacks).

    Anything else may pass and is worth asking again: throttling, a 5xx (plain moto's server
    answers an operation it lacks with a bare HTML 500, which looks like any passing 500),
    a timeout, expired credentials that the chain renews.
    """
    import botocore.exceptions as bex

    if not isinstance(exc, bex.ClientError):
        return False
    err = exc.response.get("Error", {})
    code = str(err.get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _DENIED_CODES or "not authorized" in str(err.get("Message", "")).lower():
        return True
    return code in _NOT_IMPLEMENTED_CODES or status == 501


def _classify_kubernetes(exc: BaseException) -> SourceError | None:
    if "kubernetes_asyncio" not in sys.modules:
        return None
    from kubernetes_asyncio.client.exceptions import ApiException
    from kubernetes_asyncio.config import ConfigException

    if isinstance(exc, ConfigException):
        return SourceError(ErrorKind.CONFIG, _short(exc))
    if isinstance(exc, ApiException):
        message = _short(f"HTTP {exc.status} {exc.reason or ''}".strip())
        if exc.status in (401, 403):
            return SourceError(ErrorKind.CREDENTIALS, message)
        if exc.status == 429:
            return SourceError(ErrorKind.THROTTLED, message)
        return SourceError(ErrorKind.ERROR, message)
    return None


class KubeConfigError(Exception):
    """The kubeconfig cannot give a way to the cluster (no file, no context, a bad plugin)."""


class KubeApiError(Exception):
    """The API server answered, but not 2xx."""

    def __init__(self, status: int, reason: str, message: str = "") -> None:
        super().__init__(f"HTTP {status} {reason}".strip() + (f": {message}" if message else ""))
        self.status, self.reason, self.message = status, reason, message


class MalformedAnswer(ValueError):
    """A provider answered 200 with something that is not the answer (a proxy page, garbage).

    botocore's parsers are lenient: an unreadable JSON body parses as an empty answer. Without
    this check "no alarms" and "could not read the alarms" would look the same.
    """


def require(answer: dict, key: str, operation: str) -> object:
    """``answer[key]``, or MalformedAnswer naming the operation."""
    if not isinstance(answer, dict) or key not in answer:
        raise MalformedAnswer(f"{operation}: the answer has no {key}")
    return answer[key]
