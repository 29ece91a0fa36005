"""URL templates: each ``{{ expression }}`` is encoded for the part of the URL it fills.

Rendering a URL as plain text would let a value move the request: a ``school_id`` of
``../admin``, ``x?debug=1`` or ``x#`` reaches another path, adds a query or cuts the URL
short. So a URL template is read as literal text and substitutions, and each substitution is
encoded by where it stands (the literal text before it decides):

* at the very start: a **base URL** (``{{ params.base_url }}/schools``) or the whole URL
  (``{{ steps.presign.outputs.url }}``). It must be an ``http(s)://`` URL; a base followed by
  more text may not carry a query or fragment (the text after it would land inside them).
* in the **host** (``https://{{ params.host }}/v1``): only a host name or address, with an
  optional port; anything else is refused.
* in the **path**: one segment's worth, percent-encoded with ``quote(safe='')``, so ``/``,
  ``?``, ``#`` and ``%`` are data (``%2e%2e`` arrives as ``%252e%252e``); a value that is
  ``.``, ``..`` or empty would name another path and is refused.
* in the **query** or **fragment**: encoded as a value (``&``, ``=``, ``#`` and ``+`` too).
* in the scheme: refused when the playbook is validated.

The engine sends the result as it is (``yarl.URL(url, encoded=True)``): re-quoting would
decode ``%2E%2E`` back into ``..`` and normalise the path away. Previews render the same way,
so ``cockpit playbook show`` prints the URL the engine will request.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from cockpit.content import templating

_EXPR = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                   r"|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_BASE = re.compile(r"^https?://[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
#: Characters the author's literal text keeps as written (reserved ones and existing %-escapes).
_LITERAL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_BASE_STAND_IN = "http://base"  # what a leading base URL counts as when placing what follows


class UrlError(ValueError):
    """A value that cannot be placed where the URL template puts it."""


def parts(source: str) -> list[tuple[str, bool]]:
    """``(text, is_expression)`` pieces of a URL template, in order."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _EXPR.finditer(source):
        if m.start() > pos:
            out.append((source[pos:m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(source):
        out.append((source[pos:], False))
    return out


def component(before: str) -> str:
    """Which part of the URL a substitution after the text ``before`` fills."""
    if before == "":
        return "base"
    if "://" not in before:
        return "scheme"
    rest = before.split("://", 1)[1]
    if "#" in rest:
        return "fragment"
    if "?" in rest:
        return "query"
    if "/" in rest:
        return "path"
    return "host"


def problem(source: str) -> str | None:
    """What is wrong with a URL template as written, or None (checked when a playbook is validated)."""
    if "{%" in source or "{#" in source:
        return "a URL may hold only {{ expressions }}, not {% blocks %} or {# comments #}"
    before = ""
    for text, is_expr in parts(source):
        if is_expr and component(before) == "scheme":
            return "a template may not fill the URL's scheme: write http:// or https:// literally"
        before += _BASE_STAND_IN if is_expr and before == "" else "x" if is_expr else text
    return None


def _encode(value: Any, where: str, expr: str, whole: bool, last: bool) -> str:
    if isinstance(value, templating.Placeholder):
        return str(value)  # a preview: shows where the value will come from
    text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    name = "{{" + expr + "}}"
    if where == "base":
        if not _BASE.match(text):
            raise UrlError(f"{name} must be an http(s) URL, not {text!r}")
        if not last and ("?" in text or "#" in text):
            raise UrlError(f"{name} is a base URL with a query or fragment ({text!r}): the rest of the URL "
                           "would land inside it")
        return quote(text, safe=_LITERAL_SAFE)
    if where == "host":
        if not _HOST.match(text):
            raise UrlError(f"{name} fills the URL's host and must be a host name or address, not {text!r}")
        return text
    if where == "path" and whole and text in ("", ".", ".."):
        raise UrlError(f"{name} fills a path segment and may not be {text!r}: that names another path")
    if where == "scheme":
        raise UrlError(f"{name} may not fill the URL's scheme")
    return quote(text, safe="")


def render_url(source: str, context: dict[str, Any]) -> str:
    """The URL, every substitution encoded for its part; raises template errors and UrlError."""
    if "{%" in source or "{#" in source:
        raise UrlError("a URL may hold only {{ expressions }}, not {% blocks %}")
    pieces = parts(source)
    built = shape = ""  # shape: built, with a preview's placeholder base standing in as a URL
    for k, (text, is_expr) in enumerate(pieces):
        if not is_expr:
            built += quote(text, safe=_LITERAL_SAFE)
            shape += quote(text, safe=_LITERAL_SAFE)
            continue
        value = templating.evaluate(text, context)
        if isinstance(value, templating.Undefined):
            str(value)  # raises for StrictUndefined
        following = pieces[k + 1][0] if k + 1 < len(pieces) and not pieces[k + 1][1] else ""
        whole = built.endswith("/") and (following == "" or following[0] in "/?#")
        encoded = _encode(value, component(shape), text, whole, last=k == len(pieces) - 1)
        built += encoded
        shape += _BASE_STAND_IN if shape == "" and isinstance(value, templating.Placeholder) else encoded
    return built


def preview_url(source: str, context: dict[str, Any]) -> str:
    """Like :func:`render_url`, but never fails: what cannot be rendered yet is shown as written."""
    try:
        return render_url(source, context)
    except (templating.TemplateError, UrlError, TypeError, ValueError, LookupError, AttributeError):
        return source
