"""A secret an AWS answer carries without a label or a token's shape is kept out of the
timeline because the service's model says it is one.

SSM's ``GetParameter --with-decryption`` returns a SecureString as ``Parameter.Value``:
``Value`` is no secret word and a pass phrase of lower-case words has no random shape, so
the timeline's redactor would keep it. botocore marks the member ``sensitive``; the
``aws`` step masks it before outputs, previews, the timeline and ``cockpit run``'s own
output see the answer. The same holds for ``CreateAccessKey``'s ``SecretAccessKey`` (the
credential rotation's question: the cockpit never holds a new key's secret).
"""

from __future__ import annotations

import boto3

from tests.engine.conftest import cli_env, cockpit, write_playbook

SECRET = "correct-horse-battery-staple-winter"  # a pass phrase: no label, no random shape
PARAMETER = "/flight-school/test/db-password"

PLAYBOOK = f"""
id: read-db-password
title: Read the Flight School database password
steps:
  - id: param
    kind: aws
    title: The database password parameter
    service: ssm
    operation: GetParameter
    region: us-east-1
    params: {{Name: "{PARAMETER}", WithDecryption: true}}
    outputs: {{value: Parameter.Value, type: Parameter.Type, name: Parameter.Name}}
"""


def test_a_sensitive_member_of_an_answer_never_reaches_the_timeline_or_the_screen(estate, tmp_path):
    ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=estate.env["AWS_ENDPOINT_URL"],
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    ssm.put_parameter(Name=PARAMETER, Value=SECRET, Type="SecureString", Overwrite=True)
    folder = tmp_path / "playbooks"
    write_playbook(folder, PLAYBOOK)
    db = tmp_path / "t.db"
    out = cockpit(["run", "read-db-password", "--dir", str(folder), "--title", "db password", "--severity", "P3",
                   "--yes"], cli_env(estate.env, tmp_path), db)
    assert out.returncode == 0, out.stdout + out.stderr
    # What the responder reads: the parameter's type and name, not its value.
    assert "type=SecureString" in out.stdout and f"name={PARAMETER}" in out.stdout, out.stdout
    assert "value=[REDACTED]" in out.stdout, out.stdout
    assert SECRET not in out.stdout + out.stderr
    # What the timeline file holds (with its WAL): not the value, anywhere.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("t.db*"))
    assert SECRET.encode() not in raw
