"""Method ``exact``: optimal sequences for the unweighted problem 1||ΣT.

The search (:mod:`.tardiness_search`) is a branch and bound over Lawler's decomposition and
Emmons' split, with Szwarc's elimination rules and memoised subproblems; it starts from the local-search
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
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status
from schedkit.solvers.exact.tardiness_search import search
from schedkit.solvers.search.tardiness import improved_start, iterated_descent

_RESERVE = 0.1  # seconds kept for checking and returning
#: above this many jobs one kick of the local search takes seconds: the start is the descent's
MAX_ILS_JOBS = 1000


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Prove the optimum of a 1||ΣT instance or return the best sequence and a bound."""
    if not problem.unit_weights:
        raise InvalidParameterError(
            "method exact solves the unweighted problem 1||ΣT only (this instance has weights); "
            "use mip or cpsat for weighted tardiness"
        )
    seq = improved_start(problem, ctx, share=0.25)[1]
    if problem.tardiness_of(seq) > problem.lower_bound() and 2 < problem.num_jobs <= MAX_ILS_JOBS:
        # a short iterated local search tightens the upper bound the search prunes with
        budget = min(0.5, 0.001 * problem.num_jobs)
        if ctx.time_limit is not None:
            budget = min(budget, 0.05 * ctx.time_limit)
        best = np.ascontiguousarray(seq.copy())
        cur = seq.copy()
        end = time.perf_counter() + budget
        rounds = 0
        while time.perf_counter() < end and not ctx.stop.is_set():
            iterated_descent(cur, best, problem.p, problem.d, problem.w, 20, 4, 0, ctx.seed * 7919 + rounds)
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
