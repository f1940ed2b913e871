"""Compiled tabu search for the flexible job shop (numba).

A solution is a machine (an alternative ``aa[o]``) per operation and a processing order per
machine, kept as doubly linked lists (``mp`` / ``ms`` machine predecessor / successor, ``mhead``
first operation of each machine). Heads ``r`` and tails ``q`` are the longest paths from the
source to the start and from the end to the sink; the makespan is the largest ``r + p``.

Neighbourhood (in the spirit of Mastrolilli and Gambardella's): take a critical operation
``v`` (``r + p + q`` equals the makespan), remove it from the graph and insert it on any of its
eligible machines at any position. Without ``v`` (graph ``G-``: its machine predecessor and
successor become adjacent, its job predecessor and successor lose their arcs to it) the old
topological order is still topological, so the heads of ``G-`` are one pass over the suffix
after ``v`` and its tails one pass over the prefix. Inserting ``v`` between ``x`` and ``y`` on
machine ``k`` (duration ``p_k``) gives a graph whose paths either avoid ``v`` (paths of ``G-``)
or pass through it, with length ``max(r-[x] + p[x], r-[JP] + p[JP]) + p_k + max(q-[y] + p[y],
q-[JS] + p[JS])`` exactly. The estimate ``max(C-, that length)`` (``C-`` the makespan of
``G-``) is therefore an upper bound of the new makespan, equal to it unless every longest path
of ``G-`` uses the arc ``x -> y``. An insertion is only considered when it cannot close a
cycle: ``y`` must not reach ``JP`` (guaranteed when ``y != JP`` and ``r-[y] + p[y] > r-[JP]``)
and ``JS`` must not reach ``x`` (``x != JS`` and ``q-[x] + p[x] > q-[JS]``).

Tabu list: when ``v`` leaves machine ``k``, putting it back on ``k`` is tabu for a random
tenure; when it moves along ``k``, putting it back after its old machine predecessor is tabu.
A tabu move is allowed when its estimate beats the best makespan (aspiration). Ties between
estimates are broken by the shorter path through ``v``, then at random. After ``stall``
iterations without improvement the search restarts from the best solution perturbed by a few
random insertions.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from schedkit.solvers.search.graph import heads, index_order, makespan, schedule_times, signature, tails
from schedkit.solvers.search.tabu_state import N_STATE as N_STATE
from schedkit.solvers.search.tabu_state import S_BEST, S_CUR, S_CYCLES, S_ITER, S_MOVES, S_RESTARTS, S_STALL

_CHUNK_SIG = signature("int64", 19)
_STARTS_SIG = signature("int64[::1]", 5)

# params: indices into the int64 parameter array of run_chunk
P_ITERS, P_TENURE_LO, P_TENURE_HI, P_STALL, P_KICK, P_SEED, P_TARGET, P_MODE = range(8)
N_PARAMS = 8


@njit(cache=True, nogil=True)
def _evaluate(jp, js, mp, ms, p, r, q, order, oidx, v, rm, qm):
    """Heads ``rm`` and tails ``qm`` of the graph without ``v``; returns its makespan."""
    n = p.shape[0]
    iv = oidx[v]
    mpv = mp[v]
    msv = ms[v]
    for i in range(iv):
        rm[order[i]] = r[order[i]]
    rm[v] = 0
    for i in range(iv + 1, n):
        o = order[i]
        h = 0
        a = jp[o]
        if a >= 0 and a != v and rm[a] + p[a] > h:
            h = rm[a] + p[a]
        a = mp[o]
        if a == v:
            a = mpv
        if a >= 0 and rm[a] + p[a] > h:
            h = rm[a] + p[a]
        rm[o] = h
    for i in range(n - 1, iv, -1):
        qm[order[i]] = q[order[i]]
    qm[v] = 0
    for i in range(iv - 1, -1, -1):
        o = order[i]
        t = 0
        a = js[o]
        if a >= 0 and a != v and qm[a] + p[a] > t:
            t = qm[a] + p[a]
        a = ms[o]
        if a == v:
            a = msv
        if a >= 0 and qm[a] + p[a] > t:
            t = qm[a] + p[a]
        qm[o] = t
    c = 0
    for o in range(n):
        if o != v and rm[o] + p[o] + qm[o] > c:
            c = rm[o] + p[o] + qm[o]
    return c


@njit(cache=True, nogil=True)
def _unlink(mach, mp, ms, mhead, v):
    a = mp[v]
    b = ms[v]
    if a >= 0:
        ms[a] = b
    else:
        mhead[mach[v]] = b
    if b >= 0:
        mp[b] = a
    mp[v] = -1
    ms[v] = -1


@njit(cache=True, nogil=True)
def _link(mp, ms, mhead, v, k, x, y):
    mp[v] = x
    ms[v] = y
    if x >= 0:
        ms[x] = v
    else:
        mhead[k] = v
    if y >= 0:
        mp[y] = v


@njit(cache=True, nogil=True)
def _apply(alt_mach, alt_dur, aa, mach, p, mp, ms, mhead, v, alt, x, y):
    _unlink(mach, mp, ms, mhead, v)
    k = alt_mach[alt]
    aa[v] = alt
    mach[v] = k
    p[v] = alt_dur[alt]
    _link(mp, ms, mhead, v, k, x, y)


@njit(cache=True, nogil=True)
def _random_insertion(
    jp, js, alt_start, alt_mach, alt_dur, mach, p, mp, ms, mhead, r, q, order, oidx, v, rm, qm
):
    """A random cycle-free insertion of ``v`` (packed as alt * (n + 1) + x + 1), or -1."""
    n = p.shape[0]
    _evaluate(jp, js, mp, ms, p, r, q, order, oidx, v, rm, qm)
    jpv = jp[v]
    jsv = js[v]
    found = -1
    count = 0
    for alt in range(alt_start[v], alt_start[v + 1]):
        k = alt_mach[alt]
        x = -1
        y = mhead[k]
        if y == v:
            y = ms[v]
        while True:
            ok = True
            if y >= 0 and jpv >= 0 and (y == jpv or rm[y] + p[y] <= rm[jpv]):
                ok = False
            if x >= 0 and jsv >= 0 and (x == jsv or qm[x] + p[x] <= qm[jsv]):
                ok = False
            if k == mach[v] and x == mp[v]:
                ok = False
            if ok:
                count += 1
                if np.random.randint(count) == 0:
                    found = alt * (n + 1) + x + 1
            if y < 0:
                break
            x = y
            y = ms[y]
            if y == v:
                y = ms[v]
    return found


@njit(cache=True, nogil=True)
def _restore(src_aa, src_mp, src_ms, src_mhead, alt_mach, alt_dur, aa, mach, p, mp, ms, mhead):
    aa[:] = src_aa
    mp[:] = src_mp
    ms[:] = src_ms
    mhead[:] = src_mhead
    for o in range(aa.shape[0]):
        mach[o] = alt_mach[aa[o]]
        p[o] = alt_dur[aa[o]]


@njit(_CHUNK_SIG, cache=True, nogil=True)
def run_chunk(
    jp, js, alt_start, alt_mach, alt_dur, aa, mach, p, mp, ms, mhead,
    b_aa, b_mp, b_ms, b_mhead, tabu_exp, tabu_pred, params, state,
):  # fmt: skip
    """Run ``params[P_ITERS]`` iterations from the current solution (updated in place).

    ``b_*`` / ``state[S_BEST]`` hold the best solution. Returns 1 when the best makespan
    reached ``params[P_TARGET]`` (a lower bound), -1 when the current graph has a cycle
    (a caller bug), else 0.
    """
    np.random.seed(params[P_SEED])
    n = p.shape[0]
    m = mhead.shape[0]
    r = np.empty(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    rm = np.empty(n, dtype=np.int64)
    qm = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    oidx = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    crit = np.empty(n, dtype=np.int64)
    if not heads(p, jp, js, mp, ms, r, order, indeg, stack):
        return -1
    tails(p, js, ms, q, order)
    cur = makespan(p, r)
    if cur < state[S_BEST]:
        state[S_BEST] = cur
        b_aa[:] = aa
        b_mp[:] = mp
        b_ms[:] = ms
        b_mhead[:] = mhead
    t_lo = params[P_TENURE_LO]
    t_span = max(1, params[P_TENURE_HI] - params[P_TENURE_LO] + 1)
    target = params[P_TARGET]
    op_tabu = (params[P_MODE] & 1) != 0
    rand_tie = (params[P_MODE] & 2) != 0
    big = 4 * (cur + 1)
    if rand_tie:
        big = 1
    for _ in range(params[P_ITERS]):
        if state[S_BEST] <= target:
            return 1
        it = state[S_ITER]
        state[S_ITER] = it + 1
        if state[S_STALL] >= params[P_STALL]:
            # restart from the best solution with a few random insertions
            _restore(b_aa, b_mp, b_ms, b_mhead, alt_mach, alt_dur, aa, mach, p, mp, ms, mhead)
            heads(p, jp, js, mp, ms, r, order, indeg, stack)
            tails(p, js, ms, q, order)
            for _k in range(params[P_KICK]):
                c = makespan(p, r)
                nc = 0
                for o in range(n):
                    if r[o] + p[o] + q[o] == c:
                        crit[nc] = o
                        nc += 1
                v = crit[np.random.randint(nc)]
                for i in range(n):
                    oidx[order[i]] = i
                pk = _random_insertion(
                    jp, js, alt_start, alt_mach, alt_dur, mach, p, mp, ms, mhead, r, q, order, oidx, v, rm, qm
                )
                if pk < 0:
                    continue
                alt = pk // (n + 1)
                x = pk % (n + 1) - 1
                y = mhead[alt_mach[alt]] if x < 0 else ms[x]
                if y == v:
                    y = ms[v]
                _apply(alt_mach, alt_dur, aa, mach, p, mp, ms, mhead, v, alt, x, y)
                if not heads(p, jp, js, mp, ms, r, order, indeg, stack):
                    state[S_CYCLES] += 1
                    _restore(b_aa, b_mp, b_ms, b_mhead, alt_mach, alt_dur, aa, mach, p, mp, ms, mhead)
                    heads(p, jp, js, mp, ms, r, order, indeg, stack)
                    tails(p, js, ms, q, order)
                    break
                tails(p, js, ms, q, order)
            for i in range(tabu_exp.shape[0]):
                tabu_exp[i] = -1
            state[S_STALL] = 0
            state[S_RESTARTS] += 1
            cur = makespan(p, r)
            state[S_CUR] = cur
            continue
        for i in range(n):
            oidx[order[i]] = i
        nc = 0
        for o in range(n):
            if r[o] + p[o] + q[o] == cur:
                crit[nc] = o
                nc += 1
        best_key = -1
        best_v = -1
        best_alt = -1
        best_x = -1
        best_y = -1
        ties = 0
        tabu_key = -1
        tabu_v = -1
        tabu_alt = -1
        tabu_x = -1
        tabu_y = -1
        bestval = state[S_BEST]
        for ci in range(nc):
            v = crit[ci]
            cm = _evaluate(jp, js, mp, ms, p, r, q, order, oidx, v, rm, qm)
            jpv = jp[v]
            jsv = js[v]
            hj = rm[jpv] + p[jpv] if jpv >= 0 else 0
            tj = qm[jsv] + p[jsv] if jsv >= 0 else 0
            lim_r = rm[jpv] if jpv >= 0 else -1
            lim_q = qm[jsv] if jsv >= 0 else -1
            for alt in range(alt_start[v], alt_start[v + 1]):
                k = alt_mach[alt]
                pk = alt_dur[alt]
                same = k == mach[v]
                x = -1
                y = mhead[k]
                if y == v:
                    y = ms[v]
                while True:
                    ok = True
                    if y >= 0 and (y == jpv or rm[y] + p[y] <= lim_r):
                        ok = False
                    if x >= 0 and (x == jsv or qm[x] + p[x] <= lim_q):
                        ok = False
                    if same and x == mp[v]:
                        ok = False
                    if ok:
                        h = hj
                        if x >= 0 and rm[x] + p[x] > h:
                            h = rm[x] + p[x]
                        t = tj
                        if y >= 0 and qm[y] + p[y] > t:
                            t = qm[y] + p[y]
                        through = h + pk + t
                        est = through if through > cm else cm
                        key = est * big + through
                        if rand_tie:
                            key = est
                        if op_tabu:
                            tb = tabu_exp[v * m] > it
                        else:
                            tb = tabu_exp[v * m + k] > it and ((not same) or tabu_pred[v * m + k] == x)
                        if tb and est >= bestval:
                            if tabu_key < 0 or key < tabu_key:
                                tabu_key = key
                                tabu_v = v
                                tabu_alt = alt
                                tabu_x = x
                                tabu_y = y
                        else:
                            take = False
                            if best_key < 0 or key < best_key:
                                take = True
                                ties = 1
                            elif key == best_key:
                                ties += 1
                                take = np.random.randint(ties) == 0
                            if take:
                                best_key = key
                                best_v = v
                                best_alt = alt
                                best_x = x
                                best_y = y
                    if y < 0:
                        break
                    x = y
                    y = ms[y]
                    if y == v:
                        y = ms[v]
        if best_v < 0:
            if tabu_v < 0:
                state[S_STALL] = params[P_STALL]  # no move at all: restart
                continue
            best_v = tabu_v
            best_alt = tabu_alt
            best_x = tabu_x
            best_y = tabu_y
        v = best_v
        old_k = mach[v]
        old_pred = mp[v]
        _apply(alt_mach, alt_dur, aa, mach, p, mp, ms, mhead, v, best_alt, best_x, best_y)
        if not heads(p, jp, js, mp, ms, r, order, indeg, stack):
            # cannot happen with the insertion test; undo to stay safe
            state[S_CYCLES] += 1
            _restore(b_aa, b_mp, b_ms, b_mhead, alt_mach, alt_dur, aa, mach, p, mp, ms, mhead)
            heads(p, jp, js, mp, ms, r, order, indeg, stack)
            tails(p, js, ms, q, order)
            cur = makespan(p, r)
            state[S_STALL] = 0
            continue
        tails(p, js, ms, q, order)
        tenure = t_lo + np.random.randint(t_span)
        if op_tabu:
            tabu_exp[v * m] = it + tenure
        else:
            tabu_exp[v * m + old_k] = it + tenure
            tabu_pred[v * m + old_k] = old_pred
        state[S_MOVES] += 1
        cur = makespan(p, r)
        state[S_CUR] = cur
        if cur < state[S_BEST]:
            state[S_BEST] = cur
            b_aa[:] = aa
            b_mp[:] = mp
            b_ms[:] = ms
            b_mhead[:] = mhead
            state[S_STALL] = 0
        else:
            state[S_STALL] += 1
    return 1 if state[S_BEST] <= target else 0


@njit(_STARTS_SIG, cache=True, nogil=True)
def starts_of(jp, js, p, mp, ms):
    """Earliest start times for the given durations and machine orders (-1 everywhere on a cycle)."""
    return schedule_times(p, jp, js, mp, ms)[0]


@njit(cache=True, nogil=True)
def check_moves(jp, js, alt_start, alt_mach, alt_dur, aa, mach, p, mp, ms, mhead):
    """Apply every candidate insertion of every critical operation to a copy and recompute.

    Returns (moves, cycles, estimates below the recomputed makespan, estimates equal to it); a
    test helper for the neighbourhood (cycles and the third count must be 0).
    """
    n = p.shape[0]
    r = np.empty(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    rm = np.empty(n, dtype=np.int64)
    qm = np.empty(n, dtype=np.int64)
    r2 = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    order2 = np.empty(n, dtype=np.int64)
    oidx = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    out = np.zeros(4, dtype=np.int64)
    heads(p, jp, js, mp, ms, r, order, indeg, stack)
    tails(p, js, ms, q, order)
    index_order(order, oidx)
    cur = makespan(p, r)
    for v in range(n):
        if r[v] + p[v] + q[v] != cur:
            continue
        cm = _evaluate(jp, js, mp, ms, p, r, q, order, oidx, v, rm, qm)
        jpv = jp[v]
        jsv = js[v]
        for alt in range(alt_start[v], alt_start[v + 1]):
            k = alt_mach[alt]
            x = -1
            y = mhead[k]
            if y == v:
                y = ms[v]
            while True:
                ok = True
                if y >= 0 and jpv >= 0 and (y == jpv or rm[y] + p[y] <= rm[jpv]):
                    ok = False
                if x >= 0 and jsv >= 0 and (x == jsv or qm[x] + p[x] <= qm[jsv]):
                    ok = False
                if k == mach[v] and x == mp[v]:
                    ok = False
                if ok:
                    h = 0
                    if jpv >= 0:
                        h = rm[jpv] + p[jpv]
                    if x >= 0 and rm[x] + p[x] > h:
                        h = rm[x] + p[x]
                    t = 0
                    if jsv >= 0:
                        t = qm[jsv] + p[jsv]
                    if y >= 0 and qm[y] + p[y] > t:
                        t = qm[y] + p[y]
                    est = max(cm, h + alt_dur[alt] + t)
                    aa2 = aa.copy()
                    mach2 = mach.copy()
                    p2 = p.copy()
                    mp2 = mp.copy()
                    ms2 = ms.copy()
                    mh2 = mhead.copy()
                    _apply(alt_mach, alt_dur, aa2, mach2, p2, mp2, ms2, mh2, v, alt, x, y)
                    out[0] += 1
                    if not heads(p2, jp, js, mp2, ms2, r2, order2, indeg, stack):
                        out[1] += 1
                    else:
                        c2 = makespan(p2, r2)
                        if est < c2:
                            out[2] += 1
                        elif est == c2:
                            out[3] += 1
                if y < 0:
                    break
                x = y
                y = ms[y]
                if y == v:
                    y = ms[v]
    return out
