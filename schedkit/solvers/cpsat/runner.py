"""Run a CP-SAT model under a SolveContext: time limit, workers, seed, interrupts.

The solve runs in a background thread so that the main thread keeps handling signals;
when ``ctx.stop`` is set (Ctrl-C in the CLI) the search is stopped and the incumbent
returned within a fraction of a second.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.result import Status

_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
}


@dataclass
class CpsatOutcome:
    status: Status
    solver: cp_model.CpSolver
    has_solution: bool
    bound: float | None  # best objective bound (rounded up for integer objectives)
    objective: float | None


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(
        self, ctx: SolveContext, on_solution: Callable[[cp_model.CpSolverSolutionCallback], Any] | None
    ):
        super().__init__()
        self.ctx = ctx
        self.on_solution = on_solution
        self.last: float | None = None  # perf_counter() of the latest solution

    def on_solution_callback(self) -> None:
        self.last = time.perf_counter()
        if self.on_solution is not None:
            self.ctx.incumbent = self.on_solution(self)
        if self.ctx.stop.is_set():
            self.stop_search()


def run_cpsat(
    model: cp_model.CpModel,
    ctx: SolveContext,
    *,
    on_solution: Callable[[cp_model.CpSolverSolutionCallback], Any] | None = None,
    reserve: float = 0.05,
    integer_objective: bool = True,
    hard_deadline: float | None = None,
    stall: float | None = None,
    **parameters: Any,
) -> CpsatOutcome:
    """Solve ``model`` within what is left of ``ctx``'s time limit.

    ``on_solution(cb)`` is called at each improving solution and should return a
    problem-level solution (stored in ``ctx.incumbent`` for interrupted runs). ``reserve``
    seconds are kept back for extracting and checking the solution. The search is stopped
    once ``time.perf_counter()`` passes ``hard_deadline`` (CP-SAT's own limit can be overrun by
    presolve on large models). With ``stall``, the search also stops once ``stall`` seconds
    passed since the latest solution (only after a first one); the status is then FEASIBLE.
    Extra keyword arguments are set on ``solver.parameters``.
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    remaining = ctx.remaining(reserve)
    if remaining is not None:
        p.max_time_in_seconds = max(0.001, remaining)
    p.num_workers = ctx.workers
    p.random_seed = ctx.seed
    p.log_search_progress = ctx.verbose
    p.catch_sigint_signal = False  # signals are ours: ctx.stop ends the search
    for key, value in parameters.items():
        if isinstance(value, (list, tuple)):  # a repeated field
            getattr(p, key).extend(value)
        else:
            setattr(p, key, value)
    callback = _Callback(ctx, on_solution)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["status"] = solver.solve(model, callback)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="cpsat", daemon=True)
    thread.start()
    stopped = False
    while thread.is_alive():
        thread.join(0.05)
        now = time.perf_counter()
        late = hard_deadline is not None and now > hard_deadline
        if stall is not None and callback.last is not None and now - callback.last > stall:
            late = True
        if (ctx.stop.is_set() or late) and not stopped:
            solver.stop_search()
            stopped = True
    if "error" in box:
        raise box["error"]
    raw = box["status"]
    status = _STATUS.get(raw, Status.UNKNOWN)
    has_solution = raw in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound: float | None = None
    objective: float | None = None
    if model.has_objective() and raw != cp_model.INFEASIBLE:
        bound = solver.best_objective_bound
        if integer_objective and math.isfinite(bound):
            bound = math.ceil(bound - 1e-6)
        if has_solution:
            objective = solver.objective_value
    return CpsatOutcome(status, solver, has_solution, bound, objective)
