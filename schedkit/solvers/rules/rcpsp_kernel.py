"""Compiled schedule-generation kernels of the RCPSP, shared by the rules and the GA: the serial
SGS decoding an activity list on a time-indexed resource profile, the activity list of a
priority vector, and forward-backward improvement (double justification).

An activity list is a permutation of ``0 .. n-1`` in which every activity comes after all its
predecessors. Every kernel that takes a ``usage`` workspace of shape ``(horizon + 1, K)``
(``horizon`` = the sum of the durations) expects it zeroed and leaves it zeroed.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def earliest_fit(usage: np.ndarray, dem: np.ndarray, cap: np.ndarray, j: int, t: int, d: int) -> int:
    """Earliest time ``>= t`` at which activity ``j`` fits on the profile for ``d`` periods."""
    k = cap.shape[0]
    tau = t
    while tau < t + d:
        ok = True
        for r in range(k):
            if usage[tau, r] + dem[j, r] > cap[r]:
                ok = False
                break
        if ok:
            tau += 1
        else:
            t = tau + 1
            tau = t
    return t


@numba.njit(cache=True, nogil=True)
def decode(
    alist: np.ndarray,
    dur: np.ndarray,
    dem: np.ndarray,
    cap: np.ndarray,
    pred_ptr: np.ndarray,
    pred_idx: np.ndarray,
    usage: np.ndarray,
) -> np.ndarray:
    """Serial SGS: start each activity of ``alist`` in turn at its earliest precedence- and
    resource-feasible time. ``pred_*`` may be the successor arrays (backward pass)."""
    n = alist.shape[0]
    k = cap.shape[0]
    start = np.zeros(n, dtype=np.int64)
    span = 0
    for q in range(n):
        j = alist[q]
        t = 0
        for p in range(pred_ptr[j], pred_ptr[j + 1]):
            i = pred_idx[p]
            if start[i] + dur[i] > t:
                t = start[i] + dur[i]
        d = dur[j]
        t = earliest_fit(usage, dem, cap, j, t, d)
        for tau in range(t, t + d):
            for r in range(k):
                usage[tau, r] += dem[j, r]
        start[j] = t
        if t + d > span:
            span = t + d
    for tau in range(span):
        for r in range(k):
            usage[tau, r] = 0
    return start


@numba.njit(cache=True, nogil=True)
def makespan(start: np.ndarray, dur: np.ndarray) -> int:
    span = 0
    for j in range(start.shape[0]):
        if start[j] + dur[j] > span:
            span = start[j] + dur[j]
    return span


@numba.njit(cache=True, nogil=True)
def encode(start: np.ndarray, rank: np.ndarray, alist: np.ndarray) -> None:
    """Write into ``alist`` the activities by start time, ties by topological ``rank`` (so the
    list of a precedence-feasible schedule is precedence-feasible)."""
    n = start.shape[0]
    key = np.empty(n, dtype=np.int64)
    for j in range(n):
        key[j] = start[j] * n + rank[j]
    order = np.argsort(key)
    for q in range(n):
        alist[q] = order[q]


@numba.njit(cache=True, nogil=True)
def justify(
    start: np.ndarray,
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
    """Forward-backward improvement: right-justify (serial SGS on the reversed network, latest
    finish first), then left-justify (serial SGS by the right-justified starts), while the
    makespan improves. Returns the best schedule (never longer than ``start``) and the number
    of SGS passes run."""
    n = start.shape[0]
    best = start
    best_ms = makespan(start, dur)
    cur = start
    alist = np.empty(n, dtype=np.int64)
    rev_rank = np.empty(n, dtype=np.int64)
    for j in range(n):
        rev_rank[j] = n - 1 - rank[j]
    passes = 0
    for _ in range(max_passes):
        span = makespan(cur, dur)
        mirror = np.empty(n, dtype=np.int64)
        for j in range(n):
            mirror[j] = span - cur[j] - dur[j]  # the schedule seen from the end
        encode(mirror, rev_rank, alist)
        rev = decode(alist, dur, dem, cap, succ_ptr, succ_idx, usage)
        rspan = makespan(rev, dur)
        right = np.empty(n, dtype=np.int64)
        for j in range(n):
            right[j] = rspan - rev[j] - dur[j]
        encode(right, rank, alist)
        cur = decode(alist, dur, dem, cap, pred_ptr, pred_idx, usage)
        passes += 2
        ms = makespan(cur, dur)
        if ms < best_ms:
            best, best_ms = cur, ms
        else:
            if ms == best_ms:
                best = cur  # same length, left-justified after a right shift: keep the packed one
            break
    return best, passes


@numba.njit(cache=True, nogil=True)
def priority_list(
    prio: np.ndarray, pred_ptr: np.ndarray, succ_ptr: np.ndarray, succ_idx: np.ndarray
) -> np.ndarray:
    """The activity list that repeatedly takes the eligible activity of least ``prio`` (ties by
    the lower number): precedence-feasible for any priorities."""
    n = prio.shape[0]
    left = np.empty(n, dtype=np.int64)
    for j in range(n):
        left[j] = pred_ptr[j + 1] - pred_ptr[j]
    alist = np.empty(n, dtype=np.int64)
    for q in range(n):
        best = -1
        for j in range(n):
            if left[j] == 0 and (best < 0 or prio[j] < prio[best]):
                best = j
        alist[q] = best
        left[best] = -1
        for p in range(succ_ptr[best], succ_ptr[best + 1]):
            left[succ_idx[p]] -= 1
    return alist


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel with the argument types real calls use."""
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
    start = decode(alist, dur, dem, cap, pred_ptr, pred_idx, usage)
    justify(start, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, rank, usage, 10)
