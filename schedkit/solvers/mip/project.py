"""Projects (time lags, modes, calendars) as a time-indexed MIP solved by HiGHS or CBC (PuLP).

The model is Pritsker et al.'s (1969) ``x[j, m, t] = 1`` when activity ``j`` starts in mode
``m`` at time ``t``, written, as the RCPSP MIP (:mod:`schedkit.solvers.mip.rcpsp`) is, in its
cumulative form ``y[j, m, t] = sum_{s <= t} x[j, m, s]`` ("started in mode m by t"): a
unimodular change of variables with the same LP relaxation and a much sparser matrix. ``y``
is monotone in ``t`` and, from the mode's latest start on, equals the mode literal ``u[j, m]``
(``sum_m u[j, m] = 1``; the constant 1 for an activity with one mode). Starts range over the
windows of :func:`schedkit.structure.project.windows` (release dates, deadlines and time lags
propagated; only the modes it keeps), each mode's latest start also bounded by the finish
limit (deadline or horizon) minus its duration.

* time lag ``(a, b, lag)``, start-to-start: ``S_b >= S_a + lag``; finish-to-start adds the
  duration of ``a``'s chosen mode. Disaggregated (default): for every ``t``, ``b`` started by
  ``t`` implies ``a`` started (finished, for finish-to-start) by ``t - lag``:
  ``sum_m y[b, m, t] <= sum_m y[a, m, t - lag (- d_m)]``, valid for negative (maximum) lags as
  well; it is the stronger LP (the convex hull of one arc's two activities), with rows of at
  most twice the number of modes terms. Aggregated: one row per arc over the start and
  duration expressions (``option precedence=aggregated``).
* renewable resource ``r`` at time ``t``: ``sum demand x (y[j, m, t] - y[j, m, t - d_m]) <=``
  the capacity at ``t`` with the unavailability periods deducted (rows that cannot bind are
  left out);
* non-renewable budgets over the mode literals; makespan ``C >= S_j + D_j``.

The horizon is the makespan of an SGS schedule (:mod:`schedkit.solvers.rules.project`), also
the warm start; without one, the horizon of :mod:`schedkit.structure.project`, within which a
schedule exists if any does, so HiGHS's INFEASIBLE is then a proof. INFEASIBLE is reported
only on that proof or the window proofs; every schedule read back is re-checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.problems.project import NO_DEADLINE, Project, ProjectSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import (
    NUMERIC_LIMIT,
    backend_of,
    check_model_size,
    magnitude,
    run_pulp,
    variable,
)
from schedkit.solvers.rules.project import incumbent
from schedkit.structure.project import Windows, windows

PRECEDENCE_FORMS = ("disaggregated", "aggregated")
#: share of the time limit for the SGS incumbent, at most SGS_SECONDS; passes at most SGS_PASSES
SGS_SHARE = 0.05
SGS_SECONDS = 1.0
SGS_PASSES = 200
_RESERVE = 0.3  # seconds kept for reading the solution back and checking it

Term = dict[pulp.LpVariable, float]


class OutOfTime(Exception):
    """The time limit ran out while the model was being built."""


@dataclass
class _ModeSteps:
    """``y[j, m, t]`` of one mode for ``t`` in ``[es, last)``; ``u`` from ``last`` on."""

    mode: int  # global mode index
    es: int
    last: int  # latest start in this mode
    u: pulp.LpVariable | int
    y: dict[int, pulp.LpVariable] = field(default_factory=dict)

    def add(self, acc: Term, t: int, coef: float) -> float:
        """Add ``coef * y[t]`` to ``acc``; return the constant part."""
        if t < self.es:
            return 0.0
        v = self.u if t >= self.last else self.y[t]
        if isinstance(v, int):
            return coef * v
        acc[v] = acc.get(v, 0.0) + coef
        return 0.0

    def add_start(self, acc: Term, coef: float) -> float:
        """Add ``coef`` x (the start if this mode is chosen, else 0): ``last u - sum y``."""
        const = self.add(acc, self.last, coef * self.last)
        for v in self.y.values():
            acc[v] = acc.get(v, 0.0) - coef
        return const


@dataclass
class ProjectMip:
    """A built model: per activity its modes' step variables, and the makespan."""

    prob: pulp.LpProblem
    steps: list[list[_ModeSteps]]
    makespan: pulp.LpVariable

    def read(self, problem: Project) -> ProjectSolution:
        """The schedule in the solver's values."""
        mode = np.zeros(problem.num_activities, dtype=np.int64)
        start = np.zeros(problem.num_activities, dtype=np.int64)
        for j, ms in enumerate(self.steps):
            chosen = max(ms, key=lambda s: s.u if isinstance(s.u, int) else (s.u.varValue or 0.0))
            mode[j] = chosen.mode - int(problem.mode_ptr[j])
            start[j] = chosen.last - sum(round(v.varValue or 0.0) for v in chosen.y.values())
        return ProjectSolution(mode, start)

    def warm_start(self, problem: Project, solution: ProjectSolution) -> None:
        """Initial values from ``solution`` (its modes must be in the model)."""
        for j, ms in enumerate(self.steps):
            chosen = int(problem.mode_ptr[j]) + int(solution.mode[j])
            for s in ms:
                on = s.mode == chosen
                if not isinstance(s.u, int):
                    s.u.setInitialValue(1 if on else 0)
                for t, v in s.y.items():
                    v.setInitialValue(1 if on and t >= solution.start[j] else 0)
        self.makespan.setInitialValue(problem.objective(solution))


