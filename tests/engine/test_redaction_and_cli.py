"""Secrets never reach the timeline, and `cockpit run` fails with one clear line where it must."""

from __future__ import annotations

import json

from cockpit.timeline import Timeline
from tests.engine.conftest import cockpit, incident_id, write_playbook

SECRET = "s3cr3t-Tok3n-value-42"


def test_timeline_events_carry_redacted_params(estate, env_for, tmp_path):
    folder = tmp_path / "pb"
    write_playbook(folder, """
id: secret-test
title: Secret test
parameters:
  url: {}
  token: {secret: true}
steps:
  - id: call
    kind: http
    title: Health with a token
    url: "{{ params.url }}?api_key={{ params.token }}"
    headers: {Authorization: "Bearer {{ params.token }}", X-Trace: "{{ params.token }}"}
""")
    db = tmp_path / "t.db"
    proc = cockpit(["run", "secret-test", "--dir", str(folder), "--title", "t", "--severity", "P3",
                    "--param", f"url={estate.env['COCKPIT_STORAGE_HEALTH_URL']}", "--param", f"token={SECRET}"],
                   env_for, db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    incident = incident_id(proc.stdout)
    with Timeline(db) as tl:
        events = tl.events(incident)
        run = tl.runs(incident)[-1]
        states = tl.step_states(run.id)
    dumped = json.dumps([e.to_json() for e in events]) + json.dumps([s.to_json() for s in states]) + \
        json.dumps(run.to_json())
    assert SECRET not in dumped
    started = next(e for e in events if e.kind == "step_started")
    assert started.data["call"]["headers"]["X-Trace"] == "[REDACTED]"  # a secret parameter, wherever it lands
    assert run.params["token"] == "[REDACTED]"
    assert SECRET not in proc.stdout


def test_bad_parameters_get_one_clear_line(env_for, tmp_path):
    db = tmp_path / "t.db"
    unknown = cockpit(["run", "dr-failover", "--title", "t", "--severity", "P1", "--param", "bucket=x"], env_for, db)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("cockpit: error: unknown parameter 'bucket' for dr-failover")
    assert unknown.stderr.count("\n") == 1
    wrong = cockpit(["run", "dr-failover", "--title", "t", "--severity", "P1", "--param", "dr_region=x; rm -rf"],
                    env_for, db)
    assert wrong.returncode == 2 and "parameter dr_region" in wrong.stderr and "does not match" in wrong.stderr
    malformed = cockpit(["run", "dr-failover", "--incident", "INC-1", "--choose", "nope=x"], env_for, db)
    assert malformed.returncode == 2 and "no step 'nope'" in malformed.stderr
    nothing = cockpit(["run", "dr-failover"], env_for, db)
    assert nothing.returncode == 2 and "--incident ID, or --title T --severity P1" in nothing.stderr
    for proc in (unknown, wrong, malformed, nothing):
        assert "Traceback" not in proc.stderr
        assert "declared" not in proc.stdout  # nothing is declared for a run that cannot start


def test_missing_answers_stop_the_run_with_the_flag_to_add(estate, env_for, tmp_path):
    """Approval, then destructive confirmation: each missing answer stops the run; --yes covers neither."""
    db = tmp_path / "t.db"
    base = ["run", "dr-failover", "--choose", "failover_decision=s3_unavailable", "--yes"]
    first = cockpit([*base, "--title", "t", "--severity", "P1"], env_for, db)
    assert first.returncode == 3
    # The decision is printed whole: every option, not the prompt and the first (was call[:3]).
    for label in ("Fail over: S3 API failing", "Fail over: AWS region declared down",
                  "Fail over: data corruption detected", "Fail over: security breach confirmed"):
        assert label in first.stdout, first.stdout
    assert "needs approval by engineering-leadership: give --approve-as NAME" in first.stderr
    incident = incident_id(first.stdout)
    with Timeline(db) as tl:
        run = tl.runs(incident)[-1]
        assert tl.step_state(run.id, "leadership_approval").state == "waiting"
        assert tl.step_state(run.id, "pre_failover_checklist").state == "succeeded"
    # Resumed with the approval, it stops at the destructive step: --yes is not a typed confirmation.
    second = cockpit([*base, "--incident", incident, "--approve-as", "bob", "--read-only"], env_for, db)
    assert second.returncode == 1  # read-only: the write steps were refused, the validation reads failed
    with Timeline(db) as tl:
        assert tl.step_state(run.id, "leadership_approval").outputs == {"approver": "bob"}
        assert tl.step_state(run.id, "disable_primary_health_check").state == "skipped"


AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_what_cockpit_run_prints_is_redacted_like_the_timeline(env_for, tmp_path):
    """A program that prints a credential, and a failure that quotes one: the run's output lands
    in CI logs and scrollback, so it is redacted as the timeline is, with the run's secret params."""
    folder = tmp_path / "pb"
    write_playbook(folder, f"""
id: print-test
title: Print test
parameters:
  token: {{secret: true}}
steps:
  - id: leak
    kind: shell
    title: A tool that prints its credentials
    risk: read
    argv: [printf, "aws_secret_access_key={AWS_SECRET}\\nsession $TOKEN\\n"]
    env: {{TOKEN: "{{{{ params.token }}}}"}}
  - id: fail
    kind: shell
    title: A failure that quotes the token
    risk: read
    argv: [sh, -c, 'echo "auth failed for $TOKEN" >&2; exit 1']
    env: {{TOKEN: "{{{{ params.token }}}}"}}
""")
    proc = cockpit(["run", "print-test", "--dir", str(folder), "--title", "t", "--severity", "P3",
                    "--param", f"token={SECRET}"], env_for, tmp_path / "t.db")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "auth failed for" in proc.stdout + proc.stderr and "session" in proc.stdout
    for secret in (AWS_SECRET, SECRET):
        assert secret not in proc.stdout + proc.stderr
