"""Method ``auto`` for flexible job shops with setups or release dates, or another objective than
the makespan.

1. the best dispatching rule for the objective (every FJSP rule, the due-date and setup rules
   included), or ``ctx.hint`` when better;
2. the ``cpsat`` FJSP model (:func:`schedkit.solvers.cpsat.flexible.solve`) hinted with it, for
   ``cp_first`` of the time: it proves small instances and gives the bound;
3. the search of ``ts`` on the extras (:mod:`schedkit.solvers.search.flexible_extras`):
   rounds of the job shop's tabu search on the machine assignment of the best schedule (the job
   shop it defines keeps the release and due dates, weights and setups; a job may visit a
   machine twice), each followed by single-operation machine moves;
4. the CP-SAT model again for ``cp_last`` of the time, hinted with the best schedule: it may
   change machines where the search could not.

Each phase keeps the better schedule, so the result is never worse than the rule.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.flexible import solve as cpsat_solve
from schedkit.solvers.search.flexible_extras import rule_start, search

#: shares of the time limit of the CP-SAT phases (the sequence search gets the rest)
CP_FIRST = 0.1
CP_LAST = 0.1
#: seconds of each CP-SAT phase without a time limit
UNLIMITED_CP = 10.0
_RESERVE = 0.1


def _phase(ctx: SolveContext, seconds: float, hint: FlexibleSolution) -> SolveContext:
    """A context for one CP-SAT phase: ``seconds`` of what is left, hinted with ``hint``."""
    left = ctx.remaining(_RESERVE)
    if left is not None:
        seconds = min(seconds, left)
    return replace(
        ctx, method="cpsat", time_limit=max(0.01, seconds), started=time.perf_counter(), options={}, hint=hint
    )


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Method ``auto`` on the extras. Options ``cp_first``, ``cp_last``: shares of the time limit
    of the two CP-SAT phases (defaults :data:`CP_FIRST`, :data:`CP_LAST`)."""
    objective = ctx.objective or "makespan"
    total = ctx.time_limit
    f_first = ctx.float_option("cp_first", CP_FIRST, 0.0, 1.0)
    f_last = ctx.float_option("cp_last", CP_LAST, 0.0, 1.0 - f_first)
    best = rule_start(problem, ctx, objective)
    best_val = rule_val = problem.evaluate(best, objective)
    ctx.incumbent = best
    bound = problem.objective_bound(objective)
    proven = best_val <= bound
    phases: dict[str, float] = {}

    def keep(candidate: FlexibleSolution | None) -> None:
        nonlocal best, best_val
        if candidate is None or problem.violations(candidate):
            return
        val = problem.evaluate(candidate, objective)
        if val < best_val:
            best, best_val = candidate, val
            ctx.incumbent = best

    def cp(seconds: float, name: str) -> None:
        nonlocal bound, proven
        if proven or seconds <= 0.05 or ctx.expired():
            return
        t0 = time.perf_counter()
        out = cpsat_solve(problem, _phase(ctx, seconds, best))
        phases[name] = round(time.perf_counter() - t0, 3)
        if out.lower_bound is not None:
            bound = max(bound, int(np.ceil(out.lower_bound - 1e-6)))
        keep(out.solution)
        proven = proven or out.status is Status.OPTIMAL or best_val <= bound

    cp(UNLIMITED_CP if total is None else f_first * total, "cpsat_first")
    if not proven and not ctx.expired():
        t0 = time.perf_counter()
        last = UNLIMITED_CP if total is None else f_last * total
        left = ctx.remaining(_RESERVE)
        until = None if left is None else time.perf_counter() + max(0.0, left - last)
        found, counts = search(problem, best, ctx, objective, until, bound)
        keep(found)
        proven = best_val <= bound
        phases["ts"] = round(time.perf_counter() - t0, 3)
        phases.update({f"ts_{k}": v for k, v in counts.items()})
        left = ctx.remaining(_RESERVE)
        cp(last if left is None else left, "cpsat_last")
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    return Result(status, None, bound, best, stats={"rule_value": rule_val, **phases})
