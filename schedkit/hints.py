"""Whether a solution belongs to an instance: the checks that refuse a hint (or a solution file)
made for another instance.

Two views of "another instance":

* sizes: the instance's counts (jobs, machines, operations, activities, resources, PMs, VMs),
  which :func:`schedkit.save_solution` records in the file, compared with the instance's own;
* fit: what the solution itself names. A hint may hold a few stray entries (they are ignored),
  but one whose entries mostly name jobs/operations/activities/VMs the instance does not have,
  or that covers at most half of the instance's items, was made for another instance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedkit.problems.base import Problem
from schedkit.problems.operations import ScheduledOperations
from schedkit.problems.pods import PodAssignment
from schedkit.problems.rcpsp import RcpspSolution
from schedkit.problems.tardiness import TardinessSolution
from schedkit.problems.vmr import VMRPlan

#: the summary entries that are sizes of an instance (not totals or bounds)
SIZE_KEYS = ("jobs", "machines", "operations", "activities", "resources", "PMs", "VMs", "nodes", "pods")


def instance_size(problem: Problem) -> dict[str, int]:
    """The instance's sizes, e.g. ``{"jobs": 6, "machines": 6, "operations": 36}``."""
    facts = problem.summary()
    return {
        k: int(facts[k])
        for k in SIZE_KEYS
        if isinstance(facts.get(k), int | np.integer) and not isinstance(facts.get(k), bool)
    }


def describe_size(size: dict[str, Any]) -> str:
    """``"6 jobs, 6 machines, 36 operations"``."""
    return ", ".join(f"{v} {k}" for k, v in size.items())


def size_mismatch(recorded: Any, problem: Problem) -> str | None:
    """``"15 jobs, 15 machines, 225 operations"`` when the sizes a solution file recorded differ
    from the instance's; None when they agree or the file recorded none (older files)."""
    if not isinstance(recorded, dict):
        return None
    here = instance_size(problem)
    if any(k in recorded and recorded[k] != v for k, v in here.items()):
        return describe_size({k: recorded[k] for k in here if k in recorded})
    return None


def misfit(problem: Problem, solution: Any) -> str | None:
    """Why ``solution`` cannot be a solution of ``problem``'s instance, or None if it may be."""
    counts = _coverage(problem, solution)
    if counts is None:
        return None
    what, entries, known, covered, total = counts
    unknown = entries - known
    if entries and unknown >= known:
        return f"{unknown} of its {entries} {what} are not in the instance"
    if total is not None and total and 2 * covered <= total:
        return f"it covers {covered} of the instance's {total} {what}"
    return None


def _coverage(problem: Any, solution: Any) -> tuple[str, int, int, int, int | None] | None:
    """(item word, entries, entries naming an item of the instance, distinct items covered,
    items of the instance or None when a solution need not cover them)."""
    if isinstance(solution, ScheduledOperations):
        job = np.asarray(solution.job, dtype=np.int64)
        op = np.asarray(solution.op, dtype=np.int64)
        ok = (job >= 0) & (job < problem.num_jobs)
        ok[ok] &= (op[ok] >= 0) & (op[ok] < np.diff(problem.job_start)[job[ok]])
        flat = problem.job_start[job[ok]] + op[ok]
        return "operations", len(job), int(ok.sum()), len(np.unique(flat)), problem.num_operations
    if isinstance(solution, TardinessSolution):
        seq = np.asarray(solution.sequence, dtype=np.int64)
        ok = (seq >= 0) & (seq < problem.num_jobs)
        return "jobs", len(seq), int(ok.sum()), len(np.unique(seq[ok])), problem.num_jobs
    if isinstance(solution, RcpspSolution):
        n = problem.num_activities
        present = np.ones(len(solution.start), bool) if solution.present is None else solution.present
        present = np.asarray(present, dtype=bool)
        known = int(present[:n].sum())
        return "activities", int(present.sum()), known, known, n
    if isinstance(solution, VMRPlan):
        ok = (solution.vm >= 0) & (solution.src_pm >= 0) & (solution.dst_pm >= 0)
        return "migrations", len(solution.vm), int(ok.sum()), int(ok.sum()), None
    if isinstance(solution, PodAssignment):  # unplaced pods are not listed: no coverage asked
        ok = (solution.pod >= 0) & (solution.node >= 0)
        return "placements", len(solution.pod), int(ok.sum()), int(ok.sum()), None
    return None
