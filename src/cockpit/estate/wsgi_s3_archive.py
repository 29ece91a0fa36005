"""An archived S3 object's metadata stays readable, as in AWS.

S3 refuses to *read the data* of an object in GLACIER or DEEP_ARCHIVE until it is restored
(``GetObject``: 403 ``InvalidObjectState``), but its tags, ACL, legal hold and retention
are metadata and are answered at once. moto 5.2 refuses all of them alike (its
``_get_key`` checks the storage class for every caller), so seed 000's diagnostic
``aws s3api get-object-tagging --key archive/2024/compliance_report.pdf`` failed on the
seeded GLACIER report. This middleware hands those object sub-resource GETs to a
subclass of moto's ``S3Response`` that checks the storage class only where S3 does;
everything else goes on to moto unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

from cockpit.estate.wsgi_counter import WsgiApp, credential_scope

#: Object sub-resources that are metadata: S3 answers them for archived objects too.
METADATA_SUBRESOURCES = frozenset({"tagging", "acl", "legal-hold", "retention"})


def is_object_metadata_read(environ: dict[str, Any]) -> bool:
    """A path-style ``GET /bucket/key?tagging`` (or acl, legal-hold, retention) to S3."""
    if environ.get("REQUEST_METHOD") != "GET" or credential_scope(environ)[0] != "s3":
        return False
    parts = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)
    if len(parts) < 2 or not parts[1]:
        return False  # a bucket's own ?acl / ?tagging: moto answers those right
    query = {k for k, _ in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)}
    return bool(query & METADATA_SUBRESOURCES)


class ArchivedObjectMetadata:
    """Wrap moto's WSGI app; answer metadata reads of archived objects as S3 does."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._response_cls: type | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not is_object_metadata_read(environ):
            return self.app(environ, start_response)
        from moto.moto_server.werkzeug_app import BackendRequest

        if self._response_cls is None:
            self._response_cls = _response_class()
        request = BackendRequest(environ)
        status, headers, body = self._response_cls.key_dispatch(request, request.url, request.headers)
        return Response(body, status=int(status), headers={k: str(v) for k, v in headers.items()
                                                           if k.lower() not in ("status", "content-length")})(
            environ, start_response)


def _response_class() -> type:
    from moto.s3.responses import S3Response

    class MetadataS3Response(S3Response):  # type: ignore[misc, valid-type]
        """moto's S3 answers, reading an archived object's key without the storage-class check."""

        def _get_key(self, validate_storage_class: bool = True) -> Any:
            return super()._get_key(validate_storage_class=False)

    return MetadataS3Response
