"""A CP-SAT phase for the hybrid: the job-shop interval model with an upper-bound cut and a full hint.

Unlike the plain ``cpsat`` method, the makespan is capped by the incumbent (every start lies
in ``[head, ub - tail]``, with the job heads and tails as the only precedences), which shrinks
the domains a lot when the incumbent is good, and the incumbent is hinted in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop
from schedkit.result import Status
from schedkit.solvers.cpsat.runner import run_cpsat


@dataclass
class PhaseOutcome:
    status: Status
    bound: int | None
    start: np.ndarray | None  # start times of the best schedule found, if any


def job_heads_tails(problem: JobShop) -> tuple[np.ndarray, np.ndarray]:
    """Per operation, the work of its job before it and after it (itself excluded)."""
    cs = np.cumsum(problem.duration)
    before_job = np.concatenate([[0], cs])[problem.job_start[:-1]][problem.job_of]
    head = cs - problem.duration - before_job
    job_total = cs[problem.job_start[1:] - 1][problem.job_of] - before_job
    tail = job_total - head - problem.duration
    return head, tail


def run(problem: JobShop, ctx: SolveContext, hint_start: np.ndarray, ub: int) -> PhaseOutcome:
    """Minimise the makespan subject to ``makespan <= ub`` (``hint_start`` must achieve ``ub``)."""
    model = cp_model.CpModel()
    n_ops = problem.num_operations
    head, tail = job_heads_tails(problem)
    dur = problem.duration
    starts = [
        model.new_int_var(int(head[o]), max(int(head[o]), int(ub - tail[o] - dur[o])), f"s{o}")
        for o in range(n_ops)
    ]
    intervals = [model.new_fixed_size_interval_var(starts[o], int(dur[o]), f"i{o}") for o in range(n_ops)]
    for o in range(n_ops):
        if problem.rank[o] > 0:
            model.add(starts[o] >= starts[o - 1] + int(dur[o - 1]))
    for m in range(problem.num_machines):
        ops = np.flatnonzero((problem.machine == m) & (dur > 0))  # zero durations hold no machine
        if len(ops) > 1:
            model.add_no_overlap([intervals[o] for o in ops])
    lb = min(problem.lower_bound(), ub)
    makespan = model.new_int_var(lb, ub, "makespan")
    for o in (problem.job_start[1:] - 1).tolist():
        model.add(makespan >= starts[o] + int(dur[o]))
    model.minimize(makespan)
    for o in range(n_ops):
        model.add_hint(starts[o], int(hint_start[o]))
    model.add_hint(makespan, int(ub))

    def extract(value) -> np.ndarray:  # noqa: ANN001 (solver or callback)
        return np.array([value(s) for s in starts], dtype=np.int64)

    out = run_cpsat(model, ctx, on_solution=None)
    start = extract(out.solver.value) if out.has_solution else None
    bound = None if out.bound is None else int(out.bound)
    return PhaseOutcome(out.status, bound, start)
