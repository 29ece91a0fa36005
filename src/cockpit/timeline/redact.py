"""Redaction of secrets before anything reaches the timeline file.

The timeline is copied into postmortems, tickets and chat; a secret that reaches it has
leaked. So the store redacts *inside* ``append`` (and for titles, run parameters, step
outputs and errors, and imports): no caller can forget. Redaction errs on the side of
over-redacting where a label says "secret" (a note that says ``token: expired`` loses the
word ``expired``; that is the price of never writing ``token: ghp_…``), but not where
nothing does: an SRE must still read bucket names, ARNs, request ids, pod names and commit
SHAs, so unlabelled text is redacted only when it has the *shape* of a credential.

Three mechanisms:

* **detectors over the text** (``_detectors()``), one per kind of secret: PEM private keys
  (BEGIN to END, whole, across lines), passwords in URLs, webhook URLs whose path is the
  secret (Slack, Discord, Teams), signed query parameters, labelled secrets
  (``aws_secret_access_key = …``, ``"password": "…"``, ``AccountKey=…``,
  ``client-key-data: …``, ``routing_key``), secret command-line flags (``--password V``),
  bearer and basic credentials, vendor tokens with a fixed prefix (AWS key ids, GitHub,
  GitLab, Slack, Stripe, OpenAI-style ``sk-``, GCP ``AIza``, JWTs, Azure client secrets),
  and last any long token that *looks* random (:func:`_looks_random`: mixed upper, lower
  and digits, enough entropy — a bare AWS secret key, say). The secret spans they find are
  merged and each replaced by MARK, keeping the label, scheme or host around it.
  Linear time: CPython's ``re`` tries every branch of an alternation at every position
  (one alternation of all of these backtracked for seconds on a large output), so each detector starts with a
  literal that ``re`` finds by fast substring search, runs only when that literal occurs
  at all, bounds (or makes possessive) every repetition before anything that can fail,
  and never nests quantifiers over the same characters (figures:
  ``bench/bench_redaction.py``, docs/performance.md). Patterns compile on first use, not at import.
* **literals** the caller knows are secret (the configured webhook URL, a run's secret
  parameters);
* **keys in structures** — the value of any dict key named like password/secret/token/
  api_key/authorization/credential is replaced whole, recursively.

Lists of strings (a step's preview lines, say) are scanned as *one* text, their elements
joined by newlines, and the redactions mapped back onto the elements: a PEM key split over
preview lines is removed whole, not just its BEGIN line.

What is deliberately left readable (the trade-off): lower-case names (buckets, pods,
hosts), hex strings of any length (commit SHAs, digests, md5 ETags, UUIDs, request ids),
ARNs (``:`` splits them into short parts), CamelCase-with-dashes identifiers whose parts
are short (CloudFormation physical ids), ``*_arn``/``*_id``/``*_name``/``*_file``
labels (``secret_arn=…``, ``token_ttl: 3600``), and base64 digests under a digest label
(``CodeSha256``, ``ChecksumSHA256``, ``ContentMD5``, ``…Digest``: a dict key, or the label
just before the token in text). Those look random, as a secret does, but a resumed run
compares them (``lambda-rollback``: "the code changed") and must read the real value. The price: a 32-hex PagerDuty routing key
with no label in front of it is indistinguishable from an md5 and is not redacted; with
its label (``routing_key``, ``--routing-key``) it is.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

MARK = "[REDACTED]"

# Words that make the value after them secret (dict keys; text labels use _LABELS below).
_KEY_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|authori[sz]ation|credential|signature|cookie|dsn|"
    r"connection[_\-.]?string|webhook[_\-.]?url|key[_\-.]?data|"
    r"(?:access|secret|private|api|routing|integration|service|account|client|signing|encryption|master|"
    r"session|auth|app|shared[_\-.]?access|storage)[_\-.]?key"
)
_SECRET_KEY = re.compile(_KEY_WORDS, re.IGNORECASE)

# A label that names something *about* a secret, not the secret: ``secret_arn``,
# ``token_ttl``, ``password_expiry``, ``--token-file``. Their values stay readable.
_ABOUT = re.compile(r"[_\-.]?(?:arn|ids?|names?|files?|path|ref|ttl|type|expir\w*|age|count|len(?:gth)?|"
                    r"rotation\w*|version|policy|header|url|endpoint|region|store|provider)$",
                    re.IGNORECASE)
# What may follow a label word and still be the same label: nothing, a plural, a separator
# or digit (``password_2``), or another secret word (``SecretAccessKey``) — not ``secretary``,
# ``tokenizer`` or ``passive``.
_LABEL_TAIL = re.compile(r"(?:e?s)?(?:$|[_\-.0-9])|.*(?:key|token|secret|password)", re.IGNORECASE)
# ``key`` alone is too common ("key: storage-config"); a secret key has one of these before it.
_KEY_PREFIX = re.compile(r"(?:access|secret|private|api|routing|integration|service|account|client|signing|"
                         r"encryption|master|session|auth|app|shared[_\-.]?access|storage)[_\-.]?$")

_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # keeps every offset
_STOP = r"\s\"'<>)\]"  # where a URL path ends
# A labelled value: quoted (also JSON-escaped, \"…\", as in a preview of JSON params), or a word.
_VALUE = (r"(?:\\?\"(?P<q1>[^\"\r\n]{1,1024}+)|\\?'(?P<q2>[^'\r\n]{1,1024}+)|(?P<v>[^\s\"',;&<>]++))")

# Label words (lower case) and how each may be completed: ``pass`` → password, passwd…
_LABELS = {
    "pass": r"(?:word|wd|phrase)?", "pwd": "", "secret": "", "token": "", "authori": r"[sz]ation",
    "credential": "", "signature": "", "cookie": "", "dsn": "", "connection": r"[_\-.]?string",
    "webhook": r"[_\-.]?url", "key": "",
}


class _Detector:
    """One kind of secret: a pattern that starts with a literal (so the regex engine finds
    its candidates with a fast substring search, not by trying every position), the
    substring that must occur for it to run at all, and the group holding the secret."""

    __slots__ = ("name", "trigger", "source", "pattern", "original")

    def __init__(self, name: str, trigger: str, pattern: str, original: bool = False) -> None:
        self.name, self.trigger, self.source = name, trigger, pattern
        self.pattern: re.Pattern[str] | None = None
        self.original = original  # scans the text as it is (its shape includes case), not lower-cased

    def compiled(self) -> re.Pattern[str]:
        if self.pattern is None:  # compiled on first use: nothing of this at start-up
            self.pattern = re.compile(self.source)
        return self.pattern


def _detectors() -> list[_Detector]:
    d = [
        # PEM private keys, whole: BEGIN to END (or to the end of the text when cut short).
        _Detector("pem", "-----begin", r"-----begin[a-z0-9 ]{0,40}private key(?: block)?-----(?P<s>(?s:.*?))"
                  r"(?=-----end[a-z0-9 ]{0,40}private key(?: block)?-----|\Z)"),
        # scheme://user:password@host; the password runs to the last '@' (see _secret_span).
        _Detector("url", "://", r"://[^\s/:@\"'<>]{0,256}+:(?P<s>[^\s/\"'<>]{1,256}+)"),
        # Webhook URLs whose path is the credential (Slack, Discord, Teams).
        _Detector("hook", "hooks.slack.com/", rf"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[^{_STOP}]++)"),
        _Detector("hook", "discord", rf"discord(?:app)?\.com/api/webhooks/(?P<s>[^{_STOP}]++)"),
        _Detector("hook", "webhook.office.com/", rf"webhook\.office\.com/(?P<s>[^{_STOP}]++)"),
        _Detector("hook", "outlook.office", rf"outlook\.office(?:365)?\.com/webhook/(?P<s>[^{_STOP}]++)"),
        # Signed or keyed query parameters: Azure SAS ?sig=, Functions ?code=, ?key=.
        _Detector("query", "=", r"=(?:(?<=[?&]sig=)|(?<=[?&]key=)|(?<=[?&]code=))(?P<s>[^&\s\"'<>#]++)"),
        # --password VALUE, --token=VALUE (-p is too short to tell from other flags).
        _Detector("flag", "--", r"--(?<![^\\][a-z0-9_\-]--)(?P<l>[a-z0-9\-_]{1,60}+)(?:=|[ \t]{1,4})"
                  r"(?P<s>\"[^\"\r\n]{1,1024}+\"|'[^'\r\n]{1,1024}+'|[^\s\"',;&<>\-][^\s\"',;&<>]*+)"),
        # Authorization schemes anywhere in text.
        _Detector("bearer", "bearer", r"bearer(?<![^\\][a-z0-9]bearer)[ \t]{1,4}(?P<s>[a-z0-9\-._~+/]{8,}+=*)"),
        _Detector("basic", "basic", r"basic(?<![^\\][a-z0-9]basic)[ \t]{1,4}(?P<s>[a-z0-9+/]{8,}+={0,2})"),
        # Vendor tokens with a fixed shape.
        _Detector("akid", "A", r"(?P<s>A(?:KIA|SIA|BIA|CCA|IDA|ROA|IPA|NPA|NVA|GPA|3T[A-Z0-9])[A-Z0-9]{16,}+)",
                  original=True),
        _Detector("slack", "xox", r"(?P<s>xox[abposre]-[a-z0-9\-]{8,}+)"),
        _Detector("slack", "xapp-", r"(?P<s>xapp-[0-9]-[a-z0-9\-]{8,}+)"),
        _Detector("github", "gh", r"(?P<s>gh(?:[pousr]_[a-z0-9]{20,}+|ithub_pat_[a-z0-9_]{20,}+))"),
        _Detector("gitlab", "gl", r"(?P<s>gl(?:pat|ptt|dt|rt|cbt|oas|soat|imt|ft|agent)-[a-z0-9_\-]{20,}+)"),
        _Detector("gitlab", "gr1348941", r"(?P<s>gr1348941[a-z0-9_\-]{20,}+)"),
        _Detector("npm", "npm_", r"(?P<s>npm_[a-z0-9]{36,}+)"),
        _Detector("pypi", "pypi-age", r"(?P<s>pypi-age[a-z0-9_\-]{50,}+)"),
        _Detector("stripe", "k_", r"(?P<s>[sr]k_(?:live|test)_[a-z0-9]{10,}+)"),
        _Detector("stripe", "whsec_", r"(?P<s>whsec_[a-z0-9]{20,}+)"),
        _Detector("sk", "sk-", r"(?P<s>sk-(?<![^\\][a-z0-9_\-]sk-)[a-z0-9_\-]{20,}+)"),
        _Detector("gcp", "AIza", r"(?P<s>AIza[A-Za-z0-9_\-]{35})", original=True),
        _Detector("jwt", "eyJ", r"(?P<s>eyJ(?<![^\\][A-Za-z0-9_\-]eyJ)[A-Za-z0-9_\-]{8,}+\.[A-Za-z0-9_\-]{4,}+\."
                  r"[A-Za-z0-9_\-]*+)", original=True),
        # Azure AD client secrets: three characters, a digit, Q~, then 31 or more.
        _Detector("azure", "Q~", r"Q~(?<=[A-Za-z0-9_~.\-]{3}[0-9]Q~)(?P<s>[A-Za-z0-9_~.\-]{31,}+)", original=True),
    ]
    # label = value, label: value, "label": "value" (X-Amz-Security-Token=…, AccountKey=…).
    for word, completion in _LABELS.items():
        d.append(_Detector("label", word, rf"{word}(?P<k>{completion})(?P<x>[a-z0-9_\-.]{{0,40}}+)(?:\\?[\"']){{0,2}}"
                           rf"[ \t]{{0,4}}[:=][ \t]{{0,4}}(?:(?:bearer|basic|token|aws4-hmac-sha256)[ \t]{{1,4}})?"
                           rf"{_VALUE}"))
    return d


_DETECTORS = _detectors()
_TOK = r"A-Za-z0-9+/_\-"  # characters of a base64/base64url token
_RANDOM = re.compile(rf"(?<![{_TOK}])[{_TOK}]{{20,}}+={{0,2}}(?![{_TOK}])")  # over the original text
_HAS_UPPER, _HAS_LOWER, _HAS_DIGIT = re.compile("[A-Z]"), re.compile("[a-z]"), re.compile("[0-9]")
_BASE64ISH = re.compile(r"[+/]")
_NAME_SEP = re.compile(r"[-_]")
_WORDISH = re.compile(r"[a-z]{3,}")
# A label naming a digest of content (not a secret): its base64 value stays readable.
_DIGEST_KEY = re.compile(r"(?:sha-?(?:1|224|256|384|512)|md5|crc32c?|crc64nvme|digest|checksum)$", re.IGNORECASE)
# The same label right before a token in text: ``"CodeSha256": "…"``, ``sha256=…``.
_DIGEST_BEFORE = re.compile(r"(?:sha-?(?:1|224|256|384|512)|md5|crc32c?|crc64nvme|digest|checksum)"
                            r"[\\\"']{0,2}[ \t]{0,4}[:=][ \t]{0,4}[\\\"']{0,2}$", re.IGNORECASE)


def _looks_random(token: str) -> bool:
    """A credential-shaped token: upper, lower and digits mixed, random-looking, 20+ long.

    Hex (SHAs, digests, UUIDs), lower-case names and upper-case ids never qualify; nor do
    tokens made mostly of lower-case runs (words: URL paths, CamelCase names). A name of
    ``-``/``_``-separated parts (``my-stack-MyBucketF68F3FF0-1J2K3L4M5N6O``) is judged by
    its longest part, unless it has ``+`` or ``/`` (then it is base64, judged whole).
    """
    if not (_HAS_UPPER.search(token) and _HAS_LOWER.search(token)):
        return False  # the common case (hex, names, ids), decided before anything costlier
    part = token.rstrip("=")
    if not _BASE64ISH.search(part) and _NAME_SEP.search(part):
        part = max(_NAME_SEP.split(part), key=len)
    n = len(part)
    if n < 20 or not (_HAS_UPPER.search(part) and _HAS_LOWER.search(part) and _HAS_DIGIT.search(part)):
        return False
    if sum(map(len, _WORDISH.findall(part))) * 2 > n:
        return False  # mostly runs of lower-case letters: words, not randomness
    # A random base64 string of n characters has entropy near log2(n); words fall short.
    sample = part[:256]
    n = len(sample)
    entropy = -sum(c / n * math.log2(c / n) for c in Counter(sample).values())
    return entropy >= min(4.0, 0.78 * math.log2(n))


def _is_basic_credential(token: str) -> bool:
    """``Basic X`` is a credential when X decodes to ``user:password`` (not "basic troubleshooting")."""
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in raw


def _is_label(word: str, m: re.Match[str], low: str) -> bool:
    """Whether the label found by a ``label``/``flag`` detector names a secret."""
    tail = m.group("x")
    if _ABOUT.match(tail) or not _LABEL_TAIL.match(tail):
        return False
    if word == "key":
        start = m.start()
        return bool(_KEY_PREFIX.search(low, max(0, start - 20), start)) or tail.lstrip("_-.").startswith("data")
    return True


def _secret_span(det: _Detector, m: re.Match[str], text: str, low: str) -> tuple[int, int] | None:
    """The span of ``m`` to replace with MARK, or None when the match is not a secret after all."""
    if det.name == "label":
        if not _is_label(det.trigger, m, low):
            return None
        group = next(g for g in ("q1", "q2", "v") if m.group(g) is not None)
    else:
        group = "s"
    start, end = m.span(group)
    if det.name == "flag":
        label = m.group("l")
        words = _SECRET_KEY.search(label)
        if words is None or _ABOUT.match(label[words.end():]):
            return None
        if text[start] in "\"'":
            start, end = start + 1, end - 1
    elif det.name == "url":
        end = text.rfind("@", start, end)  # the host follows the last '@'
        if end < 0:
            return None
    if group in ("q1", "q2") and text[end - 1] == "\\":
        end -= 1  # the backslash of an escaped closing quote
    value = text[start:end]
    if not value or value.startswith(MARK):
        return None  # already redacted: keep redaction idempotent
    if det.name == "azure":
        start -= 6  # the three characters, the digit and Q~ itself
    if det.name == "basic" and not _is_basic_credential(value):
        return None
    return start, end


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where the secrets in ``text`` are: sorted, merged (start, end) pairs."""
    low = text.translate(_LOWER)
    spans = []
    for det in _DETECTORS:
        where = text if det.original else low
        if det.trigger in where:  # a substring test is far cheaper than any scan
            for m in det.compiled().finditer(where):
                span = _secret_span(det, m, text, low)
                if span is not None:
                    spans.append(span)
    spans.sort()
    starts = [start for start, _ in spans]
    for m in _RANDOM.finditer(text):
        # A token a specific detector has already judged (a webhook's path, a labelled
        # value) is left to it: it keeps the context (``hooks.slack.com/services/``) readable.
        i = bisect.bisect_left(starts, m.end())
        if any(e > m.start() for _, e in spans[max(0, i - 8):i]):
            continue
        if _DIGEST_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue  # a content digest (CodeSha256: …), not a credential
        if _looks_random(m.group()):
            spans.append(m.span())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(MARK)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def is_secret_key(key: str) -> bool:
    """True for dict keys whose values are secret whatever they look like (``secret_arn`` is not)."""
    m = _SECRET_KEY.search(key)
    return bool(m) and not _ABOUT.match(key[m.end():])


