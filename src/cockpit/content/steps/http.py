"""``http``: one HTTP request; ``expect`` and ``outputs`` read the JSON body."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from cockpit.content.step_base import HttpCall, Risk, StepBase
from cockpit.content.steps.kind import CallKind


class HttpStep(StepBase, HttpCall):
    kind: Literal["http"]  # narrowed again: StepBase.kind (str) would otherwise win over the call's
    def inferred_risk(self) -> Risk:
        # A POST may be a query (seed 004's explain-match), so only PUT/PATCH/DELETE imply a write;
        # a POST left without `risk` is taken as a write (see below).
        return Risk.write if self.method in ("PUT", "PATCH", "DELETE") else Risk.read

    @model_validator(mode="after")
    def _post_defaults_to_write(self) -> "HttpStep":
        if self.method == "POST" and "risk" not in self.model_fields_set:
            object.__setattr__(self, "risk", Risk.write)
        return self


class Http(CallKind):
    kind, model, implicit_outputs = "http", HttpStep, ("status", "body")
    expected = ()  # its call lines say which status is expected
