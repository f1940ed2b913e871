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

and, for setups and due dates (the job-shop rules of :mod:`schedkit.solvers.rules.jobshop`,
with ``t`` the candidate's earliest start and the work remaining counted in mean durations):

* ``ssp``   shortest setup + processing time over its eligible machines
* ``edd``   earliest due date; ``slack``: least due date - work remaining
* ``sopn``  least slack per remaining operation, ``(d - t - work) / operations remaining``
* ``cr``    smallest critical ratio ``(d - t) / work remaining``
* ``atc``   largest apparent tardiness cost ``w / (p + setup) exp(-max(0, d - t - work) / (k p_mean))``,
  ``k`` = 2, ``p + setup`` the smallest over its eligible machines

then the *machine rule* picks one of its eligible machines:

* ``ect``   earliest completion time (setup counted)
* ``spt``   shortest processing time on that machine
* ``ll``    least loaded machine (work assigned so far)

and the operation is appended to that machine's sequence at the earliest time both the job
and the machine are free (after its release and the machine's setup from the job it ran last;
an operation of zero duration needs no setup and leaves the machine's setup state unchanged).
Ties are broken by earliest completion, then lowest index.
"""

from __future__ import annotations

import math
import random

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError, UnknownMethodError
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status

OP_RULES = ("spt", "mwkr", "mopnr", "fifo", "random")
#: the operation rules for setups and due dates
EXTRA_OP_RULES = ("ssp", "edd", "slack", "sopn", "cr", "atc")
#: the operation rules that read due dates
NEED_DUE = frozenset({"edd", "slack", "sopn", "cr", "atc"})
MACHINE_RULES = ("ect", "spt", "ll")
ATC_K = 2.0


def parse_rule(method: str, extras: bool = False) -> tuple[str, str]:
    """``"rule:mwkr+ect"`` -> ``("mwkr", "ect")``; UnknownMethodError for anything else (the
    rules for setups and due dates only with ``extras``)."""
    body = method.removeprefix("rule:")
    op_rule, _, mach_rule = body.partition("+")
    ops = OP_RULES + EXTRA_OP_RULES if extras else OP_RULES
    if op_rule not in ops or mach_rule not in MACHINE_RULES:
        raise UnknownMethodError(
            f"unknown FJSP rule {method!r}: use rule:<{'|'.join(ops)}>+<{'|'.join(MACHINE_RULES)}>"
        )
    return op_rule, mach_rule


def dispatch(
    problem: FlexibleJobShop, op_rule: str = "mwkr", mach_rule: str = "ect", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Build one schedule; return (machine, start) per flat operation."""
    if op_rule not in OP_RULES + EXTRA_OP_RULES or mach_rule not in MACHINE_RULES:
        raise UnknownMethodError(f"unknown FJSP rule {op_rule}+{mach_rule}")
    if op_rule in NEED_DUE and problem.due is None:
        raise InvalidParameterError(f"rule:{op_rule} needs due dates, and instance {problem.name} has none")
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
    setup = None if problem.setup is None else problem.setup.tolist()
    due = [0] * n_jobs if problem.due is None else problem.due.tolist()
    weight = problem.weight.tolist()
    kpbar = ATC_K * max(float(mean_d.mean()), 1e-9)

    next_op = job_start[:-1]
    next_op = list(next_op)
    job_end = job_start[1:]
    job_ready = problem.release.tolist()
    mach_ready = [0] * problem.num_machines
    last_job = [n_jobs] * problem.num_machines  # n: the initial setup state
    load = [0] * problem.num_machines
    machine_of = [0] * n_ops
    start_of = [0] * n_ops
    active = list(range(n_jobs))

    def start_on(m: int, d: int, j: int, jr: int) -> int:
        """Earliest start of job ``j``'s next operation on ``m`` (duration ``d``)."""
        free = mach_ready[m]
        if setup is not None and d > 0:
            free += setup[m][last_job[m]][j]
        return free if free > jr else jr

    def key_of(j: int, o: int, t: int, sp: int) -> float:
        """The rule's key (smaller first) of candidate ``o`` of job ``j`` at ``t``; ``sp`` its
        smallest setup + processing time."""
        if op_rule == "spt":
            return min_d[o]
        if op_rule == "mwkr":
            return -rem_work_l[o]
        if op_rule == "mopnr":
            return o - job_end[j]
        if op_rule == "fifo":
            return job_ready[j]
        if op_rule == "ssp":
            return sp
        if op_rule == "edd":
            return due[j]
        slack = due[j] - t - rem_work_l[o]
        if op_rule == "slack":
            return due[j] - rem_work_l[o]
        if op_rule == "sopn":
            return slack / (job_end[j] - o)
        if op_rule == "cr":
            return (due[j] - t) / max(rem_work_l[o], 1.0)
        return -weight[j] / max(sp, 1) * math.exp(-max(0.0, slack) / kpbar)  # atc

    for _ in range(n_ops):
        # earliest start and completion of each candidate over its machines
        best_c = None
        info = []
        for j in active:
            o = next_op[j]
            jr = job_ready[j]
            est = None
            sp = None
            for m, d in alts[o]:
                s = start_on(m, d, j, jr)
                if est is None or s < est:
                    est = s
                c = s + d
                if best_c is None or c < best_c:
                    best_c = c
                if op_rule in ("ssp", "atc"):
                    need = d + (setup[m][last_job[m]][j] if setup is not None and d > 0 else 0)
                    sp = need if sp is None or need < sp else sp
            info.append((j, o, est, sp))
        # candidates that could start before the earliest completion (at least the one achieving it)
        cands = [t for t in info if t[2] < best_c]
        if not cands:
            cands = [t for t in info if t[2] <= best_c]
        if op_rule == "random":
            j, o, _, _ = cands[rng.randrange(len(cands))]
        else:
            j, o, _, _ = min(cands, key=lambda t: (key_of(t[0], t[1], t[2], t[3]), t[2], t[0]))
        jr = job_ready[j]
        choice = None
        for m, d in alts[o]:
            s = start_on(m, d, j, jr)
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
        if d > 0 or setup is None:
            mach_ready[m] = s + d
        if d > 0:
            last_job[m] = j
        load[m] += d
        job_ready[j] = s + d
        next_op[j] = o + 1
        if o + 1 == job_end[j]:
            active.remove(j)
    return np.array(machine_of, dtype=np.int64), np.array(start_of, dtype=np.int64)


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Run the rule named by ``ctx.method`` (``rule:<op>+<machine>``)."""
    op_rule, mach_rule = parse_rule(ctx.method, extras=True)
    machine, start = dispatch(problem, op_rule, mach_rule, ctx.seed)
    return Result(Status.FEASIBLE, None, None, FlexibleSolution.from_assignment(problem, machine, start))


def best_of_rules(
    problem: FlexibleJobShop,
    seed: int = 0,
    budget: float = 0.2,
    min_random: int = 0,
    objective: str | None = None,
) -> FlexibleSolution:
    """Best schedule for ``objective`` (default: the makespan) of every deterministic rule
    combination (the setup and due-date rules too when the instance has setups or due dates),
    then random ones while ``budget`` seconds last (at least ``min_random`` of them); a
    starting point for exact methods."""
    import time

    deadline = time.perf_counter() + budget
    best: FlexibleSolution | None = None
    best_obj = None

    def consider(machine: np.ndarray, start: np.ndarray) -> None:
        nonlocal best, best_obj
        if objective is None or objective == "makespan":
            obj = int((start + problem.durations_of(machine)).max())
            sol = None
        else:
            sol = FlexibleSolution.from_assignment(problem, machine, start)
            obj = problem.evaluate(sol, objective)
        if best_obj is None or obj < best_obj:
            best, best_obj = sol or FlexibleSolution.from_assignment(problem, machine, start), obj

    op_rules = list(OP_RULES[:-1])
    if problem.setup is not None:
        op_rules.append("ssp")
    if problem.due is not None:
        op_rules += [r for r in EXTRA_OP_RULES if r in NEED_DUE]
    for op_rule in op_rules:
        for mach_rule in MACHINE_RULES:
            consider(*dispatch(problem, op_rule, mach_rule, seed))
    k = 0
    while k < min_random or time.perf_counter() < deadline:
        consider(*dispatch(problem, "random", "ect", seed + k))
        k += 1
    assert best is not None
    return best
