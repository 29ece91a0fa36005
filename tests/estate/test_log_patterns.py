"""CloudWatch Logs space-delimited filter patterns, as the estate matches them (seed 001's
ALB 5xx review: ``[..., status_code=5*, ...]``); moto matched every line."""

from __future__ import annotations

import time

import pytest

from cockpit.estate.log_patterns import fields, matches

LINE_504 = "http 2026-12-03T21:00:00Z app/production-alb 203.0.113.7:51234 10.0.1.21:80 0.001 30.001 -1 504 -"
LINE_200 = "http 2025-01-01T09:00:00Z app/production-alb 10.0.1.10:443 10.0.1.20:80 0.001 0.010 0.000 200 200"


def test_the_runbooks_5xx_pattern_finds_the_504_and_not_the_200():
    assert matches("[..., status_code=5*, ...]", LINE_504)
    assert not matches("[..., status_code=5*, ...]", LINE_200)


@pytest.mark.parametrize("pattern, message, expected", [
    ("[a, b]", "x y", True),
    ("[a, b]", "x y z", False),                      # without ..., every field needs its term
    ("[a, ...]", "x y z", True),
    ("[..., code>=500 && code<600, last]", LINE_504, True),
    ("[..., code=502 || code=504, last]", LINE_504, True),
    ("[..., code!=504, last]", LINE_504, False),
    ("[ip, user, ...]", '1.2.3.4 "jane doe" [x y] z', True),
    ("[..., size>1000]", "GET /a 999", False),
    ("[..., size>1000]", "GET /a 1001", True),
    ("[..., method=G*T, ...]", "x GET y", True),
    ("[oops", LINE_504, False),                        # not a pattern: matches nothing
    ("[a, 5 = b]", "x y", False),
])
def test_space_delimited_terms(pattern, message, expected):
    assert matches(pattern, message) is expected


def test_quoted_and_bracketed_stretches_are_one_field():
    assert fields('a "b c" [d e] f') == ["a", "b c", "d e", "f"]


def test_many_ellipses_on_a_long_line_answer_at_once():
    started = time.monotonic()
    assert not matches("[" + ", ".join(["..."] * 40) + ", z=5]", " ".join(["x"] * 5000))
    assert time.monotonic() - started < 5  # a bound that only catches an exponential search
