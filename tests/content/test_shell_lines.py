"""The aws and kubectl lines shown beside a step name the very values the step uses.

A value holding an escape sequence (an object key, a name from an earlier step's output)
lost it when the line was made safe to print: `--key '\x1b]0;pwned\x07; rm -rf ~'` showed as
`--key '; rm -rf ~'`, another object. bash is the oracle: what the shown line hands a
program must be the value itself, and the line must have nothing a terminal acts on.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.content.call_text import call_lines, quote
from cockpit.content.step_base import AwsCall, K8sCall
from cockpit.textsafe import sanitize

needs_bash = pytest.mark.skipif(not shutil.which("bash"), reason="bash reads the shown lines back")


def _bash_args(line: str) -> list[str]:
    """The arguments bash hands a program for ``line`` (NUL-separated, so any text survives)."""
    done = subprocess.run(["bash", "-c", f"printf '%s\\0' {line}"], capture_output=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})  # whatever the locale
    return done.stdout.decode("utf-8").split("\0")[:-1]


@needs_bash
@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1, max_size=40))
def test_a_quoted_value_is_printable_and_bash_reads_it_back_whole(value: str) -> None:
    shown = quote(value)
    assert sanitize(shown) == shown  # nothing stripped on the way to the screen
    assert _bash_args(shown) == [value]


@needs_bash
def test_the_aws_and_kubectl_lines_keep_a_hostile_value_whole() -> None:
    key = "\x1b]0;pwned\x07; rm -rf ~"
    aws = AwsCall.model_validate({"kind": "aws", "service": "s3", "operation": "HeadObject",
                                  "params": {"Bucket": "b", "Key": key}})
    shown = next(line for line in call_lines(aws, {}) if "$ " in line).split("$ ", 1)[1]
    assert sanitize(shown) == shown
    assert _bash_args(shown)[-2:] == ["--key", key]
    k8s = K8sCall.model_validate({"kind": "k8s", "action": "rollout_restart", "resource": "deployment", "namespace": "greenlang",
                                  "name": "api; touch /tmp/x"})
    shown = next(line for line in call_lines(k8s, {}) if "$ " in line).split("$ ", 1)[1]
    assert _bash_args(shown)[-1] == "deployment/api; touch /tmp/x"  # one argument, not a second command
