"""Method ``auto`` for the flexible job shop: CP-SAT, the tabu search, CP-SAT again.

CP-SAT's FJSP model runs first (proves small instances optimal, gives the bound), then the
tabu search of :mod:`schedkit.solvers.search.flexible` from the better schedule, then CP-SAT
again hinted with the best schedule (it proves mk02 optimal). Splits 0.10/0.80/0.10 and
0.05/0.70/0.25 gave the same makespans on mk06, mk07 and mk10 at 60 s (every improvement came
from the tabu phase); the first phase is kept long enough to prove mk09 (about 6 s). Results
in ``benchmarks/shop_hybrid_fjsp.md``. Setups, release dates and the objectives other than the
makespan: :mod:`.flexible_extras`.
"""

from __future__ import annotations

import time
from dataclasses import replace

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.flexible import solve as cpsat_solve
from schedkit.solvers.hybrid import flexible_extras
from schedkit.solvers.search.flexible import DEFAULT_ITERATIONS, RESERVE, rule_seed, run_parallel
from schedkit.solvers.search.flexible_extras import needs_extras

CP_FIRST = 0.10
CP_LAST = 0.10
CP_SETUP_PER_ALTERNATIVE = 2e-4  # seconds to build and load the CP-SAT model, per alternative


def _sub(ctx: SolveContext, seconds: float, hint: FlexibleSolution) -> SolveContext:
    left = ctx.remaining(RESERVE)
    if left is not None:
        seconds = min(seconds, left)
    return replace(
        ctx,
        method="cpsat",
        time_limit=max(0.01, seconds),
        started=time.perf_counter(),
        options={},
        hint=hint,
    )


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Method ``auto``: CP-SAT, the local search, CP-SAT hinted with its schedule.
    Options: ``cp_first``, ``cp_last`` (fractions of the time limit). Setups, release dates and
    the other objectives go to :mod:`.flexible_extras`."""
    if needs_extras(problem, ctx.objective):
        return flexible_extras.solve(problem, ctx)
    total = ctx.time_limit
    f_first = ctx.float_option("cp_first", CP_FIRST, 0.0, 1.0)
    f_last = ctx.float_option("cp_last", CP_LAST, 0.0, 1.0 - f_first)
    best = rule_seed(problem, ctx)
    rule_val = problem.objective(best)
    ctx.incumbent = best
    bound = problem.lower_bound()
    proven = rule_val <= bound
    phases: dict[str, float] = {}
    overrun = [0.0]  # how far a CP-SAT phase ran past its time (building and extracting its model)

    # a CP-SAT phase costs at least its model's building and loading (1.2 s for 6,000
    # alternatives): a shorter phase would only overrun the limit
    setup = CP_SETUP_PER_ALTERNATIVE * len(problem.alt_machine) if total is not None else 0.0

    def cp(seconds: float, name: str) -> None:
        nonlocal best, bound, proven
        if proven or seconds <= max(0.05, setup, overrun[0]) or ctx.expired():
            return
        t0 = time.perf_counter()
        res = cpsat_solve(problem, _sub(ctx, seconds, best))
        phases[name] = round(time.perf_counter() - t0, 3)
        overrun[0] = max(overrun[0], phases[name] - seconds)
        if res.lower_bound is not None:
            bound = max(bound, int(res.lower_bound))
        sol = res.solution
        if (
            sol is not None
            and not problem.violations(sol)
            and problem.objective(sol) < problem.objective(best)
        ):
            best = sol
            ctx.incumbent = best
        proven = proven or res.status is Status.OPTIMAL or problem.objective(best) <= bound
        phases[f"{name}_makespan"] = problem.objective(best)

    cp(10.0 if total is None else f_first * total, "cpsat_first")
    if not proven and not ctx.expired():
        t0 = time.perf_counter()
        last = 10.0 if total is None else f_last * total
        if last <= setup:  # too short for a CP-SAT phase: the local search takes its time
            last = 0.0
        left = ctx.remaining(RESERVE)
        until = None if left is None else time.perf_counter() + max(0.0, left - last)
        sol, iterations, _restarts = run_parallel(
            problem, best, ctx, until, bound, None if until is not None else DEFAULT_ITERATIONS
        )
        if not problem.violations(sol) and problem.objective(sol) < problem.objective(best):
            best = sol
        proven = problem.objective(best) <= bound
        phases["ls"] = round(time.perf_counter() - t0, 3)
        phases["ls_iterations"] = iterations
        phases["ls_makespan"] = problem.objective(best)
        left = ctx.remaining(RESERVE)
        cp(last if left is None else left, "cpsat_last")
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    return Result(status, None, bound, best, stats={"rule_makespan": rule_val, **phases})
