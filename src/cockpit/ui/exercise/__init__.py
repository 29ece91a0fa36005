"""Exercise pieces for the cockpit UI: the mode banner and the facilitator's keys.

Self-contained so the app can adopt them with a mixin and one widget (docs/exercises.md):
``class CockpitApp(ExerciseActions, App)`` with ``*EXERCISE_BINDINGS`` in ``BINDINGS``, ``yield ExerciseBanner()`` in ``compose``, and
``self.attach_exercise(exercise)`` once the estate is up.
"""

from cockpit.ui.exercise.actions import EXERCISE_BINDINGS, AdhocInjectScreen, ExerciseActions
from cockpit.ui.exercise.banner import ExerciseBanner
from cockpit.ui.exercise.report import AfterActionScreen, ConfirmEndScreen

__all__ = ["EXERCISE_BINDINGS", "AdhocInjectScreen", "AfterActionScreen", "ConfirmEndScreen", "ExerciseActions",
           "ExerciseBanner"]
