"""Secrets never reach the file, its WAL, or any export (property-tested with hypothesis)."""

from __future__ import annotations

import json
import string
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cockpit.timeline import Timeline, redact
from cockpit.timeline.comms import render_comms
from cockpit.exports.postmortem import render_markdown
from cockpit.exports.transfer import export_json

B64 = string.ascii_letters + string.digits + "+/"
URLSAFE = string.ascii_letters + string.digits + "-._~!$%*+"
text = st.text(max_size=30)
separator = st.sampled_from([" ", "\n", "\t", "'", '"', "(", ",", ";", "\\n"])

access_key_ids = st.builds(lambda p, s: p + s, st.sampled_from(["AKIA", "ASIA"]),
                           st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16))
secret_keys = st.text(B64, min_size=40, max_size=40)
tokens = st.text(string.ascii_letters + string.digits + "-._~+/", min_size=12, max_size=80)
passwords = st.text(URLSAFE + ":", min_size=6, max_size=30)


def leaked(secret: str, value: object, *context: str) -> bool:
    """The secret appears in the output more often than the surrounding text alone explains."""
    out = value if isinstance(value, str) else json.dumps(value)
    return out.count(secret) > sum(c.count(secret) for c in context)


@given(text, separator, access_key_ids, separator, text)
def test_access_key_ids_are_redacted_anywhere_in_text(before, s1, key, s2, after):
    assert not leaked(key, redact(before + s1 + key + s2 + after), before + s1, s2 + after)


@given(text, separator, st.sampled_from(["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey",
                                         '"secret"', "aws_session_token", "X-Amz-Security-Token"]),
       st.sampled_from(["=", " = ", ": ", '": "', ":"]), secret_keys, separator, text)
def test_labelled_secrets_are_redacted(before, s1, label, sep, secret, s2, after):
    assert not leaked(secret, redact(f"{before}{s1}{label}{sep}{secret}{s2}{after}"), before + s1, s2 + after)


@given(text, separator, st.sampled_from(["Bearer", "bearer", "Authorization: Bearer", "authorization=Bearer"]),
       tokens, separator, text)
def test_bearer_tokens_are_redacted(before, s1, scheme, token, s2, after):
    assert not leaked(token, redact(f"{before}{s1}{scheme} {token}{s2}{after}"), before + s1, s2 + after)


@given(st.sampled_from(["https", "postgres", "redis", "amqp"]), st.text(string.ascii_lowercase, min_size=1, max_size=8),
       passwords, st.sampled_from(["db.internal", "10.0.0.5:5432"]), text)
def test_passwords_in_urls_are_redacted_keeping_user_and_host(scheme, user, password, host, after):
    out = redact(f"connect {scheme}://{user}:{password}@{host}/path {after}")
    assert not leaked(f":{password}@", out, after)
    assert f"{scheme}://{user}:[REDACTED]@{host}/path" in out


@given(st.text(string.ascii_uppercase + string.digits, min_size=24, max_size=40))
def test_slack_webhook_secret_path_is_redacted(path):
    url = f"https://hooks.slack.com/services/T0001/B0002/{path}"
    out = redact(f"posting to {url} now")
    assert path not in out and "hooks.slack.com/services/[REDACTED]" in out


secret_key_names = st.sampled_from(["password", "db_password", "Secret", "client_secret", "token", "apiKey",
                                    "api_key", "Authorization", "x-api-key", "SessionToken"])


@st.composite
def nested_with_secret(draw):
    secret = draw(st.text(string.ascii_letters + string.digits, min_size=8, max_size=20))
    value: object = {draw(secret_key_names): secret}
    numbers: list[str] = []  # an all-digit secret may sit inside a harmless number: that is not a leak
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            number = draw(st.integers())
            numbers.append(str(number))
            value = [number, value]
        else:
            value = {draw(st.text(string.ascii_lowercase, min_size=1, max_size=6)): value, "ok": "visible"}
    return secret, value, numbers


@given(nested_with_secret())
def test_values_of_secret_keys_are_redacted_at_any_depth(case):
    secret, value, numbers = case
    assert not leaked(secret, redact(value), *numbers)


@given(st.one_of(text, st.recursive(st.one_of(text, st.integers()),
                                     lambda inner: st.dictionaries(st.text(max_size=10), inner, max_size=3)
                                     | st.lists(inner, max_size=3), max_leaves=10)))
def test_redaction_is_idempotent(value):
    once = redact(value)
    assert redact(once) == once


@given(st.text(string.ascii_lowercase + " .,-", max_size=80).filter(
    lambda t: not any(k in t for k in ("pass", "pwd", "secret", "token", "key", "auth", "credential", "bearer",
                                       "signature"))))
