"""Emmons' precedence relations for a 1||ΣT subproblem and the pieces they split it into.

For a job set started at ``t`` with total processing time ``P``, ``B_j`` (``A_j``) is the set
of jobs known to precede (follow) ``j`` in some optimal sequence that satisfies every relation
found so far; the earliest completion of ``j`` is ``E_j = t + p(B_j) + p_j`` and the latest
``L_j = t + P - p(A_j)``. Lengths are ranked with ties broken by EDD position ("shorter").
The relations are grown to a fixed point with Emmons' (1969) conditions, kept transitively
closed:

1. ``i`` precedes ``j`` when ``i`` is shorter and ``d_i <= max(d_j, E_j)``;
2. ``j`` precedes ``i`` when ``i`` is shorter, ``d_i > max(d_j, E_j)`` and
   ``d_i + p_i >= L_j`` (moving ``i`` to just after ``j`` costs ``i`` at most what it saves
   ``j``).

A job related to every other job splits the set: its predecessors form an independent
subproblem before it and its successors one after it (the "split" of Szwarc, Della Croce
and Grosso). :func:`blocks` applies both conditions (about O(m^2) per round);
:func:`first_condition_blocks` the first one alone in O(m log m). Both return a key per job:
equal keys form one piece, pieces are sequenced by increasing key. The tests check every
relation and split against brute-force enumeration.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _add(rel, pe, pb, pa, bl, nb, al, na, buf, i: int, j: int) -> None:
    """Add ``i -> j`` and its transitive consequences.

    ``rel[a, b]``: a precedes b; ``bl[b, :nb[b]]`` lists B_b and ``al[a, :na[a]]`` lists A_a.
    Every new pair ``(a, b)`` has ``a`` in ``S = B_i + i`` but not before ``j`` (else
    ``a -> j -> b`` was known) and ``b`` in ``T = A_j + j`` but not after ``i``; the loop runs
    over the smaller of ``(S minus B_j) x T`` and ``S x (T minus A_i)``.
    """
    nd = 0  # buf[:nd]: S minus B_j
    for x in range(-1, nb[i]):
        a = i if x < 0 else bl[i, x]
        if not rel[a, j]:
            buf[nd] = a
            nd += 1
    m = len(pe)
    ne = 0  # buf[m - ne:]: T minus A_i
    for y in range(-1, na[j]):
        b = j if y < 0 else al[j, y]
        if not rel[i, b]:
            ne += 1
            buf[m - ne] = b
    if nd * (na[j] + 1) <= ne * (nb[i] + 1):
        for y in range(-1, na[j]):
            b = j if y < 0 else al[j, y]
            for x in range(nd):
                _set(rel, pe, pb, pa, bl, nb, al, na, buf[x], b)
    else:
        for x in range(-1, nb[i]):
            a = i if x < 0 else bl[i, x]
            for y in range(ne):
                _set(rel, pe, pb, pa, bl, nb, al, na, a, buf[m - 1 - y])


@njit(cache=True)
def _set(rel, pe, pb, pa, bl, nb, al, na, a: int, b: int) -> None:
    if not rel[a, b]:
        rel[a, b] = True
        pb[b] += pe[a]
        pa[a] += pe[b]
        bl[b, nb[b]] = a
        nb[b] += 1
        al[a, na[a]] = b
        na[a] += 1


@njit(cache=True)
def relations(pe: np.ndarray, de: np.ndarray, t: int) -> tuple:
    """Fixed point of Emmons' conditions for jobs ``pe``, ``de`` (EDD order) started at ``t``.

    Returns ``(rel, cnt)``: ``rel[i, j]`` when ``i`` precedes ``j``; ``cnt[j]`` = |B_j| + |A_j|.
    """
    m = len(pe)
    rel = np.zeros((m, m), dtype=np.bool_)
    pb = np.zeros(m, dtype=np.int64)
    pa = np.zeros(m, dtype=np.int64)
    bl = np.empty((m, m), dtype=np.int32)
    al = np.empty((m, m), dtype=np.int32)
    nb = np.zeros(m, dtype=np.int64)
    na = np.zeros(m, dtype=np.int64)
    buf = np.empty(m, dtype=np.int64)
    total = 0
    for j in range(m):
        total += pe[j]
    by_len = np.argsort(pe, kind="mergesort")  # shorter jobs first: their relations feed B_j
    seen_b = np.full(m, -1, dtype=np.int64)  # pb, pa when j was last scanned: the conditions
    seen_a = np.full(m, -1, dtype=np.int64)  # for the pairs (i shorter, j) depend on those only
    changed = True
    while changed:
        changed = False
        for jj in range(m):
            j = by_len[jj]
            if nb[j] + na[j] == m - 1 or (seen_b[j] == pb[j] and seen_a[j] == pa[j]):
                continue
            seen_b[j] = pb[j]
            seen_a[j] = pa[j]
            ej = t + pb[j] + pe[j]
            lj = t + total - pa[j]
            hi = de[j] if de[j] > ej else ej
            for ii in range(jj - 1, -1, -1):  # the shorter jobs, longest first: fewer closures
                i = by_len[ii]
                if rel[i, j] or rel[j, i]:
                    continue
                if de[i] <= hi:  # condition 1
                    _add(rel, pe, pb, pa, bl, nb, al, na, buf, i, j)
                    changed = True
                    ej = t + pb[j] + pe[j]
                    hi = de[j] if de[j] > ej else ej
                    lj = t + total - pa[j]
                elif de[i] + pe[i] >= lj:  # condition 2 (here d_i > max(d_j, E_j))
                    _add(rel, pe, pb, pa, bl, nb, al, na, buf, j, i)
                    changed = True
                    lj = t + total - pa[j]
    return rel, nb + na


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


@njit(cache=True)
def first_condition_blocks(pe: np.ndarray, de: np.ndarray, t: int) -> np.ndarray:
    """Like :func:`blocks` with condition 1 alone, in O(m log m).

    Condition 1 only relates a shorter job to a longer one (lengths ranked with ties in EDD
    order), and its relations are transitively closed already: for ``i`` in ``B_j``,
    ``B_i + i`` lies in ``B_j`` and ``E_i < E_j``, so a job preceding ``i`` has a due date at
    most ``max(d_i, E_i) <= max(d_j, E_j)``. Hence ``B_j`` is the set of shorter jobs due by
    ``H_j = max(d_j, t + p(B_j) + p_j)``, a fixed point found in length order with a Fenwick
    tree over the EDD positions. A job splits the set when every shorter job is in its ``B``
    and it is due by ``H_l`` of every longer job ``l``; the pieces are then runs of the
    length order.
    """
    return first_condition_blocks_ordered(pe, de, t, np.argsort(pe, kind="mergesort"))


@njit(cache=True, nogil=True)
def first_condition_blocks_ordered(pe: np.ndarray, de: np.ndarray, t: int, by_len: np.ndarray) -> np.ndarray:
    """:func:`first_condition_blocks` with the length order ``by_len`` (stable argsort of
    ``pe``) given."""
    m = len(pe)
    keys = np.zeros(m, dtype=np.int64)
    if m < 3:
        return keys
    tree_p = np.zeros(m + 1, dtype=np.int64)
    tree_c = np.zeros(m + 1, dtype=np.int64)
    q_of = np.empty(m, dtype=np.int64)
    full = np.zeros(m, dtype=np.bool_)
    for r in range(m):
        j = by_len[r]
        h = de[j] if de[j] > t + pe[j] else t + pe[j]
        q = np.searchsorted(de, h, side="right")
        while True:
            s = 0
            c = 0
            k = q
            while k > 0:
                s += tree_p[k]
                c += tree_c[k]
                k -= k & -k
            h2 = t + s + pe[j]
            if h2 <= h:
                break
            h = h2
            q2 = np.searchsorted(de, h, side="right")
            if q2 == q:
                break
            q = q2
        q_of[r] = q
        full[r] = c == r
        k = j + 1
        while k <= m:
            tree_p[k] += pe[j]
            tree_c[k] += 1
            k += k & -k
    split = np.zeros(m, dtype=np.bool_)
    low = m + 1  # min q over the longer jobs
    found = False
    for r in range(m - 1, -1, -1):
        if full[r] and low > by_len[r]:
            split[r] = True
            found = True
        if q_of[r] < low:
            low = q_of[r]
    if not found:
        return keys
    c = 0
    for r in range(m):
        if split[r]:
            keys[by_len[r]] = 2 * c + 1
            c += 1
        else:
            keys[by_len[r]] = 2 * c
    return keys
