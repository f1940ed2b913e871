"""The rescheduling objective: makespan (+ weighted tardiness) + stability weight x stability measure.

* makespan: the latest end of the new schedule (frozen operations included);
* tardiness: when some job has a due date (a rush), the total weighted tardiness
  ``sum w_j max(0, C_j - d_j)`` over the jobs with one (``C_j`` the end of the job's last
  operation); it is added to the makespan, which keeps the other jobs compact;
* stability, against the old schedule, over the operations both schedules hold: ``"shift"``
  (default) the sum of ``|new start - old start|``, ``"moved"`` the number of operations whose
  start or machine changed. Frozen operations never move; arrivals have no old start.

The combined value ``makespan + tardiness + stability * measure`` is ``Result.objective``;
the default stability weight is 0 (makespan alone), and the methods that can (``cpsat``)
then still prefer, among schedules of equal objective, the one that moves least.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.rescheduling.situation import Situation

MEASURES = ("shift", "moved")
DEFAULT_MEASURE = "shift"


@dataclass(frozen=True)
class Goal:
    """What a reschedule minimises: ``stability`` weighs the ``measure``."""

    stability: float = 0.0
    measure: str = DEFAULT_MEASURE

    def __post_init__(self) -> None:
        w = self.stability
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w) or w < 0:
            raise InvalidParameterError(f"stability weight must be a number >= 0, got {w!r}")
        if self.measure not in MEASURES:
            raise InvalidParameterError(
                f"option stability_measure must be one of {', '.join(MEASURES)}, got {self.measure!r}"
            )


@dataclass(frozen=True)
class Scores:
    """The parts of the objective of one schedule."""

    makespan: int
    tardiness: int
    moved: int
    shift: int
    objective: float | int

    def as_stats(self) -> dict[str, Any]:
        return {
            "makespan": self.makespan,
            "tardiness": self.tardiness,
            "moved": self.moved,
            "shift": self.shift,
        }


def evaluate(situation: Situation, solution: Any, goal: Goal) -> Scores:
    """The objective parts of ``solution`` (a solution of ``situation.effective``)."""
    eff = situation.effective
    start = solution.starts(eff)
    end = solution.per_operation(eff, solution.end)
    mach = solution.machines(eff)
    makespan = int(end.max(initial=0))
    last_end = end[eff.job_start[1:] - 1]
    due = situation.due_date
    late = np.where(due >= 0, np.maximum(0, last_end - due), 0)
    tardiness = int((situation.job_weight * late).sum())
    had = situation.old_start >= 0
    moved = int((had & ((start != situation.old_start) | (mach != situation.old_machine))).sum())
    shift = int(np.abs(start - situation.old_start)[had].sum())
    measure = shift if goal.measure == "shift" else moved
    w = goal.stability
    if isinstance(w, float) and w.is_integer():
        w = int(w)
    return Scores(makespan, tardiness, moved, shift, makespan + tardiness + w * measure)
