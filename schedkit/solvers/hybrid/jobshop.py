"""Method ``auto`` for the job shop: CP-SAT, then tabu search, then CP-SAT warm-started.

(Setups, release dates and the objectives other than the makespan: :mod:`.jobshop_extras`.)

1. the best dispatching rule (milliseconds), or ``ctx.hint`` when it is better;
2. a short CP-SAT run hinted with it and capped by its makespan (``cp_first`` of the time, half
   of it up to 150 operations): it proves small instances optimal and gives the lower bound;
3. tabu search from the better of the two for most of the time;
4. CP-SAT again (``cp_last`` of the time), hinted with the tabu search's schedule and capped by
   its makespan: it may improve it further or prove it optimal, and raises the bound.

The result is never worse than the best rule, and its lower bound is the best CP-SAT proved.
The default split comes from ``benchmarks/shop_hybrid.md``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.hybrid import jobshop_cpsat as cpsat_phase
from schedkit.solvers.hybrid import jobshop_extras
from schedkit.solvers.search.jobshop import make_search, run_search, seed_schedule
from schedkit.solvers.search.jobshop_extras import needs_extras

#: fractions of the time limit for the first and the last CP-SAT phase
CP_FIRST = 0.10
CP_LAST = 0.10
#: up to this many operations CP-SAT usually proves the optimum within seconds (ft10, la01-la20),
#: and the first phase gets :data:`CP_FIRST_SMALL` of the time: with 10 % of 10 s it missed the
#: proof of a 10x10 instance on a loaded machine that plain ``cpsat`` found in 1.6 s
SMALL_OPERATIONS = 150
CP_FIRST_SMALL = 0.5
#: without a time limit, the CP-SAT phases get these many seconds
UNLIMITED_CP_SECONDS = 10.0
_RESERVE = 0.1


def _sub(ctx: SolveContext, seconds: float) -> SolveContext:
    """A context for one phase: ``seconds`` of the remaining time, same stop event and seed."""
    left = ctx.remaining(_RESERVE)
    if left is not None:
        seconds = min(seconds, left)
    return replace(ctx, time_limit=max(0.01, seconds), started=time.perf_counter(), options={})


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Method ``auto``. Options: ``cp_first``, ``cp_last`` (fractions of the time limit).
    Setups, release dates and the other objectives go to :mod:`.jobshop_extras`, same phases."""
    total = ctx.time_limit
    extras = needs_extras(problem, ctx.objective)
    # with setups or a sum objective CP-SAT rarely proves a 10x10 and the tabu search does better
    small = problem.num_operations <= SMALL_OPERATIONS and not extras
    f_first = ctx.float_option("cp_first", CP_FIRST_SMALL if small else CP_FIRST, 0.0, 1.0)
    f_last = ctx.float_option("cp_last", CP_LAST, 0.0, 1.0 - f_first)
    if extras:
        return jobshop_extras.solve(problem, ctx, f_first, f_last, UNLIMITED_CP_SECONDS)
    start, rule_name = seed_schedule(problem, ctx)
    best_val = int((start + problem.duration).max())
    rule_val = best_val
    ctx.incumbent = JobShopSolution.from_starts(problem, start)
    bound = problem.lower_bound()
    proven = best_val <= bound
    phases: dict[str, float] = {}

    def cp(seconds: float, name: str) -> None:
        nonlocal start, best_val, bound, proven
        if proven or seconds <= 0.05 or ctx.expired():
            return
        t0 = time.perf_counter()
        out = cpsat_phase.run(problem, _sub(ctx, seconds), start, best_val)
        phases[name] = round(time.perf_counter() - t0, 3)
        if out.bound is not None:
            bound = max(bound, out.bound)
        if out.start is not None:
            val = int((out.start + problem.duration).max())
            if val < best_val:
                start, best_val = out.start, val
                ctx.incumbent = JobShopSolution.from_starts(problem, start)
        proven = proven or out.status is Status.OPTIMAL or best_val <= bound

    cp(UNLIMITED_CP_SECONDS if total is None else f_first * total, "cpsat_first")
    if not proven and not ctx.expired():
        t0 = time.perf_counter()
        last = UNLIMITED_CP_SECONDS if total is None else f_last * total
        left = ctx.remaining(_RESERVE)
        until = None if left is None else time.perf_counter() + max(0.0, left - last)
        search = make_search(problem, start, replace(ctx, options={**ctx.options, "target": bound}))
        sol = run_search(problem, search, ctx, until)
        val = problem.objective(sol)
        if val < best_val and not problem.violations(sol):
            start, best_val = sol.starts(problem), val
        proven = best_val <= bound
        phases["ts"] = round(time.perf_counter() - t0, 3)
        phases["ts_moves"] = search.iterations
        left = ctx.remaining(_RESERVE)
        cp(last if left is None else left, "cpsat_last")
    solution = JobShopSolution.from_starts(problem, np.asarray(start, dtype=np.int64))
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    stats = {"seed_rule": rule_name, "rule_makespan": rule_val, **phases}
    return Result(status, None, bound, solution, stats=stats)
