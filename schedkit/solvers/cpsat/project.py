"""Projects (time lags, modes, calendars) on CP-SAT.

* per activity a start variable on its window ``[earliest, latest]`` (release dates, deadlines
  and time lags propagated with the shortest durations, within the horizon of
  :mod:`schedkit.structure.project`) and one literal per mode, exactly one true; modes that
  cannot fit or are dominated by another mode of the activity are left out, and an activity
  left with one mode has no literal;
* per mode an optional fixed-size interval on the activity's start; one cumulative per
  renewable resource, the unavailability periods as fixed intervals using the capacity they
  remove;
* time lags as linear rows (finish-to-start ones with the chosen duration), deadlines on the
  finish, non-renewable budgets as linear rows over the mode literals;
* minimise the makespan, bounded below by the class's lower bound.

Windows that are empty, a positive cycle in the lags or a budget the cheapest modes exceed
are reported INFEASIBLE before any model is built (the reason is in ``stats["proof"]``);
otherwise CP-SAT's own INFEASIBLE is reported as proven.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.project import NO_DEADLINE, Project, ProjectSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.structure.project import Windows, windows

#: seconds without a better schedule, as a share of the time limit, before the decision
#: rounds (see :func:`solve`); 0: off (not yet validated on the proven j20/j10/ubo instances)
STALL_SHARE = 0.0
#: CP-SAT's subsolvers for the decision rounds with 2 workers: two complete searches, with
#: and without LP (CP-SAT's default for 2 workers runs one, beside heuristics that cannot
#: prove anything); on the j20 instances left open by the minimisation it proves in
#: 1.8-7.3 s what the default does not in 10 s
DECISION_PORTFOLIO: dict[str, object] = {"num_full_subsolvers": 2, "subsolvers": ["default_lp", "no_lp"]}
#: whether the minimisation itself runs on that portfolio with 2 workers (option ``portfolio``):
#: on PSPLIB j20 at 10 s it proves all 554 optima (the default 2-worker portfolio 544) in 80 s
#: in all (287 s), and j10, ubo10, ubo20 stay resolved (``benchmarks/project.md``)
PORTFOLIO = True


def portfolio(ctx: SolveContext) -> dict[str, object]:
    """The CP-SAT parameters of the minimisation: :data:`DECISION_PORTFOLIO` with 2 workers
    (option ``portfolio``, default :data:`PORTFOLIO`), else CP-SAT's own."""
    return DECISION_PORTFOLIO if ctx.workers == 2 and ctx.bool_option("portfolio", PORTFOLIO) else {}


@dataclass
class ProjectModel:
    """A built CP-SAT model: start variables and, per activity, its mode literals (none for a
    single-mode activity)."""

    model: cp_model.CpModel
    starts: list[cp_model.IntVar]
    #: per activity, (mode position, literal) of each mode kept in the model
    literals: list[list[tuple[int, cp_model.IntVar]]] = field(default_factory=list)
    #: the makespan variable (at least every finish), for callers that set their own objective
    makespan: cp_model.IntVar | None = None

    def hint(self, solution: ProjectSolution) -> None:
        """Hint ``solution``'s starts and modes (a mode left out of the model is not hinted)."""
        for j, s in enumerate(self.starts):
            self.model.add_hint(s, int(solution.start[j]))
            if len(self.literals[j]) > 1:
                for k, x in self.literals[j]:
                    self.model.add_hint(x, int(solution.mode[j]) == k)

    def read(self, value: Callable[[cp_model.IntVar], int]) -> ProjectSolution:
        start = np.array([value(s) for s in self.starts], dtype=np.int64)
        mode = np.array([next((k for k, x in lits if value(x)), lits[0][0]) for lits in self.literals])
        return ProjectSolution(mode.astype(np.int64), start)