def test_ordinary_text_is_left_alone(value):
    assert redact(value) == value


SECRETS = {
    "akid": "AKIAIOSFODNN7EXAMPLE",
    "skey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "session": "FwoGZXIvYXdzEBYaDH3xSESSIONTOKENabc123",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.BEARERTOKENpayload.sig",
    "urlpass": "hunter2-URLPASS",
    "slack": "XXXXSLACKSECRETPATHXXXX",
    "field": "FIELDSECRETVALUE9",
    "webhook": "http://127.0.0.1:9999/hooks/LOCALSINKSECRET",
}


def test_seeded_secrets_never_reach_the_file_its_wal_or_any_export(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    s = SECRETS
    with Timeline(db, actor="alice@bastion", secrets=[s["webhook"]]) as tl:
        inc = tl.declare(f"Leaked {s['akid']} in logs", "P1", commander="alice")
        tl.note(inc.id, f"aws_secret_access_key={s['skey']} aws_session_token={s['session']}",
                {"headers": {"Authorization": f"Bearer {s['bearer']}"}, "db": {"password": s["field"]}})
        tl.status_update(inc.id, f"curl -H 'Authorization: Bearer {s['bearer']}' https://ops:{s['urlpass']}@db.internal/")
        tl.record_alarm_transition(inc.id, "x", "fired", "2026-01-01T00:00:00Z",
                                   reason=f"posted to https://hooks.slack.com/services/T1/B2/{s['slack']}")
        run = tl.create_run(inc.id, "notify", {"webhook_url": s["webhook"], "token": s["field"]}, "incident", False)
        tl.set_step_state(run, "post", "failed", outputs={"SecretAccessKey": s["skey"], "body": s["webhook"]},
                          error=f"403 for {s['webhook']} key {s['akid']}")
        tl.action_item(inc.id, f"rotate {s['akid']}", "bob")
        tl.resolve(inc.id)
        exports = [render_markdown(tl, inc.id), export_json(tl, inc.id),
                   render_comms(tl, inc.id, "initial"), render_comms(tl, inc.id, "resolution")]
        tl.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        files = [p.read_bytes() for p in db.parent.iterdir() if p.name.startswith("timeline.db")]
    assert len(files) >= 2  # the database and its WAL
    for name, secret in s.items():
        for blob in files:
            assert secret.encode() not in blob, f"{name} found in the database files"
        for export in exports:
            assert secret not in export, f"{name} found in an export"


def test_package_registry_tokens_are_redacted_bare():
    """npm and PyPI publish tokens, pasted without a label (hypothesis found the npm one kept)."""
    npm = "npm_zKgH2ZIhKrluoSHJqtjJDZirrJacbckFuimq"
    pypi = "pypi-AgEIcHlwaS5vcmcCJDU3OTM5NjZmLWJhMjUtNGE0Yy1hNDI3LWE5MTUyZjNiZDA0MQACKlsz"
    from cockpit.timeline.redact import redact

    for token in (npm, pypi):
        out = redact(f'published with "{token}" from CI')
        assert token not in out and "published with" in out and "from CI" in out


def test_content_digests_stay_readable_where_their_label_says_so():
    """Lambda's CodeSha256 (base64 of a SHA-256) looks as random as a secret key; a resumed
    lambda-rollback compares it to say "the code changed", so the timeline must keep it."""
    sha = "Sx2bHrQ0CGAiCPC/Q8oBmHJaeF0JmjA6Ch8zyjZ2JnE="
    got = redact({"Configuration": {"FunctionName": "flight-school-api", "CodeSha256": sha,
                                    "Environment": {"Variables": {"API_TOKEN": sha}}}})
    assert got["Configuration"]["CodeSha256"] == sha
    assert got["Configuration"]["Environment"]["Variables"]["API_TOKEN"] == "[REDACTED]"
    assert redact(f'{{"CodeSha256": "{sha}", "ChecksumSHA256": "{sha}"}}') == \
        f'{{"CodeSha256": "{sha}", "ChecksumSHA256": "{sha}"}}'
    assert redact(f"ContentMD5={sha}") == f"ContentMD5={sha}"
    # The same token with no digest label, or a secret label, is still a secret.
    assert redact(f"deployed {sha}") == "deployed [REDACTED]"
    assert redact(f'{{"SecretAccessKey": "{sha}"}}') == '{"SecretAccessKey": "[REDACTED]"}'
    assert redact({"Sha256Secret": sha}) == {"Sha256Secret": "[REDACTED]"}
