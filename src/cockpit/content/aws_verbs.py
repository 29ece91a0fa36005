"""AWS operation verbs that only read: one list for the playbook loader's risk floor and the
emulated estate's request counter, so "zero mutating requests" and the engine's guard agree.

Kept in a module of its own (no pydantic) because the estate imports it at start-up.
"""

from __future__ import annotations

READ_VERBS = ("Get", "List", "Describe", "Head", "Lookup", "Search", "Query", "Scan", "BatchGet", "Select",
              "Simulate", "Estimate", "Test", "Validate", "Filter")