class Redactor:
    """Applies the patterns, plus literal secrets known at run time (e.g. the webhook URL)."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is removed whole; tiny ones are
        # ignored (redacting "a" everywhere would destroy the timeline, not protect it).
        self.literals = sorted({s for s in literals if s and len(s) >= 8}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for literal in self.literals:
            value = value.replace(literal, MARK)
        return _apply(value, secret_spans(value))

    def lines(self, values: list[str]) -> list[str]:
        """Redact strings that belong together (lines of one output) as one text.

        Joined by newlines and scanned once; each redaction is mapped back onto the
        elements it covers, so a secret that spans elements is removed from all of them.
        """
        for literal in self.literals:
            values = [v.replace(literal, MARK) for v in values]
        joined = "\n".join(values)
        spans = secret_spans(joined)
        if not spans:
            return list(values)
        out, offset = [], 0
        for v in values:
            lo, hi = offset, offset + len(v)
            local = [(max(s, lo) - lo, min(e, hi) - lo) for s, e in spans if s < hi and e > lo]
            out.append(_apply(v, [(s, e) for s, e in local if s < e]))
            offset = hi + 1
        return out

    def value(self, value: Any) -> Any:
        """Redact recursively: strings by pattern, dict values by key name."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {(self.text(k) if isinstance(k, str) else k): self._member(k, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(v, str) for v in value):
                return self.lines(list(value))
            return [self.value(v) for v in value]
        return value

    def _member(self, key: Any, value: Any) -> Any:
        if not isinstance(key, str):
            return self.value(value)
        if is_secret_key(key) and value not in (None, ""):
            return MARK
        if isinstance(value, str) and _DIGEST_KEY.search(key) and not is_secret_key(key):
            # A digest looks random; the label says what it is. Vendor-shaped tokens are still found.
            return self.text(f"{key}: {value}")[len(key) + 2:]
        return self.value(value)


_DEFAULT = Redactor()


def redact(value: Any) -> Any:
    """Redact with the built-in patterns only."""
    return _DEFAULT.value(value)
