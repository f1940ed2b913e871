"""Single-machine total (weighted) tardiness on CP-SAT.

One fixed-size interval per job on a single no-overlap resource, a tardiness variable
``T_j >= end_j - d_j`` per job, objective ``Σ w_j T_j``. The dominance precedences of
:func:`schedkit.structure.tardiness.dominance_pairs` are added as ``end_i <= start_j``,
and the local-search start sequence (or ``ctx.hint``) is passed as a solution hint.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.search.tardiness import improved_start
from schedkit.structure.tardiness import dominance_pairs

#: share of the time the warm start (best rule + insertion descent) may take
START_SHARE = 0.25

MAX_DOMINANCE_JOBS = 1000  # above: no dominance precedences


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Minimise Σ w_j max(0, C_j - d_j) with an interval model."""
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    start_seq = improved_start(problem, ctx, share=START_SHARE)[1]
    if problem.tardiness_of(start_seq) <= problem.lower_bound():
        return Result(Status.OPTIMAL, None, problem.lower_bound(), TardinessSolution(start_seq))
    horizon = int(problem.p.sum())
    model = cp_model.CpModel()
    starts = [model.new_int_var(0, horizon - p[j], f"s{j}") for j in range(n)]
    intervals = [model.new_fixed_size_interval_var(starts[j], p[j], f"i{j}") for j in range(n)]
    model.add_no_overlap(intervals)
    tard = []
    for j in range(n):
        t = model.new_int_var(0, max(0, horizon - d[j]), f"T{j}")
        model.add(t >= starts[j] + p[j] - d[j])
        tard.append(t)
    # the hint keeps them; their transitive reduction costs O(n^3) (seconds above 1000 jobs)
    pairs = (
        dominance_pairs(problem, reduced=True, consistent_with=start_seq) if n <= MAX_DOMINANCE_JOBS else []
    )
    for i, j in pairs:
        model.add(starts[i] + p[i] <= starts[j])
    model.minimize(sum(w[j] * tard[j] for j in range(n)))
    begin = np.concatenate([[0], np.cumsum(problem.p[start_seq])[:-1]])
    st = np.empty(n, dtype=np.int64)
    st[start_seq] = begin
    for j in range(n):
        model.add_hint(starts[j], int(st[j]))

    def order(values: list[int]) -> np.ndarray:
        return np.lexsort((problem.p, np.array(values)))

    def extract(cb: cp_model.CpSolverSolutionCallback) -> TardinessSolution:
        return TardinessSolution(order([cb.value(s) for s in starts]))

    out = run_cpsat(model, ctx, on_solution=extract)
    solution = TardinessSolution(start_seq)
    if out.has_solution:
        cand = order([out.solver.value(s) for s in starts])
        if problem.tardiness_of(cand) <= problem.tardiness_of(start_seq):
            solution = TardinessSolution(cand)
    status = out.status
    if status is Status.OPTIMAL and (out.bound is None or problem.objective(solution) > out.bound):
        status = Status.FEASIBLE
    return Result(
        status,
        None,
        out.bound,
        solution,
        stats={"branches": out.solver.num_branches, "conflicts": out.solver.num_conflicts},
    )
