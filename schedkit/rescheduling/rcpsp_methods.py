"""RCPSP right-shift repair (method ``right-shift``), the baseline.

A serial schedule-generation pass on the effective problem
(:class:`~schedkit.rescheduling.rcpsp_situation.RcpspSituation`): the frozen activities stay
where they are; the others, in the order of their old starts (a topological order; ties by
the problem's topological order), each start at the earliest time not before its old start,
``at`` and its predecessors' ends at which its demand fits under the capacity left by the
breakdowns, the frozen activities and the activities placed before it. Nothing moves left, the
old order is kept as far as the resources allow, and the pass always succeeds (after the last
breakdown and placed activity every capacity is whole and every demand fits).
"""

from __future__ import annotations

import numpy as np

from schedkit.context import SolveContext
from schedkit.rescheduling.objective import Goal
from schedkit.rescheduling.rcpsp_situation import RcpspSituation
from schedkit.result import Result, Status


def repair(sit: RcpspSituation) -> np.ndarray:
    """Right-shift starts per activity of ``sit.effective``."""
    eff = sit.effective
    n, k = eff.num_activities, eff.num_resources
    dur = eff.duration.astype(np.int64)
    dem = eff.demand.astype(np.int64)
    old = sit.old_start
    frozen_end = old[sit.is_frozen] + dur[sit.is_frozen]
    base = max(
        sit.at,
        int(old.max(initial=0) + dur.max(initial=0)),
        int(frozen_end.max(initial=0)),
        int(eff.off_end.max(initial=0)),
    )
    horizon = base + int(dur.sum()) + 1
    free = np.tile(eff.capacity.astype(np.int64), (horizon, 1))
    for r, s, e, a in zip(eff.off_resource, eff.off_start, eff.off_end, eff.off_amount, strict=True):
        free[int(s) : int(e), int(r)] -= int(a)
    start = np.full(n, -1, dtype=np.int64)
    for j in np.flatnonzero(sit.is_frozen).tolist():
        start[j] = old[j]
        free[int(old[j]) : int(old[j] + dur[j])] -= dem[j]
    topo = np.empty(n, dtype=np.int64)
    topo[sit.problem.topo_order] = np.arange(n)
    todo = np.flatnonzero(~sit.is_frozen)
    order = todo[np.lexsort((topo[todo], old[todo]))].tolist()
    for j in order:
        ready = max(sit.at, int(old[j]))
        for i in sit.problem.predecessors(j).tolist():
            ready = max(ready, int(start[i] + dur[i]))
        d = int(dur[j])
        s = ready
        if d > 0 and k:
            fits = (free >= dem[j][None, :]).all(axis=1)
            while not fits[s : s + d].all():
                s += int(np.flatnonzero(~fits[s : s + d])[-1]) + 1
            free[s : s + d] -= dem[j]
        start[j] = s
    return start


def solve(sit: RcpspSituation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``right-shift``."""
    return Result(Status.FEASIBLE, None, None, sit.solution(repair(sit)))
