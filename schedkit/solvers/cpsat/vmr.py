"""VM rescheduling on CP-SAT: VM-type counts per NUMA node, residues ``free mod 16`` minimised.

The model is :mod:`schedkit.structure.vmr_model`'s count model, translated variable by variable
and constraint by constraint (the MIP backend translates the same description for PuLP).

The method first solves the *safe* model (arrivals fit in the initial free room, so the
moves can be applied in any order) warm-started (hinted) from ``rule:greedy``, then the full
relaxation hinted from that plan, whose bound is a valid lower bound for every plan; a better
full solution is used when it can be sequenced step by step within the limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.vmr import VMRescheduling
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.vmr import greedy_moves
from schedkit.structure import vmr_model
from schedkit.structure.vmr import (
    FINAL_RESERVE,
    SOLVE_MIN,
    Aggregate,
    Counts,
    PhaseOutcome,
    solve_two_phase,
    start_deadline,
)
from schedkit.structure.vmr_model import CountModel

#: share of the time left after the greedy given to the safe model (the rest: full model)
SAFE_SHARE = 0.85
#: CP-SAT workers for the small safe model: one sequential search reached its optimum on the
#: Medium instance about 3x faster than two workers (1.1 s vs 3.1 s on the shared 2-core
#: machine); the full model, where the bound is proven, gets ``ctx.workers``
SAFE_WORKERS = 1


def build(
    agg: Aggregate, safe: bool, mnl: int, deadline: float | None = None
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], CountModel]:
    """The count model (:func:`schedkit.structure.vmr_model.build`) as a CP-SAT model; returns
    (model, its variables in the description's order, the description). Raises
    :class:`~schedkit.structure.vmr_model.BuildTimeout` once ``time.perf_counter()`` passes
    ``deadline``."""
    cm = vmr_model.build(agg, safe, mnl, deadline)
    m = cp_model.CpModel()
    xs = []
    for i, v in enumerate(cm.variables):
        vmr_model.check_clock(deadline, i + 1)
        xs.append(m.new_int_var(v.lb, v.ub, v.name))
    for i, c in enumerate(cm.constraints):
        vmr_model.check_clock(deadline, i + 1)
        expr = _linear(xs, c.terms)
        if c.sense == vmr_model.LE:
            m.add(expr <= c.rhs)
        elif c.sense == vmr_model.GE:
            m.add(expr >= c.rhs)
        else:
            m.add(expr == c.rhs)
    m.minimize(_linear(xs, cm.objective) + cm.objective_constant)
    return m, xs, cm


def _linear(xs: list[cp_model.IntVar], terms: Iterable[tuple[int, int]]) -> cp_model.LinearExpr:
    """``sum coef * xs[index]`` over ``(coef, index)`` terms."""
    terms = list(terms)
    return cp_model.LinearExpr.weighted_sum([xs[i] for _, i in terms], [k for k, _ in terms])


def _solve_model(
    agg: Aggregate, ctx: SolveContext, safe: bool, hint: Counts, time_limit: float | None
) -> PhaseOutcome:
    entered = ctx.elapsed()
    deadline = _phase_deadline(ctx, time_limit)
    try:
        model, xs, cm = build(agg, safe, agg.problem.mnl, deadline)
        for n, (i, val) in enumerate(cm.start_values(agg, hint)):
            vmr_model.check_clock(deadline, n + 1)
            model.add_hint(xs[i], val)
    except vmr_model.BuildTimeout:
        return PhaseOutcome(Status.UNKNOWN, None, None, ctx.elapsed() - entered)
    built = ctx.elapsed() - entered
    params: dict[str, float | int] = {}
    if safe:
        params["num_workers"] = min(SAFE_WORKERS, ctx.workers)
    if time_limit is not None:
        left = time_limit - (ctx.elapsed() - entered)  # the build counts against the phase
        call_left = ctx.remaining(FINAL_RESERVE)
        params["max_time_in_seconds"] = max(0.01, left if call_left is None else min(left, call_left))
    out = run_cpsat(model, ctx, hard_deadline=None if deadline is None else deadline + SOLVE_MIN, **params)
    counts = cm.counts(lambda i: int(out.solver.value(xs[i]))) if out.has_solution else None
    return PhaseOutcome(out.status, counts, None if safe else out.bound, built)


def _phase_deadline(ctx: SolveContext, time_limit: float | None) -> float | None:
    """``time.perf_counter()`` value by which a phase's model must be built: the phase's end less
    :data:`SOLVE_MIN` (a model finished later would have no time to be solved), at the latest
    the call's deadline less :data:`FINAL_RESERVE`."""
    ends = []
    if time_limit is not None:
        ends.append(time.perf_counter() + time_limit)
    left = ctx.remaining(FINAL_RESERVE)
    if left is not None:
        ends.append(time.perf_counter() + left)
    return min(ends) - SOLVE_MIN if ends else None


def solve(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """Minimise the fragment rate; returns the best step-by-step feasible plan and the full
    model's bound."""
    start = greedy_moves(problem, ctx, deadline=start_deadline(ctx)).moves
    return solve_two_phase(problem, ctx, _solve_model, SAFE_SHARE, start)