def mode_ranges(problem: Project, win: Windows) -> list[list[tuple[int, int, int]]]:
    """Per activity, ``(mode, earliest, latest start)`` of each kept mode whose range is not
    empty: the activity's window, the latest start also by the finish limit minus the mode's
    duration."""
    p = problem
    out = []
    for j in range(p.num_activities):
        finish = win.horizon if p.deadline[j] == NO_DEADLINE else min(win.horizon, int(p.deadline[j]))
        es, ls = int(win.earliest[j]), int(win.latest[j])
        rows = [(m, es, min(ls, finish - int(p.duration[m]))) for m in p.modes(j) if win.keep[m]]
        out.append([r for r in rows if r[2] >= r[1]])
    return out


def model_size(problem: Project, win: Windows, form: str) -> int:
    """Step binaries plus precedence rows of the model on ``win``."""
    ranges = mode_ranges(problem, win)
    binaries = sum(last - es + (len(ms) > 1) for ms in ranges for _, es, last in ms)
    if form == "aggregated":
        return binaries + len(problem.arc_from)
    width = [
        max((last for _, _, last in ms), default=0) - int(win.earliest[j]) + 1 for j, ms in enumerate(ranges)
    ]
    return binaries + int(sum(width[int(b)] for b in problem.arc_to))


def build(
    problem: Project,
    win: Windows,
    lower: int,
    form: str = "disaggregated",
    expired: Callable[[], bool] = lambda: False,
) -> ProjectMip:
    """The model on the windows ``win`` with ``lower <= C <= win.horizon``. ``expired`` is
    polled while building; once it returns True, :class:`OutOfTime` is raised."""
    if form not in PRECEDENCE_FORMS:
        raise InvalidParameterError(f"precedence must be one of {', '.join(PRECEDENCE_FORMS)}, got {form!r}")
    p = problem
    h = win.horizon
    prob = pulp.LpProblem("project", pulp.LpMinimize)
    steps: list[list[_ModeSteps]] = []
    for j, ms in enumerate(mode_ranges(p, win)):
        row: list[_ModeSteps] = []
        for m, es, last in ms:
            u: pulp.LpVariable | int = (
                1 if len(ms) == 1 else variable(prob, f"u_{j}_{m}", 0, 1, pulp.LpBinary)
            )
            s = _ModeSteps(m, es, last, u)
            s.y = {t: variable(prob, f"y_{j}_{m}_{t}", 0, 1, pulp.LpBinary) for t in range(es, last)}
            ts = [*s.y, last]
            for t0, t1 in zip(ts, ts[1:], strict=False):
                prob += s.y[t0] <= (s.y[t1] if t1 < last else u), f"mono_{j}_{m}_{t1}"
            row.append(s)
        if len(row) > 1:
            prob += pulp.lpSum(s.u for s in row) == 1, f"mode_{j}"
        steps.append(row)
    cmax = variable(prob, "makespan", min(lower, h), h, pulp.LpContinuous)
    prob += cmax
    for j, row in enumerate(steps):  # C >= S_j + D_j
        acc: Term = {cmax: 1.0}
        const = 0.0
        for s in row:
            const += s.add_start(acc, -1.0)
            const += s.add(acc, s.last, -float(p.duration[s.mode]))
        _add(prob, acc, const, ">=", f"end_{j}")
    for e in range(len(p.arc_from)):
        if expired():
            raise OutOfTime
        _arc(prob, p, steps, e, form)
    for r in range(p.num_resources):
        _resource(prob, p, steps, r, h, expired)
    for r in range(p.num_nonrenewable):
        acc = {}
        const = 0.0
        for row in steps:
            for s in row:
                c = float(p.consumption[s.mode, r])
                if c > 0:
                    const += s.add(acc, s.last, c)
        if acc:
            _add(prob, acc, const - float(p.budget[r]), "<=", f"budget_{r}")
    return ProjectMip(prob, steps, cmax)


