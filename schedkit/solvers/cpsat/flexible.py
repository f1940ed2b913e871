"""Flexible job-shop on CP-SAT.

Per operation: a start, a variable duration and a *master* interval; per eligible machine an
optional fixed-size interval sharing the operation's start, with a presence literal; exactly
one literal is true and fixes the duration. Machines carry no-overlap constraints on their
optional intervals; a redundant cumulative of capacity ``m`` over the master intervals
strengthens propagation. Starts are bounded by the job's head and tail (shortest durations)
and the horizon is the makespan of the best of several dispatching rules, a valid upper bound;
that schedule is also the solution hint when the caller gives none.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.flexible import best_of_rules

#: add the redundant cumulative over the master intervals
REDUNDANT_CUMULATIVE = True
#: CP-SAT parameters set on every solve
PARAMETERS: dict[str, object] = {}


def _heads_tails(problem: FlexibleJobShop) -> tuple[np.ndarray, np.ndarray]:
    """Per operation: shortest work before it in its job, and shortest work from it to the end."""
    d = problem.min_duration
    cum = np.cumsum(d)
    first = problem.job_start[problem.job_of]
    last = problem.job_start[problem.job_of + 1] - 1
    before = cum - d - (cum[first] - d[first])
    tail = cum[last] - cum + d
    return before, tail


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (a FlexibleSolution) is passed as a solution hint."""
    remaining = ctx.remaining()
    budget = 0.2 if remaining is None else min(0.5, 0.02 * remaining)
    rule_solution = best_of_rules(problem, ctx.seed, budget)
    horizon = problem.objective(rule_solution)
    hint = ctx.hint
    if hint is not None and not problem.violations(hint):
        horizon = max(horizon, problem.objective(hint))
    n_ops, m = problem.num_operations, problem.num_machines
    head, tail = _heads_tails(problem)
    model = cp_model.CpModel()
    starts: list[cp_model.IntVar] = []
    ends: list[cp_model.IntVar | cp_model.LinearExpr] = []
    durations: list[cp_model.IntVar | int] = []
    masters: list[cp_model.IntervalVar] = []
    presence: list[list[tuple[int, cp_model.IntVar | None]]] = []  # (alt index, literal)
    per_machine: list[list[cp_model.IntervalVar]] = [[] for _ in range(m)]
    for o in range(n_ops):
        lo, hi = int(head[o]), int(horizon - tail[o])
        hi = max(lo, hi)
        s = model.new_int_var(lo, hi, f"s{o}")
        alts = list(problem.alternatives(o))
        durs = [int(problem.alt_duration[a]) for a in alts]
        if len(alts) == 1:
            a = alts[0]
            iv = model.new_fixed_size_interval_var(s, durs[0], f"i{o}")
            per_machine[int(problem.alt_machine[a])].append(iv)
            masters.append(iv)
            starts.append(s)
            ends.append(s + durs[0])
            durations.append(durs[0])
            presence.append([(a, None)])
            continue
        d = model.new_int_var_from_domain(cp_model.Domain.from_values(sorted(set(durs))), f"d{o}")
        e = model.new_int_var(lo + min(durs), hi + max(durs), f"e{o}")
        masters.append(model.new_interval_var(s, d, e, f"i{o}"))
        lits = []
        for a, da in zip(alts, durs, strict=True):
            lit = model.new_bool_var(f"x{o}_{a}")
            per_machine[int(problem.alt_machine[a])].append(
                model.new_optional_fixed_size_interval_var(s, da, lit, f"i{o}_{a}")
            )
            lits.append((a, lit))
        model.add_exactly_one(lit for _, lit in lits)
        model.add(d == sum(da * lit for (_, lit), da in zip(lits, durs, strict=True)))
        starts.append(s)
        ends.append(e)
        durations.append(d)
        presence.append(lits)
    for o in range(n_ops):
        if problem.rank[o] > 0:
            model.add(starts[o] >= ends[o - 1])
    for ivs in per_machine:
        if len(ivs) > 1:
            model.add_no_overlap(ivs)
    if REDUNDANT_CUMULATIVE and problem.flexibility() > 1 and m > 1:
        model.add_cumulative(masters, [1] * n_ops, m)
    makespan = model.new_int_var(problem.lower_bound(), max(problem.lower_bound(), horizon), "makespan")
    for o in (problem.job_start[1:] - 1).tolist():
        model.add(makespan >= ends[o])
    model.minimize(makespan)
    # hint: the user's schedule, else the dispatching rule's, for every variable so that
    # CP-SAT starts from a complete solution and its neighbourhood searches run at once
    if hint is None:
        hint = rule_solution
    h_start, h_mach = hint.starts(problem), hint.machines(problem)
    h_dur = problem.durations_of(h_mach)
    for o in range(n_ops):
        if h_start[o] < 0:
            continue
        model.add_hint(starts[o], int(h_start[o]))
        if len(presence[o]) > 1 and h_dur[o] >= 0:
            model.add_hint(durations[o], int(h_dur[o]))
            model.add_hint(ends[o], int(h_start[o] + h_dur[o]))
        for a, lit in presence[o]:
            if lit is not None:
                model.add_hint(lit, int(problem.alt_machine[a]) == int(h_mach[o]))
    if not problem.violations(hint):
        model.add_hint(makespan, int(problem.objective(hint)))

    if ctx.time_limit is not None and ctx.remaining() < 0.05:
        return Result(Status.UNKNOWN, None, None, rule_solution, stats={"horizon": horizon})

    def assignment(value) -> FlexibleSolution:  # noqa: ANN001 (solver or callback)
        mach = np.empty(n_ops, dtype=np.int64)
        st = np.empty(n_ops, dtype=np.int64)
        for o in range(n_ops):
            st[o] = value(starts[o])
            for a, lit in presence[o]:
                if lit is None or value(lit):
                    mach[o] = problem.alt_machine[a]
                    break
        return FlexibleSolution.from_assignment(problem, mach, st)

    out = run_cpsat(model, ctx, on_solution=lambda cb: assignment(cb.value), **PARAMETERS)
    if out.has_solution:
        solution = assignment(out.solver.value)
    else:
        solution = ctx.incumbent if ctx.incumbent is not None else rule_solution
    return Result(
        out.status,
        None,
        out.bound,
        solution,
        stats={
            "branches": out.solver.num_branches,
            "conflicts": out.solver.num_conflicts,
            "horizon": horizon,
        },
    )
