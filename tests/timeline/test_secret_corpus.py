"""The planted corpus (secret_corpus.py) through the real CLI and engine: nothing reaches the
database, its WAL or an export; ordinary operational text stays readable.

Every way text gets in is used: incident titles and notes (``cockpit incident``), a playbook
run's parameters, its step previews (a notify step's text is previewed line by line), a
shell step's stdout and an AWS call's response (``cockpit run`` against the emulated estate:
S3 echoes the ``Prefix`` it was given), and an
imported export whose messages, event data, run parameters and step outputs hold secrets.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import cli
from cockpit.estate.catalogue import BUCKETS
from cockpit.timeline import Timeline
from cockpit.exports.transfer import export_json
from tests.engine.conftest import cli_env, cockpit, incident_id, write_playbook
from tests.timeline.secret_corpus import ALL, KEEP, PLANTED

PRINT = "import sys; print(sys.argv[1])"


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _import_file(tmp: Path) -> Path:
    """An export (made with placeholders, which redaction leaves alone) with the secrets put in."""
    items = PLANTED["import"]
    with Timeline(tmp / "scratch.db", actor="bob@laptop") as tl:
        inc = tl.declare("imported incident", "P2")
        for i, _ in enumerate(items):
            tl.note(inc.id, f"@@MSG{i}@@", {"detail": f"@@DATA{i}@@"})
        run = tl.create_run(inc.id, "pb", {"blob": "@@PARAM@@"})
        tl.set_step_state(run, "s", "succeeded", outputs={"stdout": "@@OUT@@"}, error="@@ERR@@")
        text = export_json(tl, inc.id)

    def esc(s: str) -> str:
        return json.dumps(s)[1:-1]

    blob = esc("\n".join(p.text for p in items))
    for i, p in enumerate(items):
        text = text.replace(f"@@MSG{i}@@", esc(p.text)).replace(f"@@DATA{i}@@", esc(p.text))
    text = text.replace("@@PARAM@@", blob).replace("@@OUT@@", blob).replace("@@ERR@@", blob)
    path = tmp / "import.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_planted_secrets_never_reach_the_file_its_wal_or_an_export(estate, tmp_path: Path, isolated) -> None:
    db = tmp_path / "t.db"
    bucket = BUCKETS[0]
    # Titles and notes, through `cockpit incident`.
    main = _cli(db, "incident", "declare", "--title", "corpus", "--severity", "P3").strip()
    for p in PLANTED["title"]:
        _cli(db, "incident", "declare", f"--title={p.text}", "--severity", "P4")
    for p in PLANTED["note"]:
        _cli(db, "incident", "note", main, "--", p.text)
    for text in KEEP:
        _cli(db, "incident", "note", main, text)
    # A run: the parameter, the shell step's preview and stdout, the AWS response.
    folder = tmp_path / "pb"
    write_playbook(folder, f"""
id: corpus
title: Corpus
parameters:
  blob: {{}}
steps:
  - id: echo
    kind: shell
    title: Print the blob
    risk: read
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(PRINT)}, "{{{{ params.blob }}}}"]
  - id: list
    kind: aws
    title: List with the blob as prefix
    service: s3
    operation: ListObjectsV2
    region: {bucket.region}
    params: {{Bucket: {bucket.name}, Prefix: "{{{{ params.blob }}}}"}}
  - id: tell
    kind: notify
    title: Tell the channel
    channel: "#ops"
    text: "{{{{ params.blob }}}}"
""")
    blob = "\n".join(p.text for p in PLANTED["param"])
    proc = cockpit(["run", "corpus", "--dir", str(folder), "--title", "run", "--severity", "P3", "--yes",
                    f"--param=blob={blob}"], cli_env(estate.env, tmp_path), db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_incident = incident_id(proc.stdout)
    with Timeline(db) as tl:
        response = tl.step_state(tl.runs(run_incident)[-1].id, "list").outputs
    assert "Prefix" in json.dumps(response), "the AWS response should echo the prefix (else it tests nothing)"
    # An import.
    _cli(db, "incident", "import", "--renumber", str(_import_file(tmp_path)))

    # Every incident exported to a file, as a responder would attach it to a ticket.
    exports, modes = [], set()
    for row in json.loads(_cli(db, "incident", "list", "--json")):
        out = tmp_path / f"{row['id']}.json"
        _cli(db, "incident", "export", row["id"], "--format", "json", "-o", str(out))
        modes.add(stat.S_IMODE(out.stat().st_mode))
        exports.append(out.read_bytes())
    files = [p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("t.db")]
    blobs = files + exports

    def leaks(secret: str) -> bool:
        needles = {secret.encode(), json.dumps(secret)[1:-1].encode()}
        return any(n in b for n in needles for b in blobs)

    leaked = [f"{context}/{p.kind}" for context, items in PLANTED.items() for p in items if leaks(p.secret)]
    assert not leaked, f"{len(leaked)} of {len(ALL)} planted secrets leaked: {', '.join(leaked)}"
    main_export = next(e for e in exports if main.encode() in e and b"corpus" in e).decode()
    lost = [text for text in KEEP if json.dumps(text)[1:-1] not in main_export]
    assert not lost, f"ordinary text was redacted: {lost}"
    assert modes == {0o600}, "an export holds what the timeline holds: owner-only, like the database"
