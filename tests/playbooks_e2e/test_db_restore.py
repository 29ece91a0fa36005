"""Seed 002's database restore test (platform-db-restore-test) end to end: the latest dumps
listed from the estate's greenlang-backups, the newest held against the 1 h RPO, downloaded
with aws-cli, restored with a real psql into a scratch database on a throwaway PostgreSQL,
verified, and dropped (only the database the run created); and the stale-backups drill,
where the RPO is breached. Skips cleanly without PostgreSQL (the ``postgres`` fixture).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cockpit.estate import backup_dumps
from tests.engine.conftest import cli_env, cockpit, mutating_requests
from tests.playbooks_e2e.conftest import aws, run_playbook, run_text

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = "greenlang_restore_test"


def _exists(postgres: dict[str, Any], database: str) -> bool:
    return postgres["psql"](f"SELECT count(*) FROM pg_database WHERE datname = '{database}'", db="postgres") == "1"


def test_restore_test_restores_the_newest_dump_verifies_it_and_drops_its_scratch_database(
        module_estate, postgres, tmp_path):
    since = time.time()
    params = {"db_host": "127.0.0.1", "db_port": postgres["port"], "work_dir": str(tmp_path)}
    run = asyncio.run(run_playbook("platform-db-restore-test", tmp_path / "t.db", params, severity="P4", yes=True))
    assert run.status == "succeeded", [(s, r["status"], r.get("error")) for s, r in run.engine.records.items()]
    assert {s: run.state(s) for s in ("latest_backups", "download_dump", "create_scratch", "restore_dump",
                                      "verify_restore", "drop_scratch")} == dict.fromkeys(
        ("latest_backups", "download_dump", "create_scratch", "restore_dump", "verify_restore", "drop_scratch"),
        "succeeded")
    # The newest dump is under an hour old: within the RPO.
    key = run.outputs("latest_backups")["dump_key"]
    taken = backup_dumps.time_in(key)
    assert taken is not None and datetime.now(timezone.utc) - taken < timedelta(hours=1), key
    assert len(run.outputs("latest_backups")["latest"]) == 5  # `| tail -5`
    # What was downloaded is the estate's object, byte for byte.
    body = aws(module_estate, "s3", "eu-west-1").get_object(Bucket="greenlang-backups", Key=key)["Body"].read()
    assert (tmp_path / key.removeprefix("database/")).read_bytes() == body
    # psql restored it: the verification counts the dump's rows, table by table.
    assert run.outputs("verify_restore")["stdout"].splitlines() == [
        f"emissions {backup_dumps.emission_rows(taken)}", f"facilities {len(backup_dumps.FACILITIES)}"]
    # The scratch database is gone again; the server's own database is untouched.
    assert not _exists(postgres, SCRATCH)
    assert postgres["psql"]("SELECT count(*) FROM emissions") == "2500"
    # The restore time is on the timeline against the 4 h target.
    [metric] = [e.data for e in run.events(["metric"]) if e.data.get("name") == "restore_time"]
    assert metric["value"] == pytest.approx(run.outputs("restore_dump")["seconds"], abs=0.01)
    assert metric["target"] == 4 * 3600 and 0 < metric["value"] < 60
    # Reading the backups wrote nothing to the estate.
    assert mutating_requests(module_estate, since) == []


def test_without_db_host_the_restore_is_skipped_and_said_so(module_estate, tmp_path):
    run = asyncio.run(run_playbook("platform-db-restore-test", tmp_path / "t.db", {"work_dir": str(tmp_path)},
                                   severity="P4", yes=True))
    assert run.status == "succeeded", run.engine.records
    assert run.state("download_dump") == "succeeded"
    for step in ("create_scratch", "restore_dump", "verify_restore", "drop_scratch"):
        assert run.state(step) == "skipped"
    assert run.state("no_database") == "succeeded"  # the line a responder reads
    assert any("No db_host given: the dump is NOT restored" in e.message for e in run.events()), \
        [e.message for e in run.events()]


def test_an_existing_database_is_never_restored_into_nor_dropped(module_estate, postgres, tmp_path):
    """createdb refuses a name that exists, so the run stops before the restore and drops nothing."""
    params = {"db_host": "127.0.0.1", "db_port": postgres["port"], "work_dir": str(tmp_path), "scratch_db": "greenlang"}
    run = asyncio.run(run_playbook("platform-db-restore-test", tmp_path / "t.db", params, severity="P4", yes=True))
    assert run.state("create_scratch") == "failed" and "already exists" in run.error("create_scratch")
    assert run.status == "failed"
    assert postgres["psql"]("SELECT count(*) FROM emissions") == "2500"


def test_a_drop_edited_to_name_another_database_is_refused_by_the_engine(module_estate, postgres, tmp_path):
    """The created_by guard on a shell step reads the arguments createdb ran with in this run:
    a clean-up edited to drop greenlang is refused before dropdb starts, and greenlang stays."""
    text = (ROOT / "playbooks" / "platform-db-restore-test.yaml").read_text()
    edited = text.replace('''    argv: [dropdb, -w, -h, "{{ params.db_host }}", -p, "{{ params.db_port }}", -U, "{{ params.db_user }}",
           "{{ params.scratch_db }}"]''', '''    argv: [dropdb, -w, -h, "{{ params.db_host }}", -p, "{{ params.db_port }}", -U, "{{ params.db_user }}",
           greenlang]''')
    assert edited != text
    params = {"db_host": "127.0.0.1", "db_port": postgres["port"], "work_dir": str(tmp_path),
              "scratch_db": "greenlang_restore_edited"}
    run = asyncio.run(run_text(edited, tmp_path / "t.db", params, yes=True))
    assert run.state("restore_dump") == "succeeded"
    assert run.state("drop_scratch") == "failed"
    assert run.error("drop_scratch").startswith(
        "not run: argv[-1] 'greenlang' was not created by this run (step create_scratch created "
        "'greenlang_restore_edited')"), run.error("drop_scratch")
    assert _exists(postgres, "greenlang") and postgres["psql"]("SELECT count(*) FROM emissions") == "2500"
    postgres["psql"]("DROP DATABASE greenlang_restore_edited", db="postgres")  # tidy for the next test


def test_stale_backups_drill_finds_the_rpo_breached_and_still_restores_the_newest_dump(postgres, tmp_path):
    """`cockpit exercise platform-backups-stale --mode drill --headless` (its own estate): the
    backup job stopped 3 h ago, so the newest dump is 3 h or more old, a finding; the restore
    of that dump still runs, and only the scratch database is dropped."""
    proc = cockpit(["exercise", "platform-backups-stale", "--mode", "drill", "--speed", "60", "--headless", "--yes",
                    "--linger", "0s", "--param", "db_host=127.0.0.1", "--param", f"db_port={postgres['port']}",
                    "--param", f"work_dir={tmp_path}"], cli_env({}, tmp_path), tmp_path / "drill.db")
    out = proc.stdout + proc.stderr
    [breached] = [line.strip() for line in out.splitlines() if "RPO breached" in line]
    prefix = "failed: RPO breached: no database backup in the last 1 h; the newest, database/greenlang-prod-"
    assert breached.startswith(prefix), out
    newest = backup_dumps.time_in(breached[len("failed: RPO breached: no database backup in the last 1 h; the newest, "):]
                                  .split(",")[0])
    assert newest is not None and datetime.now(timezone.utc) - newest > timedelta(hours=3), breached
    assert "verify_restore: Verify the restored tables" in out
    assert "drop_scratch" in out and not _exists(postgres, SCRATCH)
    # The team found the breach and restored the dump; only the action item is left to them.
    assert "1 of 4 expectations missed: backup-job-action-item" in out, out
