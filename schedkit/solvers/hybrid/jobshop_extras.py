"""Method ``auto`` for job shops with setups or release dates, or another objective than the makespan.

The phases of the plain ``auto`` (:mod:`schedkit.solvers.hybrid.jobshop`), for any objective:

1. the best dispatching rule for the objective (due-date rules included), or ``ctx.hint``;
2. the ``cpsat`` model (:func:`schedkit.solvers.cpsat.jobshop.solve`: setup circuits, releases,
   the objective) hinted with it, for ``cp_first`` of the time (half of it up to 150
   operations): it proves small instances optimal and gives a lower bound;
3. the tabu search of :mod:`schedkit.solvers.search.jobshop_extras` from the better schedule;
4. the CP-SAT model again for ``cp_last`` of the time, hinted with the best schedule.

Each phase keeps the better schedule, so the result is never worse than the start. Unlike the
plain ``auto``'s phases the CP-SAT model is not capped by the incumbent's value (it is the
``cpsat`` method's own model, hinted in full).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat import jobshop as cpsat_jobshop
from schedkit.solvers.search.jobshop_extras import search_from, seed_schedule, value_of

_RESERVE = 0.1


def _phase(ctx: SolveContext, seconds: float, hint: JobShopSolution) -> SolveContext:
    """A context for one CP-SAT phase: ``seconds`` of the remaining time, hinted with ``hint``."""
    left = ctx.remaining(_RESERVE)
    if left is not None:
        seconds = min(seconds, left)
    return replace(
        ctx, time_limit=max(0.01, seconds), started=time.perf_counter(), options={}, hint=hint, incumbent=None
    )


def solve(problem: JobShop, ctx: SolveContext, f_first: float, f_last: float, unlimited_cp: float) -> Result:
    """``auto`` on the extras, with the CP-SAT phases at ``f_first`` and ``f_last`` of the time
    limit (``unlimited_cp`` seconds each without one)."""
    objective = ctx.objective or "makespan"
    total = ctx.time_limit
    start, rule_name = seed_schedule(problem, ctx, objective)
    best_val = rule_val = value_of(problem, start, objective)
    ctx.incumbent = JobShopSolution.from_starts(problem, start)
    bound = problem.objective_bound(objective)
    proven = best_val <= bound
    phases: dict[str, float] = {}

    def keep(candidate: JobShopSolution | None) -> None:
        nonlocal start, best_val
        if candidate is None or problem.violations(candidate):
            return
        val = problem.evaluate(candidate, objective)
        if val < best_val:
            start, best_val = candidate.starts(problem), val
            ctx.incumbent = JobShopSolution.from_starts(problem, start)

    def cp(seconds: float, name: str) -> None:
        nonlocal bound, proven
        if proven or seconds <= 0.05 or ctx.expired():
            return
        t0 = time.perf_counter()
        out = cpsat_jobshop.solve(problem, _phase(ctx, seconds, JobShopSolution.from_starts(problem, start)))
        phases[name] = round(time.perf_counter() - t0, 3)
        if out.lower_bound is not None:
            bound = max(bound, int(np.ceil(out.lower_bound - 1e-6)))
        keep(out.solution)
        proven = proven or out.status is Status.OPTIMAL or best_val <= bound

    cp(unlimited_cp if total is None else f_first * total, "cpsat_first")
    if not proven and not ctx.expired():
        t0 = time.perf_counter()
        last = unlimited_cp if total is None else f_last * total
        left = ctx.remaining(_RESERVE)
        until = None if left is None else time.perf_counter() + max(0.0, left - last)
        sub = replace(ctx, options={**ctx.options, "target": bound})
        sol, search = search_from(problem, start, sub, objective, until)
        keep(sol)
        proven = best_val <= bound
        phases["ts"] = round(time.perf_counter() - t0, 3)
        phases["ts_moves"] = search.iterations
        left = ctx.remaining(_RESERVE)
        cp(last if left is None else left, "cpsat_last")
    solution = JobShopSolution.from_starts(problem, np.asarray(start, dtype=np.int64))
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    stats = {"seed_rule": rule_name, "rule_value": rule_val, **phases}
    return Result(status, None, bound, solution, stats=stats)
