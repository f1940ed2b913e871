"""Flexible job-shop as a MIP (PuLP; HiGHS by default, CBC for ``mip-cbc``).

Variables: ``x[a]`` = 1 when alternative ``a`` (an operation on one eligible machine) is
chosen, an integer start ``s[o]`` per operation, the makespan ``C``, and for every pair of
operations of different jobs that share an eligible machine one ordering binary ``y[o,p]``
(1: ``o`` before ``p``), used by big-M disjunctions that are active only when both are
assigned to the shared machine. The big-M is the horizon, the makespan of a dispatching
rule (or of the hint), which also bounds every start.
"""

from __future__ import annotations

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, check_model_size, different_job_pairs, run_pulp
from schedkit.solvers.rules.flexible import dispatch

#: seconds kept for solving and extraction when model building runs long
_BUILD_RESERVE = 0.3
#: time PuLP takes to hand the model to the solver, relative to building it (measured: 1.1-1.3)
_HANDOVER = 1.4


def precheck(problem: FlexibleJobShop, ctx: SolveContext) -> None:
    """Refuse, before any work, a model too large for memory (sequencing rows per machine pair)."""
    check_model_size(
        2 * different_job_pairs(problem.alt_machine, problem.job_of[problem.alt_op]),
        "sequencing rows",
        "cpsat, ts or auto",
    )


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (or a dispatching rule's schedule) is the warm start."""
    backend = backend_of(ctx.method)
    precheck(problem, ctx)

    def horizon_of(sol: FlexibleSolution) -> int:
        return int(problem.objective(sol))

    start_solution = FlexibleSolution.from_assignment(problem, *dispatch(problem, "mwkr", "ect"))
    hint = ctx.hint
    if (
        hint is not None
        and not problem.violations(hint)
        and problem.objective(hint) <= horizon_of(start_solution)
    ):
        start_solution = hint
    horizon = horizon_of(start_solution)
    n_ops = problem.num_operations
    alt_m = problem.alt_machine.tolist()
    alt_d = problem.alt_duration.tolist()
    alts = [list(problem.alternatives(o)) for o in range(n_ops)]
    job_of = problem.job_of.tolist()

    prob = pulp.LpProblem(f"fjsp_{problem.name}", pulp.LpMinimize)
    s = [pulp.LpVariable(f"s{o}", 0, horizon, cat="Integer") for o in range(n_ops)]
    x: dict[int, pulp.LpVariable | int] = {}
    for o in range(n_ops):
        if len(alts[o]) == 1:
            x[alts[o][0]] = 1
        else:
            for a in alts[o]:
                x[a] = pulp.LpVariable(f"x{o}_{alt_m[a]}", cat="Binary")
            prob += pulp.lpSum(x[a] for a in alts[o]) == 1, f"assign{o}"
    dur = [pulp.lpSum(alt_d[a] * x[a] for a in alts[o]) for o in range(n_ops)]
    cmax = pulp.LpVariable("makespan", problem.lower_bound(), max(horizon, problem.lower_bound()))
    prob += cmax
    for o in range(n_ops):
        if problem.rank[o] > 0:
            prob += s[o] >= s[o - 1] + dur[o - 1], f"prec{o}"
    for o in (problem.job_start[1:] - 1).tolist():
        prob += cmax >= s[o] + dur[o], f"end{o}"
    # operations per machine, as (operation, alternative)
    on_machine: list[list[tuple[int, int]]] = [[] for _ in range(problem.num_machines)]
    for o in range(n_ops):
        for a in alts[o]:
            on_machine[alt_m[a]].append((o, a))
    y: dict[tuple[int, int], pulp.LpVariable] = {}
    big = horizon
    built = 0
    total = sum(
        job_of[o] != job_of[p]
        for items in on_machine
        for i, (o, _) in enumerate(items)
        for p, _ in items[i + 1 :]
    )
    build_started = ctx.elapsed()
    for k, items in enumerate(on_machine):
        for i, (o, a) in enumerate(items):
            for p, b in items[i + 1 :]:
                if job_of[o] == job_of[p]:
                    continue  # ordered by the job's precedence already
                key = (o, p) if o < p else (p, o)
                if key not in y:
                    y[key] = pulp.LpVariable(f"y{key[0]}_{key[1]}", cat="Binary")
                # "o before p" is y when key == (o, p), else 1 - y: c0 + c1 * y
                c0, c1 = (0, 1) if key == (o, p) else (1, -1)
                # s_p >= s_o + d_a - big (1 - before) - big (2 - x_a - x_b)  and
                # s_o >= s_p + d_b - big before - big (2 - x_a - x_b), terms moved to the left
                terms: dict[pulp.LpVariable, float] = {}
                fixed = 0
                for xv in (x[a], x[b]):
                    if isinstance(xv, int):
                        fixed += 1
                    else:
                        terms[xv] = -big
                first = {s[p]: 1, s[o]: -1, y[key]: -big * c1, **terms}
                second = {s[o]: 1, s[p]: -1, y[key]: big * c1, **terms}
                rhs_first = alt_d[a] - 3 * big + big * c0 + big * fixed
                rhs_second = alt_d[b] - 2 * big - big * c0 + big * fixed
                prob.addConstraint(
                    pulp.LpConstraint(pulp.LpAffineExpression(first), pulp.LpConstraintGE, rhs=rhs_first),
                    f"seq{o}_{p}_{k}a",
                )
                prob.addConstraint(
                    pulp.LpConstraint(pulp.LpAffineExpression(second), pulp.LpConstraintGE, rhs=rhs_second),
                    f"seq{o}_{p}_{k}b",
                )
                built += 1
                if built % 1000 == 0 and ctx.time_limit is not None:
                    # time to finish the model and hand it to the solver, extrapolated
                    rate = (ctx.elapsed() - build_started) / built
                    if ctx.remaining() < rate * ((total - built) + _HANDOVER * total) + _BUILD_RESERVE:
                        return Result(Status.UNKNOWN, None, None, start_solution, stats={"backend": backend})
    _set_start(problem, start_solution, s, x, y, cmax, alts)
    handover = _HANDOVER * (ctx.elapsed() - build_started)
    if ctx.time_limit is not None and ctx.remaining() < handover + _BUILD_RESERVE:
        return Result(Status.UNKNOWN, None, None, start_solution, stats={"backend": backend})
    out = run_pulp(prob, ctx, backend=backend, warm_start=True, reserve=handover + 0.1)
    solution = None
    if out.has_solution:
        mach = np.empty(n_ops, dtype=np.int64)
        for o in range(n_ops):
            mach[o] = alt_m[max(alts[o], key=lambda a: pulp.value(x[a]))]
        st = np.array([round(pulp.value(v)) for v in s], dtype=np.int64)
        solution = FlexibleSolution.from_assignment(problem, mach, st)
        if problem.violations(solution) or problem.objective(solution) > problem.objective(start_solution):
            solution = start_solution  # never worse than the warm start
    else:
        solution = start_solution
    bound = out.bound
    return Result(out.status, None, bound, solution, stats={"backend": backend, "pairs": len(y)})


def _set_start(
    problem: FlexibleJobShop,
    sol: FlexibleSolution,
    s: list[pulp.LpVariable],
    x: dict[int, pulp.LpVariable | int],
    y: dict[tuple[int, int], pulp.LpVariable],
    cmax: pulp.LpVariable,
    alts: list[list[int]],
) -> None:
    """Initial values of every variable from a feasible schedule (the warm start)."""
    st, mach = sol.starts(problem), sol.machines(problem)
    end = st + problem.durations_of(mach)
    for o, v in enumerate(s):
        v.setInitialValue(int(st[o]))
        for a in alts[o]:
            if not isinstance(x[a], int):
                x[a].setInitialValue(int(problem.alt_machine[a] == mach[o]))
    for (o, p), v in y.items():
        v.setInitialValue(int((st[o], end[o], o) <= (st[p], end[p], p)))
    cmax.setInitialValue(int(problem.objective(sol)))
