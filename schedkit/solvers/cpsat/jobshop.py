"""Job-shop on CP-SAT: one fixed-size interval per operation, no-overlap per machine."""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.jobshop import dispatch


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (a JobShopSolution) is passed as a solution hint."""
    model = cp_model.CpModel()
    horizon = int(problem.duration.sum())
    n_ops = problem.num_operations
    starts = [model.new_int_var(0, horizon, f"s{o}") for o in range(n_ops)]
    intervals = [
        model.new_fixed_size_interval_var(starts[o], int(problem.duration[o]), f"i{o}") for o in range(n_ops)
    ]
    for o in range(n_ops):
        if problem.rank[o] > 0:
            model.add(starts[o] >= starts[o - 1] + int(problem.duration[o - 1]))
    for m in range(problem.num_machines):
        ops = np.flatnonzero(problem.machine == m)
        if len(ops) > 1:
            model.add_no_overlap([intervals[o] for o in ops])
    makespan = model.new_int_var(problem.lower_bound(), horizon, "makespan")
    last = problem.job_start[1:] - 1
    model.add_max_equality(makespan, [starts[o] + int(problem.duration[o]) for o in last])
    model.minimize(makespan)
    if ctx.hint is not None:
        hint_starts = ctx.hint.starts(problem)
        for o in range(n_ops):
            if hint_starts[o] >= 0:
                model.add_hint(starts[o], int(hint_starts[o]))

    def extract(cb: cp_model.CpSolverSolutionCallback) -> JobShopSolution:
        return JobShopSolution.from_starts(problem, [cb.value(s) for s in starts])

    out = run_cpsat(model, ctx, on_solution=extract)
    status = out.status
    stats: dict[str, object] = {"branches": out.solver.num_branches, "conflicts": out.solver.num_conflicts}
    solution = None
    if out.has_solution:
        solution = JobShopSolution.from_starts(problem, [out.solver.value(s) for s in starts])
    elif ctx.incumbent is not None:
        solution = ctx.incumbent
    elif status is Status.UNKNOWN:  # no schedule in time (1000 x 20 at 30 s): a rule's, said so
        solution = JobShopSolution.from_starts(problem, dispatch(problem, "mwkr", "nondelay"))
        status = Status.FEASIBLE
        stats["fallback"] = "rule:mwkr (CP-SAT found no schedule in time)"
    return Result(status, None, out.bound, solution, stats=stats)
