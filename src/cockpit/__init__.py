"""Cockpit: a terminal incident cockpit for SREs.

The package is layered (see docs/architecture.md): content models and loaders, sources,
the timeline store, the playbook engine and the emulated estate form the core, which never
imports Textual; only ``cockpit.ui`` does.
"""

__version__ = "0.1.0"
