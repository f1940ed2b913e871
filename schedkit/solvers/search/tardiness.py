"""Iterated local search for single-machine total (weighted) tardiness (method ``ls``).

Local search: insertion moves (take the job at position ``i``, put it at position ``j``). For
one job all its insertion positions are evaluated in a single O(n) scan: moving it forwards
past positions ``i+1..j`` makes each of those jobs finish ``p_x`` earlier, so the change of
their cost is accumulated while ``j`` advances; backwards likewise. One pass over all jobs
costs O(n^2); the best position of each job is applied as soon as it improves (adjacent
swaps are the special case ``|i - j| = 1``).

Iteration: from a local optimum, a kick moves ``perturb`` random jobs to random positions, the
local search runs again and the new sequence is kept if it is no worse than the current one;
after many kicks without progress the search restarts from the best sequence. It starts from
the best priority rule (or ``ctx.hint``), stops at the time limit, at ``ctx.stop``, or,
without a time limit, after ``200 + 2n`` kicks without improving the best sequence.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numba import njit

from schedkit.context import SolveContext
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules.tardiness import best_rule


@njit(cache=True)
def _cost(seq: np.ndarray, p: np.ndarray, d: np.ndarray, w: np.ndarray) -> int:
    t = 0
    total = 0
    for k in range(len(seq)):
        j = seq[k]
        t += p[j]
        if t > d[j]:
            total += w[j] * (t - d[j])
    return total


@njit(cache=True)
def _completions(seq: np.ndarray, p: np.ndarray, c: np.ndarray) -> None:
    t = 0
    for k in range(len(seq)):
        t += p[seq[k]]
        c[k] = t


@njit(cache=True)
def _move(seq: np.ndarray, i: int, j: int) -> None:
    """Move the job at position i to position j, shifting the jobs in between."""
    x = seq[i]
    if j > i:
        for k in range(i, j):
            seq[k] = seq[k + 1]
    else:
        for k in range(i, j, -1):
            seq[k] = seq[k - 1]
    seq[j] = x


@njit(cache=True)
def descend(seq: np.ndarray, p: np.ndarray, d: np.ndarray, w: np.ndarray) -> int:
    """Insertion local search in place until no move improves; returns the objective."""
    return descend_passes(seq, p, d, w, -1)[0]


@njit(cache=True)
def descend_passes(seq: np.ndarray, p: np.ndarray, d: np.ndarray, w: np.ndarray, max_passes: int) -> tuple:
    """At most ``max_passes`` insertion passes in place (-1: until no move improves).

    Returns ``(objective, converged)``; a pass over n jobs costs O(n^2) (see
    :func:`descend_until` for a descent that watches the clock).
    """
    passes = 0
    while passes != max_passes:
        passes += 1
        if not descend_span(seq, p, d, w, 0, len(seq)):
            return _cost(seq, p, d, w), True
    return _cost(seq, p, d, w), False


@njit(cache=True)
def descend_span(seq: np.ndarray, p: np.ndarray, d: np.ndarray, w: np.ndarray, i0: int, i1: int) -> bool:
    """The insertion moves of the jobs at positions ``i0 .. i1 - 1`` (part of one pass), applied
    in place; True when one improved."""
    n = len(seq)
    c = np.empty(n, dtype=np.int64)
    _completions(seq, p, c)
    improved = False
    for i in range(i0, min(i1, n)):
        x = seq[i]
        px = p[x]
        base = w[x] * max(0, c[i] - d[x])
        best = 0
        bj = -1
        acc = 0
        for j in range(i + 1, n):
            y = seq[j]
            acc += w[y] * (max(0, c[j] - px - d[y]) - max(0, c[j] - d[y]))
            delta = acc + w[x] * max(0, c[j] - d[x]) - base
            if delta < best:
                best = delta
                bj = j
        acc = 0
        for j in range(i - 1, -1, -1):
            y = seq[j]
            acc += w[y] * (max(0, c[j] + px - d[y]) - max(0, c[j] - d[y]))
            start = c[j - 1] if j > 0 else 0
            delta = acc + w[x] * max(0, start + px - d[x]) - base
            if delta < best:
                best = delta
                bj = j
        if bj >= 0:
            _move(seq, i, bj)
            _completions(seq, p, c)
            improved = True
    return improved


#: insertion evaluations per compiled call of :func:`descend_span` (~0.1 s), so that a descent
#: at n = 5000 (30 s to its local optimum) checks the clock every ~400 positions
SPAN_EVALUATIONS = 2_000_000


def descend_until(
    seq: np.ndarray, p: np.ndarray, d: np.ndarray, w: np.ndarray, expired: Callable[[], bool]
) -> bool:
    """Insertion passes in place until a local optimum (True) or until ``expired()`` (False),
    which is polled every :data:`SPAN_EVALUATIONS` move evaluations."""
    n = len(seq)
    span = max(1, SPAN_EVALUATIONS // max(1, n))
    while True:
        improved = False
        for i0 in range(0, n, span):
            if expired():
                return False
            improved |= descend_span(seq, p, d, w, i0, i0 + span)
        if not improved:
            return True


def improved_start(problem: Tardiness, ctx: SolveContext, share: float) -> tuple[str, np.ndarray]:
    """The best rule's sequence (``ctx.hint`` when better), improved by insertion passes until a
    local optimum, a stop, or ``share`` of the remaining time: ``(rule, sequence)``."""
    remaining = ctx.remaining()
    budget = None if remaining is None else share * remaining
    rule, seq, _ = best_rule(problem, None if budget is None else 0.25 * budget)
    seq = np.ascontiguousarray(seq, dtype=np.int64)
    if ctx.hint is not None and not problem.violations(ctx.hint):
        hint = np.ascontiguousarray(ctx.hint.sequence, dtype=np.int64)
        if problem.tardiness_of(hint) < problem.tardiness_of(seq):
            rule, seq = "hint", hint.copy()
    until = None if budget is None else time.perf_counter() + budget

    def expired() -> bool:
        return ctx.expired() or (until is not None and time.perf_counter() >= until)

    descend_until(seq, problem.p, problem.d, problem.w, expired)
    return rule, seq


@njit(cache=True)
def iterated_descent(
    cur: np.ndarray,
    best: np.ndarray,
    p: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    kicks: int,
    perturb: int,
    idle: int,
    seed: int,
) -> tuple[int, int]:
    """Run ``kicks`` kicks; ``cur``/``best`` are updated in place. Returns (best cost, idle)."""
    np.random.seed(seed)
    n = len(cur)
    cur_cost = _cost(cur, p, d, w)
    best_cost = _cost(best, p, d, w)
    trial = cur.copy()
    for _ in range(kicks):
        if best_cost == 0:
            break
        if idle > 0 and idle % (50 + n) == 0:
            cur[:] = best
            cur_cost = best_cost
        trial[:] = cur
        for _k in range(perturb):
            i = np.random.randint(n)
            j = np.random.randint(n)
            if i != j:
                _move(trial, i, j)
        val = descend(trial, p, d, w)
        if val <= cur_cost:
            cur[:] = trial
            cur_cost = val
        if val < best_cost:
            best[:] = trial
            best_cost = val
            idle = 0
        else:
            idle += 1
    return best_cost, idle


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Method ``ls``: iterated insertion local search from the best rule (or the hint)."""
    perturb = ctx.int_option("perturb", 4, minimum=1)
    n = problem.num_jobs
    p, d, w = problem.p, problem.d, problem.w
    rule, cur = improved_start(problem, ctx, share=1.0)  # the first descent: 30 s at n = 5000
    cost = problem.tardiness_of(cur)
    best = cur.copy()
    ctx.incumbent = TardinessSolution(best.copy())
    if n < 2:
        return Result(Status.FEASIBLE, None, None, TardinessSolution(best), stats={"start": rule})
    max_idle = 200 + 2 * n
    idle = 0
    rounds = 0
    chunk_cap = max(1, min(50, 20000 // n))
    chunk = 1  # kicks per compiled call: doubled while a call takes under 20 ms, halved over 100 ms
    kicks = 0
    while cost > 0 and not ctx.expired():
        if ctx.time_limit is None and idle >= max_idle:
            break
        began = time.perf_counter()
        kick_seed = ctx.seed * 7919 + rounds
        cost, idle = iterated_descent(cur, best, p, d, w, chunk, min(perturb, n), idle, kick_seed)
        took = time.perf_counter() - began
        rounds += 1
        kicks += chunk
        ctx.incumbent = TardinessSolution(best.copy())
        if took < 0.02:
            chunk = min(chunk_cap, 2 * chunk)
        elif took > 0.1:
            chunk = max(1, chunk // 2)
    stats = {"start": rule, "kicks": kicks}
    return Result(Status.FEASIBLE, None, None, TardinessSolution(best), stats=stats)


def warm_up() -> None:
    """Compile the kernels (or load them from numba's cache) on a 3-job instance, so that the
    first solve of a process does not spend its time limit compiling (see :mod:`schedkit.warmup`)."""
    p = np.array([3, 2, 1], dtype=np.int64)
    d = np.array([1, 2, 3], dtype=np.int64)
    w = np.ones(3, dtype=np.int64)
    for a in (p, d, w):
        a.setflags(write=False)  # as a problem's arrays: numba compiles read-only arrays apart
    seq = np.arange(3, dtype=np.int64)
    descend_passes(seq, p, d, w, 1)
    descend(seq, p, d, w)
    descend_span(seq, p, d, w, 0, 3)
    iterated_descent(seq, seq.copy(), p, d, w, 1, 2, 0, 0)
