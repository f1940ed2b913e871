"""``sk.reschedule``: the method table, argument checks, and the re-check of every answer.

A simulator calls :func:`reschedule` once per event (or batch of events): with the effective
problem and schedule of the previous call (``result.problem``, ``result.solution``) and the
new events at the new time.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from schedkit.api import default_workers, validate_limits
from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError, SolverBugError, UnknownMethodError
from schedkit.problems.base import Problem
from schedkit.result import Result, Status

_TOL = 1e-9


@dataclass(frozen=True)
class Method:
    target: str  # "module:function" taking (situation, ctx, goal) -> Result
    summary: str
    options: tuple[str, ...] = ()


_COMMON = ("stability_measure",)
METHODS: dict[str, Method] = {
    "right-shift": Method(
        "schedkit.rescheduling.rightshift:solve",
        "keep every machine's old sequence, push operations right as little as needed (baseline)",
        _COMMON,
    ),
    "rules": Method(
        "schedkit.rescheduling.rules:solve",
        "re-dispatch the unstarted operations from 'at' with a dispatching rule (option rule)",
        (*_COMMON, "rule"),
    ),
    "cpsat": Method(
        "schedkit.rescheduling.cpsat:solve",
        "CP-SAT repair with the stability term, warm-started from right-shift, never worse than it "
        "(option polish: then minimise the stability measure at equal objective, default true; "
        "option slack=S: makespan first, then the fewest moves within (1 + S) x the best makespan)",
        (*_COMMON, "polish", "slack"),
    ),
    "ls": Method(
        "schedkit.rescheduling.localsearch:solve",
        "tabu search over the unstarted operations' machine sequences (and machines) from "
        "right-shift, critical-chain moves, never worse than it (options iterations, sample, stall)",
        (*_COMMON, "iterations", "sample", "stall"),
    ),
    "resolve": Method(
        "schedkit.rescheduling.cpsat:solve_full",
        "full CP-SAT re-solve of the remaining operations ignoring stability (the reference)",
        _COMMON,
    ),
}
DEFAULT_METHOD = "cpsat"
#: the methods for RCPSP (kind ``rcpsp``): :mod:`~schedkit.rescheduling.rcpsp_methods` (right-shift),
#: :mod:`~schedkit.rescheduling.rcpsp_cpsat` (cpsat, resolve)
RCPSP_METHODS: dict[str, Method] = {
    "right-shift": Method(
        "schedkit.rescheduling.rcpsp_methods:solve",
        "keep the old order, push activities right as little as the resources allow (baseline)",
        _COMMON,
    ),
    "cpsat": Method(
        "schedkit.rescheduling.rcpsp_cpsat:solve_cpsat",
        "CP-SAT project model with the stability term, warm-started from right-shift, never worse "
        "than it (option polish: then minimise the stability measure at equal objective, default true)",
        (*_COMMON, "polish"),
    ),
    "resolve": Method(
        "schedkit.rescheduling.rcpsp_cpsat:solve_full",
        "full CP-SAT re-solve of the remaining activities ignoring stability (the reference)",
        _COMMON,
    ),
}


@dataclass
class RescheduleResult(Result):
    """A :class:`~schedkit.result.Result` that also carries the effective ``problem`` (the one
    ``solution`` solves: arrivals added, frozen spans, cancelled operations dropped) and the
    :class:`~schedkit.rescheduling.situation.Situation`."""

    problem: Any = None
    situation: Any = None


def method_info(name: Any, kind: str = "jssp") -> tuple[str, Method]:
    """The registered spelling and entry of method ``name`` for problems of ``kind``;
    UnknownMethodError listing the known."""
    table = RCPSP_METHODS if kind == "rcpsp" else METHODS
    key = name.lower() if isinstance(name, str) else name
    if key not in table:
        what = "RCPSP reschedule" if kind == "rcpsp" else "reschedule"
        raise UnknownMethodError(f"unknown {what} method {name!r} (methods: {', '.join(table)})")
    return key, table[key]


def reschedule(
    problem: Problem,
    solution: Any,
    events: Any,
    at: int,
    method: str = DEFAULT_METHOD,
    stability: float = 0.0,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    interrupted: str = "restart",
    *,
    verbose: bool = False,
    stop: threading.Event | None = None,
    **options: Any,
) -> RescheduleResult:
    """Repair ``solution`` (a schedule of ``problem`` being executed) after ``events`` at time ``at``.

    Parameters
    ----------
    problem, solution
        A job-shop, flexible job-shop or RCPSP problem and a feasible schedule of it (or a Result);
        or the project an RCPSP reschedule returned (``result.problem``) and its schedule.
    events
        Events (:mod:`schedkit.rescheduling.events`; RCPSP:
        :mod:`schedkit.rescheduling.rcpsp_events`): a list of JSON records (dicts) and/or event
        objects, or the path of an events JSON file.
    at
        The current time: operations that started before it stay as they ran, nothing else
        starts before it.
    method
        ``right-shift``, ``rules``, ``cpsat`` (default), ``ls`` or ``resolve`` (RCPSP:
        ``right-shift``, ``cpsat`` or ``resolve``).
    stability
        Weight ``w >= 0`` of the stability measure (option ``stability_measure``: ``"shift"``,
        the default, or ``"moved"``) in the objective makespan (+ weighted tardiness) + w x measure.
    time_limit, workers, seed
        As for :func:`schedkit.solve`; the limit covers the whole call.
    interrupted
        What happens to an operation a breakdown cuts: ``"restart"`` (default; it runs again in
        full) or ``"resume"`` (it continues after the downtime).
    **options
        ``stability_measure``; ``rule`` (method ``rules``); ``polish`` (method ``cpsat``);
        ``iterations``, ``sample``, ``stall`` (method ``ls``).

    The result's ``solution`` solves ``result.problem`` (the effective problem) and has passed
    both the reschedule checker and the problem's own; ``stats`` holds ``makespan``,
    ``tardiness``, ``moved``, ``shift`` and the situation's counts.
    """
    from schedkit.registry import load_target
    from schedkit.rescheduling.events import read_events
    from schedkit.rescheduling.objective import DEFAULT_MEASURE, Goal
    from schedkit.rescheduling.rcpsp_events import read_events as read_rcpsp_events
    from schedkit.rescheduling.rcpsp_situation import RcpspSituation
    from schedkit.rescheduling.situation import Situation

    # a project: the result of an earlier RCPSP reschedule (rcpsp_project.py reads it back)
    rcpsp = getattr(problem, "kind", None) in ("rcpsp", "project")
    name, info = method_info(method, "rcpsp" if rcpsp else "jssp")
    started = time.perf_counter()  # the method's imports count in the limit, as in sk.solve
    method_fn = load_target(info.target)
    workers = default_workers() if workers is None else workers
    validate_limits(time_limit, workers, seed)
    for key in options:
        if key not in info.options:
            raise InvalidParameterError(
                f"reschedule method {name} has no option {key!r} (options: {', '.join(info.options)})"
            )
    goal = Goal(stability, options.get("stability_measure", DEFAULT_MEASURE))
    if isinstance(solution, Result):
        solution = solution.solution
    source = "<events>"
    if isinstance(events, str | os.PathLike):
        source = os.fspath(events)
        events = read_rcpsp_events(events) if rcpsp else read_events(events)
    if rcpsp:
        situation: Any = RcpspSituation(problem, solution, events, at, interrupted, source)
    else:
        situation = Situation(problem, solution, events, at, interrupted, source)
    ctx = SolveContext(
        method=name,
        time_limit=None if time_limit is None else float(time_limit),
        workers=workers,
        seed=seed,
        options=options,
        verbose=verbose,
        stop=stop or threading.Event(),
        started=started,
    )
    result = method_fn(situation, ctx, goal)
    return _finalise(situation, result, ctx, goal)


def _finalise(situation: Any, result: Result, ctx: SolveContext, goal: Any) -> RescheduleResult:
    """Re-check the schedule with both checkers, compute the objective, make status and bound agree."""
    if situation.effective.kind == "project":  # an RCPSP situation
        from schedkit.rescheduling.rcpsp_check import violations
        from schedkit.rescheduling.rcpsp_objective import evaluate
    else:
        from schedkit.rescheduling.check import violations
        from schedkit.rescheduling.objective import evaluate

    sol = result.solution
    if sol is None:
        raise SolverBugError(f"reschedule method {ctx.method} returned no schedule")
    bad = violations(situation, sol) + situation.effective.violations(sol)
    if bad:
        more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SolverBugError(f"reschedule method {ctx.method} returned an invalid schedule: {bad[0]}{more}")
    scores = evaluate(situation, sol, goal)
    obj = scores.objective
    lb = situation.makespan_bound()
    if result.lower_bound is not None:
        lb = max(lb, result.lower_bound)
    tol = _TOL * max(1, abs(obj))
    if lb > obj + tol:
        raise SolverBugError(f"reschedule method {ctx.method} claims lower bound {lb} above objective {obj}")
    status = result.status
    if status in (Status.UNKNOWN, Status.INFEASIBLE):
        status = Status.FEASIBLE
    if obj - lb <= tol:
        status = Status.OPTIMAL
    if status is Status.OPTIMAL:
        lb = obj
    stats = {**scores.as_stats(), **situation.summary(), **result.stats}
    return RescheduleResult(
        status,
        obj,
        lb,
        sol,
        runtime=ctx.elapsed(),
        method=ctx.method,
        problem_kind=situation.effective.kind,
        stats=stats,
        problem=situation.effective,
        situation=situation,
    )
