"""The hindsight solve: the instance re-solved knowing from time 0 every event that took effect.

What it knows: every breakdown as a fixed unavailability of its machine (operations avoid it
entirely, no operation is cut); every arrival with its job released at its arrival time; the
durations operations ended up having (duration changes as they took effect, a running
operation's with the duration it ended with; a change that came after its operation finished
did not take effect and is not known); cancelled jobs dropped entirely (known in advance, they
never start). It does not know rush due dates: it minimises the makespan alone.

With ``interrupted="restart"`` the executed schedule, less the cancelled jobs' operations,
is a schedule of this problem (it has no operation in downtime and nothing before its
arrival), so the hindsight optimum is a lower bound on every policy's final makespan; the
solve starts from the executed schedule and returns one at least as good. Its proven lower
bound (``bound``) is then a lower bound on any policy's executed makespan on that stream.
With ``"resume"`` an operation may run across a downtime in the execution but not here: the
hindsight makespan is then no bound (``valid_bound`` is False).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import SolverBugError
from schedkit.rescheduling import check
from schedkit.rescheduling.cpsat import build
from schedkit.rescheduling.events import Rush
from schedkit.rescheduling.objective import Goal, evaluate
from schedkit.rescheduling.rightshift import repair
from schedkit.rescheduling.situation import Situation
from schedkit.rescheduling.stream import Revealed
from schedkit.result import Status
from schedkit.solvers.cpsat.runner import run_cpsat

#: one executed operation: (job, op, machine, start, end)
Run = tuple[int, int, int, int, int]


@dataclass
class Hindsight:
    """The hindsight schedule's makespan, CP-SAT's proven bound on it, and how it was found."""

    makespan: int
    bound: int
    status: str
    runtime: float
    valid_bound: bool
    situation: Any = None
    solution: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "makespan": self.makespan,
            "bound": self.bound,
            "status": self.status,
            "runtime": round(self.runtime, 3),
            "valid_bound": self.valid_bound,
        }


def situation(problem: Any, initial: Any, applied: Sequence[Revealed]) -> Situation:
    """The clairvoyant problem as a Situation at time 0 (nothing frozen; see the module doc)."""
    events = [r.event for r in applied if not isinstance(r.event, Rush)]
    return Situation(problem, initial, events, at=0, source="<hindsight>")


def _as_solution(sit: Situation, executed: Sequence[Run]) -> Any:
    """The executed schedule as a solution of ``sit.effective`` (None if an operation is missing)."""
    where = {(j, k): (m, s) for j, k, m, s, _ in executed}
    n = sit.effective.num_operations
    machine, start = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    for o, key in enumerate(sit.origin):
        if key not in where:
            return None
        machine[o], start[o] = where[key]
    try:
        return sit.solution(machine, start)
    except ValueError:  # a machine not eligible there: not a schedule of this problem
        return None


def solve(
    problem: Any,
    initial: Any,
    applied: Sequence[Revealed],
    executed: Sequence[Run],
    interrupted: str = "restart",
    time_limit: float | None = 10.0,
    workers: int = 1,
    seed: int = 0,
) -> Hindsight:
    """The hindsight solve (see the module doc), within ``time_limit`` seconds."""
    started = time.perf_counter()
    sit = situation(problem, initial, applied)
    goal = Goal()
    start_from = _as_solution(sit, executed)
    if start_from is not None and (check.violations(sit, start_from) or sit.effective.violations(start_from)):
        start_from = None
    if start_from is None:
        machine, start = repair(sit)
        start_from = sit.solution(machine, start)
    best = start_from
    best_span = evaluate(sit, best, goal).makespan
    ctx = SolveContext("hindsight", time_limit, workers, seed, stop=threading.Event(), started=started)
    out = build(sit, goal, horizon=best_span)
    cm = out.model
    cm.minimize(out.objective)
    eff = sit.effective
    hint_start, hint_machine = start_from.starts(eff), start_from.machines(eff)
    for o, var in out.start.items():
        cm.add_hint(var, int(hint_start[o]))
        for m, lit in out.lits[o]:
            if lit is not None:
                cm.add_hint(lit, m == int(hint_machine[o]))
    outcome = run_cpsat(cm, ctx)
    status = Status.FEASIBLE
    if outcome.has_solution:
        machine, start = sit.fixed_machine.copy(), sit.fixed_start.copy()
        for o, var in out.start.items():
            start[o] = outcome.solver.value(var)
            machine[o] = next(m for m, lit in out.lits[o] if lit is None or outcome.solver.value(lit))
        found = sit.solution(machine, start)
        bad = check.violations(sit, found) + eff.violations(found)
        if bad:
            raise SolverBugError(f"hindsight schedule is invalid: {bad[0]}")
        span = evaluate(sit, found, goal).makespan
        if span <= best_span:
            best, best_span = found, span
        status = outcome.status
    bound = max(sit.makespan_bound(), int(outcome.bound) if outcome.bound is not None else 0)
    bound = min(bound, best_span)
    if bound == best_span:
        status = Status.OPTIMAL
    return Hindsight(
        best_span,
        bound,
        str(status),
        time.perf_counter() - started,
        interrupted == "restart",
        sit,
        best,
    )