def _add(prob: pulp.LpProblem, acc: Term, const: float, sense: str, name: str) -> None:
    """The row ``acc + const <sense> 0``."""
    expr = pulp.LpAffineExpression({v: c for v, c in acc.items() if c != 0}, constant=const)
    prob += (expr >= 0 if sense == ">=" else expr <= 0), name


def _arc(prob: pulp.LpProblem, p: Project, steps: list[list[_ModeSteps]], e: int, form: str) -> None:
    a, b, lag, fs = int(p.arc_from[e]), int(p.arc_to[e]), int(p.arc_lag[e]), bool(p.arc_fs[e])
    if form == "aggregated":  # S_b - S_a - D_a (finish-to-start) >= lag
        acc: Term = {}
        const = -float(lag)
        for s in steps[b]:
            const += s.add_start(acc, 1.0)
        for s in steps[a]:
            const += s.add_start(acc, -1.0)
            if fs:
                const += s.add(acc, s.last, -float(p.duration[s.mode]))
        _add(prob, acc, const, ">=", f"lag_{e}")
        return
    first = min(s.es for s in steps[b])
    last_b = max(s.last for s in steps[b])
    done_a = max(s.last + (int(p.duration[s.mode]) if fs else 0) for s in steps[a])
    for t in range(first, last_b + 1):  # b started by t  =>  a started (finished) by t - lag
        if t - lag >= done_a:
            break  # a is surely started (finished) by then
        acc = {}
        const = 0.0
        for s in steps[b]:
            const += s.add(acc, t, 1.0)
        for s in steps[a]:
            const += s.add(acc, t - lag - (int(p.duration[s.mode]) if fs else 0), -1.0)
        if acc or const > 0:
            _add(prob, acc, const, "<=", f"lag_{e}_{t}")


def _resource(
    prob: pulp.LpProblem,
    p: Project,
    steps: list[list[_ModeSteps]],
    r: int,
    horizon: int,
    expired: Callable[[], bool],
) -> None:
    users = [
        (s, int(p.duration[s.mode]), int(p.demand[s.mode, r]))
        for row in steps
        for s in row
        if p.duration[s.mode] > 0 and p.demand[s.mode, r] > 0
    ]
    if not users:
        return
    peak = {}
    for s, _, dem in users:  # an activity runs in one mode at a time
        j = int(p.mode_owner[s.mode])
        peak[j] = max(peak.get(j, 0), dem)
    on = p.off_resource == r
    if not on.any() and sum(peak.values()) <= p.capacity[r]:
        return
    for t in range(horizon):
        if expired():
            raise OutOfTime
        cap = p.capacity_at(r, t)
        live = [(s, d, dem) for s, d, dem in users if s.es <= t < s.last + d]
        most: dict[int, int] = {}
        for s, _, dem in live:
            j = int(p.mode_owner[s.mode])
            most[j] = max(most.get(j, 0), dem)
        if sum(most.values()) <= cap:
            continue
        acc: Term = {}
        const = -float(cap)
        for s, d, dem in live:  # running at t: started by t and not by t - d
            const += s.add(acc, t, float(dem))
            const += s.add(acc, t - d, -float(dem))
        _add(prob, acc, const, "<=", f"res_{r}_{t}")


