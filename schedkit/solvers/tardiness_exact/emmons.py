"""Emmons' precedence relations for a 1||ΣT subproblem and the blocks they split it into.

For a job set started at ``t`` with total processing time ``P``, ``B_j`` (``A_j``) is the set
of jobs known to precede (follow) ``j`` in some optimal sequence that satisfies every relation
found so far; the earliest completion of ``j`` is ``E_j = t + p(B_j) + p_j`` and the latest
``L_j = t + P - p(A_j)``. The relations are grown to a fixed point with Emmons' (1969)
conditions, kept transitively closed:

1. ``i`` precedes ``j`` when ``p_i < p_j`` (or equal lengths and ``i`` first in EDD order) and
   ``d_i <= max(d_j, E_j)``;
2. ``j`` precedes ``i`` when ``p_i <= p_j`` (not the equal-length case of 1),
   ``d_i > max(d_j, E_j)`` and ``d_i + p_i >= L_j`` (moving ``i`` to just after ``j`` costs
   ``i`` at most what it saves ``j``);
3. every job not known to follow ``j`` precedes it when ``d_j >= L_j`` (``j`` moved to just
   before its first known successor stays on time and advances the jobs it passes).

A job related to every other job splits the set: its predecessors form an independent
subproblem before it and its successors one after it (Szwarc, Della Croce and Grosso's
"split"). :func:`blocks` returns the order of those pieces.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _add(rel, pe, pb, pa, cnt, src, dst, i: int, j: int) -> None:
    """Add ``i -> j`` and its transitive consequences; ``rel[a, b]`` = a precedes b."""
    m = len(pe)
    ns = 0
    nd = 0
    for a in range(m):
        if a == i or rel[a, i]:
            src[ns] = a
            ns += 1
        if a == j or rel[j, a]:
            dst[nd] = a
            nd += 1
    for x in range(ns):
        a = src[x]
        for y in range(nd):
            b = dst[y]
            if not rel[a, b]:
                rel[a, b] = True
                pb[b] += pe[a]
                pa[a] += pe[b]
                cnt[a] += 1
                cnt[b] += 1


@njit(cache=True)
def relations(pe: np.ndarray, de: np.ndarray, t: int) -> tuple:
    """Fixed point of Emmons' conditions for jobs ``pe``, ``de`` (EDD order) started at ``t``.

    Returns ``(rel, cnt)``: ``rel[i, j]`` when ``i`` precedes ``j``; ``cnt[j]`` = |B_j| + |A_j|.
    """
    m = len(pe)
    rel = np.zeros((m, m), dtype=np.bool_)
    pb = np.zeros(m, dtype=np.int64)
    pa = np.zeros(m, dtype=np.int64)
    cnt = np.zeros(m, dtype=np.int64)
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    total = 0
    for j in range(m):
        total += pe[j]
    by_len = np.argsort(pe, kind="mergesort")  # shorter jobs first: their relations feed B_j
    changed = True
    while changed:
        changed = False
        for jj in range(m):
            j = by_len[jj]
            if cnt[j] == m - 1:
                continue
            ej = t + pb[j] + pe[j]
            lj = t + total - pa[j]
            hi = de[j] if de[j] > ej else ej
            for ii in range(jj):  # the jobs before j in this order are the shorter ones
                i = by_len[ii]
                if rel[i, j] or rel[j, i]:
                    continue
                if pe[i] == pe[j] and i > j:
                    continue
                if de[i] <= hi:  # condition 1
                    _add(rel, pe, pb, pa, cnt, src, dst, i, j)
                    changed = True
                    ej = t + pb[j] + pe[j]
                    hi = de[j] if de[j] > ej else ej
                    lj = t + total - pa[j]
                elif de[i] + pe[i] >= lj:  # condition 2 (here d_i > max(d_j, E_j))
                    _add(rel, pe, pb, pa, cnt, src, dst, j, i)
                    changed = True
                    lj = t + total - pa[j]
    return rel, cnt


@njit(cache=True)
def blocks(pe: np.ndarray, de: np.ndarray, t: int) -> np.ndarray:
    """Block key per job (jobs in EDD order): equal keys form one independent piece, pieces
    are sequenced by increasing key. All keys equal (zero) when nothing splits."""
    m = len(pe)
    keys = np.zeros(m, dtype=np.int64)
    if m < 3:
        return keys
    rel, cnt = relations(pe, de, t)
    split = np.zeros(m, dtype=np.bool_)
    found = False
    for j in range(m):
        if cnt[j] == m - 1:
            split[j] = True
            found = True
    if not found:
        return keys
    for x in range(m):
        c = 0
        for s in range(m):
            if split[s] and rel[s, x]:
                c += 1
        keys[x] = 2 * c + 1 if split[x] else 2 * c
    return keys
