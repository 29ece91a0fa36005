"""Seed 004's CI/CD, played for the credential rotation tests: its secret store and its deploys.

The rotation's manual step is a person's: create the key with aws-cli in a pipe that takes
the secret straight into the CI secret store (GitHub Secrets, Vercel), then trigger a
deploy. :class:`Pipeline` does exactly that with the real aws-cli against the estate (the
command the step's instructions give, minus ``gh``: the store is a 0600 file here), and its
deploys sign with whatever key the store holds, as GitHub Actions would.
:class:`RotatingResponder` is the person at the cockpit: it ticks the manual steps after
doing what they say, and answers everything else as ``cockpit run --yes`` does.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.engine import HeadlessOperator

AWS = shutil.which("aws") or "/work/main/.venv/bin/aws"
USER = "deployment-user"
SITE = "flight-school-marketplace"  # seed 004's S3 + CloudFront site bucket


class Pipeline:
    """GitHub Actions for the Flight School site: a secret store and ``aws s3 sync`` deploys."""

    def __init__(self, estate_env: dict[str, str], home: Path) -> None:
        self.estate_env = estate_env
        self.store = home / "github-secrets"  # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, one per line
        self.site = home / "dist"
        self.site.mkdir(parents=True, exist_ok=True)
        (self.site / "index.html").write_text("<!doctype html><title>Flight School Marketplace</title>\n")
        self.deploys: list[subprocess.CompletedProcess[str]] = []

    def _env(self, key_id: str | None = None, secret: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
        env.update(self.estate_env)
        env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1"})
        if key_id is not None:
            env.update({"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret or ""})
        return env

    def rotate_into_store(self, user: str = USER) -> str:
        """The manual step's pipe: create-access-key, id and secret straight into the store."""
        out = subprocess.run([AWS, "iam", "create-access-key", "--user-name", user, "--query",
                              "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"],
                             env=self._env(), capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        key_id, secret = out.stdout.split()
        fd = os.open(self.store, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"{key_id}\n{secret}\n")
        return key_id

    @property
    def key_id(self) -> str:
        return self.store.read_text().split()[0]

    @property
    def secret(self) -> str:
        return self.store.read_text().split()[1]

    def deploy(self, key_id: str | None = None) -> subprocess.CompletedProcess[str]:
        """Seed 004's S3 deploy (``aws s3 sync``), signed with the store's key (or ``key_id``)."""
        key, secret = (self.key_id, self.secret) if key_id is None else (key_id, "any-secret-the-estate-accepts")
        out = subprocess.run([AWS, "s3", "sync", str(self.site), f"s3://{SITE}/"], env=self._env(key, secret),
                             capture_output=True, text=True, timeout=60)
        self.deploys.append(out)
        return out


@dataclass
class RotatingResponder(HeadlessOperator):
    """``cockpit run --yes`` with a person who does the manual steps before ticking them."""

    pipeline: Any = None
    done: list[str] = field(default_factory=list)

    async def confirm_checklist(self, step: Any, items: list[str]) -> list[str]:
        if step.id == "create_key_in_ci":
            await asyncio.to_thread(self.pipeline.rotate_into_store)
            deployed = await asyncio.to_thread(self.pipeline.deploy)
            assert deployed.returncode == 0, deployed.stderr
        elif step.id == "watch_old_key":
            deployed = await asyncio.to_thread(self.pipeline.deploy)
            assert deployed.returncode == 0, deployed.stderr
        self.done.append(step.id)
        return await super().confirm_checklist(step, items)


def timeline_dump(db: Path) -> tuple[bytes, str]:
    """Everything the timeline file holds: its bytes (with the WAL's) and every cell as text."""
    import sqlite3

    raw = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [str(v) for t in tables for row in con.execute(f'SELECT * FROM "{t}"') for v in row if v is not None]
    finally:
        con.close()
    return raw, "\n".join(cells)


def secrets_in_timeline(db: Path, secret: str) -> list[str]:
    """What of a credential the timeline holds: the secret itself, or anything detect-secrets finds."""
    from tests.timeline.test_redaction_oracle import oracle

    raw, text = timeline_dump(db)
    found = [f"the secret access key, {'in the file' if secret.encode() in raw else 'in a cell'}"
             for _ in [0] if secret.encode() in raw or secret in text]
    found += [f"{kind}: {value[:6]}…" for kind, value in sorted(oracle(text))]
    return found
