"""A hand-written corpus of broken playbooks: each gets its message at the right line.

Every case starts from BASE (a valid playbook, line numbers below) and breaks one thing, the
way an SRE editing a runbook at 3 a.m. would. The assertion is on ``file:line`` and on the
words a person needs to fix it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.playbooks import load_playbook, parse_playbook

BASE = textwrap.dedent("""\
    id: sample
    title: Sample
    parameters:
      bucket: {default: my-bucket}
    steps:
      - id: list
        kind: aws
        title: List
        service: s3
        operation: ListObjectsV2
        params: {Bucket: "{{ params.bucket }}"}
        outputs: {count: KeyCount}
      - id: done
        kind: manual
        title: Done
    """)
# line 6: "- id: list", 7: kind, 8: title, 9: service, 10: operation, 11: params, 12: outputs,
# 13: "- id: done", 14: kind, 15: title


def with_step(extra: str) -> str:
    """BASE plus one more step (starting at line 16)."""
    return BASE + textwrap.indent(textwrap.dedent(extra), "  ")


CASES = [
    # (name, text, line, words in the message)
    ("missing title", BASE.replace("title: Sample\n", ""), 1, "title: required field is missing"),
    ("wrong type", BASE.replace("    title: Done\n", "    title: Done\n    retries: many\n"), 16,
     "steps.1.retries: Input should be a valid integer"),
    ("unknown step kind", BASE.replace("kind: manual", "kind: teleport"), 14, "unknown step kind 'teleport'"),
    ("missing kind", BASE.replace("    kind: manual\n", ""), 13, "`kind` is missing"),
    ("unknown field", BASE.replace("    title: Done\n", "    title: Done\n    colour: red\n"), 16,
     "steps.1.colour: unknown field"),
    ("missing steps", BASE.split("steps:")[0], 1, "steps: required field is missing"),
    ("unknown step reference", with_step("""\
        - id: show
          kind: manual
          title: "Found {{ steps.lst.outputs.count }}"
        """), 18, "unknown step 'lst' (did you mean 'list'?)"),
    ("unknown output", with_step("""\
        - id: show
          kind: manual
          title: "Found {{ steps.list.outputs.total }}"
        """), 18, "step 'list' has no output 'total'"),
    ("reference to a later step", BASE.replace("title: List", "title: \"{{ steps.done.status }}\""), 8,
     "step 'done' does not run before this step"),
    ("unknown parameter", BASE.replace("{{ params.bucket }}", "{{ params.buckt }}"), 11,
     "unknown parameter 'buckt' (did you mean 'bucket'?)"),
    ("bad template", BASE.replace("{{ params.bucket }}", "{{ params.bucket"), 11, "params.Bucket: template error"),
    ("bad when", BASE.replace("    title: Done\n", "    title: Done\n    when: \"steps.list.status ==\"\n"), 16,
     "when: template error"),
    ("env is not available", BASE.replace("title: Done", "title: \"{{ env.HOME }}\""), 15,
     "environment variables are not available"),
    ("goto unknown step", BASE.replace("    title: List\n", "    title: List\n    on_failure: goto:nowhere\n"), 9,
     "goto 'nowhere': no such step"),
    ("goto cycle", BASE.replace("    title: Done\n", "    title: Done\n    on_failure: goto:list\n"), 16,
     "jumps back to step 1"),
    ("choose goto cycle", with_step("""\
        - id: decide
          kind: choose
          title: Again?
          prompt: Again?
          options:
            - {id: again, label: Again, goto: list}
            - {id: stop, label: Stop, goto: end}
        """), 21, "goto 'list' jumps back"),
    ("duplicate step id", BASE.replace("id: done", "id: list"), 13, "duplicate step id 'list'"),
    ("destructive without confirm", with_step("""\
        - id: wipe
          kind: aws
          title: Wipe
          risk: destructive
          service: s3
          operation: DeleteBucket
          params: {Bucket: "{{ params.bucket }}"}
        """), 16, "a destructive step needs `confirm`"),
    ("risk too low", with_step("""\
        - id: put
          kind: aws
          title: Put
          risk: read
          service: s3
          operation: PutObject
          params: {Bucket: "{{ params.bucket }}", Key: k}
        """), 16, "risk: read is too low"),
    ("shell argv as a string", with_step("""\
        - id: sync
          kind: shell
          title: Sync
          risk: write
          argv: "aws s3 sync {{ params.bucket }} ."
        """), 20, "argv must be a list of strings, not one shell string"),
    ("template in bash -c", with_step("""\
        - id: sync
          kind: shell
          title: Sync
          risk: write
          argv: [bash, -c, "aws s3 ls {{ params.bucket }}"]
        """), 20, "argv[2]: this argument is the command line (or script) bash runs"),
    ("templated program", with_step("""\
        - id: run
          kind: shell
          title: Run
          risk: write
          argv: ["{{ params.bucket }}", x]
        """), 20, "argv[0]: the program must be written literally"),
    ("shell without risk", with_step("""\
        - id: run
          kind: shell
          title: Run
          argv: [ls]
        """), 16, "a shell step must declare `risk`"),
    ("unknown AWS operation", BASE.replace("ListObjectsV2", "ListObjectV2"), 10,
     "s3 has no operation 'ListObjectV2' (did you mean 'ListObjectsV2'?)"),
    ("unknown AWS parameter", BASE.replace("{Bucket:", "{Buckett:"), 11, "unknown parameter 'Buckett'"),
    ("unknown AWS service", BASE.replace("service: s3", "service: s4"), 9, "unknown AWS service 's4'"),
    ("bad JMESPath", BASE.replace("{count: KeyCount}", "{count: \"KeyCount[\"}"), 12, "not a valid JMESPath"),
    ("wait check that writes", with_step("""\
        - id: poll
          kind: wait
          title: Poll
          until: "result.x"
          check:
            kind: aws
            service: s3
            operation: PutObject
            params: {Bucket: b, Key: k}
        """), 16, "a wait check must only read"),
    ("unknown phase", BASE.replace("    title: Done\n", "    title: Done\n    phase: phase_9\n"), 16,
     "unknown phase 'phase_9'"),
    ("default does not match pattern", BASE.replace("{default: my-bucket}", "{default: My_Bucket, pattern: \"[a-z-]+\"}"),
     4, "does not match the pattern"),
    ("choice without choices", BASE.replace("{default: my-bucket}", "{type: choice}"), 4,
     "a choice parameter needs `choices`"),
    ("reserved step id", BASE.replace("id: done", "id: end"), 13, "`end` is reserved"),
    ("option condition syntax", with_step("""\
        - id: decide
          kind: choose
          title: Decide
          prompt: Go?
          options:
            - {id: go, label: Go, condition: "steps.list.outputs.count >"}
            - {id: stop, label: Stop}
        """), 21, "options.0.condition: template error"),
    ("k8s scale without replicas", with_step("""\
        - id: scale
          kind: k8s
          title: Scale
          action: scale
          name: storage-service
        """), 16, "k8s action scale needs `replicas`"),
    ("shell created_by past the creator's arguments", with_step("""\
        - id: make
          kind: shell
          title: Make
          risk: write
          argv: [createdb, scratch]
        - id: drop
          kind: shell
          title: Drop
          risk: write
          argv: [dropdb, scratch]
          created_by: {step: make, output: "argv[5]", param: "argv[-1]"}
        """), 26, "created_by: output 'argv[5]' must be argv[N], an argument of the creating step (it has 2)"),
    ("shell created_by from a step that only reads", with_step("""\
        - id: make
          kind: shell
          title: Make
          risk: read
          argv: [psql, -l]
        - id: drop
          kind: shell
          title: Drop
          risk: write
          argv: [dropdb, scratch]
          created_by: {step: make, output: "argv[-1]", param: "argv[-1]"}
        """), 26, "created_by: step 'make' is not a shell step that creates something"),
    ("duplicate key", BASE.replace("    title: Done\n", "    title: Done\n    title: Again\n"), 16, "duplicate key 'title'"),
    ("tabs", BASE.replace("    kind: manual", "\tkind: manual"), 14, "not valid YAML"),
    ("empty file", "", 1, "the file is empty"),
    ("list at top level", "- id: x\n- id: y\n", 1, "must be a mapping"),
    ("a scalar at top level", "just words\n", 1, "must be a mapping"),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), CASES, ids=[c[0] for c in CASES])
def test_each_broken_playbook_gets_its_message_at_its_line(tmp_path: Path, name: str, text: str, line: int,
                                                           words: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_playbook(path)
    found = [(p.line, p.message) for p in caught.value.problems]
    assert any(words in message and found_line == line for found_line, message in found), found
    assert all(str(p).startswith(f"{path}:") for p in caught.value.problems)


def test_the_base_of_the_corpus_is_valid() -> None:
    playbook = parse_playbook(BASE, "base.yaml")
    assert [s.id for s in playbook.steps] == ["list", "done"]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("{{ params.bucket }}", "{{ params.buckt }}").replace("id: done", "id: list")
    with pytest.raises(ContentError) as caught:
        parse_playbook(text, "two.yaml")
    assert [p.line for p in caught.value.problems] == [11, 13]


def test_a_missing_file_and_a_directory_are_content_errors(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no such file"):
        load_playbook(tmp_path / "nope.yaml")
    with pytest.raises(ContentError, match="is a directory"):
        load_playbook(tmp_path)
