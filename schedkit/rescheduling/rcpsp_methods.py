"""RCPSP reschedule methods: right-shift repair, CP-SAT repair, full re-solve.

``right-shift`` is a serial schedule-generation pass on the effective problem
(:class:`~schedkit.rescheduling.rcpsp_situation.RcpspSituation`): the frozen activities stay
where they are; the others, in the order of their old starts (a topological order; ties by
the problem's topological order), each start at the earliest time not before its old start,
``at`` and its predecessors' ends at which its demand fits under the capacity left by the
breakdowns, the frozen activities and the activities placed before it. Nothing moves left, the
old order is kept as far as the resources allow, and the pass always succeeds (after the last
breakdown and placed activity every capacity is whole and every demand fits).

``cpsat`` builds the project model of :mod:`schedkit.solvers.cpsat.project` on the effective
problem, adds the stability measure (``shift``: ``|start - old start|`` per activity;
``moved``: one literal per activity), minimises ``makespan + w x measure`` bounded by the
right-shift schedule's value and warm-started from it, then (option ``polish``, default true)
keeps that value and minimises the measure alone. Its answer is never worse than right-shift.
``resolve`` minimises the makespan alone (the reference a repair is compared with).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from schedkit.context import SolveContext
from schedkit.rescheduling.budget import budget
from schedkit.rescheduling.objective import Goal
from schedkit.rescheduling.rcpsp_check import violations
from schedkit.rescheduling.rcpsp_objective import evaluate
from schedkit.rescheduling.rcpsp_situation import RcpspSituation
from schedkit.result import Result, Status

#: share of what is left the first CP-SAT phase may take when ``polish`` runs after it
FIRST_PHASE_SHARE = 0.7


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


def _recheck(sit: RcpspSituation, solution: Any, goal: Goal) -> None:
    """What ``api._finalise`` runs on the answer (timed on the start to size the reserve)."""
    violations(sit, solution)
    sit.effective.violations(solution)
    evaluate(sit, solution, goal)


def _scale(w: float) -> tuple[int, int, bool]:
    """(scale S, integer weight W, exact): the model minimises S x makespan + W x measure."""
    frac = Fraction(w).limit_denominator(1000)
    return frac.denominator, frac.numerator, frac == Fraction(w)


def _value(sit: RcpspSituation, goal: Goal, start: np.ndarray, scale: int, weight: int) -> int:
    sc = evaluate(sit, sit.solution(start), Goal(0.0, goal.measure))
    return scale * sc.makespan + weight * (sc.shift if goal.measure == "shift" else sc.moved)


def run(sit: RcpspSituation, ctx: SolveContext, goal: Goal, polish: bool) -> Result:
    """Minimise ``goal`` on CP-SAT from the right-shift schedule; then (``polish``) the measure."""
    from ortools.sat.python import cp_model

    from schedkit.solvers.cpsat.project import build_model
    from schedkit.solvers.cpsat.runner import run_cpsat
    from schedkit.structure.project import Windows, windows

    rs_start = repair(sit)
    rs = sit.solution(rs_start)
    scale, weight, exact = _scale(goal.stability)
    rs_value = _value(sit, goal, rs_start, scale, weight)
    stats: dict[str, Any] = {"start": "right-shift"}
    plan = budget(sit, ctx, goal, rs, recheck=lambda sol: _recheck(sit, sol, goal))
    eff = sit.effective
    win = windows(eff)
    if plan.exhausted() or win.proof is not None:
        stats["fallback"] = "right-shift (no time left for CP-SAT)" if win.proof is None else win.proof
        return Result(Status.FEASIBLE, None, None, rs, stats=stats)
    horizon = max(win.horizon, rs_value // scale)
    wide = Windows(win.earliest, np.maximum(win.latest, rs_start), horizon, win.keep)
    built = build_model(eff, wide, sit.makespan_bound())
    cm = built.model
    dur = eff.duration
    makespan = built.makespan
    terms: list[Any] = []
    hints: list[tuple[Any, int]] = []
    for j, s in enumerate(built.starts):
        if sit.is_frozen[j]:
            continue
        old = int(sit.old_start[j])
        if goal.measure == "shift":
            dev = cm.new_int_var(0, max(horizon, old), f"dev{j}")
            cm.add(dev >= s - old)
            cm.add(dev >= old - s)
            terms.append(dev)
            hints.append((dev, abs(int(rs_start[j]) - old)))
        elif old < sit.at:
            terms.append(1)
        else:
            moved = cm.new_bool_var(f"moved{j}")
            cm.add(s == old).only_enforce_if(moved.Not())
            terms.append(moved)
            hints.append((moved, int(rs_start[j]) != old))
    measure = sum(terms)
    objective = scale * makespan + weight * measure
    cm.add(objective <= rs_value)
    cm.minimize(objective)

    def hint(start: np.ndarray) -> None:
        cm.clear_hints()
        built.hint(sit.solution(start))
        cm.add_hint(makespan, int((start + dur).max(initial=0)))
        for var, v in hints:
            cm.add_hint(var, v)

    def values(value: Any) -> np.ndarray:
        return np.array([value(s) for s in built.starts], dtype=np.int64)

    hint(rs_start)

    def extract(cb: cp_model.CpSolverSolutionCallback) -> Any:
        return sit.solution(values(cb.value))

    params: dict[str, Any] = {}
    if plan.left() is not None:
        params["max_time_in_seconds"] = max(0.01, plan.share(FIRST_PHASE_SHARE if polish else 1.0))
    first = run_cpsat(cm, ctx, on_solution=extract, reserve=plan.reserve, **params)
    stats.update(branches=first.solver.num_branches, conflicts=first.solver.num_conflicts)
    if not first.has_solution:
        stats["fallback"] = "right-shift (CP-SAT found no schedule in time)"
        return Result(Status.FEASIBLE, None, None, rs, stats=stats)
    start = values(first.solver.value)
    best = _value(sit, goal, start, scale, weight)
    if best > rs_value:  # cannot happen (the model bounds it); kept as the promise's guard
        start, best = rs_start, rs_value
    status = first.status if exact else Status.FEASIBLE
    bound = first.bound / scale if exact and first.bound is not None else None
    if polish and not plan.exhausted():
        cm.add(objective <= best)
        cm.minimize(measure)
        hint(start)
        extra: dict[str, Any] = {}
        if ctx.time_limit is None:
            extra["max_time_in_seconds"] = max(1.0, first.solver.wall_time)
        second = run_cpsat(cm, ctx, on_solution=extract, reserve=plan.reserve, **extra)
        stats["polish"] = str(second.status)
        if second.has_solution:
            start = values(second.solver.value)
    return Result(status, None, bound, sit.solution(start), stats=stats)


def solve_cpsat(sit: RcpspSituation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``cpsat``: repair with the stability term, then polish (option ``polish``)."""
    return run(sit, ctx, goal, polish=ctx.bool_option("polish", True))


def solve_full(sit: RcpspSituation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``resolve``: the remaining activities re-solved for the makespan alone."""
    result = run(sit, ctx, Goal(0.0, goal.measure), polish=False)
    if goal.stability > 0 and result.status is Status.OPTIMAL:
        result.status = Status.FEASIBLE
    return result
