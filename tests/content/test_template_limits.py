"""Templates that try to take the cockpit's memory or time get a TemplateError, quickly.

Each attack is a way around a naive size cap on ``*`` (format widths, ``ljust``, filters
with a width, ``~`` and ``+`` doubling, nested loops, a macro that calls itself...). They
all run in one child process whose address space is capped at 1 GB, so a template that
does allocate its gigabyte fails here (MemoryError, or the child killed) instead of taking
the test run down; the timeout only catches a hang.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

ATTACKS = [
    "{{ '%999999999s' % 'x' }}",
    "{{ '%999999999s'|format('x') }}",
    "{{ '{:>999999999}'.format('x') }}",
    "{{ '{:>{w}}'.format('x', w=999999999) }}",
    "{{ '{a:>999999999}'.format_map({'a': 'x'}) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 'x'.center(999999999) }}",
    "{{ 'x'.zfill(999999999) }}",
    "{{ ('\t' * 1000).expandtabs(10**6) }}",
    "{{ 'x'.translate({120: 'y' * 100000}) }}",
    "{{ 'a' * 10**9 }}",
    "{{ range(10**9)|list }}",
    "{{ 'x'|indent(width=10**9) }}",
    "{{ 'x'|center(999999999) }}",
    "{{ ('a' * 100000)|wordwrap(1, wrapstring='b' * 100000) }}",
    "{{ ('a' * 100000)|replace('a', 'b' * 100000) }}",
    "{{ ('a' * 100000).replace('a', 'b' * 100000) }}",
    "{{ [1]|batch(10**9, 'x')|list }}",
    "{{ range(10)|slice(10**9)|list }}",
    "{{ {'a': 1}|tojson(indent=10**9) }}",
    "{% set s = 'x' * 100000 %}{{ ([s] * 100000)|join }}",
    "{{ dict.fromkeys(range(100000), 'x' * 100000)|tojson }}",
    "{{ dict.fromkeys(range(100000), 'x' * 100000) }}",
    "{{ ('%s' * 50000) % (('x' * 100000,) * 50000) }}",
    "{{ '{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}'.format('x' * 100000) }}",
    "{% set a = 'x' * 500000 %}{% set b = a + a %}{% set c = b + b %}{% set d = c + c %}{{ d|length }}",
    "{% set a = 'x' * 500000 %}{% set b = a ~ a %}{% set c = b ~ b %}{% set d = c ~ c %}{{ d|length }}",
    "{% set a = 10**64 %}{% set b = a**64 %}{% set c = b**64 %}{% set d = c**64 %}{{ d > 0 }}",
    "{% set a = 10**60 %}{% set b = a*a*a*a*a*a*a*a %}{% set c = b*b*b*b*b*b*b*b %}{% set d = c*c*c*c*c*c*c*c %}"
    "{% set e = d*d*d*d*d*d*d*d %}{{ e > 0 }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{% for x in range(100) recursive %}{{ loop(range(100)) }}{% endfor %}",
]

CHILD = """
import json, sys, time
from jinja2 import TemplateError
from cockpit.content import templating
for source in json.loads(sys.stdin.read()):
    start = time.perf_counter()
    try:
        templating.render_value(source, {"params": {}})
        outcome = "rendered"
    except TemplateError as exc:
        outcome = "TemplateError: " + str(exc)
    except BaseException as exc:
        outcome = type(exc).__name__ + ": " + str(exc)[:200]
    print(json.dumps([source, outcome, time.perf_counter() - start]), flush=True)
"""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.fixture(scope="module")
def outcomes() -> dict[str, tuple[str, float]]:
    try:
        child = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(ATTACKS), capture_output=True,
                               text=True, timeout=120, preexec_fn=_cap_memory,
                               env={**os.environ, "PYTHONPATH": str(SRC)})
        stdout = child.stdout
    except subprocess.TimeoutExpired as exc:
        stdout = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
    return {source: (outcome, seconds) for source, outcome, seconds in map(json.loads, stdout.splitlines())}


@pytest.mark.parametrize("source", ATTACKS)
def test_a_template_that_would_take_memory_or_time_is_refused_quickly(outcomes, source: str) -> None:
    assert source in outcomes, "the child process died or hung before this template"
    outcome, seconds = outcomes[source]
    assert outcome.startswith("TemplateError: "), outcome
    assert "\n" not in outcome
    assert seconds < 10


def test_ordinary_templates_still_render() -> None:
    from cockpit.content import templating

    ctx = {"params": {"b": "bucket", "n": 3, "names": ["a", "b"]}}
    assert templating.render_value("{{ '%-8s|' % params.b }}{{ '{:>4}'.format(params.n) }}", ctx) == "bucket  |   3"
    assert templating.render_value("{{ params.names|join(',') }} {{ 'x'.ljust(3, '-') }} {{ params.b|upper }}",
                                   ctx) == "a,b x-- BUCKET"
    assert templating.render_value("{% for k in params.names %}{{ loop.index }}{{ k ~ '/' }}{% endfor %}",
                                   ctx) == "1a/2b/"
    assert templating.render_value("{{ params.n * 2 + 1 }}", ctx) == 7
    assert templating.render_value("{{ range(3)|map('string')|join('-') }}", ctx) == "0-1-2"
