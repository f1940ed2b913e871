"""RCPSP CP-SAT repair (method ``cpsat``) and full re-solve (``resolve``).

Both build the project model of :mod:`schedkit.solvers.cpsat.project` on the effective
problem (:class:`~schedkit.rescheduling.rcpsp_situation.RcpspSituation`: frozen activities
pinned, breakdowns as unavailability), its start windows widened to hold the right-shift
schedule, and add the stability measure (``shift``: ``|start - old start|`` per unfrozen
activity; ``moved``: one literal per activity, 1 for a cut one restarted). ``cpsat``
minimises ``makespan + w x measure`` bounded by the right-shift schedule's value and
warm-started from it, then (option ``polish``, default true) keeps that value and minimises
the measure alone; its answer is never worse than right-shift. Both phases share one deadline
(:mod:`~schedkit.rescheduling.budget`). ``resolve`` minimises the makespan alone (the
reference a repair is compared with).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.rescheduling.budget import budget
from schedkit.rescheduling.objective import Goal
from schedkit.rescheduling.rcpsp_check import violations
from schedkit.rescheduling.rcpsp_methods import repair
from schedkit.rescheduling.rcpsp_objective import evaluate
from schedkit.rescheduling.rcpsp_situation import RcpspSituation
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.project import build_model
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.structure.project import Windows, windows

#: share of what is left the first CP-SAT phase may take when ``polish`` runs after it
FIRST_PHASE_SHARE = 0.7


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