def build_model(problem: Project, win: Windows, lb: int, *, energy: bool = False) -> ProjectModel:
    """The makespan model on the windows ``win`` with ``lb <= makespan <= win.horizon``;
    ``energy`` adds per renewable resource without unavailability: the work of the chosen
    modes is at most capacity x makespan."""
    p = problem
    n = p.num_activities
    model = cp_model.CpModel()
    starts = [model.new_int_var(int(win.earliest[j]), int(win.latest[j]), f"s{j}") for j in range(n)]
    literals: list[list[tuple[int, cp_model.IntVar]]] = []
    durations: list[cp_model.LinearExprT] = []
    intervals: list[list[tuple[int, cp_model.IntervalVar]]] = []
    for j in range(n):
        first = int(p.mode_ptr[j])
        ms = [m for m in p.modes(j) if win.keep[m]]
        if len(ms) == 1:
            m = ms[0]
            lits = [(m - first, model.new_constant(1))]
            durations.append(int(p.duration[m]))
            intervals.append([(m, model.new_fixed_size_interval_var(starts[j], int(p.duration[m]), f"i{j}"))])
        else:
            lits = [(m - first, model.new_bool_var(f"x{j}_{m - first}")) for m in ms]
            model.add_exactly_one([x for _, x in lits])
            durations.append(sum(int(p.duration[first + k]) * x for k, x in lits))
            intervals.append(
                [
                    (
                        first + k,
                        model.new_optional_fixed_size_interval_var(
                            starts[j], int(p.duration[first + k]), x, f"i{j}_{k}"
                        ),
                    )
                    for k, x in lits
                ]
            )
        literals.append(lits)
    for a, b, lag, fs in zip(p.arc_from, p.arc_to, p.arc_lag, p.arc_fs, strict=True):
        a, b = int(a), int(b)
        model.add(starts[b] >= starts[a] + int(lag) + (durations[a] if fs else 0))
    for j in range(n):
        if p.deadline[j] != NO_DEADLINE:
            model.add(starts[j] + durations[j] <= int(p.deadline[j]))
    for r in range(p.num_resources):
        _cumulative(model, p, r, intervals)
    for r in range(p.num_nonrenewable):
        terms = [
            int(p.consumption[int(p.mode_ptr[j]) + k, r]) * x
            for j in range(n)
            for k, x in literals[j]
            if p.consumption[int(p.mode_ptr[j]) + k, r] > 0
        ]
        if terms:
            model.add(sum(terms) <= int(p.budget[r]))
    makespan = model.new_int_var(min(lb, win.horizon), win.horizon, "makespan")
    for j in range(n):
        model.add(makespan >= starts[j] + durations[j])
    for r in range(p.num_resources if energy else 0):  # the chosen modes' work fits under the capacity
        work = [
            int(p.duration[m] * p.demand[m, r]) * (x if len(lits) > 1 else 1)
            for j, lits in enumerate(literals)
            for k, x in lits
            for m in [int(p.mode_ptr[j]) + k]
            if p.duration[m] * p.demand[m, r] > 0
        ]
        if work and not (p.off_resource == r).any():
            model.add(sum(work) <= int(p.capacity[r]) * makespan)
    model.minimize(makespan)
    return ProjectModel(model, starts, literals, makespan)


def _cumulative(
    model: cp_model.CpModel, p: Project, r: int, intervals: list[list[tuple[int, cp_model.IntervalVar]]]
) -> None:
    """The cumulative of renewable resource ``r``; none when it can never bind."""
    ivs: list[cp_model.IntervalVar] = []
    dem: list[int] = []
    peak = 0
    for j in range(p.num_activities):
        most = 0
        for m, iv in intervals[j]:
            d = int(p.demand[m, r])
            if d > 0 and p.duration[m] > 0:
                ivs.append(iv)
                dem.append(d)
                most = max(most, d)
        peak += most
    on = np.flatnonzero(p.off_resource == r)
    if not ivs or (len(on) == 0 and peak <= p.capacity[r]):
        return
    for q in on:
        s, e = int(p.off_start[q]), int(p.off_end[q])
        ivs.append(model.new_fixed_size_interval_var(s, e - s, f"off{q}"))
        dem.append(int(p.off_amount[q]))
    model.add_cumulative(ivs, dem, int(p.capacity[r]))


