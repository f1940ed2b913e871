"""CP-SAT repair (``cpsat``) and full re-solve (``resolve``) of a rescheduling situation.

One model for both: an interval per unfrozen operation (per eligible machine an optional one
sharing its start in the flexible job-shop), frozen operations as constants, per machine a
no-overlap over its operations' intervals and fixed intervals for its busy time (downtime,
frozen operations running past ``at``); starts bounded below by ``at`` and the job's release.
The objective is the combined one of :mod:`~schedkit.rescheduling.objective`, scaled to
integers (a fractional stability weight is used to 1/1000). The model is warm-started from the
right-shift schedule and bounded by its objective, so the answer is never worse: every end lies
before that objective, the horizon.

``cpsat`` minimises the combined objective with the user's stability weight, then, with option
``polish`` (default true) and time left, keeps that objective and minimises the stability
measure alone: among equally good schedules it returns one that moves least. With a stability
weight and a time limit, a makespan phase comes first: the same model minimising makespan
(+ tardiness) alone, as ``resolve`` does, from the right-shift schedule; its schedule starts
the first phase instead when it is better in the combined objective. (Measured along cpsat
trajectories, event by event against ``resolve`` from the same situation: with the stability
literals in the objective from the start, CP-SAT at 5 s kept close to right-shift, and at 14 of
69 Taillard and 3 of 10 Brandimarte events ended worse than resolve's schedule even in its own
objective, up to 5 %; see ``benchmarks/reschedule.md``.) The phases share one deadline
(:mod:`~schedkit.rescheduling.budget`: the time limit less what the final re-check needs): the
makespan phase takes ``MAKESPAN_PHASE_SHARE`` of what is left once the model is built, the first
phase at most ``FIRST_PHASE_SHARE`` of what is left then, the polish the rest; without a limit
there is no makespan phase and the polish takes at most as long as the first phase did (at
least 1 s). ``resolve`` ignores stability (weight 0, no polish): the reference a repair is
compared with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.rescheduling.budget import budget
from schedkit.rescheduling.objective import Goal, evaluate
from schedkit.rescheduling.rightshift import repair
from schedkit.rescheduling.situation import Situation
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat

#: share of the time limit the first phase may take when ``polish`` runs after it
FIRST_PHASE_SHARE = 0.7
#: with a stability weight and a time limit, share of what is left after building that the
#: makespan phase (the objective without stability, as ``resolve``) takes before the first
MAKESPAN_PHASE_SHARE = 0.5
#: option ``slack``: share of what is left after building that the makespan phase takes (the
#: fewest-moves phase within the slack gets the rest)
SLACK_PHASE_SHARE = 0.7


@dataclass
class _Model:
    model: cp_model.CpModel
    start: dict[int, Any] = field(default_factory=dict)  # unfrozen operation -> start var
    lits: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)  # op -> [(machine, literal)]
    objective: Any = 0
    primary: Any = 0  # makespan + weighted tardiness, the objective without stability
    measure: Any = 0
    makespan: Any = None
    late: dict[int, Any] = field(default_factory=dict)  # effective job -> its tardiness var
    dev: dict[int, Any] = field(default_factory=dict)  # op -> |start change| var (measure shift)
    moved: dict[int, Any] = field(default_factory=dict)  # op -> moved literal (measure moved)


def _scale(w: float) -> tuple[int, int, bool]:
    """(scale S, integer weight W, exact): the model minimises S*(makespan+tardiness) + W*measure."""
    frac = Fraction(w).limit_denominator(1000)
    exact = frac == Fraction(w)
    return frac.denominator, frac.numerator, exact


def build(sit: Situation, goal: Goal, horizon: int) -> _Model:
    """The model of ``sit`` with every end at most ``horizon``."""
    eff = sit.effective
    cm = cp_model.CpModel()
    out = _Model(cm)
    n = eff.num_operations
    ends: list[Any] = [0] * n
    per_machine: list[list[Any]] = [[] for _ in range(eff.num_machines)]
    for o in range(n):
        if sit.is_frozen[o]:
            ends[o] = int(sit.fixed_end[o])
            continue
        alts = sit.alts[o]
        lo = int(sit.earliest[o])
        s = cm.new_int_var(lo, max(lo, horizon - min(d for _, d in alts)), f"s{o}")
        out.start[o] = s
        if len(alts) == 1:
            m, d = alts[0]
            per_machine[m].append(cm.new_fixed_size_interval_var(s, d, f"i{o}"))
            ends[o] = s + d
            out.lits[o] = [(m, None)]
            continue
        lits = []
        for m, d in alts:
            lit = cm.new_bool_var(f"x{o}_{m}")
            per_machine[m].append(cm.new_optional_fixed_size_interval_var(s, d, lit, f"i{o}_{m}"))
            lits.append((m, lit))
        cm.add_exactly_one(lit for _, lit in lits)
        out.lits[o] = lits
        ends[o] = s + sum(d * lit for (_, lit), (_, d) in zip(lits, alts, strict=True))
    for o in range(n):
        if eff.rank[o] > 0 and o in out.start:
            cm.add(out.start[o] >= ends[o - 1])
    for m, ivs in enumerate(per_machine):
        fixed = [cm.new_fixed_size_interval_var(bs, be - bs, f"busy{m}_{bs}") for bs, be in sit.busy[m]]
        if len(ivs) + len(fixed) > 1 and ivs:
            cm.add_no_overlap(ivs + fixed)
    lb = sit.makespan_bound()
    makespan = cm.new_int_var(min(lb, horizon), max(lb, horizon), "makespan")
    out.makespan = makespan
    for o in (eff.job_start[1:] - 1).tolist():
        cm.add(makespan >= ends[o])
    tardiness: list[Any] = []
    for je in np.flatnonzero(sit.due_date >= 0).tolist():
        late = cm.new_int_var(0, horizon, f"late{je}")
        out.late[je] = late
        cm.add(late >= ends[int(eff.job_start[je + 1]) - 1] - int(sit.due_date[je]))
        tardiness.append(int(sit.job_weight[je]) * late)
    out.measure = _measure(sit, goal, out, horizon)
    scale, weight, _ = _scale(goal.stability)
    out.primary = makespan + sum(tardiness)
    out.objective = scale * out.primary + weight * out.measure
    return out


def _measure(sit: Situation, goal: Goal, out: _Model, horizon: int) -> Any:
    """The stability measure as a linear expression (shift: |start change|; moved: literals)."""
    cm = out.model
    terms: list[Any] = []
    for o, s in out.start.items():
        old = int(sit.old_start[o])
        if old < 0:
            continue
        if goal.measure == "shift":
            dev = cm.new_int_var(0, max(horizon, old), f"dev{o}")
            out.dev[o] = dev
            cm.add(dev >= s - old)
            cm.add(dev >= old - s)
            terms.append(dev)
            continue
        if old < sit.earliest[o]:
            terms.append(1)
            continue
        moved = cm.new_bool_var(f"moved{o}")
        out.moved[o] = moved
        cm.add(s == old).only_enforce_if(moved.Not())
        for m, lit in out.lits[o]:
            if lit is not None and m == int(sit.old_machine[o]):
                cm.add_implication(moved.Not(), lit)
        terms.append(moved)
    return sum(terms)


def _hint(sit: Situation, out: _Model, machine: np.ndarray, start: np.ndarray) -> None:
    """A hint on every variable: the schedule (machine, start) and what it implies (makespan,
    tardiness, stability terms), so that CP-SAT takes it as its first solution at once instead
    of having to complete it (which failed within 3.4 s on busy machines for 430 operations)."""
    cm = out.model
    cm.clear_hints()
    end = sit.fixed_end.copy()
    for o, s in out.start.items():
        cm.add_hint(s, int(start[o]))
        for m, lit in out.lits[o]:
            if lit is not None:
                cm.add_hint(lit, m == int(machine[o]))
        end[o] = int(start[o]) + dict(sit.alts[o])[int(machine[o])]
    if out.makespan is not None:
        cm.add_hint(out.makespan, int(end.max(initial=0)))
    last = sit.effective.job_start[1:] - 1
    for je, var in out.late.items():
        cm.add_hint(var, max(0, int(end[last[je]]) - int(sit.due_date[je])))
    for o, var in out.dev.items():
        cm.add_hint(var, abs(int(start[o]) - int(sit.old_start[o])))
    for o, var in out.moved.items():
        moved = int(start[o]) != int(sit.old_start[o]) or int(machine[o]) != int(sit.old_machine[o])
        cm.add_hint(var, moved)


def _values(sit: Situation, out: _Model, value: Any) -> tuple[np.ndarray, np.ndarray]:
    machine, start = sit.fixed_machine.copy(), sit.fixed_start.copy()
    for o, s in out.start.items():
        start[o] = value(s)
        machine[o] = next(m for m, lit in out.lits[o] if lit is None or value(lit))
    return machine, start


def _model_objective(sit: Situation, goal: Goal, machine: np.ndarray, start: np.ndarray) -> int:
    scale, weight, _ = _scale(goal.stability)
    sc = evaluate(sit, sit.solution(machine, start), Goal(0.0, goal.measure))
    measure = sc.shift if goal.measure == "shift" else sc.moved
    return scale * (sc.makespan + sc.tardiness) + weight * measure


def _primary(sit: Situation, machine: np.ndarray, start: np.ndarray) -> int:
    """Makespan + weighted tardiness of a schedule of ``sit``."""
    sc = evaluate(sit, sit.solution(machine, start), Goal(0.0))
    return int(sc.makespan + sc.tardiness)


def run(sit: Situation, ctx: SolveContext, goal: Goal, polish: bool, slack: float | None = None) -> Result:
    """Minimise ``goal`` from the right-shift schedule; then (``polish``) the measure alone.
    With ``slack``: :func:`_within_slack` instead."""
    rs_machine, rs_start = repair(sit)
    rs_solution = sit.solution(rs_machine, rs_start)
    rs_obj = _model_objective(sit, goal, rs_machine, rs_start)
    scale, _, exact = _scale(goal.stability)
    stats: dict[str, Any] = {}
    plan = budget(sit, ctx, goal, rs_solution)
    if plan.exhausted():
        stats["fallback"] = "right-shift (no time left for CP-SAT)"
        return Result(Status.FEASIBLE, None, None, rs_solution, stats=stats)
    out = build(sit, goal, horizon=rs_obj // scale)
    cm = out.model
    if slack is not None:
        return _within_slack(sit, ctx, out, plan, (rs_machine, rs_start), slack, stats)

    def extract(cb: cp_model.CpSolverSolutionCallback) -> Any:
        return sit.solution(*_values(sit, out, cb.value))

    start_machine, start_start, start_obj = rs_machine, rs_start, rs_obj
    stats["start"] = "right-shift"
    if goal.stability > 0 and MAKESPAN_PHASE_SHARE > 0 and plan.left() is not None:
        # the makespan phase: free of the stability term, the search moves whole blocks of
        # operations at once; its schedule starts the first phase if better in the objective
        _hint(sit, out, rs_machine, rs_start)
        cm.minimize(out.primary)
        limit = max(0.01, plan.share(MAKESPAN_PHASE_SHARE) or 0.0)
        pre = run_cpsat(cm, ctx, reserve=plan.reserve, max_time_in_seconds=limit)
        if pre.has_solution:
            machine, start = _values(sit, out, pre.solver.value)
            obj = _model_objective(sit, goal, machine, start)
            stats["makespan_phase"] = int(pre.solver.objective_value)
            if obj < start_obj:
                start_machine, start_start, start_obj = machine, start, obj
                stats["start"] = "makespan phase"
        if plan.exhausted():
            return Result(Status.FEASIBLE, None, None, sit.solution(start_machine, start_start), stats=stats)
    cm.add(out.objective <= start_obj)
    cm.minimize(out.objective)
    _hint(sit, out, start_machine, start_start)

    params: dict[str, Any] = {}
    if plan.left() is not None:  # measured after building: the build's time is spent
        params["max_time_in_seconds"] = max(0.01, plan.share(FIRST_PHASE_SHARE if polish else 1.0))
    first = run_cpsat(cm, ctx, on_solution=extract, reserve=plan.reserve, **params)
    stats.update(branches=first.solver.num_branches, conflicts=first.solver.num_conflicts)
    if not first.has_solution:
        stats["fallback"] = f"{stats['start']} (CP-SAT found no schedule in time)"
        return Result(Status.FEASIBLE, None, None, sit.solution(start_machine, start_start), stats=stats)
    machine, start = _values(sit, out, first.solver.value)
    status = first.status if exact else Status.FEASIBLE  # optimal for a rounded weight only
    bound = first.bound / scale if exact and first.bound is not None else None
    best = _model_objective(sit, goal, machine, start)
    if polish and not plan.exhausted():
        cm.add(out.objective <= best)
        cm.minimize(out.measure)
        _hint(sit, out, machine, start)
        extra: dict[str, Any] = {}
        if ctx.time_limit is None:  # no limit: polish at most as long as the first phase took
            extra["max_time_in_seconds"] = max(1.0, first.solver.wall_time)
        second = run_cpsat(cm, ctx, on_solution=extract, reserve=plan.reserve, **extra)
        stats["polish"] = str(second.status)
        if second.has_solution:
            machine, start = _values(sit, out, second.solver.value)
    return Result(status, None, bound, sit.solution(machine, start), stats=stats)


def _within_slack(
    sit: Situation,
    ctx: SolveContext,
    out: _Model,
    plan: Any,
    rs: tuple[np.ndarray, np.ndarray],
    slack: float,
    stats: dict[str, Any],
) -> Result:
    """Option ``slack``: makespan (+ tardiness) alone first, from right-shift, for
    :data:`SLACK_PHASE_SHARE` of the time; then the stability measure alone among the schedules
    whose makespan (+ tardiness) is at most ``(1 + slack)`` x the best found, from that best
    schedule, for the rest (without a time limit: each phase to its end, the second at most as
    long as the first took, at least 1 s)."""
    cm = out.model
    machine, start = rs
    best = _primary(sit, machine, start)
    _hint(sit, out, machine, start)
    cm.minimize(out.primary)
    params: dict[str, Any] = {}
    if plan.left() is not None:
        params["max_time_in_seconds"] = max(0.01, plan.share(SLACK_PHASE_SHARE) or 0.0)
    first = run_cpsat(cm, ctx, reserve=plan.reserve, **params)
    if first.has_solution:
        m1, s1 = _values(sit, out, first.solver.value)
        if _primary(sit, m1, s1) < best:
            machine, start, best = m1, s1, _primary(sit, m1, s1)
    cap = int(math.floor((1.0 + slack) * best + 1e-9))
    stats.update(start="right-shift", slack=slack, best_makespan_phase=best, cap=cap)
    if plan.exhausted():
        return Result(Status.FEASIBLE, None, None, sit.solution(machine, start), stats=stats)
    cm.add(out.primary <= cap)
    cm.minimize(out.measure)
    _hint(sit, out, machine, start)
    extra: dict[str, Any] = {}
    if ctx.time_limit is None:
        extra["max_time_in_seconds"] = max(1.0, first.solver.wall_time)
    second = run_cpsat(cm, ctx, reserve=plan.reserve, **extra)
    stats["fewest_moves_phase"] = str(second.status)
    if second.has_solution:
        machine, start = _values(sit, out, second.solver.value)
    return Result(Status.FEASIBLE, None, None, sit.solution(machine, start), stats=stats)


def solve(sit: Situation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``cpsat``: repair with the stability term, then polish (option ``polish``); with
    option ``slack`` (a share, e.g. 0.02): the fewest moves (the stability measure) within that
    share of the best makespan found instead."""
    slack = ctx.float_option("slack", 0.0, 0.0, 1.0) if "slack" in ctx.options else None
    return run(sit, ctx, goal, polish=ctx.bool_option("polish", True), slack=slack)


def solve_full(sit: Situation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``resolve``: the remaining problem re-solved for makespan (+ tardiness) alone."""
    result = run(sit, ctx, Goal(0.0, goal.measure), polish=False)
    if goal.stability > 0 and result.status is Status.OPTIMAL:
        result.status = Status.FEASIBLE  # optimal without the stability term only
    return result
