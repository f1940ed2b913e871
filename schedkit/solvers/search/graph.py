"""Longest paths on a disjunctive graph given by job and machine links (numba).

Shared by the job-shop and flexible job-shop tabu searches. Operation ``o`` has a job
predecessor ``jp[o]`` and successor ``js[o]`` and a machine predecessor ``mp[o]`` and successor
``ms[o]`` (``-1``: none) and a duration ``dur[o]``. Heads ``r`` are the longest paths from the
source to the start of each operation, tails ``q`` those from its end to the sink.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: numba type of every array argument of the kernels
I64 = "int64[::1]"


def signature(result: str, arrays: int) -> str:
    """Numba signature of a kernel taking ``arrays`` int64 arrays and returning ``result``."""
    return f"{result}({', '.join([I64] * arrays)})"


@njit(signature("boolean", 9), cache=True, nogil=True)
def heads(dur, jp, js, mp, ms, r, order, indeg, stack):
    """Heads ``r`` and a topological ``order``; False when the graph has a cycle."""
    n = dur.shape[0]
    top = 0
    for o in range(n):
        d = 0
        if jp[o] >= 0:
            d += 1
        if mp[o] >= 0:
            d += 1
        indeg[o] = d
        r[o] = 0
        if d == 0:
            stack[top] = o
            top += 1
    k = 0
    while top > 0:
        top -= 1
        o = stack[top]
        order[k] = o
        k += 1
        e = r[o] + dur[o]
        # the two arcs out of o written out: one helper for both made FJSP ts on mk10 1.55x and
        # (in the job-shop kernel's suffix pass) ta21 tabu 1.28x slower, same-session medians
        s = js[o]
        if s >= 0:
            if e > r[s]:
                r[s] = e
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
        s = ms[o]
        if s >= 0:
            if e > r[s]:
                r[s] = e
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
    return k == n


@njit(cache=True, nogil=True)
def tails_prefix(dur, js, ms, q, order, k1):
    """Tails ``q`` of ``order[:k1 + 1]`` (``order`` topological), last operation first; the
    tails of the operations after ``k1`` are read, not changed."""
    for k in range(k1, -1, -1):
        o = order[k]
        v = 0
        s = js[o]
        if s >= 0:
            v = q[s] + dur[s]
        s = ms[o]
        if s >= 0 and q[s] + dur[s] > v:
            v = q[s] + dur[s]
        q[o] = v


@njit(cache=True, nogil=True)
def tails(dur, js, ms, q, order):
    """Tails ``q`` along a topological ``order`` (from :func:`heads`)."""
    tails_prefix(dur, js, ms, q, order, dur.shape[0] - 1)


@njit(cache=True, nogil=True)
def heads_tails(dur, jp, js, mp, ms, r, q, order, indeg, stack):
    """Heads ``r``, tails ``q`` and a topological ``order``; False (tails not computed) when the
    graph has a cycle."""
    if not heads(dur, jp, js, mp, ms, r, order, indeg, stack):
        return False
    tails(dur, js, ms, q, order)
    return True


@njit(cache=True, nogil=True)
def index_order(order, oidx):
    """``oidx[o]``: the position of ``o`` in ``order``."""
    for k in range(order.shape[0]):
        oidx[order[k]] = k


@njit(cache=True, nogil=True)
def makespan(dur, r):
    """The largest ``r[o] + dur[o]``."""
    c = 0
    for o in range(dur.shape[0]):
        if r[o] + dur[o] > c:
            c = r[o] + dur[o]
    return c


@njit(cache=True, nogil=True)
def schedule_times(dur, jp, js, mp, ms):
    """New arrays of the heads (the semi-active start times) and tails, both all -1 when the
    graph has a cycle."""
    n = dur.shape[0]
    r = np.empty(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    if not heads_tails(dur, jp, js, mp, ms, r, q, order, indeg, stack):
        r[:] = -1
        q[:] = -1
    return r, q
