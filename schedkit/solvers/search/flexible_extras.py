"""Method ``ts`` for flexible job shops with setups or release dates, or another objective than
the makespan.

The makespan ``ts`` reinserts operations of the one critical path; under a sum objective or with
setups that neighbourhood no longer fits. This search alternates two steps from the best
dispatching rule for the objective (or ``ctx.hint`` when better):

1. *sequences*: the machine assignment fixed, the job shop it defines (:func:`assigned_jobshop`)
   and the job shop's tabu search for the extras (:mod:`schedkit.solvers.search.jobshop_extras`)
   on it, for a round of :data:`ROUND_SHARE` of the time limit;
2. *machines*: each operation of the costliest jobs (the largest share of the objective) tried
   on each of its other eligible machines, placed by its current start time among that machine's
   operations, the schedule made semi-active again; the best move that lowers the objective is
   taken, repeatedly, while one does.

When a round of both steps brings nothing, a *kick* moves a few random operations to random
eligible machines (the best schedule is kept apart) so that the next round starts elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.problems.jobshop import JobShop
from schedkit.problems.shop_extras import job_completion
from schedkit.result import Result, Status
from schedkit.solvers.rules.flexible import best_of_rules
from schedkit.solvers.search import jobshop_extras_kernel as K
from schedkit.solvers.search.jobshop_extras import arrays_of, search_from

#: share of the time limit one sequence round takes (at least MIN_ROUND seconds)
ROUND_SHARE = 0.1
MIN_ROUND = 0.3
#: seconds of a sequence round without a time limit, and the rounds then
UNLIMITED_ROUND, UNLIMITED_ROUNDS = 1.0, 10
#: share of the jobs (the costliest) whose operations the machine step tries
COSTLY_SHARE = 0.5
#: operations a kick moves
KICK = 3


def needs_extras(problem: FlexibleJobShop, objective: str | None) -> bool:
    """Whether ``problem`` under ``objective`` needs this module (the makespan kernel otherwise)."""
    return bool(problem.features()) or objective not in (None, "makespan")


def assigned_jobshop(problem: FlexibleJobShop, solution: FlexibleSolution) -> tuple[JobShop, np.ndarray]:
    """The job shop of ``solution``'s machine assignment (each operation on its chosen machine,
    the same extras) and the start time of each operation, in the same flat order."""
    return _shop_of(problem, solution.machines(problem)), solution.starts(problem)


def _shop_of(problem: FlexibleJobShop, machine: np.ndarray) -> JobShop:
    duration = problem.durations_of(machine)
    jobs = [
        [(int(machine[o]), int(duration[o])) for o in problem.operations(j)] for j in range(problem.num_jobs)
    ]
    return JobShop.from_jobs(jobs, problem.num_machines, problem.name, problem.extras)


def semi_active(
    problem: FlexibleJobShop, machine: np.ndarray, order_key: np.ndarray, objective: str
) -> np.ndarray | None:
    """Start times of the assignment ``machine`` with each machine's operations in the order of
    ``order_key`` (e.g. old start times), every operation as early as that order allows; None on a
    cycle."""
    shop = _shop_of(problem, machine)
    graph, data = arrays_of(shop, objective)
    seq = graph.sequence(np.asarray(order_key, dtype=np.int64))
    nj = np.array([data.num_jobs], dtype=np.int64)
    g, d = graph, data
    start = K.starts_of(g.dur, g.jp, g.js, g.mach, g.mstart, d.job, d.rel, d.smach, d.st, nj, seq)
    return None if (start < 0).any() else start


def _job_costs(problem: FlexibleJobShop, solution: FlexibleSolution, objective: str) -> np.ndarray:
    end = job_completion(problem.job_start, solution.per_operation(problem, solution.end))
    if objective in ("weighted_tardiness", "tardy_jobs"):
        return problem.weight * np.maximum(0, end - problem.due)
    if objective == "max_lateness":
        return (end - problem.due).astype(float)
    if objective == "weighted_completion":
        return (problem.weight * end).astype(float)
    return end.astype(float)


def machine_step(
    problem: FlexibleJobShop, solution: FlexibleSolution, objective: str, deadline: float | None
) -> tuple[FlexibleSolution, int]:
    """The best single reassignment that lowers ``objective``, repeated while one does (or until
    ``deadline``); the schedule reached and its value."""
    best, best_val = solution, problem.evaluate(solution, objective)
    while deadline is None or time.perf_counter() < deadline:
        machine, start = best.machines(problem), best.starts(problem)
        costs = _job_costs(problem, best, objective)
        jobs = np.argsort(-costs, kind="stable")[: max(1, int(np.ceil(COSTLY_SHARE * problem.num_jobs)))]
        found: tuple[int, FlexibleSolution] | None = None
        for j in jobs:
            for o in problem.operations(int(j)):
                for a in problem.alternatives(o):
                    m = int(problem.alt_machine[a])
                    if m == machine[o]:
                        continue
                    trial = machine.copy()
                    trial[o] = m
                    new_start = semi_active(problem, trial, start, objective)
                    if new_start is None:
                        continue
                    cand = FlexibleSolution.from_assignment(problem, trial, new_start)
                    val = problem.evaluate(cand, objective)
                    if val < best_val and (found is None or val < found[0]):
                        found = (val, cand)
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        if found is None:
            break
        best_val, best = found
    return best, best_val


def kick(
    problem: FlexibleJobShop, solution: FlexibleSolution, rng: np.random.Generator, objective: str
) -> FlexibleSolution:
    """``solution`` with :data:`KICK` random operations on random other eligible machines."""
    machine, start = solution.machines(problem), solution.starts(problem)
    flexible = [o for o in range(problem.num_operations) if len(problem.alternatives(o)) > 1]
    if not flexible:
        return solution
    for o in rng.choice(flexible, size=min(KICK, len(flexible)), replace=False):
        alts = [int(problem.alt_machine[a]) for a in problem.alternatives(int(o))]
        others = [m for m in alts if m != machine[o]]
        machine[o] = int(rng.choice(others))
    new_start = semi_active(problem, machine, start, objective)
    return solution if new_start is None else FlexibleSolution.from_assignment(problem, machine, new_start)


def rule_start(problem: FlexibleJobShop, ctx: SolveContext, objective: str) -> FlexibleSolution:
    """The best rule for ``objective`` (about 2 % of the time), or ``ctx.hint`` when better."""
    left = ctx.remaining()
    budget = 0.3 if left is None else min(0.3, 0.02 * left)
    best = best_of_rules(problem, ctx.seed, budget, objective=objective)
    hint = ctx.hint
    usable = isinstance(hint, FlexibleSolution) and not problem.violations(hint)
    if usable and problem.evaluate(hint, objective) < problem.evaluate(best, objective):
        best = hint
    return best


def search(
    problem: FlexibleJobShop,
    start: FlexibleSolution,
    ctx: SolveContext,
    objective: str,
    until: float | None,
    bound: int,
) -> tuple[FlexibleSolution, dict[str, int]]:
    """Rounds of the sequence and the machine step from ``start`` until ``until`` (None: a fixed
    number of rounds) or ``bound``; the best schedule and counts of what the rounds did."""
    rng = np.random.default_rng(ctx.seed)
    best, best_val = start, problem.evaluate(start, objective)
    current = start
    total = None if ctx.time_limit is None else ctx.time_limit
    length = UNLIMITED_ROUND if total is None else max(MIN_ROUND, ROUND_SHARE * total)
    counts = {"rounds": 0, "moves": 0, "kicks": 0, "machine_moves": 0}
    while best_val > bound and not ctx.stop.is_set():
        now = time.perf_counter()
        if until is None and counts["rounds"] >= UNLIMITED_ROUNDS:
            break
        if until is not None and until - now < 0.05:
            break
        end = now + length if until is None else min(until, now + length)
        shop, starts = assigned_jobshop(problem, current)
        sub = replace(ctx, seed=ctx.seed + counts["rounds"], options={"target": bound})
        found, ts = search_from(shop, starts, sub, objective, end)
        counts["moves"] += ts.iterations
        current = FlexibleSolution.from_assignment(problem, current.machines(problem), found.starts(shop))
        step_end = None if until is None else min(until, time.perf_counter() + length)
        before = problem.evaluate(current, objective)
        current, value = machine_step(problem, current, objective, step_end)
        counts["machine_moves"] += int(value < before)
        counts["rounds"] += 1
        if value < best_val and not problem.violations(current):
            best, best_val = current, value
            ctx.incumbent = best
        else:
            current = kick(problem, best, rng, objective)
            counts["kicks"] += 1
    return best, counts


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Method ``ts`` on the extras: the best rule for the objective, then :func:`search` until
    the time limit. Never worse than the rule."""
    objective = ctx.objective or "makespan"
    rule = rule_start(problem, ctx, objective)
    rule_val = problem.evaluate(rule, objective)
    ctx.incumbent = rule
    left = ctx.remaining(0.05)
    until = None if left is None else time.perf_counter() + left
    best, counts = search(problem, rule, ctx, objective, until, problem.objective_bound(objective))
    if problem.violations(best) or problem.evaluate(best, objective) > rule_val:
        best = rule
    return Result(Status.FEASIBLE, None, None, best, stats={"rule_value": rule_val, **counts})
