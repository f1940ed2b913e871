"""Method ``auto`` for projects: the serial SGS for a quick incumbent, then CP-SAT from it.

1. the proofs that need no search (:func:`schedkit.structure.project.windows`): INFEASIBLE;
2. the serial SGS (:mod:`schedkit.solvers.rules.project`) for ``sgs_share`` of the time limit
   (at most :data:`SGS_SECONDS`; :data:`SGS_PASSES` passes without a limit); a feasible hint
   that is better and uses only kept modes replaces its schedule;
3. CP-SAT (with 2 workers on ``cpsat``'s portfolio, option ``portfolio``) on the start windows
   narrowed to the incumbent's makespan (an optimal schedule ends by it, so the optimum and
   bound are unchanged, and the domains are smaller), hinted with the incumbent;
   without an incumbent on the full windows, where CP-SAT's INFEASIBLE is a proof.

The schedule returned is CP-SAT's when it is better and checks, else the SGS's: never worse
than ``sgs``. The bound is CP-SAT's.
"""

from __future__ import annotations

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.project import Project, ProjectSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.project import build_model, portfolio
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.project import incumbent
from schedkit.structure.project import windows

#: share of the time limit for the SGS, at most :data:`SGS_SECONDS`
SGS_SHARE = 0.05
SGS_SECONDS = 1.0
#: SGS passes without a time limit (and the cap with one)
SGS_PASSES = 200


def solve(problem: Project, ctx: SolveContext) -> Result:
    """Method ``auto``. Options ``sgs_share``: share of the time limit for the SGS (0.05, at
    most 1 s); ``portfolio`` as for ``cpsat``."""
    p = problem
    if p.num_activities == 0:
        return Result(Status.OPTIMAL, 0, 0, ProjectSolution(np.zeros(0), np.zeros(0)))
    win = windows(p)
    if win.proof is not None:
        return Result(Status.INFEASIBLE, None, None, None, stats={"proof": win.proof})
    lb = p.lower_bound()
    share = ctx.float_option("sgs_share", SGS_SHARE, 0.0, 1.0)
    seconds = None if ctx.time_limit is None else min(SGS_SECONDS, share * ctx.time_limit)
    best, hinted = incumbent(p, ctx, seconds, SGS_PASSES, win.keep)
    stats: dict[str, object] = {"sgs makespan": None if best is None else p.objective(best)}
    if hinted:
        stats["from hint"] = True
    if best is not None:
        ctx.incumbent = best
        ub = p.objective(best)
        if ub <= lb or ctx.expired():
            return Result(Status.OPTIMAL if ub <= lb else Status.FEASIBLE, None, lb, best, stats=stats)
        win = windows(p, limit=ub)
    built = build_model(p, win, lb, energy=ctx.bool_option("energy", False))
    if best is not None:
        built.hint(best)
    stats["horizon"] = win.horizon
    out = run_cpsat(built.model, ctx, on_solution=lambda cb: built.read(cb.value), **portfolio(ctx))
    stats.update(branches=out.solver.num_branches, conflicts=out.solver.num_conflicts)
    bound = None if out.bound is None else max(lb, int(out.bound))
    if out.status is Status.INFEASIBLE:
        if best is None:  # the full windows: no schedule exists
            stats["proof"] = f"CP-SAT: no schedule within the horizon {win.horizon}"
            return Result(Status.INFEASIBLE, None, None, None, stats=stats)
        stats["note"] = "CP-SAT found no schedule within the incumbent's makespan"
        return Result(Status.FEASIBLE, None, lb, best, stats=stats)
    if out.has_solution:
        found = built.read(out.solver.value)
        better = best is None or p.objective(found) <= p.objective(best)
        if better and not p.violations(found):
            return Result(out.status, None, bound, found, stats=stats)
    if best is None:
        return Result(Status.UNKNOWN, None, bound, None, stats=stats)
    if bound is not None:
        bound = min(bound, p.objective(best))
    return Result(Status.FEASIBLE, None, bound, best, stats=stats)
