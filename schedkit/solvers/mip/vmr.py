"""VM rescheduling as a MIP (PuLP; HiGHS by default, CBC for ``mip-cbc``).

The same count model as :mod:`schedkit.solvers.cpsat.vmr`: the description of
:mod:`schedkit.structure.vmr_model` (integer arrivals and departures per VM class and slot,
``sum r`` of the per-node residues minimised), translated to PuLP with its constraint names.
Solved first as the *safe* model (any order of its moves is feasible), then as the full
relaxation; the full model's dual bound is the reported lower bound. HiGHS runs in a forked
child process that is terminated shortly after the time limit (see :func:`_run_highs`) and
gets no starting solution; CBC (``mip-cbc``, its own subprocess) is warm-started from the
previous phase's solution.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import signal
import time
from typing import Any

import pulp

from schedkit.context import SolveContext
from schedkit.problems.vmr import VMRescheduling
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import MipOutcome, backend_of, run_pulp
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

#: share of the time left after the greedy given to the safe model
SAFE_SHARE = 0.5
#: seconds a HiGHS child process may run past its time limit before it is terminated
GRACE = 0.5


def build(
    agg: Aggregate, safe: bool, mnl: int, deadline: float | None = None
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], CountModel]:
    """The count model (:func:`schedkit.structure.vmr_model.build`) as a PuLP problem; returns
    (problem, its variables in the description's order, the description). Raises
    :class:`~schedkit.structure.vmr_model.BuildTimeout` once ``time.perf_counter()`` passes
    ``deadline``."""
    cm = vmr_model.build(agg, safe, mnl, deadline)
    prob = pulp.LpProblem("vmr", pulp.LpMinimize)
    xs = []
    for i, v in enumerate(cm.variables):
        vmr_model.check_clock(deadline, i + 1)
        xs.append(prob.add_variable(v.name, v.lb, v.ub, cat="Integer"))
    for i, c in enumerate(cm.constraints):
        vmr_model.check_clock(deadline, i + 1)
        # built from (variable, coefficient) pairs directly: the model's terms name each variable once
        expr = pulp.LpAffineExpression([(xs[i], k) for k, i in c.terms])
        if c.sense == vmr_model.LE:
            prob += expr <= c.rhs, c.name
        elif c.sense == vmr_model.GE:
            prob += expr >= c.rhs, c.name
        else:
            prob += expr == c.rhs, c.name
    prob += pulp.LpAffineExpression([(xs[i], k) for k, i in cm.objective], constant=cm.objective_constant)
    return prob, xs, cm


def _solve_model(
    agg: Aggregate, ctx: SolveContext, safe: bool, hint: Counts, time_limit: float | None
) -> PhaseOutcome:
    entered = ctx.elapsed()
    deadline = _build_deadline(ctx, time_limit)
    try:
        prob, xs, cm = build(agg, safe, agg.problem.mnl, deadline)
    except vmr_model.BuildTimeout:
        return PhaseOutcome(Status.UNKNOWN, None, None, ctx.elapsed() - entered)
    built = ctx.elapsed() - entered
    for i, val in cm.start_values(agg, hint):
        xs[i].setInitialValue(val)
    sub = ctx
    if time_limit is not None:
        # the phase ends ``time_limit`` after it was entered, model building included
        end = (
            min(entered + time_limit, ctx.time_limit - FINAL_RESERVE)
            if ctx.time_limit is not None
            else entered + time_limit
        )
        sub = dataclasses.replace(ctx, time_limit=max(end, ctx.elapsed() + 0.01))
    backend = backend_of(ctx.method)
    if backend == "highs":
        out, values = _run_highs(prob, sub)
    else:
        out = run_pulp(prob, sub, backend=backend, warm_start=True)
        values = {v.name: v.varValue for v in prob.variables() if v.varValue}
    counts = cm.counts(lambda i: round(values.get(xs[i].name) or 0)) if out.has_solution else None
    return PhaseOutcome(out.status, counts, None if safe else out.bound, built)


def _build_deadline(ctx: SolveContext, time_limit: float | None) -> float | None:
    """``time.perf_counter()`` value by which a phase's model must be built (the phase's end,
    at the latest the call's end less :data:`FINAL_RESERVE`, less :data:`SOLVE_MIN`)."""
    ends = [] if time_limit is None else [time.perf_counter() + time_limit]
    left = ctx.remaining(FINAL_RESERVE)
    if left is not None:
        ends.append(time.perf_counter() + left)
    return min(ends) - SOLVE_MIN if ends else None


def _solve_highs(prob: pulp.LpProblem, limit: float | None, seed: int, verbose: bool) -> MipOutcome:
    """The shared runner's HiGHS path (time limit, dual bound), without a starting solution:
    with one (``setSolution``) HiGHS ended a 3 s run on the Medium instance with a weaker bound
    (318 vs 337 units); the greedy plan stays the method's incumbent anyway."""
    import highspy

    prob.solve(pulp.HiGHS(msg=verbose, timeLimit=limit, random_seed=seed))
    if prob.status == pulp.LpStatusInfeasible:
        return MipOutcome(Status.INFEASIBLE, False, None, None)
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = pulp.value(prob.objective) if has_solution else None
    b = prob.solverModel.getInfo().mip_dual_bound
    bound = math.ceil(b - 1e-6) if math.isfinite(b) else None
    optimal = has_solution and prob.solverModel.getModelStatus() == highspy.HighsModelStatus.kOptimal
    if optimal and objective is not None:
        bound = round(objective) if bound is None else bound
    if has_solution:
        return MipOutcome(Status.OPTIMAL if optimal else Status.FEASIBLE, True, objective, bound)
    return MipOutcome(Status.UNKNOWN, False, None, bound)


def _highs_child(prob: pulp.LpProblem, limit: float | None, seed: int, verbose: bool, conn: Any) -> None:
    # the fork inherits the CLI's handlers, which would announce a user's signal when the
    # parent terminates this child; the parent alone decides when it stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        out = _solve_highs(prob, limit, seed, verbose)
        conn.send((out, {v.name: v.varValue for v in prob.variables() if v.varValue}))
    except Exception as exc:  # handed to the parent, re-raised there
        conn.send(RuntimeError(f"HiGHS failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _run_highs(prob: pulp.LpProblem, ctx: SolveContext) -> tuple[MipOutcome, dict[str, float]]:
    """Solve with HiGHS in a forked child that is terminated :data:`GRACE` seconds after the
    limit: HiGHS does not look at its clock (nor at ``cancelSolve``) inside its root cut loop on
    these models, and overran a 3.5 s limit by up to 20 s on the Medium instance. A terminated
    run reports no solution and no bound. Without ``fork`` (Windows) it runs in-process."""
    remaining = ctx.remaining(0.1)
    limit = None if remaining is None else max(0.01, remaining)
    if "fork" not in multiprocessing.get_all_start_methods():
        out = _solve_highs(prob, limit, ctx.seed, ctx.verbose)
        return out, {v.name: v.varValue for v in prob.variables() if v.varValue}
    mp = multiprocessing.get_context("fork")
    recv, send = mp.Pipe(duplex=False)
    proc = mp.Process(target=_highs_child, args=(prob, limit, ctx.seed, ctx.verbose, send), daemon=True)
    proc.start()
    send.close()
    deadline = None if limit is None else time.perf_counter() + limit + GRACE
    got: Any = None
    try:
        while True:
            if recv.poll(0.05):
                try:
                    got = recv.recv()
                except EOFError:
                    got = None
                break
            if not proc.is_alive() and not recv.poll(0):
                break
            if ctx.stop.is_set() or (deadline is not None and time.perf_counter() > deadline):
                break
    finally:
        if proc.is_alive():
            # after a stop request kill at once, otherwise SIGTERM (then SIGKILL)
            (proc.kill if ctx.stop.is_set() else proc.terminate)()
            proc.join(2)
            if proc.is_alive():
                proc.kill()
        proc.join()
        recv.close()
    if isinstance(got, BaseException):
        raise got
    if got is None:
        return MipOutcome(Status.UNKNOWN, False, None, None), {}
    return got


def solve(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """Minimise the fragment rate with a MIP; plan sequenced step by step."""
    start = greedy_moves(problem, ctx, deadline=start_deadline(ctx)).moves
    return solve_two_phase(problem, ctx, _solve_model, SAFE_SHARE, start)
