"""`cockpit status` without --json says each finding once: a crashing pod's state is its
status and its problem, a deployment's ready count is in its problem; both were printed
twice ("CrashLoopBackOff CrashLoopBackOff", "degraded 1/3 1/3 ready")."""

from __future__ import annotations

from cockpit.sources.report import status_text


def test_a_finding_is_said_once() -> None:
    doc = {"screen": "greenlang-platform", "level": "critical", "generated_at": "2026-12-05T12:00:00Z",
           "elapsed_seconds": 0.3, "sources": {"kubernetes": {"level": "critical", "error": None, "items": [
               {"kind": "deployment", "scope": "greenlang", "name": "storage-service", "level": "warning",
                "status": "degraded", "ready": 1, "desired": 3, "problem": "1/3 ready"},
               {"kind": "pod", "scope": "greenlang", "name": "storage-service-6f-h684m", "level": "critical",
                "status": "CrashLoopBackOff", "problem": "CrashLoopBackOff"},
               {"kind": "deployment", "scope": "greenlang", "name": "api-gateway", "level": "warning",
                "status": "progressing", "ready": 2, "desired": 3, "problem": "rollout stuck"},
           ]}}}
    lines = status_text(doc).splitlines()[2:]
    assert lines == [
        "    WARN deployment greenlang/storage-service: degraded 1/3 ready",
        "    CRIT pod greenlang/storage-service-6f-h684m: CrashLoopBackOff",
        "    WARN deployment greenlang/api-gateway: progressing 2/3 rollout stuck",  # counts kept: not said
    ]
