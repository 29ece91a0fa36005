"""A template never fills an argv element that a program reads as code, however it is wrapped.

Each form is a whole playbook file loaded as a user's would be: the answer is one
``file:line: argv[N]: ...`` at the line of the offending element.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.playbooks import load_playbook

X = '"{{ params.x }}"'

REFUSED = [
    # (argv as YAML, index of the element refused)
    (f"[sh, -c, {X}]", 2),
    (f"[env, sh, -c, {X}]", 3),
    (f"[env, -i, FOO=1, --unset=BAR, bash, -c, {X}]", 6),
    (f"[env, -S, 'sh -c', {X}]", 3),
    (f"[env, {X}, -c, ls]", 1),
    (f"[nice, -n, '5', sh, -c, {X}]", 5),
    (f"[nice, '-10', sh, -c, {X}]", 4),
    (f"[timeout, '5', sh, -c, {X}]", 4),
    (f"[timeout, -k, 10s, -s, KILL, 5m, bash, -ec, {X}]", 8),
    (f"[timeout, {X}, ls]", 1),
    (f"[sudo, -u, root, -E, bash, -c, {X}]", 6),
    (f"[sudo, -s, ls, {X}]", 3),
    (f"[doas, -u, root, sh, -c, {X}]", 5),
    (f"[nohup, stdbuf, -oL, setsid, -w, zsh, -c, {X}]", 7),
    (f"[ionice, -c, '2', -n, '7', chrt, -f, '10', taskset, '0x3', dash, -c, {X}]", 12),
    (f"[time, -p, command, exec, ksh, -c, {X}]", 6),
    (f"[xargs, -I, '{{}}', sh, -c, {X}]", 5),
    (f"[flock, /tmp/lock, -c, {X}]", 3),
    (f"[flock, -w, '5', /tmp/lock, bash, -c, {X}]", 6),
    (f"[watch, -n, '5', kubectl, get, pods, {X}]", 6),
    (f"[su, -, deploy, -c, {X}]", 4),
    (f"[busybox, sh, -c, {X}]", 3),
    (f"[/usr/bin/python3.11, -I, -c, {X}]", 3),
    (f"[python3, -m, {X}]", 2),
    (f"[python3, {X}]", 1),
    (f"[perl, -e, {X}]", 2),
    (f"[perl, -ne, 'print', {X}]", 3),
    (f"[ruby, -e, {X}]", 2),
    (f"[node, --eval, {X}]", 2),
    (f"[node, '--eval={{{{ params.x }}}}']", 1),
    (f"[php, -r, {X}]", 2),
    (f"[awk, {X}, /var/log/x]", 1),
    (f"[gawk, --source, {X}]", 2),
    (f"[sed, {X}, /etc/hosts]", 1),
    (f"[sed, -e, {X}]", 2),
    (f"[ssh, bastion, uptime, {X}]", 3),
    (f"[ssh, -o, {X}, bastion, uptime]", 2),
    (f"[ssh, {X}, uptime]", 1),
    (f"[kubectl, exec, -n, prod, api-0, --, sh, -c, {X}]", 8),
    (f"[kubectl, exec, api-0, --, {X}]", 4),
    (f"[docker, exec, -it, -u, root, api, bash, -c, {X}]", 8),
    (f"[find, /var/log, -name, '*.log', -exec, sh, -c, {X}, ';']", 7),
    (f"[strace, -f, bash, -c, {X}]", 4),
]

ALLOWED = [
    f"[aws, s3, sync, 's3://{{{{ params.x }}}}/', s3://b/, --region, {X}]",
    f"[kubectl, logs, -n, {X}, -l, 'app={{{{ params.x }}}}', --since=12h]",
    f"[sh, -c, 'printf %s \"$1\"', sh, {X}]",  # the value is $1: data, never parsed
    f"[python3, -c, 'import sys; print(sys.argv[1])', {X}]",
    f"[env, 'REGION={{{{ params.x }}}}', aws, s3, ls]",
    f"[timeout, 30s, kubectl, get, pods, -n, {X}]",
    f"[nice, -n, {X}, aws, s3, ls]",
    f"[awk, -v, 'n={{{{ params.x }}}}', '{{ print n }}']",
    f"[sed, -n, '1p', {X}]",
    f"[ssh, 'ops@{{{{ params.x }}}}', uptime]",
    f"[kubectl, exec, api-0, --, ls, {X}]",
    f"[watch, -x, kubectl, get, pods, -n, {X}]",
    f"[bash, ./collect.sh, {X}]",
]


def _playbook(tmp: Path, argv: str) -> Path:
    path = tmp / "wrapped.yaml"
    path.write_text(textwrap.dedent(f"""\
        id: wrapped
        title: Wrapped
        parameters:
          x: {{}}
        steps:
          - id: run
            kind: shell
            title: Run
            risk: read
            argv:
              {argv}
        """), encoding="utf-8")
    return path  # the argv is on line 11


@pytest.mark.parametrize(("argv", "index"), REFUSED, ids=[a for a, _ in REFUSED])
def test_a_template_the_program_reads_as_code_is_refused_at_its_line(tmp_path: Path, argv: str, index: int) -> None:
    path = _playbook(tmp_path, argv)
    with pytest.raises(ContentError) as caught:
        load_playbook(path)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith(f"{path}:11: argv[{index}]: ") for line in lines), lines


@pytest.mark.parametrize("argv", ALLOWED)
def test_a_template_that_fills_data_is_accepted(tmp_path: Path, argv: str) -> None:
    playbook = load_playbook(_playbook(tmp_path, argv))
    assert any("{{ params.x }}" in a for a in playbook.steps[0].argv)  # type: ignore[attr-defined]


def test_one_element_per_line_reports_the_line_of_the_element(tmp_path: Path) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text(textwrap.dedent(f"""\
        id: lines
        title: Lines
        parameters:
          x: {{}}
        steps:
          - id: run
            kind: shell
            title: Run
            risk: read
            argv:
              - env
              - sh
              - -c
              - {json.dumps("{{ params.x }}")}
        """), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_playbook(path)
    assert [str(p).split(": argv")[0] for p in caught.value.problems] == [f"{path}:14"]
