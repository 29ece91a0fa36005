"""kill -9 in the middle of a step, then reopen: finished steps are not re-run, the step that
was running is "unknown" and waits for the responder's verdict.

`cockpit run` runs as a real process and is SIGKILLed while its shell step sleeps. Re-runs
of the first step would show at the estate, which counts every health request it serves.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.engine.conftest import cockpit, events_of, requests_since, steps_of, wait_for, write_playbook

HEALTH = "http:storage-health:GET /v1/storage/health"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _gone(pid: int, within: float = 2.0) -> None:
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)  # leave nothing behind, then fail
        raise AssertionError(f"the step's program {pid} outlived the cockpit by {within:g}s")


def test_killed_run_resumes_without_rerunning_finished_steps(estate, env_for, tmp_path):
    marker = tmp_path / "sleeper.pid"
    code = (f"import os, sys, time\nif os.path.exists({str(marker)!r}): sys.exit(0)\n"
            f"open({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)")
    folder = tmp_path / "pb"
    write_playbook(folder, f"""
id: resume-test
title: Resume test
parameters:
  health_url: {{}}
steps:
  - id: probe
    kind: http
    title: Health before
    url: "{{{{ params.health_url }}}}"
  - id: sleepy
    kind: shell
    title: A long write
    risk: write
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(code)}]
  - id: after
    kind: http
    title: Health after
    url: "{{{{ params.health_url }}}}"
