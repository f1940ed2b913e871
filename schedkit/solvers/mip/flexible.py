"""Flexible job-shop as a MIP (PuLP; HiGHS by default, CBC for ``mip-cbc``).

Variables: ``x[a]`` = 1 when alternative ``a`` (an operation on one eligible machine) is
chosen, an integer start ``s[o]`` per operation, the objective's variables (the makespan ``C``
by default), and for every pair of operations of different jobs that share an eligible machine
one ordering binary ``y[o,p]`` (1: ``o`` before ``p``), used by big-M disjunctions that are
active only when both are assigned to the shared machine. The horizon ``H`` is the makespan of
the best dispatching rule (or of the hint) for the makespan, and one that holds every
semi-active schedule for the other objectives; it bounds every start, and the big-M is ``H``
plus the longest duration and the largest setup.

Extras: releases bound the starts; the setup ``S`` of machine ``k`` from ``o``'s job to ``p``'s
joins ``o``'s duration in the pair ``o -> p`` on ``k``, a job's own operations on one machine keep
the setup between them, and ``s[o] >= S_init x[a]``. As in the job-shop MIP the pairwise rows
impose a setup between every two operations on a machine, which is exact only under the
triangle inequality (with each job's shortest duration there): the precheck refuses other
setups. Alternatives of zero duration hold no machine and need no setup. The objectives are
those of :mod:`schedkit.solvers.mip.shop_objective`.
"""

from __future__ import annotations

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.problems.shop_extras import triangle_violation
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, check_model_size, different_job_pairs, run_pulp
from schedkit.solvers.mip.shop_objective import Linear, add_objective
from schedkit.solvers.rules.flexible import best_of_rules
from schedkit.structure.flexible import semi_active_horizon, shortest_on_machine

#: seconds kept for solving and extraction when model building runs long
_BUILD_RESERVE = 0.3
#: time PuLP takes to hand the model to the solver, relative to building it (measured: 1.1-1.3)
_HANDOVER = 1.4


