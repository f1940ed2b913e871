"""One deadline per reschedule call, shared by the phases of a method.

A reschedule's time limit is a wall-clock promise for the whole call, counted from when
:func:`~schedkit.rescheduling.api.reschedule` starts its clock: the situation, the right-shift
start, model building or search, every solver phase, and the re-check of the answer in
``api._finalise`` (both checkers and the objective). A method takes a :class:`Budget` once it
has its starting schedule: the budget times that re-check on the starting schedule and keeps
back ``RECHECK_FACTOR`` times as long, plus ``STOP_MARGIN`` and ``STOP_SHARE`` of the limit for
a solver to stop and its answer to be read, so that the phases it hands out end early enough
for the last re-check to fit, even when the machine is busy. (CP-SAT given 4.9 s ran 0.1-0.2 s
past it on 450-operation instances on 2 cores shared with other jobs; its first and polish
phases rarely did.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schedkit.context import SolveContext
from schedkit.rescheduling.check import violations
from schedkit.rescheduling.objective import Goal, evaluate
from schedkit.rescheduling.situation import Situation

#: the end re-check may take this many times as long as it took on the starting schedule
RECHECK_FACTOR = 3.0
#: seconds kept back besides the re-check: a solver stopping, its answer being read
STOP_MARGIN = 0.03
#: share of the time limit kept back too: a solver overruns more on a longer run and a busier machine
STOP_SHARE = 0.02
#: a phase shorter than this is not worth starting
MIN_PHASE = 0.02


@dataclass
class Budget:
    """What is left of ``ctx``'s time limit once ``reserve`` seconds are kept for the end."""

    ctx: SolveContext
    reserve: float = 0.0

    def left(self) -> float | None:
        """Seconds the phases may still use (``None`` without a time limit)."""
        return self.ctx.remaining(self.reserve)

    def share(self, fraction: float) -> float | None:
        """``fraction`` of what is left (``None`` without a time limit)."""
        left = self.left()
        return None if left is None else fraction * left

    def exhausted(self) -> bool:
        """True when a stop was requested or less than a useful phase is left."""
        left = self.left()
        return self.ctx.stop.is_set() or (left is not None and left < MIN_PHASE)

    def deadline(self) -> float | None:
        """The ``time.perf_counter()`` value the phases must end by (``None`` without a limit)."""
        left = self.left()
        return None if left is None else time.perf_counter() + left


def budget(
    sit: Situation,
    ctx: SolveContext,
    goal: Goal,
    start_solution: Any,
    recheck: Callable[[Any], Any] | None = None,
) -> Budget:
    """The budget of a call whose starting schedule is ``start_solution`` (of ``sit.effective``):
    with a time limit, times the end re-check on it to size the reserve. ``recheck(solution)``
    is that re-check (default: the shop checkers and objective)."""
    if ctx.time_limit is None:
        return Budget(ctx, 0.0)
    t0 = time.perf_counter()
    if recheck is not None:
        recheck(start_solution)
    else:
        violations(sit, start_solution)
        sit.effective.violations(start_solution)
        evaluate(sit, start_solution, goal)
    recheck_time = time.perf_counter() - t0
    return Budget(ctx, STOP_MARGIN + STOP_SHARE * ctx.time_limit + RECHECK_FACTOR * recheck_time)
