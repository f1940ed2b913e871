"""Flexible job-shop logic several methods share (CP-SAT, MIP), with no solver import."""

from __future__ import annotations

import numpy as np

from schedkit.problems.flexible import FlexibleJobShop


def semi_active_horizon(problem: FlexibleJobShop) -> int:
    """An upper bound on every end in a semi-active schedule: the latest release plus, per
    operation, its longest duration and the largest setup any eligible machine may need before it."""
    longest = np.maximum.reduceat(problem.alt_duration, problem.alt_start[:-1])
    total = int(problem.release.max(initial=0) + longest.sum())
    if problem.setup is not None:
        worst = problem.setup.max(axis=1)  # (machine, to job)
        into = worst[problem.alt_machine, problem.job_of[problem.alt_op]]
        total += int(np.maximum.reduceat(into, problem.alt_start[:-1]).sum())
    return total


def shortest_on_machine(problem: FlexibleJobShop) -> np.ndarray:
    """``[job, machine]``: the shortest positive duration of the job's operations there, -1 where
    the job has none (the input of :func:`schedkit.problems.shop_extras.triangle_violation`)."""
    out = np.full((problem.num_jobs, problem.num_machines), -1, dtype=np.int64)
    for a in np.flatnonzero(problem.alt_duration > 0):
        j, k = int(problem.job_of[problem.alt_op[a]]), int(problem.alt_machine[a])
        d = int(problem.alt_duration[a])
        out[j, k] = d if out[j, k] < 0 else min(out[j, k], d)
    return out
