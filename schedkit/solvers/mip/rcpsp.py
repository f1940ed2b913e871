"""RCPSP as a time-indexed MIP solved by HiGHS or CBC through PuLP.

The start-time binaries of Pritsker et al. (1969) are used in their cumulative ("step") form:
``z[j, t] = 1`` when activity ``j`` has started by time ``t``, i.e. ``z[j, t] = sum_{s<=t}
x[j, s]`` for the start binaries ``x``. The model is the same, the matrix much sparser: a
disaggregated precedence (Christofides et al. 1987) is ``z[b, t] <= z[a, t - d_a]`` and
activity ``j`` runs at ``t`` exactly when ``z[j, t] - z[j, t - d_j] = 1``. The horizon ``H``
is the makespan of a heuristic schedule (SGS with forward-backward improvement), which is also
the warm start, so ``t`` ranges over the window ``[earliest start, H - tail]``. Precedences are
either disaggregated (default: stronger LP) or aggregated (``S_b >= S_a + d_a``, one row per
arc); ``benchmarks/rcpsp.md`` compares the two.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, check_model_size, run_pulp
from schedkit.solvers.rules.rcpsp import best_schedule

PRECEDENCE_FORMS = ("disaggregated", "aggregated")
_RESERVE = 0.3  # seconds kept for reading the solution back and checking it


class OutOfTime(Exception):
    """The time limit ran out while the model was being built."""


def _variable(prob: pulp.LpProblem, name: str, lo: int, hi: int, cat: str) -> pulp.LpVariable:
    """A variable attached to ``prob`` (PuLP >= 3.3 deprecates free-standing variables)."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lo, hi, cat=cat)
    return pulp.LpVariable(name, lo, hi, cat=cat)


class _Steps:
    """``z[j, t]`` over each activity's window: 0 before it, 1 from its latest start on."""

    def __init__(self, prob: pulp.LpProblem, es: np.ndarray, ls: np.ndarray):
        self.es, self.ls = es, ls
        self.var: dict[int, dict[int, pulp.LpVariable]] = {}
        for j in range(len(es)):
            lo, hi = int(es[j]), int(ls[j])
            self.var[j] = {t: _variable(prob, f"z_{j}_{t}", 0, 1, pulp.LpBinary) for t in range(lo, hi)}

    def at(self, j: int, t: int) -> pulp.LpVariable | int:
        """``z[j, t]`` as a variable or a constant."""
        if t < self.es[j]:
            return 0
        if t >= self.ls[j]:
            return 1
        return self.var[j][t]

    def start(self, j: int) -> pulp.LpAffineExpression:
        """``S_j = ls_j - sum_{t < ls_j} z[j, t]``."""
        return int(self.ls[j]) - pulp.lpSum(self.var[j].values())


def _model_size(problem: Rcpsp, horizon: int, form: str) -> int:
    """Step binaries plus precedence rows of the model over ``[0, horizon]``, from the plain
    (critical-path) start windows: an upper bound of what :func:`build` makes."""
    window = np.maximum(0, horizon - problem.tails() - problem.earliest_starts())
    rows = int(window[problem.edge_to].sum()) if form == "disaggregated" else len(problem.edge_to)
    return int(window.sum()) + rows


def build(
    problem: Rcpsp,
    horizon: int,
    lower: int,
    form: str = "disaggregated",
    cliques: bool = True,
    energy: bool = True,
    expired: Callable[[], bool] = lambda: False,
) -> tuple[pulp.LpProblem, _Steps, pulp.LpVariable]:
    """The time-indexed model over ``[0, horizon]``: (model, step variables, makespan).

    ``cliques`` adds, per time, "at most one running" rows for cliques of activities that can
    never overlap; ``energy`` adds ``C >= S_j + tail_j`` with the precedence-energy tails.
    Both are valid inequalities that tighten the LP relaxation. ``expired`` is polled while
    building; once it returns True, :class:`OutOfTime` is raised.
    """
    if form not in PRECEDENCE_FORMS:
        raise InvalidParameterError(f"precedence must be one of {', '.join(PRECEDENCE_FORMS)}, got {form!r}")
    p = problem
    d = p.duration
    prob = pulp.LpProblem("rcpsp", pulp.LpMinimize)
    es, tails = p.earliest_starts(), p.tails()
    if energy:
        head, after = p.precedence_energy()
        es, tails = np.maximum(es, head), np.maximum(tails, d + after)
    z = _Steps(prob, es, horizon - tails)
    for j, row in z.var.items():
        ts = sorted(row)
        for t0, t1 in zip(ts, ts[1:], strict=False):
            prob += row[t0] <= row[t1], f"mono_{j}_{t1}"
    cmax = _variable(prob, "makespan", lower, horizon, pulp.LpContinuous)
    prob += cmax
    for j in range(p.num_activities):
        if p.succ_ptr[j + 1] == p.succ_ptr[j] or (energy and tails[j] > d[j] and z.var[j]):
            prob += cmax >= z.start(j) + int(tails[j]), f"end_{j}"
    for e, (a, b) in enumerate(zip(p.edge_from.tolist(), p.edge_to.tolist(), strict=True)):
        if expired():
            raise OutOfTime
        if form == "aggregated":
            prob += z.start(b) >= z.start(a) + int(d[a]), f"prec_{e}"
            continue
        for t, var in z.var[b].items():  # b started by t  =>  a started by t - d_a
            rhs = z.at(a, t - int(d[a]))
            if isinstance(rhs, int):
                if rhs == 0:
                    prob += var == 0, f"prec_{e}_{t}"
                continue
            prob += var <= rhs, f"prec_{e}_{t}"
    for r in range(p.num_resources):
        users = [j for j in range(p.num_activities) if d[j] > 0 and p.demand[j, r] > 0]
        if sum(int(p.demand[j, r]) for j in users) <= p.capacity[r]:
            continue
        for t in range(horizon):
            if expired():
                raise OutOfTime
            live = [j for j in users if z.es[j] <= t < z.ls[j] + d[j]]
            if sum(int(p.demand[j, r]) for j in live) <= p.capacity[r]:
                continue
            expr = pulp.lpSum(int(p.demand[j, r]) * (z.at(j, t) - z.at(j, t - int(d[j]))) for j in live)
            prob += expr <= int(p.capacity[r]), f"res_{r}_{t}"
    for c, clique in enumerate(p.disjunctive_cliques() if cliques else []):
        if expired():
            raise OutOfTime
        for t in range(horizon):
            live = [j for j in clique if z.es[j] <= t < z.ls[j] + d[j]]
            if len(live) > 1:
                expr = pulp.lpSum(z.at(j, t) - z.at(j, t - int(d[j])) for j in live)
                prob += expr <= 1, f"clq_{c}_{t}"
    return prob, z, cmax