def precheck(problem: FlexibleJobShop, ctx: SolveContext) -> None:
    """Refuse, before any work, a model too large for memory (sequencing rows per machine pair),
    and setups without the triangle inequality."""
    check_model_size(
        2 * different_job_pairs(problem.alt_machine, problem.job_of[problem.alt_op]),
        "sequencing rows",
        "cpsat, ts or auto",
    )
    if problem.setup is not None:
        why = triangle_violation(problem.setup, shortest_on_machine(problem))
        if why is not None:
            raise InvalidParameterError(
                f"{ctx.method} needs setups with the triangle inequality ({why}); use cpsat"
            )


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Minimise ``ctx.objective`` (the makespan by default); ``ctx.hint`` (or the best
    dispatching rule's schedule) is the warm start."""
    backend = backend_of(ctx.method)
    precheck(problem, ctx)
    objective = ctx.objective or "makespan"

    def value(sol: FlexibleSolution) -> int:
        return int(problem.evaluate(sol, objective))

    start_solution = best_of_rules(problem, ctx.seed, 0.0, objective=objective)
    hint = ctx.hint
    if hint is not None and not problem.violations(hint) and value(hint) <= value(start_solution):
        start_solution = hint
    if objective == "makespan":
        horizon = value(start_solution)
        bound0 = problem.lower_bound()
    else:
        horizon = max(semi_active_horizon(problem), int(problem.objective(start_solution)))
        bound0 = int(problem.objective_bound(objective))
    n_ops = problem.num_operations
    alt_m = problem.alt_machine.tolist()
    alt_d = problem.alt_duration.tolist()
    alts = [list(problem.alternatives(o)) for o in range(n_ops)]
    job_of = problem.job_of.tolist()
    release = problem.release.tolist()
    setup = problem.setup
    n = problem.num_jobs

    prob = pulp.LpProblem(f"fjsp_{problem.name}", pulp.LpMinimize)
    s = [pulp.LpVariable(f"s{o}", release[job_of[o]], horizon, cat="Integer") for o in range(n_ops)]
    x: dict[int, pulp.LpVariable | int] = {}
    for o in range(n_ops):
        if len(alts[o]) == 1:
            x[alts[o][0]] = 1
        else:
            for a in alts[o]:
                x[a] = pulp.LpVariable(f"x{o}_{alt_m[a]}", cat="Binary")
            prob += pulp.lpSum(x[a] for a in alts[o]) == 1, f"assign{o}"
    dur = [pulp.lpSum(alt_d[a] * x[a] for a in alts[o]) for o in range(n_ops)]
    ends: list[Linear] = []
    for o in (problem.job_start[1:] - 1).tolist():
        fixed = sum(alt_d[a] for a in alts[o] if isinstance(x[a], int))
        ends.append(([(s[o], 1), *((x[a], alt_d[a]) for a in alts[o] if not isinstance(x[a], int))], fixed))
    goal_vars = add_objective(prob, objective, ends, problem.due, problem.weight, bound0, horizon)
    for o in range(n_ops):
        if problem.rank[o] > 0:
            prob += s[o] >= s[o - 1] + dur[o - 1], f"prec{o}"
    # operations per machine, as (operation, alternative); zero durations hold no machine
    on_machine: list[list[tuple[int, int]]] = [[] for _ in range(problem.num_machines)]
    for o in range(n_ops):
        for a in alts[o]:
            if alt_d[a] > 0:
                on_machine[alt_m[a]].append((o, a))
    y: dict[tuple[int, int], pulp.LpVariable] = {}
    big = horizon + max(alt_d) + (0 if setup is None else int(setup.max()))
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
            if setup is not None and setup[k, n, job_of[o]] > 0:  # s_o >= S_init x_a
                need = int(setup[k, n, job_of[o]])
                if isinstance(x[a], int):
                    prob += s[o] >= need, f"init{o}_{k}"
                else:
                    prob += s[o] >= need * x[a], f"init{o}_{k}"
            for p, b in items[i + 1 :]:
                s_op = 0 if setup is None else int(setup[k, job_of[o], job_of[p]])
                s_po = 0 if setup is None else int(setup[k, job_of[p], job_of[o]])
                both = [xv for xv in (x[a], x[b]) if not isinstance(xv, int)]
                if job_of[o] == job_of[p]:  # ordered by the job (o first); the setup stays
                    if s_op:  # s_p >= s_o + d_a + S - big (2 - x_a - x_b), a fixed x being 1
                        slack = big * (len(both) - pulp.lpSum(both))
                        prob += s[p] >= s[o] + alt_d[a] + s_op - slack, f"r{o}_{p}_{k}"
                    continue
                key = (o, p) if o < p else (p, o)
                if key not in y:
                    y[key] = pulp.LpVariable(f"y{key[0]}_{key[1]}", cat="Binary")
                # "o before p" is y when key == (o, p), else 1 - y: c0 + c1 * y
                c0, c1 = (0, 1) if key == (o, p) else (1, -1)
                # s_p >= s_o + d_a + S_op - big (1 - before) - big (2 - x_a - x_b)  and
                # s_o >= s_p + d_b + S_po - big before - big (2 - x_a - x_b), terms moved to the left
                terms = {xv: -big for xv in both}
                fixed = 2 - len(both)
                first = {s[p]: 1, s[o]: -1, y[key]: -big * c1, **terms}
                second = {s[o]: 1, s[p]: -1, y[key]: big * c1, **terms}
                rhs_first = alt_d[a] + s_op - 3 * big + big * c0 + big * fixed
                rhs_second = alt_d[b] + s_po - 2 * big - big * c0 + big * fixed
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
    _set_start(problem, start_solution, s, x, y, alts)
    st0 = start_solution.starts(problem)
    end0 = (st0 + problem.durations_of(start_solution.machines(problem)))[problem.job_start[1:] - 1]
    for v, val in goal_vars(end0):
        v.setInitialValue(val)
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
        if problem.violations(solution) or value(solution) > value(start_solution):
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
