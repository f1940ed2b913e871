"""Right-shift repair, the baseline shops use: keep the old sequence on every machine and push
operations right only as far as needed.

Operations are taken in the order of their old starts (a topological order of both the job
chains and the machine sequences): a frozen one stays; any other keeps its old machine and
starts at the earliest time not before its old start, ``at``, its job's release, its job
predecessor's end and its machine predecessor's end, and outside the machine's busy time
(downtime, frozen operations). Nothing moves left. Arrived jobs are appended after, operation
by operation, each on the eligible machine where it ends first.
"""

from __future__ import annotations

import numpy as np

from schedkit.context import SolveContext
from schedkit.rescheduling.objective import Goal
from schedkit.rescheduling.situation import Situation, fit
from schedkit.result import Result, Status


def repair(sit: Situation) -> tuple[np.ndarray, np.ndarray]:
    """(machine, start) per operation of the effective problem."""
    eff = sit.effective
    n = eff.num_operations
    had = np.flatnonzero(sit.old_start >= 0)
    order = had[np.lexsort((had, sit.old_end[had], sit.old_start[had]))].tolist()
    order += np.flatnonzero(sit.old_start < 0).tolist()
    machine = np.full(n, -1, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    end = np.zeros(n, dtype=np.int64)
    mach_ready = [0] * eff.num_machines
    for o in order:
        if sit.is_frozen[o]:
            m, s, e = int(sit.fixed_machine[o]), int(sit.fixed_start[o]), int(sit.fixed_end[o])
        else:
            ready = max(int(sit.earliest[o]), int(sit.old_start[o]))
            if eff.rank[o] > 0:
                ready = max(ready, int(end[o - 1]))
            if sit.old_start[o] >= 0:
                m = int(sit.old_machine[o])
                d = dict(sit.alts[o])[m]
                s = fit(sit.busy[m], max(ready, mach_ready[m]), d)
            else:
                choices = [
                    (fit(sit.busy[mm], max(ready, mach_ready[mm]), d) + d, mm, d) for mm, d in sit.alts[o]
                ]
                e, m, d = min(choices)
                s = e - d
            e = s + d
        machine[o], start[o], end[o] = m, s, e
        mach_ready[m] = max(mach_ready[m], e)
    return machine, start


def solve(sit: Situation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``right-shift``."""
    machine, start = repair(sit)
    return Result(Status.FEASIBLE, None, None, sit.solution(machine, start))
