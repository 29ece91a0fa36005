"""Planted secrets: every kind of credential an SRE pastes, in the shapes it arrives in.

Each :class:`Planted` is a piece of text (a note, a title, a line of command output, a
parameter, a field of an imported file) holding one secret; ``secret`` is the part that
must never reach the timeline file, its WAL or an export. The values are random (seeded,
so a run is repeatable) and unique, so a leak names the entry that leaked.

``KEEP`` is ordinary operational text that must survive redaction: an SRE reads it.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass

_rng = random.Random(16)
AN = string.ascii_letters + string.digits
B64 = AN + "+/"
B64U = AN + "-_"
HEX = "0123456789abcdef"


def rnd(n: int, alphabet: str = AN) -> str:
    """Random characters; upper, lower and digits all present when the alphabet has them (as in real keys)."""
    mixed = n >= 8 and all(any(test(c) for c in alphabet) for test in (str.isupper, str.islower, str.isdigit))
    while True:
        s = "".join(_rng.choice(alphabet) for _ in range(n))
        if not mixed or all(any(test(c) for c in s) for test in (str.isupper, str.islower, str.isdigit)):
            return s


def hexs(n: int) -> str:
    return rnd(n, HEX)


def uuid() -> str:
    h = hexs(32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class Planted:
    kind: str
    secret: str
    text: str


def _pem(label: str) -> tuple[str, str]:
    body = [rnd(64, B64) for _ in range(6)] + [rnd(24, B64) + "=="]
    return body[2], "\n".join([f"-----BEGIN {label}-----", *body, f"-----END {label}-----"])


def _kinds() -> list[tuple[str, str, str]]:
    """(kind, secret, text) — one fresh secret per call."""
    out: list[tuple[str, str, str]] = []

    def add(kind: str, secret: str, text: str) -> None:
        out.append((kind, secret, text))

    s = rnd(40, B64); add("aws-secret-bare", s, f"rotated the key, old one was {s} (revoked)")
    s = rnd(40, B64); add("aws-secret-labelled", s, f"aws_secret_access_key = {s}")
    s = rnd(40, B64); add("aws-secret-json", s, f'{{"AccessKeyId": "AKIA{rnd(16, string.ascii_uppercase + string.digits)}", "SecretAccessKey": "{s}"}}')
    s = "AKIA" + rnd(16, string.ascii_uppercase + string.digits); add("aws-access-key-id", s, f"calls came from {s} in us-east-1")
    s = rnd(300, B64); add("aws-session-token", s, f"export AWS_SESSION_TOKEN={s}")
    s = f"eyJ{rnd(30, B64U)}.eyJ{rnd(60, B64U)}.{rnd(43, B64U)}"; add("jwt", s, f"the failing request carried {s} in its cookie jar")
    s = "AIza" + rnd(35, B64U); add("gcp-api-key", s, f"maps calls use {s} from the console")
    body, pem = _pem("PRIVATE KEY")
    add("gcp-service-account", body, '{"type": "service_account", "project_id": "prod-lake", "private_key": "'
        + pem.replace("\n", "\\n") + '\\n", "client_email": "lake@prod-lake.iam.gserviceaccount.com"}')
    s = rnd(86, B64) + "=="; add("azure-account-key", s, f"DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey={s};EndpointSuffix=core.windows.net")
    s = rnd(3) + str(_rng.randint(0, 9)) + "Q~" + rnd(34, AN + "_~.-"); add("azure-client-secret-bare", s, f"new app registration secret {s} expires in 6 months")
    s = rnd(40, AN + "_~.-"); add("azure-client-secret-labelled", s, f"AZURE_CLIENT_SECRET={s}")
    s = rnd(43, B64); add("azure-sas-sig", s, f"https://prodlogs.blob.core.windows.net/audit/x.log?sv=2022-11-02&se=2026-12-01&sr=b&sp=r&sig={s}%3D")
    s = "sk_live_" + rnd(24); add("stripe-live", s, f"payments broke after {s} was rolled")
    s = "glpat-" + rnd(20, B64U); add("gitlab-pat", s, f"CI used {s} to push the tag")
    s = "sk-" + rnd(48); add("openai-key", s, f"the summariser bot calls the LLM with {s}")
    s = "sk-proj-" + rnd(64, B64U); add("openai-project-key", s, f"new key {s}")
    s = hexs(32); add("pagerduty-routing-json", s, f'{{"routing_key": "{s}", "event_action": "trigger"}}')
    s = hexs(32); add("pagerduty-routing-flag", s, f"pd-send --routing-key {s} --summary 'lag'")
    s = hexs(32); add("pagerduty-integration-env", s, f"PAGERDUTY_INTEGRATION_KEY={s}")
    s = hexs(32); add("teams-webhook", s, f"posted to https://contoso.webhook.office.com/webhookb2/{uuid()}@{uuid()}/IncomingWebhook/{s}/{uuid()}")
    s = rnd(68, B64U); add("discord-webhook", s, f"https://discord.com/api/webhooks/{_rng.randint(10**17, 10**18)}/{s}")
    s = rnd(24); add("slack-webhook", s, f"https://hooks.slack.com/services/T{rnd(8, string.ascii_uppercase)}/B{rnd(8, string.ascii_uppercase)}/{s}")
    s = f"xoxb-{_rng.randint(10**11, 10**12)}-{_rng.randint(10**11, 10**12)}-{rnd(24)}"; add("slack-bot-token", s, f"bot {s} lost its scopes")
    s = "ghp_" + rnd(36); add("github-pat", s, f"git clone https://{s}@github.com/acme/runbooks")
    s = rnd(240, B64) + "="; add("kube-client-key-data", s, f"users:\n- name: admin\n  user:\n    client-key-data: {s}\n")
    s = rnd(120, B64U); add("kube-token", s, f"users:\n- name: ci\n  user:\n    token: {s}\n")
    s = "Pw" + rnd(14); add("password-flag-space", s, f"mysql -h db.internal --user admin --password {s} -e 'select 1'")
    s = "Pw" + rnd(14); add("password-flag-equals", s, f"./migrate --db-password={s} --dry-run")
    s = "Pw" + rnd(14); add("password-yaml", s, f"db:\n  host: db.internal\n  password: {s}\n")
    s = "Pw" + rnd(14) + " with spaces"; add("password-json-quoted", s, f'{{"user": "app", "password": "{s}"}}')
    s = "Pw" + rnd(14); add("password-in-url", s, f"DATABASE_URL=postgres://app:{s}@db.internal:5432/app")
    s = rnd(40, B64U); add("bearer", s, f"curl -H 'Authorization: Bearer {s}' https://api.internal/v1/health")
    cred = f"admin:Pw{rnd(14)}"
    s = base64.b64encode(cred.encode()).decode(); add("basic-auth", s, f"the proxy sent Basic {s} upstream")
    s = rnd(32); add("high-entropy-token", s, f"webhook signature mismatch: expected {s}")
    s = rnd(40, B64U); add("api-key-header", s, f"X-API-Key: {s}")
    s = "npm_" + rnd(36); add("npm-token", s, f"//registry.npmjs.org/:_authToken={s}")
    body, pem = _pem("RSA PRIVATE KEY"); add("pem-rsa", body, f"found this in the bastion's home:\n{pem}\nremoved it")
    body, pem = _pem("OPENSSH PRIVATE KEY"); add("pem-openssh", body, pem)
    body, pem = _pem("EC PRIVATE KEY"); add("pem-ec", body, f"key: |\n{pem}")
    return out


CONTEXTS = ("note", "param", "import", "title")


def corpus() -> dict[str, list[Planted]]:
    """Each kind planted once per context, with its own secret; titles get single-line kinds."""
    planted: dict[str, list[Planted]] = {}
    for context in CONTEXTS:
        kinds = _kinds()
        if context == "title":
            kinds = [k for k in kinds if "\n" not in k[2]]
        planted[context] = [Planted(kind, secret, text) for kind, secret, text in kinds]
    return planted


PLANTED = corpus()
ALL = [p for items in PLANTED.values() for p in items]

#: Ordinary operational text: none of it may be redacted.
KEEP = [
    "deployed abc123 to prod",
    "rolled back to a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
    "arn:aws:s3:::acme-data-lake-eu-west-1/raw/2026/11/23",
    "arn:aws:iam::123456789012:role/StorageServiceFailoverRole",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
    "request id 9f3c2a1e-1b2c-4d5e-8f90-0123456789ab",
    "x-amz-request-id 4442587FB7D0A2F9",
    "pod storage-service-7d9f8b6c5-x2k4q restarted",
    "stack my-stack-MyBucketF68F3FF0-1J2K3L4M5N6O",
    "image sha256:" + "0123456789abcdef" * 4,
    "token_ttl: 3600",
    "secret_arn=arn:aws:secretsmanager:eu-west-1:123456789012:secret:x",
    "StorageServiceDeployment2024 scaled to 6",
    "basic troubleshooting steps done",
    "https://console.aws.amazon.com/s3/buckets/acme-data-lake?region=eu-west-1",
]
