"""What leaves the cockpit: the Markdown postmortem, the JSON export (and its import back),
the drill / after-action report, and the files they are written to. No Textual.

* ``postmortem.py`` — the Markdown postmortem (``cockpit incident export --format md``).
* ``after_action.py`` — the drill and after-action report: a Markdown section of the
  postmortem of an exercise incident, and the same as data for the JSON export.
* ``transfer.py`` — the JSON export and its lossless import (``incident export --format json``,
  ``incident import``).
* ``files.py`` — writing an export owner-only, and where the cockpit puts a postmortem.

A package of its own because an export of a drill reports on the exercise: it sits above
``exercise/`` (and so above the timeline and the engine) and below ``ui/`` and ``cli/``,
which call it. Import from the submodules: the package itself imports nothing.
"""