def solve(problem: Project, ctx: SolveContext) -> Result:
    """Minimise the makespan; INFEASIBLE (no solution) when no schedule exists.

    With a time limit, once a schedule is found and none better comes for ``stall`` seconds
    (option; default :data:`STALL_SHARE` of the limit, 0 keeps minimising to the end), the rest
    of the time goes to deciding whether a schedule ending one unit earlier exists
    (:func:`_prove_by_decision`): on PSPLIB j20 that proves optima the minimisation does not."""
    p = problem
    if p.num_activities == 0:
        return Result(Status.OPTIMAL, 0, 0, ProjectSolution(np.zeros(0), np.zeros(0)))
    win = windows(p)
    if win.proof is not None:
        return Result(Status.INFEASIBLE, None, None, None, stats={"proof": win.proof})
    lb = p.lower_bound()
    built = build_model(p, win, lb, energy=ctx.bool_option("energy", False))
    stats: dict[str, object] = {"horizon": win.horizon, "modes dropped": int((~win.keep).sum())}
    if isinstance(ctx.hint, ProjectSolution) and not p.violations(ctx.hint):
        built.hint(ctx.hint)
    limit = ctx.time_limit
    stall = None if limit is None else ctx.float_option("stall", STALL_SHARE * limit, 0.0, 1e9) or None
    out = run_cpsat(
        built.model, ctx, on_solution=lambda cb: built.read(cb.value), stall=stall, **portfolio(ctx)
    )
    stats.update(branches=out.solver.num_branches, conflicts=out.solver.num_conflicts)
    if out.status is Status.INFEASIBLE:
        stats["proof"] = f"CP-SAT: no schedule within the horizon {win.horizon}"
        return Result(Status.INFEASIBLE, None, None, None, stats=stats)
    if out.has_solution:
        best = built.read(out.solver.value)
        if out.status is Status.OPTIMAL or stall is None or ctx.expired():
            return Result(out.status, None, out.bound, best, stats=stats)
        bound = max(lb, int(out.bound)) if out.bound is not None else lb
        return _prove_by_decision(p, ctx, best, bound, stats)
    incumbent = ctx.incumbent if isinstance(ctx.incumbent, ProjectSolution) else None
    return Result(Status.FEASIBLE if incumbent else Status.UNKNOWN, None, out.bound, incumbent, stats=stats)


def _prove_by_decision(
    p: Project, ctx: SolveContext, best: ProjectSolution, bound: int, stats: dict[str, object]
) -> Result:
    """From the schedule ``best`` and the lower bound ``bound``: while time is left, ask
    CP-SAT for a schedule ending by ``makespan(best) - 1`` (no objective, windows from that
    limit). None exists: ``best`` is optimal. One found: it becomes ``best``. The windows
    from a limit hold every schedule ending by it that uses only kept modes, and some optimal
    schedule uses only them, so an empty window or CP-SAT's INFEASIBLE proves ``best``
    optimal."""
    portfolio = DECISION_PORTFOLIO if ctx.workers == 2 else {}
    rounds = 0
    while True:
        ub = p.objective(best)
        if ub <= bound:
            stats["decision rounds"] = rounds
            return Result(Status.OPTIMAL, None, ub, best, stats=stats)
        if ctx.expired():
            break
        rounds += 1
        win = windows(p, limit=ub - 1)
        if win.proof is not None:
            bound = ub
            continue
        built = build_model(p, win, bound)
        built.model.clear_objective()
        out = run_cpsat(built.model, ctx, on_solution=lambda cb, b=built: b.read(cb.value), **portfolio)
        if out.status is Status.INFEASIBLE:
            bound = ub
        elif out.has_solution:
            found = built.read(out.solver.value)
            if p.violations(found) or p.objective(found) >= ub:
                break
            best = found
            ctx.incumbent = best
        else:
            break
    stats["decision rounds"] = rounds
    return Result(Status.FEASIBLE, None, bound, best, stats=stats)
