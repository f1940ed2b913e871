"""The RCPSP rescheduling objective: makespan + stability weight x stability measure.

The makespan is the latest end of the new schedule (frozen activities included, a resumed one
with the downtime it spans); no activity has a due date, so the tardiness is 0. Stability,
against the old schedule: ``"shift"`` the sum of ``|new start - old start|``, ``"moved"`` the
number of activities whose start changed (frozen activities never move; a cut one restarted
always does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedkit.rescheduling.objective import Goal, Scores


def evaluate(situation: Any, solution: Any, goal: Goal) -> Scores:
    """The objective parts of ``solution`` (a solution of ``situation.effective``)."""
    start = np.asarray(solution.start, dtype=np.int64)
    makespan = int((start + situation.span).max(initial=0))
    moved = int((start != situation.old_start).sum())
    shift = int(np.abs(start - situation.old_start).sum())
    measure = shift if goal.measure == "shift" else moved
    w = goal.stability
    if isinstance(w, float) and w.is_integer():
        w = int(w)
    return Scores(makespan, 0, moved, shift, makespan + w * measure)
