"""Job-shop on CP-SAT: one fixed-size interval per operation, no-overlap per machine.

With sequence-dependent setups, each machine also gets a circuit (``add_circuit``) over its
operations and a dummy node: an arc ``a -> b`` chosen means ``b`` runs right after ``a``, so
``start_b >= end_a + setup(a, b)``, and the arc from the dummy carries the initial setup. The
circuit states the setups between consecutive operations exactly, with or without the triangle
inequality, and its size grows with the square of the operations per machine (pairwise
precedence literals would need the triangle inequality to be exact). The no-overlap stays as a
redundant constraint for its stronger propagation. Release dates bound the first starts; the
objective (``ctx.objective``) is any of :data:`schedkit.problems.shop_extras.OBJECTIVES`.

CP-SAT's linear relaxation sees no machine conflict, so its bound on the weighted tardiness of
a 10 x 10 stays at 0; for the due-date and sum objectives the model is given ``objective >=``
the best one-machine relaxation (:mod:`schedkit.solvers.cpsat.jobshop_bounds`, at most 10 % of
the time limit; la16 at f = 1.3: 0 -> 253).
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.jobshop_bounds import BOUNDED, one_machine_bound
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.jobshop import dispatch
from schedkit.structure.shop import horizon as shop_horizon

#: default of option ``machine_bounds`` (the one-machine bounds of the due-date and sum objectives)
MACHINE_BOUNDS = True
#: share of the time limit the one-machine bounds may use
BOUND_SHARE = 0.1


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Minimise ``ctx.objective`` (the makespan by default); ``ctx.hint`` (a JobShopSolution) is
    passed as a solution hint."""
    model = cp_model.CpModel()
    horizon = shop_horizon(problem)
    n_ops = problem.num_operations
    release = problem.release[problem.job_of]
    starts = [model.new_int_var(int(release[o]), horizon, f"s{o}") for o in range(n_ops)]
    intervals = [
        model.new_fixed_size_interval_var(starts[o], int(problem.duration[o]), f"i{o}") for o in range(n_ops)
    ]
    for o in range(n_ops):
        if problem.rank[o] > 0:
            model.add(starts[o] >= starts[o - 1] + int(problem.duration[o - 1]))
    for m in range(problem.num_machines):
        ops = np.flatnonzero(problem.machine == m)
        busy = ops[problem.duration[ops] > 0]  # zero-duration operations hold no machine (checker)
        if len(busy) > 1:
            model.add_no_overlap([intervals[o] for o in busy])
        if problem.setup is not None and len(busy):
            _setup_circuit(model, problem, m, busy, starts)
    last = problem.job_start[1:] - 1
    ends = [starts[o] + int(problem.duration[o]) for o in last]
    objective = _objective(model, problem, ctx.objective, ends, horizon)
    stats: dict[str, object] = {}
    params: dict[str, object] = {}
    if ctx.option("linearization") is not None:
        params["linearization_level"] = ctx.int_option("linearization", 1, 0)
    use_bounds = ctx.bool_option("machine_bounds", MACHINE_BOUNDS)
    if ctx.objective in BOUNDED and use_bounds:
        left = ctx.remaining(0.05)
        budget = BOUND_SHARE * (left if left is not None else 10.0 / BOUND_SHARE)
        t0 = time.perf_counter()
        lb = one_machine_bound(problem, ctx.objective, budget, ctx.workers)
        stats["one_machine_bound"] = lb
        stats["one_machine_s"] = round(time.perf_counter() - t0, 3)
        if lb is not None:
            model.add(objective >= lb)
    if ctx.hint is not None:
        hint_starts = ctx.hint.starts(problem)
        for o in range(n_ops):
            if hint_starts[o] >= 0:
                model.add_hint(starts[o], int(hint_starts[o]))

    def extract(cb: cp_model.CpSolverSolutionCallback) -> JobShopSolution:
        return JobShopSolution.from_starts(problem, [cb.value(s) for s in starts])

    out = run_cpsat(model, ctx, on_solution=extract, **params)
    status = out.status
    stats.update(branches=out.solver.num_branches, conflicts=out.solver.num_conflicts)
    solution = None
    if out.has_solution:
        solution = JobShopSolution.from_starts(problem, [out.solver.value(s) for s in starts])
    elif ctx.incumbent is not None:
        solution = ctx.incumbent
    elif status is Status.UNKNOWN:  # no schedule in time (1000 x 20 at 30 s): a rule's, said so
        solution = JobShopSolution.from_starts(problem, dispatch(problem, "mwkr", "nondelay"))
        status = Status.FEASIBLE
        stats["fallback"] = "rule:mwkr (CP-SAT found no schedule in time)"
    return Result(status, None, out.bound, solution, stats=stats)


