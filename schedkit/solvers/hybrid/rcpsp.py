"""Method ``auto`` for the RCPSP: activity-list GA and CP-SAT, each warm-started from the other.

1. the GA's first population: every priority rule with forward-backward improvement (and the
   hint), so the result is never worse than the best ``rule:*+fbi``;
2. a CP-SAT probe (``cp_probe`` of the time) hinted with the best of them, which settles the easy
   instances (most of j30 and j60) in a fraction of a second;
3. a short GA run (``ga_first`` of the time) for a good incumbent;
4. CP-SAT (``cp_first`` of the time; more on small projects, where it proves optimality),
   hinted with the GA's best schedule and capped by its makespan: it proves the optimum of
   most j30/j60 instances and gives the lower bound;
5. the GA for most of the remaining time, with CP-SAT's schedule injected when it is better;
6. CP-SAT again (``cp_last``), hinted with the GA's best and capped by it: it may improve it,
   prove it optimal, and raise the bound.

Up to :data:`SMALL_ACTIVITIES` activities (j30, j60), phase 4 gets most of the time and phases 5
and 6 are skipped: there CP-SAT proves optima, and a proof does not carry over between runs. On
larger projects the CP-SAT phases run interleaved search, which raises the bound more.

Every phase stops as soon as the makespan meets the best bound. The lower bound returned is the
best of max(critical path, energy bound) and what CP-SAT proved.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.rcpsp import build_model
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.search.rcpsp import ActivityListGA

#: fractions of the time limit: CP-SAT probe, first GA run, first and last CP-SAT run
CP_PROBE = 0.05
GA_FIRST = 0.10
CP_FIRST = 0.20
CP_LAST = 0.15
#: up to this many activities, CP-SAT proves most optima and gets :data:`CP_FIRST_SMALL` in one
#: run (a proof does not carry over from one CP-SAT run to the next, so no last phase)
SMALL_ACTIVITIES = 62
CP_FIRST_SMALL = 0.85
#: without a time limit: GA generations per GA phase and CP-SAT seconds per CP-SAT phase
UNLIMITED_GENERATIONS = 100
UNLIMITED_CP_SECONDS = 10.0
_RESERVE = 0.1


def _sub(ctx: SolveContext, seconds: float) -> SolveContext:
    """A context for one CP-SAT phase: ``seconds`` of the remaining time, same stop event and seed."""
    left = ctx.remaining(_RESERVE)
    if left is not None:
        seconds = min(seconds, left)
    return replace(ctx, time_limit=max(0.01, seconds), started=time.perf_counter(), options={})


class _Hybrid:
    def __init__(self, problem: Rcpsp, ctx: SolveContext) -> None:
        self.problem = problem
        self.ctx = ctx
        ga_ctx = replace(ctx, options={k: v for k, v in ctx.options.items() if k in GA_OPTIONS})
        self.ga = ActivityListGA(problem, ga_ctx)
        self.rule_ms = int(self.ga.initial_ms)
        self.bound = self.ga.lb
        self.cp_status: Status | None = None
        self.phases: dict[str, float] = {}

    @property
    def best_ms(self) -> int:
        return int(self.ga.best_ms)

    @property
    def proven(self) -> bool:
        return self.best_ms <= self.bound or self.cp_status is Status.OPTIMAL

    def run_ga(self, seconds: float | None, name: str) -> None:
        if self.proven or self.ctx.expired():
            return
        t0 = time.perf_counter()
        if seconds is None:
            self.ga.run(generations=UNLIMITED_GENERATIONS)
        else:
            left = self.ctx.remaining(_RESERVE)
            until = t0 + (seconds if left is None else min(seconds, left))
            self.ga.run(until=until)
        self.phases[name] = round(time.perf_counter() - t0, 3)

    def run_cp(self, seconds: float, name: str) -> None:
        if self.proven or seconds <= 0.05 or self.ctx.expired():
            return
        t0 = time.perf_counter()
        p, ub = self.problem, self.best_ms
        built = build_model(p, ub, self.bound, self.ga.best_start)
        # on large projects CP-SAT rarely improves the GA's schedule; what it gives is the bound,
        # and interleaved search (many subsolvers time-shared on the workers) raises it more:
        # five hard j120 at 10 s, 2 workers: 154/122/121/83/177 against 151/119/121/81/177
        extra = {} if self.problem.num_activities <= SMALL_ACTIVITIES else {"interleave_search": True}
        out = run_cpsat(built.model, _sub(self.ctx, seconds), **extra)
        self.phases[name] = round(time.perf_counter() - t0, 3)
        if out.bound is not None:
            self.bound = max(self.bound, int(out.bound))
        if out.has_solution:
            start = built.read(out.solver.value)
            if int((start + p.duration).max()) < self.best_ms and not p.violations(RcpspSolution(start)):
                self.ga.inject(start)
            if out.status is Status.OPTIMAL:
                self.cp_status = Status.OPTIMAL
                self.bound = max(self.bound, self.best_ms)


#: options of ``ga`` that ``auto`` passes on to its GA
GA_OPTIONS = ("population", "mutation", "restart")


def solve(problem: Rcpsp, ctx: SolveContext) -> Result:
    """Method ``auto``. Options: ``cp_probe``, ``ga_first``, ``cp_first``, ``cp_last`` (fractions of the time
    limit) and the GA's ``population``, ``mutation``, ``restart``."""
    if problem.num_activities == 0:
        return Result(Status.OPTIMAL, None, 0, RcpspSolution(np.zeros(0, dtype=np.int64)))
    total = ctx.time_limit
    small = problem.num_activities <= SMALL_ACTIVITIES
    f_probe = ctx.float_option("cp_probe", CP_PROBE, 0.0, 1.0)
    f_ga = ctx.float_option("ga_first", GA_FIRST, 0.0, 1.0 - f_probe)
    f_first = ctx.float_option("cp_first", CP_FIRST_SMALL if small else CP_FIRST, 0.0, 1.0 - f_probe - f_ga)
    room = max(0.0, 1.0 - f_probe - f_ga - f_first)
    f_last = ctx.float_option("cp_last", min(CP_LAST, room), 0.0, room)
    h = _Hybrid(problem, ctx)
    if total is None:
        h.run_cp(UNLIMITED_CP_SECONDS * CP_PROBE, "cpsat_probe")
        h.run_ga(None, "ga_first")
        h.run_cp(UNLIMITED_CP_SECONDS, "cpsat_first")
        h.run_ga(None, "ga")
        h.run_cp(UNLIMITED_CP_SECONDS, "cpsat_last")
    else:
        h.run_cp(f_probe * total, "cpsat_probe")
        h.run_ga(f_ga * total, "ga_first")
        h.run_cp(f_first * total, "cpsat_first")
        left = ctx.remaining(_RESERVE) or 0.0
        h.run_ga(max(0.0, left - f_last * total), "ga")
        h.run_cp(ctx.remaining(_RESERVE) or 0.0, "cpsat_last")
    status = Status.OPTIMAL if h.proven else Status.FEASIBLE
    stats = {
        "rule_makespan": h.rule_ms,
        "schedules": h.ga.schedules,
        "generations": h.ga.generations,
        **h.phases,
    }
    bound = min(h.bound, h.best_ms)
    return Result(status, None, bound, RcpspSolution(h.ga.best_start.copy()), stats=stats)
