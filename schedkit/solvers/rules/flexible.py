"""Dispatching rules for the flexible job-shop: an operation rule combined with a machine rule.

The method ``rule:<op>+<machine>`` builds one schedule operation by operation. At each step
the candidates are the next unscheduled operation of every job. Following Giffler and
Thompson's active-schedule idea, only candidates that could start (on some eligible
machine) before the earliest possible completion of any candidate are considered; among
them the *operation rule* picks one:

* ``spt``   shortest processing time (its shortest duration over the eligible machines)
* ``mwkr``  most work remaining in its job (mean durations over eligible machines)
* ``mopnr`` most operations remaining in its job
* ``fifo``  the operation that became ready first
* ``random`` uniformly at random (seeded by the solve call's seed)

then the *machine rule* picks one of its eligible machines:

* ``ect``   earliest completion time
* ``spt``   shortest processing time on that machine
* ``ll``    least loaded machine (work assigned so far)

and the operation is appended to that machine's sequence at the earliest time both the job
and the machine are free. Ties are broken by earliest completion, then lowest index.
"""

from __future__ import annotations

import random

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import UnknownMethodError
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status

OP_RULES = ("spt", "mwkr", "mopnr", "fifo", "random")
MACHINE_RULES = ("ect", "spt", "ll")


def parse_rule(method: str) -> tuple[str, str]:
    """``"rule:mwkr+ect"`` -> ``("mwkr", "ect")``; UnknownMethodError for anything else."""
    body = method.removeprefix("rule:")
    op_rule, _, mach_rule = body.partition("+")
    if op_rule not in OP_RULES or mach_rule not in MACHINE_RULES:
        raise UnknownMethodError(
            f"unknown FJSP rule {method!r}: use rule:<{'|'.join(OP_RULES)}>+<{'|'.join(MACHINE_RULES)}>"
        )
    return op_rule, mach_rule


def dispatch(
    problem: FlexibleJobShop, op_rule: str = "mwkr", mach_rule: str = "ect", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Build one schedule; return (machine, start) per flat operation."""
    if op_rule not in OP_RULES or mach_rule not in MACHINE_RULES:
        raise UnknownMethodError(f"unknown FJSP rule {op_rule}+{mach_rule}")
    n_jobs, n_ops = problem.num_jobs, problem.num_operations
    job_start = problem.job_start.tolist()
    alt_start = problem.alt_start.tolist()
    alt_m = problem.alt_machine.tolist()
    alt_d = problem.alt_duration.tolist()
    alts = [
        list(zip(alt_m[alt_start[o] : alt_start[o + 1]], alt_d[alt_start[o] : alt_start[o + 1]], strict=True))
        for o in range(n_ops)
    ]
    min_d = problem.min_duration.tolist()
    # remaining work of the job from each operation on (mean durations), remaining operations
    sums = np.add.reduceat(problem.alt_duration, problem.alt_start[:-1])
    mean_d = sums / np.diff(problem.alt_start)
    rem_work = np.empty(n_ops)
    for j in range(n_jobs):
        a, b = job_start[j], job_start[j + 1]
        rem_work[a:b] = np.cumsum(mean_d[a:b][::-1])[::-1]
    rem_work_l = rem_work.tolist()
    rng = random.Random(seed)

    next_op = job_start[:-1]
    next_op = list(next_op)
    job_end = job_start[1:]
    job_ready = [0] * n_jobs
    mach_ready = [0] * problem.num_machines
    load = [0] * problem.num_machines
    machine_of = [0] * n_ops
    start_of = [0] * n_ops
    active = list(range(n_jobs))
    for _ in range(n_ops):
        # earliest start and completion of each candidate over its machines
        best_c = None
        info = []
        for j in active:
            o = next_op[j]
            jr = job_ready[j]
            est = None
            for m, d in alts[o]:
                s = mach_ready[m] if mach_ready[m] > jr else jr
                if est is None or s < est:
                    est = s
                c = s + d
                if best_c is None or c < best_c:
                    best_c = c
            info.append((j, o, est))
        # candidates that could start before the earliest completion (at least the one achieving it)
        cands = [t for t in info if t[2] < best_c]
        if not cands:
            cands = [t for t in info if t[2] <= best_c]
        if op_rule == "spt":
            j, o, _ = min(cands, key=lambda t: (min_d[t[1]], t[2], t[0]))
        elif op_rule == "mwkr":
            j, o, _ = min(cands, key=lambda t: (-rem_work_l[t[1]], t[2], t[0]))
        elif op_rule == "mopnr":
            j, o, _ = min(cands, key=lambda t: (t[1] - job_end[t[0]], t[2], t[0]))
        elif op_rule == "fifo":
            j, o, _ = min(cands, key=lambda t: (job_ready[t[0]], t[2], t[0]))
        else:
            j, o, _ = cands[rng.randrange(len(cands))]
        jr = job_ready[j]
        choice = None
        for m, d in alts[o]:
            s = mach_ready[m] if mach_ready[m] > jr else jr
            if mach_rule == "ect":
                key = (s + d, d, m)
            elif mach_rule == "spt":
                key = (d, s + d, m)
            else:
                key = (load[m], s + d, m)
            if choice is None or key < choice[0]:
                choice = (key, m, s, d)
        assert choice is not None
        _, m, s, d = choice
        machine_of[o] = m
        start_of[o] = s
        mach_ready[m] = s + d
        load[m] += d
        job_ready[j] = s + d
        next_op[j] = o + 1
        if o + 1 == job_end[j]:
            active.remove(j)
    return np.array(machine_of, dtype=np.int64), np.array(start_of, dtype=np.int64)


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Run the rule named by ``ctx.method`` (``rule:<op>+<machine>``)."""
    op_rule, mach_rule = parse_rule(ctx.method)
    machine, start = dispatch(problem, op_rule, mach_rule, ctx.seed)
    return Result(Status.FEASIBLE, None, None, FlexibleSolution.from_assignment(problem, machine, start))


def best_of_rules(
    problem: FlexibleJobShop, seed: int = 0, budget: float = 0.2, min_random: int = 0
) -> FlexibleSolution:
    """Best schedule of every deterministic rule combination, then random ones while ``budget``
    seconds last (at least ``min_random`` of them); a starting point for exact methods."""
    import time

    deadline = time.perf_counter() + budget
    best: FlexibleSolution | None = None
    best_obj = None

    def consider(machine: np.ndarray, start: np.ndarray) -> None:
        nonlocal best, best_obj
        obj = int((start + problem.durations_of(machine)).max())
        if best_obj is None or obj < best_obj:
            best, best_obj = FlexibleSolution.from_assignment(problem, machine, start), obj

    for op_rule in OP_RULES[:-1]:
        for mach_rule in MACHINE_RULES:
            consider(*dispatch(problem, op_rule, mach_rule, seed))
    k = 0
    while k < min_random or time.perf_counter() < deadline:
        consider(*dispatch(problem, "random", "ect", seed + k))
        k += 1
    assert best is not None
    return best