def _setup_circuit(
    model: cp_model.CpModel, problem: JobShop, m: int, ops: np.ndarray, starts: list[cp_model.IntVar]
) -> None:
    """Machine ``m``'s sequence as a circuit through a dummy node 0, setups on the arcs."""
    setup = problem.setup[m]
    n = problem.num_jobs
    job = problem.job_of[ops]
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    for i, a in enumerate(ops):
        first = model.new_bool_var(f"first{a}")
        arcs.append((0, i + 1, first))
        model.add(starts[a] >= int(setup[n, job[i]])).only_enforce_if(first)
        arcs.append((i + 1, 0, model.new_bool_var(f"last{a}")))
        end_a = starts[a] + int(problem.duration[a])
        for k, b in enumerate(ops):
            if k == i or (job[k] == job[i] and problem.rank[b] < problem.rank[a]):
                continue  # a job's own operations keep their order
            lit = model.new_bool_var(f"n{a}_{b}")
            arcs.append((i + 1, k + 1, lit))
            model.add(starts[b] >= end_a + int(setup[job[i], job[k]])).only_enforce_if(lit)
    model.add_circuit(arcs)


def _objective(
    model: cp_model.CpModel, problem: JobShop, objective: str | None, ends: list, horizon: int
) -> cp_model.LinearExprT:
    """Minimise ``objective`` of the job ends ``ends``; returns the objective's expression."""
    weight = [int(w) for w in problem.weight]
    if objective is None or objective == "makespan":
        makespan = model.new_int_var(problem.lower_bound(), horizon, "makespan")
        model.add_max_equality(makespan, ends)
        model.minimize(makespan)
        return makespan
    if objective == "weighted_completion":
        expr = sum(w * e for w, e in zip(weight, ends, strict=True))
    else:
        expr = _due_objective(model, problem, objective, ends, horizon)
    model.minimize(expr)
    return expr


def _due_objective(
    model: cp_model.CpModel, problem: JobShop, objective: str, ends: list, horizon: int
) -> cp_model.LinearExprT:
    """The expression of a due-date objective over the job ends ``ends``."""
    n = problem.num_jobs
    weight = [int(w) for w in problem.weight]
    due = [int(d) for d in problem.due]
    if objective == "weighted_tardiness":
        tard = [model.new_int_var(0, max(0, horizon - due[j]), f"t{j}") for j in range(n)]
        for j in range(n):
            model.add(tard[j] >= ends[j] - due[j])  # minimising pushes t_j down to max(0, C_j - d_j)
        return sum(w * t for w, t in zip(weight, tard, strict=True))
    if objective == "max_lateness":
        lmax = model.new_int_var(-max(due), horizon - min(due), "lmax")
        for j in range(n):
            model.add(lmax >= ends[j] - due[j])
        return lmax
    if objective == "tardy_jobs":
        late = [model.new_bool_var(f"u{j}") for j in range(n)]
        for j in range(n):
            model.add(ends[j] <= due[j]).only_enforce_if(~late[j])
        return sum(late)
    raise AssertionError(objective)  # api.solve validated the name
