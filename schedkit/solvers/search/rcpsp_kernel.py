"""Compiled loops of the RCPSP activity-list GA: decoding with forward-backward improvement, the
precedence-preserving crossover and shift mutation, and the breeding of a batch of children. The
schedule-generation kernels themselves live in :mod:`schedkit.solvers.rules.rcpsp_kernel`.

An activity list is a permutation of ``0 .. n-1`` in which every activity comes after all its
predecessors. Every kernel takes a zeroed ``usage`` workspace of shape ``(horizon + 1, K)``
(``horizon`` = the sum of the durations) and leaves it zeroed.
"""

from __future__ import annotations

import numba
import numpy as np

from schedkit.solvers.rules.rcpsp_kernel import decode, encode, justify, makespan, priority_list
from schedkit.solvers.rules.rcpsp_kernel import warm_up as sgs_warm_up

__all__ = [
    "breed",
    "crossover",
    "decode",
    "encode",
    "evaluate",
    "justify",
    "makespan",
    "priority_list",
    "shift",
]


@numba.njit(cache=True, nogil=True)
def evaluate(
    alist: np.ndarray,
    dur: np.ndarray,
    dem: np.ndarray,
    cap: np.ndarray,
    pred_ptr: np.ndarray,
    pred_idx: np.ndarray,
    succ_ptr: np.ndarray,
    succ_idx: np.ndarray,
    rank: np.ndarray,
    usage: np.ndarray,
    max_passes: int,
) -> tuple[np.ndarray, int]:
    """Decode ``alist``, improve it by FBI and re-encode ``alist`` in place from the result.
    Returns the schedule and the number of SGS passes (decoding included)."""
    start = decode(alist, dur, dem, cap, pred_ptr, pred_idx, usage)
    best, passes = justify(
        start, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, rank, usage, max_passes
    )
    encode(best, rank, alist)
    return best, passes + 1


@numba.njit(cache=True, nogil=True)
def crossover(mother: np.ndarray, father: np.ndarray, q1: int, q2: int, child: np.ndarray) -> None:
    """Two-point crossover (Hartmann): positions ``< q1`` from the mother, ``q1 .. q2-1`` the
    father's first activities not yet taken, the rest in the mother's order. Precedence-feasible
    parents give a precedence-feasible child."""
    n = mother.shape[0]
    used = np.zeros(n, dtype=np.bool_)
    k = 0
    for i in range(q1):
        child[k] = mother[i]
        used[mother[i]] = True
        k += 1
    for i in range(n):
        if k >= q2:
            break
        a = father[i]
        if not used[a]:
            child[k] = a
            used[a] = True
            k += 1
    for i in range(n):
        a = mother[i]
        if not used[a]:
            child[k] = a
            used[a] = True
            k += 1


@numba.njit(cache=True, nogil=True)
def shift(
    alist: np.ndarray,
    at: int,
    u: float,
    pred_ptr: np.ndarray,
    pred_idx: np.ndarray,
    succ_ptr: np.ndarray,
    succ_idx: np.ndarray,
) -> None:
    """Shift mutation: move the activity at position ``at`` to a position drawn by ``u`` in
    ``[0, 1)`` between its last predecessor and its first successor."""
    n = alist.shape[0]
    pos = np.empty(n, dtype=np.int64)
    for q in range(n):
        pos[alist[q]] = q
    a = alist[at]
    lo = 0
    for p in range(pred_ptr[a], pred_ptr[a + 1]):
        if pos[pred_idx[p]] + 1 > lo:
            lo = pos[pred_idx[p]] + 1
    hi = n - 1
    for p in range(succ_ptr[a], succ_ptr[a + 1]):
        if pos[succ_idx[p]] - 1 < hi:
            hi = pos[succ_idx[p]] - 1
    new = lo + int(u * (hi - lo + 1))
    if new > hi:
        new = hi
    if new > at:
        for q in range(at, new):
            alist[q] = alist[q + 1]
    else:
        for q in range(at, new, -1):
            alist[q] = alist[q - 1]
    alist[new] = a


@numba.njit(cache=True, nogil=True)
def breed(
    parents: np.ndarray,
    cdf: np.ndarray,
    count: int,
    rate: float,
    seed: int,
    lb: int,
    dur: np.ndarray,
    dem: np.ndarray,
    cap: np.ndarray,
    pred_ptr: np.ndarray,
    pred_idx: np.ndarray,
    succ_ptr: np.ndarray,
    succ_idx: np.ndarray,
    rank: np.ndarray,
    usage: np.ndarray,
    max_passes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """One batch of ``count`` children of the ``parents`` rows (drawn by the cumulative weights
    ``cdf``): crossover, shift mutation at ``rate`` per position, decoding and FBI. Stops early at
    a child of makespan ``<= lb``. Returns (lists, starts, makespans, children made, SGS passes);
    one ``seed`` gives one batch."""
    np.random.seed(seed)
    m, n = parents.shape
    lists = np.empty((count, n), dtype=np.int64)
    starts = np.empty((count, n), dtype=np.int64)
    spans = np.empty(count, dtype=np.int64)
    passes = 0
    made = 0
    for c in range(count):
        mi = min(np.searchsorted(cdf, np.random.random()), m - 1)
        fi = min(np.searchsorted(cdf, np.random.random()), m - 1)
        q1 = np.random.randint(0, n + 1)
        q2 = np.random.randint(0, n + 1)
        if q1 > q2:
            q1, q2 = q2, q1
        child = lists[c]
        crossover(parents[mi], parents[fi], q1, q2, child)
        for _ in range(np.random.binomial(n, rate)):
            shift(child, np.random.randint(0, n), np.random.random(), pred_ptr, pred_idx, succ_ptr, succ_idx)
        start, p = evaluate(
            child, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, rank, usage, max_passes
        )
        starts[c] = start
        spans[c] = makespan(start, dur)
        passes += p
        made = c + 1
        if spans[c] <= lb:
            break
    return lists, starts, spans, made, passes


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel with the argument types real calls use."""
    sgs_warm_up()
    dur = np.array([0, 2, 3, 1, 0], dtype=np.int64)
    dem = np.array([[0], [2], [1], [2], [0]], dtype=np.int64)
    cap = np.array([3], dtype=np.int64)
    succ_ptr = np.array([0, 2, 3, 4, 5, 5], dtype=np.int64)
    succ_idx = np.array([1, 2, 3, 3, 4], dtype=np.int64)
    pred_ptr = np.array([0, 0, 1, 2, 4, 5], dtype=np.int64)
    pred_idx = np.array([0, 0, 1, 2, 3], dtype=np.int64)
    rank = np.arange(5, dtype=np.int64)
    usage = np.zeros((int(dur.sum()) + 1, 1), dtype=np.int64)
    alist = priority_list(np.arange(5, dtype=np.float64), pred_ptr, succ_ptr, succ_idx)
    child = np.empty(5, dtype=np.int64)
    crossover(alist, alist[::-1].copy(), 1, 3, child)
    shift(alist, 2, 0.5, pred_ptr, pred_idx, succ_ptr, succ_idx)
    decode(alist, dur, dem, cap, pred_ptr, pred_idx, usage)
    evaluate(alist, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, rank, usage, 10)
    parents = np.stack([alist, alist])
    breed(
        parents,
        np.array([0.5, 1.0]),
        2,
        0.1,
        0,
        0,
        dur,
        dem,
        cap,
        pred_ptr,
        pred_idx,
        succ_ptr,
        succ_idx,
        rank,
        usage,
        10,
    )
