"""Operator content: screens, playbooks and scenarios (YAML), validated by pydantic models."""
