"""Redaction of secrets before anything reaches the timeline file.

The timeline is copied into postmortems, tickets and chat; a secret that reaches it has
leaked. So the store redacts *inside* ``append`` (and for titles, run parameters, step
outputs and errors, and imports): no caller can forget. Redaction errs on the side of
over-redacting: a note that says ``token: expired`` loses the word ``expired``; that is the
price of never writing ``token: ghp_…``.

Two mechanisms:

* **patterns in text** — AWS access key ids (AKIA/ASIA…), labelled secrets
  (``aws_secret_access_key = …``, ``password: …``, ``X-Amz-Security-Token=…``), bearer/basic
  tokens, passwords in URLs (``https://user:pass@host``), Slack webhook paths, Slack and
  GitHub tokens, PEM private keys, plus literal values the caller knows are secret (the
  configured webhook URL);
* **keys in structures** — the value of any dict key named like password/secret/token/
  api_key/authorization/credential is replaced whole, recursively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MARK = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|authori[sz]ation|credential|private[_-]?key|"
    r"signature|cookie",
    re.IGNORECASE,
)

# (pattern, replacement) in order; each replacement keeps enough context to read the line.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL),
     f"{MARK}"),
    # Slack incoming webhooks: the path after /services/ is the secret.
    (re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)(?!\[REDACTED\])[^\s\"'<>)\]]+", re.IGNORECASE), rf"\1{MARK}"),
    # Passwords in URLs: scheme://user:password@host
    (re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/:@\"']*):[^\s/@\"']+@"), rf"\1:{MARK}@"),
    # Labelled secrets: key=value, key: value, "key": "value" (also X-Amz-Security-Token=…).
    (re.compile(
        r"((?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|authori[sz]ation|credential|"
        r"signature)[\w\-]*[\"']*\s*[:=]\s*[\"']*)"
        r"(?:(?:bearer|basic|token|aws4-hmac-sha256)\s+)?"
        r"(?!\[REDACTED\])[^\s\"',;&<>]+",
        re.IGNORECASE), rf"\1{MARK}"),
    # Authorization schemes anywhere in text.
    (re.compile(r"(bearer)\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE), rf"\1 {MARK}"),
    (re.compile(r"\b(basic)\s+(?!\[REDACTED\])[A-Za-z0-9+/]{8,}=*", re.IGNORECASE), rf"\1 {MARK}"),
    # AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes).
    (re.compile(r"(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[A-Z0-9]{16}"), MARK),
    # Slack and GitHub tokens.
    (re.compile(r"xox[abposr]-[A-Za-z0-9\-]+"), MARK),
    (re.compile(r"(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"), MARK),
]

# For each pattern, substrings (lower case) without which it cannot match.
_TRIGGERS: list[tuple[str, ...]] = [
    ("private key-----",),
    ("hooks.slack.com",),
    ("://",),
    ("pass", "pwd", "secret", "token", "key", "authori", "credential", "signature"),
    ("bearer",),
    ("basic",),
    ("akia", "asia", "aida", "aroa", "aipa", "anpa", "anva", "agpa"),
    ("xox",),
    ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
]
assert len(_TRIGGERS) == len(_PATTERNS)


def is_secret_key(key: str) -> bool:
    """True for dict keys whose values are secret whatever they look like."""
    return bool(_SECRET_KEY.search(key))


class Redactor:
    """Applies the patterns, plus literal secrets known at run time (e.g. the webhook URL)."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is removed whole; tiny ones are
        # ignored (redacting "a" everywhere would destroy the timeline, not protect it).
        self.literals = sorted({s for s in literals if s and len(s) >= 8}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for literal in self.literals:
            value = value.replace(literal, MARK)
        lowered = value.lower()
        for (pattern, replacement), triggers in zip(_PATTERNS, _TRIGGERS):
            # A substring test is ~100x cheaper than a regex scan, and most text has none.
            if any(t in lowered for t in triggers):
                value = pattern.sub(replacement, value)
                lowered = value.lower()
        return value

    def value(self, value: Any) -> Any:
        """Redact recursively: strings by pattern, dict values by key name."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                (self.text(k) if isinstance(k, str) else k):
                    (MARK if isinstance(k, str) and is_secret_key(k) and v not in (None, "") else self.value(v))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value


_DEFAULT = Redactor()


def redact(value: Any) -> Any:
    """Redact with the built-in patterns only."""
    return _DEFAULT.value(value)