""")
    db = tmp_path / "t.db"
    since = time.time()
    args = ["run", "resume-test", "--dir", str(folder), "--yes"]
    first = subprocess.Popen([sys.executable, "-m", "cockpit", "--db", str(db), *args, "--title", "killed",
                              "--severity", "P2", "--param", f"health_url={estate.env['COCKPIT_STORAGE_HEALTH_URL']}"],
                             env=env_for, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: marker.exists() and marker.read_text(), 30, "the shell step to start")
    finally:
        first.send_signal(signal.SIGKILL)
        out, _ = first.communicate(timeout=10)
    _gone(int(marker.read_text()))  # the step's program died with the cockpit (engine/deathsig.py)
    incident = next(line.split()[1] for line in out.splitlines() if line.startswith("declared "))
    assert requests_since(estate, since)["by_operation"].get(HEALTH) == 1

    # Reopening: the step found running is unknown and a verdict is required; nothing re-runs.
    second = cockpit([*args, "--incident", incident], env_for, db)
    assert second.returncode == 3, second.stdout + second.stderr
    assert second.stderr.count("\n") == 1 and "--resolve sleepy=done|rerun|skip" in second.stderr
    _, steps = steps_of(db, incident)
    assert (steps["probe"].state, steps["sleepy"].state, steps["after"].state) == ("succeeded", "unknown", "pending")
    assert [e.data["step_id"] for e in events_of(db, incident, ["step_unknown"])] == ["sleepy"]
    assert requests_since(estate, since)["by_operation"].get(HEALTH) == 1

    # The responder decides to run it again: only that step and the ones after it run.
    third = cockpit([*args, "--incident", incident, "--resolve", "sleepy=rerun"], env_for, db)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "resuming run" in third.stdout
    run, steps = steps_of(db, incident)
    assert run.status == "succeeded"
    assert steps["sleepy"].state == "succeeded" and steps["sleepy"].attempt == 2
    assert steps["probe"].attempt == 1
    assert requests_since(estate, since)["by_operation"].get(HEALTH) == 2  # `after` only
    started = [e.data["step_id"] for e in events_of(db, incident, ["step_started"])]
    assert started == ["probe", "sleepy", "sleepy", "after"]


def test_finished_run_is_not_resumed_and_done_verdict_keeps_the_step(estate, env_for, tmp_path):
    """--resolve STEP=done records the responder's verdict instead of running the step."""
    from cockpit.timeline import Timeline

    folder = tmp_path / "pb"
    write_playbook(folder, """
id: verdict-test
title: Verdict test
steps:
  - id: one
    kind: http
    title: Health
    url: "{{ params.url }}"
parameters:
  url: {}
""")
    db = tmp_path / "t.db"
    with Timeline(db) as tl:
        incident = tl.declare("verdict", "P3").id
        run_id = tl.create_run(incident, "verdict-test", {"url": estate.env["COCKPIT_STORAGE_HEALTH_URL"]})
        tl.set_step_state(run_id, "one", "running")  # what a crash mid-step leaves behind
    since = time.time()
    proc = cockpit(["run", "verdict-test", "--dir", str(folder), "--incident", incident, "--resolve", "one=done"],
                   env_for, db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run, steps = steps_of(db, incident)
    assert run.status == "succeeded" and steps["one"].state == "succeeded"
    assert requests_since(estate, since)["by_operation"].get(HEALTH) is None  # marked done, not re-run


def test_running_the_resume_command_after_the_end_starts_nothing(estate, env_for, tmp_path):
    """The same `--incident ID` command again, once the run finished: no step runs a second
    time; one line says the run finished and how to start another on purpose (--again)."""
    folder = tmp_path / "pb"
    write_playbook(folder, """
id: once-test
title: Once test
parameters:
  url: {}
steps:
  - id: one
    kind: http
    title: Health
    url: "{{ params.url }}"
""")
    db = tmp_path / "t.db"
    url = estate.env["COCKPIT_STORAGE_HEALTH_URL"]
    first = cockpit(["run", "once-test", "--dir", str(folder), "--title", "once", "--severity", "P3",
                     "--param", f"url={url}"], env_for, db)
    assert first.returncode == 0, first.stdout + first.stderr
    incident = next(line.split()[1] for line in first.stdout.splitlines() if line.startswith("declared "))
    since = time.time()
    again = cockpit(["run", "once-test", "--dir", str(folder), "--incident", incident, "--param", f"url={url}"],
                    env_for, db)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [
        f"cockpit: error: once-test already ran to the end in {incident} (run {steps_of(db, incident)[0].id} "
        "succeeded); nothing to resume — to run it again on purpose, add --again"]
    assert requests_since(estate, since)["by_operation"].get(HEALTH) is None
    with_flag = cockpit(["run", "once-test", "--dir", str(folder), "--incident", incident, "--param", f"url={url}",
                         "--again"], env_for, db)
    assert with_flag.returncode == 0, with_flag.stdout + with_flag.stderr
    assert requests_since(estate, since)["by_operation"].get(HEALTH) == 1
    from cockpit.timeline import Timeline

    with Timeline(db) as tl:
        assert [r.status for r in tl.runs(incident)] == ["succeeded", "succeeded"]


def test_a_shell_step_dies_with_a_killed_cockpit(env_for, tmp_path):
    """kill -9 of `cockpit run` takes its shell step's program with it: the program never
    finishes behind the dead cockpit (where a "rerun" verdict would run it a second time)."""
    started, finished = tmp_path / "started", tmp_path / "finished"
    code = (f"import os, time\nopen({str(started)!r}, 'w').write(str(os.getpid()))\ntime.sleep(3)\n"
            f"open({str(finished)!r}, 'w').write('done')")
    folder = tmp_path / "pb"
    write_playbook(folder, f"""
id: orphan-test
title: Orphan test
steps:
  - id: slow
    kind: shell
    title: A slow write
    risk: write
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(code)}]
""")
    proc = subprocess.Popen([sys.executable, "-m", "cockpit", "--db", str(tmp_path / "t.db"), "run", "orphan-test",
                             "--dir", str(folder), "--yes", "--title", "orphan", "--severity", "P3"],
                            env=env_for, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: started.exists() and started.read_text(), 30, "the shell step to start")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    _gone(int(started.read_text()))
    time.sleep(3.5)  # past the moment the program would have written its marker
    assert not finished.exists()
