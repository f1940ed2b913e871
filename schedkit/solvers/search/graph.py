"""Longest paths on a disjunctive graph given by job and machine links (numba).

Shared by the job-shop and flexible job-shop tabu searches. Operation ``o`` has a job
predecessor ``jp[o]`` and successor ``js[o]`` and a machine predecessor ``mp[o]`` and successor
``ms[o]`` (``-1``: none) and a duration ``dur[o]``. Heads ``r`` are the longest paths from the
source to the start of each operation, tails ``q`` those from its end to the sink.
"""

from __future__ import annotations

from numba import njit

_I64 = "int64[::1]"
_HEADS_SIG = f"boolean({', '.join([_I64] * 9)})"


@njit(_HEADS_SIG, cache=True, nogil=True)
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
def makespan(dur, r):
    """The largest ``r[o] + dur[o]``."""
    c = 0
    for o in range(dur.shape[0]):
        if r[o] + dur[o] > c:
            c = r[o] + dur[o]
    return c