def precheck(problem: Rcpsp, ctx: SolveContext) -> None:
    """Refuse, before any work, a model too large for memory even over the shortest possible
    horizon (the critical-path and energy bounds); :func:`solve` checks again with the
    heuristic schedule's horizon."""
    form = ctx.choice_option("precedence", "disaggregated", PRECEDENCE_FORMS)
    horizon = max(problem.critical_path_length(), problem.energy_bound())
    check_model_size(
        _model_size(problem, horizon, form), "step binaries and precedence rows", "cpsat or a rule"
    )


def solve(problem: Rcpsp, ctx: SolveContext) -> Result:
    """Minimise the makespan over the horizon of a heuristic schedule; returns the proven bound."""
    p = problem
    backend = backend_of(ctx.method)
    heur = best_schedule(p, seed=ctx.seed)
    ub = int((heur + p.duration).max()) if p.num_activities else 0
    if isinstance(ctx.hint, RcpspSolution) and not p.violations(ctx.hint):
        given = np.asarray(ctx.hint.start, dtype=np.int64)
        if int((given + p.duration).max()) <= ub:
            heur, ub = given, int((given + p.duration).max())
    lb = max(p.critical_path_length(), p.energy_bound())
    if ub <= lb:
        return Result(Status.OPTIMAL, ub, ub, RcpspSolution(heur), stats={"heuristic": ub})
    form = ctx.choice_option("precedence", "disaggregated", PRECEDENCE_FORMS)
    cliques, energy = ctx.bool_option("cliques", True), ctx.bool_option("energy", True)
    check_model_size(_model_size(p, ub, form), "step binaries and precedence rows", "cpsat or a rule")
    stats: dict[str, int] = {"heuristic": ub}
    began = ctx.elapsed()
    try:
        prob, z, cmax = build(
            p,
            ub,
            lb,
            form,
            cliques,
            energy,
            expired=lambda: ctx.remaining(_RESERVE) == 0.0 or ctx.stop.is_set(),
        )
    except OutOfTime:  # no time left to solve: the heuristic schedule and the simple bounds
        return Result(Status.FEASIBLE, None, lb, RcpspSolution(heur), stats=stats)
    for j, row in z.var.items():
        for t, v in row.items():
            v.setInitialValue(1 if t >= heur[j] else 0)
    cmax.setInitialValue(ub)
    # handing the model to the solver costs about as long as building it, outside the solver's
    # own clock: keep that back, and do not start a solve that would have less time than that
    # HiGHS checks its clock coarsely under load: a tenth of the remaining time is kept back too
    build_time = ctx.elapsed() - began
    reserve = _RESERVE + build_time
    remaining = ctx.remaining(reserve)
    if remaining is not None and remaining < build_time:
        return Result(Status.FEASIBLE, None, lb, RcpspSolution(heur), stats=stats)
    if remaining is not None:
        reserve += 0.1 * remaining
    out = run_pulp(prob, ctx, backend=backend, warm_start=True, reserve=reserve)
    stats.update(variables=len(prob.variables()), constraints=prob.numConstraints())
    solution = RcpspSolution(heur)
    status = Status.FEASIBLE
    if out.has_solution:
        starts = np.array(
            [int(z.ls[j]) - sum(round(v.varValue or 0.0) for v in row.values()) for j, row in z.var.items()],
            dtype=np.int64,
        )
        candidate = RcpspSolution(starts)
        if not p.violations(candidate) and p.objective(candidate) <= ub:
            solution, status = candidate, out.status
    bound = lb if out.bound is None else max(lb, int(out.bound))
    return Result(status, None, bound, solution, stats=stats)
