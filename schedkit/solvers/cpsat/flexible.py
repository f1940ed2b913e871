"""Flexible job-shop on CP-SAT.

Per operation: a start, a variable duration and a *master* interval; per eligible machine an
optional fixed-size interval sharing the operation's start, with a presence literal; exactly
one literal is true and fixes the duration. Machines carry no-overlap constraints on their
optional intervals; a redundant cumulative of capacity ``m`` over the master intervals
strengthens propagation. Starts are bounded by the job's head and tail (shortest durations)
and the horizon is the makespan of the best of several dispatching rules, a valid upper bound;
that schedule is also the solution hint when the caller gives none.

Extras: releases bound the starts from below; with sequence-dependent setups each machine gets
a circuit (``add_circuit``) through a dummy node and one node per alternative of positive
duration on it, the node skipped (a self-loop) when its presence literal is false; an arc
``a -> b`` means ``b`` runs right after ``a`` there, so ``start_b >= start_a + p_a + setup(a, b)``,
and the arc from the dummy carries the initial setup. That is exact with or without the
triangle inequality. Alternatives of zero duration hold no machine and need no setup (as in the
checker). For an objective other than the makespan (``ctx.objective``, any of
:data:`schedkit.problems.shop_extras.OBJECTIVES`) the horizon is one that holds every
semi-active schedule: the latest release plus, per operation, its longest duration and the
largest setup into it.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.cpsat.shop_objective import minimise
from schedkit.solvers.rules.flexible import best_of_rules
from schedkit.structure.flexible import semi_active_horizon

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


def _least_setup_into(problem: FlexibleJobShop) -> np.ndarray:
    """``[machine, job]``: the least setup the machine needs before an operation of the job, over
    the jobs that may precede it there (the initial state included); zeros without setups."""
    n, m = problem.num_jobs, problem.num_machines
    out = np.zeros((m, n), dtype=np.int64)
    if problem.setup is None:
        return out
    positive = problem.alt_duration > 0
    visits = np.zeros((m, n), dtype=np.int64)  # positive-duration operations of job j eligible on k
    np.add.at(visits, (problem.alt_machine[positive], problem.job_of[problem.alt_op[positive]]), 1)
    for k in range(m):
        for j in np.flatnonzero(visits[k]):
            before = visits[k] > 0
            before[j] = visits[k, j] > 1  # the job itself only when it may come back
            rows = np.r_[np.flatnonzero(before), n]
            out[k, j] = problem.setup[k, rows, j].min()
    return out


def _machine_intervals(
    model: cp_model.CpModel,
    problem: FlexibleJobShop,
    k: int,
    nodes: list[tuple[int, int, cp_model.IntVar | None]],
    starts: list[cp_model.IntVar],
    lead: np.ndarray,
) -> list[cp_model.IntervalVar]:
    """Machine ``k``'s (optional) intervals for its no-overlap, each starting the least setup
    before its operation (``lead``): no two may overlap, whatever the sequence."""
    out = []
    for o, d, present in nodes:
        before = int(lead[k, problem.job_of[o]])
        start = starts[o] - before if before else starts[o]
        if present is None:
            out.append(model.new_fixed_size_interval_var(start, d + before, f"m{k}_{o}"))
        else:
            out.append(model.new_optional_fixed_size_interval_var(start, d + before, present, f"m{k}_{o}"))
    return out


def _setup_circuit(
    model: cp_model.CpModel,
    problem: FlexibleJobShop,
    k: int,
    nodes: list[tuple[int, int, cp_model.IntVar | None]],
    starts: list[cp_model.IntVar],
) -> dict[tuple[int, int], cp_model.IntVar]:
    """Machine ``k``'s sequence as a circuit through a dummy node 0 and one node per alternative
    on it (skipped when absent), setups on the arcs; returns the arc literals by (tail, head),
    nodes numbered from 1."""
    setup = problem.setup
    assert setup is not None
    n = problem.num_jobs
    job = [int(problem.job_of[o]) for o, _, _ in nodes]
    out: dict[tuple[int, int], cp_model.IntVar] = {}
    circuit: list[tuple[int, int, cp_model.LiteralT]] = []
    for i, (a, da, present) in enumerate(nodes):
        if present is not None:
            circuit.append((i + 1, i + 1, ~present))
        first = out[0, i + 1] = model.new_bool_var(f"first{k}_{a}")
        model.add(starts[a] >= int(setup[k, n, job[i]])).only_enforce_if(first)
        out[i + 1, 0] = model.new_bool_var(f"last{k}_{a}")
        for q, (b, _, _) in enumerate(nodes):
            if q == i or (job[q] == job[i] and problem.rank[b] < problem.rank[a]):
                continue  # a job's own operations keep their order
            lit = out[i + 1, q + 1] = model.new_bool_var(f"n{k}_{a}_{b}")
            model.add(starts[b] >= starts[a] + da + int(setup[k, job[i], job[q]])).only_enforce_if(lit)
    if all(present is not None for _, _, present in nodes):  # the machine may stay unused
        out[0, 0] = model.new_bool_var(f"unused{k}")
    circuit += [(t, h, lit) for (t, h), lit in out.items()]
    model.add_circuit(circuit)
    return out


def _hint_circuits(
    model: cp_model.CpModel,
    nodes: list[list[tuple[int, int, cp_model.IntVar | None]]],
    arcs: list[dict[tuple[int, int], cp_model.IntVar]],
    start: np.ndarray,
    machine: np.ndarray,
) -> None:
    """Hint every arc literal with the machine sequences of the feasible schedule (``start``,
    ``machine`` per operation)."""
    for k, (on_k, lits) in enumerate(zip(nodes, arcs, strict=True)):
        used = sorted((int(start[o]), i + 1) for i, (o, _, _) in enumerate(on_k) if machine[o] == k)
        path = [0, *(i for _, i in used), 0]
        chosen = set(zip(path[:-1], path[1:], strict=True))
        for key, lit in lits.items():
            model.add_hint(lit, key in chosen)


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Minimise ``ctx.objective`` (the makespan by default); ``ctx.hint`` (a FlexibleSolution)
    is passed as a solution hint."""
    remaining = ctx.remaining()
    budget = 0.2 if remaining is None else min(0.5, 0.02 * remaining)
    objective = ctx.objective
    by_makespan = objective is None or objective == "makespan"
    rule_solution = best_of_rules(problem, ctx.seed, budget, objective=objective)
    horizon = problem.objective(rule_solution) if by_makespan else semi_active_horizon(problem)
    hint = ctx.hint
    if hint is not None and not problem.violations(hint):
        horizon = max(horizon, problem.objective(hint))
    n_ops, m = problem.num_operations, problem.num_machines
    head, tail = _heads_tails(problem)
    head = head + problem.release[problem.job_of]
    model = cp_model.CpModel()
    starts: list[cp_model.IntVar] = []
    ends: list[cp_model.IntVar | cp_model.LinearExpr] = []
    durations: list[cp_model.IntVar | int] = []
    masters: list[cp_model.IntervalVar] = []
    presence: list[list[tuple[int, cp_model.IntVar | None]]] = []  # (alt index, literal)
    # per machine, its alternatives of positive duration: (operation, duration, literal or None)
    nodes: list[list[tuple[int, int, cp_model.IntVar | None]]] = [[] for _ in range(m)]
    for o in range(n_ops):
        lo, hi = int(head[o]), int(horizon - tail[o])
        hi = max(lo, hi)
        s = model.new_int_var(lo, hi, f"s{o}")
        alts = list(problem.alternatives(o))
        durs = [int(problem.alt_duration[a]) for a in alts]
        if len(alts) == 1:
            a = alts[0]
            iv = model.new_fixed_size_interval_var(s, durs[0], f"i{o}")
            if durs[0] > 0:  # zero-duration operations hold no machine (checker)
                nodes[int(problem.alt_machine[a])].append((o, durs[0], None))
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
            if da > 0:
                nodes[int(problem.alt_machine[a])].append((o, da, lit))
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
    lead = _least_setup_into(problem)
    for k, on_k in enumerate(nodes):
        if len(on_k) > 1:
            model.add_no_overlap(_machine_intervals(model, problem, k, on_k, starts, lead))
    if REDUNDANT_CUMULATIVE and problem.flexibility() > 1 and m > 1:
        model.add_cumulative(masters, [1] * n_ops, m)
    arcs: list[dict[tuple[int, int], cp_model.IntVar]] = []
    if problem.setup is not None:
        arcs = [_setup_circuit(model, problem, k, nodes[k], starts) for k in range(m)]
    job_ends = [ends[o] for o in (problem.job_start[1:] - 1).tolist()]
    makespan = minimise(
        model, objective, job_ends, problem.due, problem.weight, problem.lower_bound(), horizon
    )
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
    feasible_hint = not problem.violations(hint)
    if feasible_hint and makespan is not None:
        model.add_hint(makespan, int(problem.objective(hint)))
    if feasible_hint and arcs:
        _hint_circuits(model, nodes, arcs, h_start, h_mach)

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
