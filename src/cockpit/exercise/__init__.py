"""DR drills and tabletop exercises on the emulated estate (docs/exercises.md). No Textual.

* :class:`Exercise` (``session.py``) — the exercise incident, injects relayed from the
  estate's scenario clock, facilitator controls, scoring at the end.
* :class:`DrillMeter` (``drill.py``) — seed 003's DR test metrics while a playbook runs.
* ``scoring.py`` — expectations met or missed, with evidence, from the timeline alone.
* ``verdict.py`` — a drill's one-line verdict: targets and expectations, both said.
* ``headless.py`` — what ``cockpit exercise --headless`` runs.

Import from the submodules: the package itself imports nothing, so the exports
(``cockpit.exports.after_action``) can use ``scoring.py`` and ``verdict.py`` without loading
the engine or aiohttp. The reports themselves live in ``cockpit/exports/``, above this package.
"""

