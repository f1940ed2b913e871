"""Method ``exact``: optimal sequences for the unweighted problem 1||ΣT.

The search (:mod:`.core`) is a branch and bound over Lawler's decomposition and Emmons' split, with
Szwarc's elimination rules and memoised subproblems; it starts from the local-search
sequence as upper bound. At the time limit (or on ``ctx.stop``) it returns that sequence
with status FEASIBLE and the root lower bound. Weighted instances are refused with an
:class:`~schedkit.errors.InvalidParameterError` (the decomposition theory is for equal
weights); use ``mip`` or ``cpsat`` for them.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.heuristics.tardiness_rules import best_rule
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status
from schedkit.solvers.tardiness_exact.core import search
from schedkit.solvers.tardiness_ls import _iterate, descend

_RESERVE = 0.1  # seconds kept for checking and returning


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Prove the optimum of a 1||ΣT instance or return the best sequence and a bound."""
    if not problem.unit_weights:
        raise InvalidParameterError(
            "method exact solves the unweighted problem 1||ΣT only (this instance has weights); "
            "use mip or cpsat for weighted tardiness"
        )
    _, seq, _ = best_rule(problem)
    seq = np.ascontiguousarray(seq, dtype=np.int64)
    descend(seq, problem.p, problem.d, problem.w)
    if problem.tardiness_of(seq) > problem.lower_bound() and problem.num_jobs > 2:
        # a short iterated local search tightens the upper bound the search prunes with
        budget = min(0.5, 0.001 * problem.num_jobs)
        if ctx.time_limit is not None:
            budget = min(budget, 0.05 * ctx.time_limit)
        best = np.ascontiguousarray(seq.copy())
        cur = seq.copy()
        end = time.perf_counter() + budget
        rounds = 0
        while time.perf_counter() < end and not ctx.stop.is_set():
            _iterate(cur, best, problem.p, problem.d, problem.w, 20, 4, 0, ctx.seed * 7919 + rounds)
            rounds += 1
        seq = best
    ctx.incumbent = TardinessSolution(seq.copy())
    remaining = ctx.remaining(_RESERVE)
    deadline = None if remaining is None else time.perf_counter() + remaining
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * problem.num_jobs + 1000))
    try:
        best, bound, proven, stats = search(problem.p, problem.d, seq, deadline, ctx.stop)
    finally:
        sys.setrecursionlimit(limit)
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    return Result(status, None, bound, TardinessSolution(best), stats=stats)
