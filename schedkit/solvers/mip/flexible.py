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
from schedkit.heuristics.flexible_rules import dispatch
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result
from schedkit.solvers.mip.runner import backend_of, run_pulp


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (or a dispatching rule's schedule) is the warm start."""
    backend = backend_of(ctx.method)

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
    for k, items in enumerate(on_machine):
        for i, (o, a) in enumerate(items):
            for p, b in items[i + 1 :]:
                if job_of[o] == job_of[p]:
                    continue  # ordered by the job's precedence already
                key = (o, p) if o < p else (p, o)
                if key not in y:
                    y[key] = pulp.LpVariable(f"y{key[0]}_{key[1]}", cat="Binary")
                yy = y[key] if key == (o, p) else 1 - y[key]  # 1: o before p
                off = 2 - x[a] - x[b]
                prob += s[p] >= s[o] + alt_d[a] - big * (1 - yy) - big * off, f"seq{o}_{p}_{k}a"
                prob += s[o] >= s[p] + alt_d[b] - big * yy - big * off, f"seq{o}_{p}_{k}b"
    _set_start(problem, start_solution, s, x, y, cmax, alts)
    out = run_pulp(prob, ctx, backend=backend, warm_start=True)
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
