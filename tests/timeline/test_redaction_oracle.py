"""The redactor measured against a well-kept detector: whatever detect-secrets finds in
generated text, the redactor removes (hypothesis generates the text).

detect-secrets is a test dependency only (the ``test`` extra); Cockpit never imports it.
Three of its detectors are left out on purpose, each a documented trade-off
(docs/timeline.md, "Redaction"): hex high-entropy strings (commit SHAs, digests and request
ids must stay readable), the private-key detector (it reports the ``BEGIN … PRIVATE KEY``
header, which the redactor keeps while removing the key itself — checked below), and public
IPv4 addresses (not secrets; an SRE needs them).
"""

from __future__ import annotations

import base64
import random
import string

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.settings import default_settings
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cockpit.timeline import redact
from tests.timeline.secret_corpus import ALL, KEEP

_SKIP = {"Hex High Entropy String", "Private Key", "Public IP (ipv4)"}
AN = string.ascii_letters + string.digits
B64 = AN + "+/"
B64U = AN + "-_"


def oracle(text: str) -> set[tuple[str, str]]:
    """(type, value) of every secret detect-secrets finds in ``text``, line by line."""
    found = set()
    with default_settings():
        plugins = [cls() for kind, cls in get_mapping_from_secret_type_to_class().items() if kind not in _SKIP]
        for number, line in enumerate(text.splitlines(), 1):
            for plugin in plugins:
                for secret in plugin.analyze_line(filename="notes.txt", line=line, line_number=number):
                    if secret.secret_value:
                        found.add((secret.type, secret.secret_value))
    return found


def mixed(alphabet: str, lo: int, hi: int) -> st.SearchStrategy[str]:
    """Tokens as key generators make them: uniformly random characters (drawn with a
    Random seeded by hypothesis: shrinking the seed never shrinks the token to ``000…0Aa``),
    upper, lower and digits present."""
    def draw(seed: int, n: int) -> str:
        rng = random.Random(seed)
        return "".join(rng.choice(alphabet) for _ in range(n))

    return st.builds(draw, st.integers(0, 2**64), st.integers(lo, hi)).filter(
        lambda s: any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s))


upper_digits = string.ascii_uppercase + string.digits
secrets = st.one_of(
    st.builds(lambda s: "AKIA" + s, st.text(upper_digits, min_size=16, max_size=16)),
    mixed(B64, 40, 40),                                                     # a bare AWS secret key
    st.builds(lambda a, b, c: f"eyJ{a}.eyJ{b}.{c}", mixed(B64U, 10, 40), mixed(B64U, 10, 60), mixed(B64U, 20, 43)),
    st.builds(lambda s: "AIza" + s, st.text(B64U, min_size=35, max_size=35)),
    st.builds(lambda s: "sk_live_" + s, mixed(AN, 24, 32)),
    st.builds(lambda s: "glpat-" + s, mixed(B64U, 20, 20)),
    st.builds(lambda s: "ghp_" + s, mixed(AN, 36, 36)),
    st.builds(lambda a, b, s: f"xoxb-{a}-{b}-{s}", st.integers(10**10, 10**12), st.integers(10**10, 10**12),
              mixed(AN, 24, 24)),
    st.builds(lambda s: "sk-" + s, mixed(AN, 40, 48)),
    st.builds(lambda s: "npm_" + s, mixed(AN, 36, 36)),
    st.builds(lambda u, p: "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode(),  # bare, it is just base64
              st.text(string.ascii_lowercase, min_size=3, max_size=8), mixed(AN, 8, 20)),
    mixed(B64, 24, 64),                                                     # any long random token
)
# How a secret arrives: quoted, labelled, as a flag, in JSON, in a URL, in a header.
contexts = st.sampled_from([
    "{s}", '"{s}"', "'{s}'", "password = \"{s}\"", "api_key: {s}", "secret={s}", '{{"token": "{s}"}}',
    "--password {s}", "AccountKey={s};", "Authorization: Bearer {s}", "Authorization: Basic {s}",
    "https://admin:{s}@db.internal/app", "export AWS_SECRET_ACCESS_KEY={s}", "  client-key-data: {s}",
    "//registry.npmjs.org/:_authToken={s}",
])
filler = st.lists(st.sampled_from(KEEP + ["alarm fired", "lag 42s", "eu-west-1", "ok", "restarted"]), max_size=3)


@settings(max_examples=300, deadline=None)
@given(filler, contexts, secrets, filler, st.sampled_from([" ", "\n", " | "]))
def test_everything_detect_secrets_finds_is_redacted(before, context, secret, after, sep):
    text = sep.join([*before, context.format(s=secret), *after])
    out = redact(text)
    found = oracle(text)
    for kind in {k for k, _ in found}:
        event(f"detect-secrets: {kind}")
    missed = [(kind, value) for kind, value in found
              if out.count(value) > sum(part.count(value) for part in before + after)]
    assert not missed, f"redaction kept what detect-secrets flags: {missed} in {out!r}"
    assert secret not in out


def test_the_corpus_against_the_oracle():
    """Every secret detect-secrets finds in the planted corpus is redacted, and the corpus
    reaches beyond it (bare keys, JWTs in prose, webhooks, PEM bodies… that it does not flag)."""
    flagged = missed = 0
    for planted in ALL:
        out = redact(planted.text)
        for _, value in oracle(planted.text):
            flagged += 1
            missed += value in out
        assert planted.secret not in out, planted.kind
    assert flagged >= 40 and missed == 0


def test_private_keys_keep_their_header_and_lose_their_body():
    for planted in ALL:
        if planted.kind.startswith("pem-"):
            out = redact(planted.text)
            assert "PRIVATE KEY-----" in out and planted.secret not in out
            assert all(line not in out for line in planted.text.splitlines() if len(line) == 64)
