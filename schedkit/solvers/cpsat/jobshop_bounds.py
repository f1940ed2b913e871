"""One-machine lower bounds on the job shop's due-date and completion objectives (CP-SAT).

Relax the job shop to one machine ``k``: each operation ``o`` on ``k`` keeps its head ``r_o``
(its job's release plus the work before it) and its tail ``q_o`` (the work after it), every
other machine is dropped, setups are dropped. Any job-shop schedule gives a schedule of ``k``
in which job ``j`` ends no earlier than ``max_o (C_o + q_o)`` over its operations on ``k``, so
the relaxed optimum of ``1 | r_j | f(C_j)`` is a lower bound on the job shop's ``f`` for
every regular objective ``f``; jobs with no operation on ``k`` count with their earliest end
``r_j + work_j``. The bound of a machine is the relaxed CP-SAT's proven bound (its optimum
when it finishes in time), and ``max_k`` of them bounds the job shop.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from schedkit.problems.jobshop import JobShop

#: objectives with a one-machine bound (the makespan has its own, stronger ones in CP-SAT)
BOUNDED = frozenset({"weighted_tardiness", "weighted_completion", "tardy_jobs", "max_lateness"})


def heads_tails(problem: JobShop) -> tuple[np.ndarray, np.ndarray]:
    """Per operation, its head (release + work of the job before it) and tail (work after)."""
    dur = problem.duration
    before = np.zeros(problem.num_operations, dtype=np.int64)
    after = np.zeros(problem.num_operations, dtype=np.int64)
    for j in range(problem.num_jobs):
        a, b = int(problem.job_start[j]), int(problem.job_start[j + 1])
        c = np.cumsum(dur[a:b])
        before[a:b] = c - dur[a:b]
        after[a:b] = c[-1] - c if b > a else 0
    return before + problem.release[problem.job_of], after


def machine_bound(
    problem: JobShop, objective: str, m: int, time_limit: float, workers: int = 1
) -> tuple[int | None, bool]:
    """The one-machine relaxation of machine ``m`` (module docstring), solved by CP-SAT within
    ``time_limit`` seconds: ``(its optimum, True)``, or ``(its proven bound, False)`` when time
    runs out (None if it proved none)."""
    n = problem.num_jobs
    head, tail = heads_tails(problem)
    dur = problem.duration
    work = problem.job_lengths()
    earliest = problem.release + work
    ops = np.flatnonzero((problem.machine == m) & (dur > 0))
    horizon = int(head[ops].max(initial=0) + dur[ops].sum() + tail.max(initial=0) + earliest.max(initial=0))
    model = cp_model.CpModel()
    end_of_job: list[list] = [[] for _ in range(n)]
    intervals = []
    by_job: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for o in ops:
        s = model.new_int_var(int(head[o]), horizon, f"s{o}")
        intervals.append(model.new_fixed_size_interval_var(s, int(dur[o]), f"i{o}"))
        j = int(problem.job_of[o])
        end_of_job[j].append(s + int(dur[o]) + int(tail[o]))
        by_job.setdefault(j, []).append((int(o), s))
    for pairs in by_job.values():  # a re-entrant job's visits keep their order and the work between
        for (a, sa), (b, sb) in zip(pairs, pairs[1:], strict=False):
            model.add(sb >= sa + int(head[b] - head[a]))
    if len(intervals) > 1:
        model.add_no_overlap(intervals)
    ends = []
    for j in range(n):
        e = model.new_int_var(int(earliest[j]), horizon, f"c{j}")
        for expr in end_of_job[j]:
            model.add(e >= expr)
        ends.append(e)
    weight = [int(w) for w in problem.weight]
    if objective == "weighted_completion":
        model.minimize(sum(w * e for w, e in zip(weight, ends, strict=True)))
    else:
        due = [int(d) for d in problem.due]
        if objective == "weighted_tardiness":
            tard = [model.new_int_var(0, max(0, horizon - due[j]), f"t{j}") for j in range(n)]
            for j in range(n):
                model.add(tard[j] >= ends[j] - due[j])
            model.minimize(sum(w * t for w, t in zip(weight, tard, strict=True)))
        elif objective == "tardy_jobs":
            late = [model.new_bool_var(f"u{j}") for j in range(n)]
            for j in range(n):
                model.add(ends[j] <= due[j]).only_enforce_if(~late[j])
            model.minimize(sum(late))
        elif objective == "max_lateness":
            lmax = model.new_int_var(-max(due), horizon, "lmax")
            for j in range(n):
                model.add(lmax >= ends[j] - due[j])
            model.minimize(lmax)
        else:
            raise ValueError(f"no one-machine bound for {objective}")
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.001, time_limit)
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return int(round(solver.objective_value)), True
    if status == cp_model.INFEASIBLE:  # cannot happen (the relaxation of a feasible shop)
        raise AssertionError("one-machine relaxation infeasible")
    bound = solver.best_objective_bound
    return (int(np.ceil(bound - 1e-6)) if np.isfinite(bound) else None), False


def one_machine_bound(problem: JobShop, objective: str, time_limit: float, workers: int = 1) -> int | None:
    """``max_k`` of :func:`machine_bound` over the machines within ``time_limit`` seconds in
    all; None for an objective without such a bound. A first pass gives every machine a short
    time (most relaxations close at once), a second shares what is left among the machines
    still open, the most promising (highest bound so far) first."""
    if objective not in BOUNDED:
        return None
    deadline = time.perf_counter() + time_limit
    m = problem.num_machines
    found: dict[int, int] = {}
    open_: list[int] = []
    quick = min(0.05, time_limit / (2 * m))
    for k in range(m):
        if time.perf_counter() >= deadline:
            break
        b, proven = machine_bound(problem, objective, k, quick, workers)
        if b is not None:
            found[k] = b
        if not proven:
            open_.append(k)
    open_.sort(key=lambda k: -found.get(k, -(2**62)))
    for i, k in enumerate(open_):
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        b, _ = machine_bound(problem, objective, k, left / (len(open_) - i), workers)
        if b is not None:
            found[k] = max(found.get(k, b), b)
    return max(found.values()) if found else None