def precheck(problem: Project, ctx: SolveContext) -> None:
    """Refuse, before any work, a model too large for memory even over the shortest possible
    horizon (the lower bound); :func:`solve` checks again on the horizon it uses."""
    form = ctx.choice_option("precedence", "disaggregated", PRECEDENCE_FORMS)
    if problem.num_activities == 0:
        return
    win = windows(problem, limit=max(problem.lower_bound(), 1))
    if win.proof is None:
        check_model_size(model_size(problem, win, form), "step binaries and precedence rows", "cpsat or sgs")


def solve(problem: Project, ctx: SolveContext) -> Result:
    """Minimise the makespan over the horizon of an SGS schedule (or the structural horizon
    when the SGS finds none); INFEASIBLE only with a proof. Options: ``precedence``."""
    p = problem
    if p.num_activities == 0:
        return Result(Status.OPTIMAL, 0, 0, ProjectSolution(np.zeros(0), np.zeros(0)))
    backend = backend_of(ctx.method)
    form = ctx.choice_option("precedence", "disaggregated", PRECEDENCE_FORMS)
    win = windows(p)
    if win.proof is not None:
        return Result(Status.INFEASIBLE, None, None, None, stats={"proof": win.proof})
    lb = p.lower_bound()
    seconds = None if ctx.time_limit is None else min(SGS_SECONDS, SGS_SHARE * ctx.time_limit)
    best, _ = incumbent(p, ctx, seconds, SGS_PASSES, win.keep)  # the warm start needs kept modes
    stats: dict[str, object] = {"sgs makespan": None if best is None else p.objective(best)}
    if best is not None:
        ctx.incumbent = best
        ub = p.objective(best)
        if ub <= lb or ctx.expired():
            return Result(Status.OPTIMAL if ub <= lb else Status.FEASIBLE, None, lb, best, stats=stats)
        win = windows(p, limit=ub)
    elif lb > win.horizon:
        stats["proof"] = f"the lower bound {lb} exceeds the horizon {win.horizon}"
        return Result(Status.INFEASIBLE, None, None, None, stats=stats)
    stats["horizon"] = win.horizon
    check_model_size(model_size(p, win, form), "step binaries and precedence rows", "cpsat or sgs")
    began = ctx.elapsed()
    try:
        built = build(p, win, lb, form, expired=lambda: ctx.remaining(_RESERVE) == 0.0 or ctx.stop.is_set())
    except OutOfTime:
        return _fallback(best, lb, stats)
    if best is not None:
        built.warm_start(p, best)
    # as for the RCPSP MIP: PuLP's hand-over to the solver costs about the build time, outside
    # the solver's clock, and HiGHS checks its clock coarsely under load
    build_time = ctx.elapsed() - began
    reserve = _RESERVE + build_time
    remaining = ctx.remaining(reserve)
    if remaining is not None and remaining < build_time:
        return _fallback(best, lb, stats)
    if remaining is not None:
        reserve += 0.1 * remaining
    out = run_pulp(built.prob, ctx, backend=backend, warm_start=best is not None, reserve=reserve)
    stats.update(variables=len(built.prob.variables()), constraints=built.prob.numConstraints())
    if out.status is Status.INFEASIBLE:
        if best is None and magnitude(built.prob) <= NUMERIC_LIMIT:
            stats["proof"] = f"{backend}: no schedule within the horizon {win.horizon}"
            return Result(Status.INFEASIBLE, None, None, None, stats=stats)
        stats["note"] = f"{backend} reported the model infeasible; not trusted"
        return _fallback(best, lb, stats)
    bound = lb if out.bound is None else max(lb, int(out.bound))
    if out.has_solution:
        found = built.read(p)
        if not p.violations(found) and (best is None or p.objective(found) <= p.objective(best)):
            return Result(out.status, None, bound, found, stats=stats)
        stats["note"] = f"{backend}'s schedule did not check; the SGS schedule is returned"
    if best is None:
        return Result(Status.UNKNOWN, None, bound, None, stats=stats)
    return Result(Status.FEASIBLE, None, min(bound, p.objective(best)), best, stats=stats)


def _fallback(best: ProjectSolution | None, lb: int, stats: dict[str, object]) -> Result:
    """No usable solver answer: the SGS schedule (FEASIBLE), or UNKNOWN without one."""
    if best is None:
        return Result(Status.UNKNOWN, None, lb, None, stats=stats)
    return Result(Status.FEASIBLE, None, lb, best, stats=stats)
