"""Compiled tabu search on the job-shop disjunctive graph (numba).

A solution is a permutation of the operations per machine, stored flat: ``seq[mstart[m] ..
mstart[m+1]-1]`` is machine ``m``'s processing order. Heads ``r`` (longest path from the source
to the start of an operation) and tails ``q`` (longest path from the end of an operation to the
sink) are kept with a topological order. After a move of the machine segment that started with
operation ``u``, only descendants of ``u`` can change their head, and they all follow ``u`` in
the old order: the heads of that suffix of the order are recomputed (and the suffix re-sorted
topologically); the tails are recomputed on the prefix of the new order that ends at the last
moved operation (every operation whose tail can change lies there). The makespan is the
largest ``r + duration`` over the last operations of the jobs.

Neighbourhood (critical blocks of one critical path, in the spirit of N5/N7): in every block of
two or more operations, the first operation is moved right after every other operation of the
block, the last one right before every other, and each inner operation right before the first
or right after the last. A move is only considered when the Balas-Vazacopoulos condition
guarantees that it keeps the graph acyclic (moving ``u`` right after ``v``: ``q[v] + p[v] >=
q[JS(u)] + p[JS(u)]``; moving ``v`` right before ``u``: ``r[u] + p[u] >= r[JP(v)] + p[JP(v)]``);
the topological pass also detects a cycle and such a move would be undone.

Move evaluation: the heads of the moved segment are recomputed along its new order from the
unchanged heads of the job predecessors and of the operation before the segment, the tails
likewise from the end; the estimate is the longest of ``r' + p + q'`` over the segment. For
the swap of two adjacent critical operations this is exactly the longest path through them in
the new graph (the heads and tails it reads cannot change), hence a lower bound of the new
makespan that equals it whenever the new critical path passes through the swapped pair.

Tabu list: moving ``u`` past ``x`` forbids placing ``u`` before ``x`` again for a random
tenure; a tabu move is allowed when its estimate beats the best makespan (aspiration). After
``stall_limit`` iterations without improvement the search restarts from the best solution
perturbed by a few random critical swaps.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from schedkit.solvers.search.graph import (
    heads_tails,
    index_order,
    makespan,
    schedule_times,
    signature,
    tails_prefix,
)
from schedkit.solvers.search.tabu_state import N_STATE as N_STATE
from schedkit.solvers.search.tabu_state import S_BEST, S_CUR, S_CYCLES, S_ITER, S_MOVES, S_RESTARTS, S_STALL

_CHUNK_SIG = signature("int64", 13)
_STARTS_SIG = signature("int64[::1]", 6)
_TIMES_SIG = signature("UniTuple(int64[::1], 2)", 6)

# params: indices into the int64 parameter array of run_chunk
P_ITERS, P_TENURE_LO, P_TENURE_HI, P_STALL, P_KICK_LO, P_KICK_HI, P_SEED, P_TARGET = range(8)
N_PARAMS = 8


@njit(cache=True, nogil=True)
def _link_at(mstart, seq, pos, mp, ms, m, p):
    """Position and machine links of the operation at ``seq[p]`` (on machine ``m``)."""
    o = seq[p]
    pos[o] = p
    mp[o] = seq[p - 1] if p > mstart[m] else -1
    ms[o] = seq[p + 1] if p < mstart[m + 1] - 1 else -1


@njit(cache=True, nogil=True)
def _links(mach, mstart, seq, pos, mp, ms):
    for p in range(seq.shape[0]):
        _link_at(mstart, seq, pos, mp, ms, mach[seq[p]], p)


@njit(cache=True, nogil=True)
def _linked(mach, mstart, seq):
    """New arrays of the positions and machine links of the machine orders ``seq``."""
    n = seq.shape[0]
    pos = np.empty(n, dtype=np.int64)
    mp = np.empty(n, dtype=np.int64)
    ms = np.empty(n, dtype=np.int64)
    _links(mach, mstart, seq, pos, mp, ms)
    return pos, mp, ms


@njit(cache=True, nogil=True)
def _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack):
    """Heads, tails, order and positions in the order from scratch; False on a cycle."""
    if not heads_tails(dur, jp, js, mp, ms, r, q, order, indeg, stack):
        return False
    index_order(order, oidx)
    return True


@njit(cache=True, nogil=True)
def _heads_suffix(dur, jp, js, mp, ms, r, order, oidx, k0, indeg, stack, mark):
    """Heads of the operations at ``order[k0:]`` (all that a move of the segment starting with
    ``order[k0]`` can change), re-sorted topologically in place; False on a cycle."""
    n = order.shape[0]
    for k in range(k0, n):
        mark[order[k]] = 1
    top = 0
    for k in range(k0, n):
        o = order[k]
        d = 0
        h = 0
        a = jp[o]
        if a >= 0:
            if mark[a] == 1:
                d += 1
            elif r[a] + dur[a] > h:
                h = r[a] + dur[a]
        a = mp[o]
        if a >= 0:
            if mark[a] == 1:
                d += 1
            elif r[a] + dur[a] > h:
                h = r[a] + dur[a]
        indeg[o] = d
        r[o] = h
        if d == 0:
            stack[top] = o
            top += 1
    k = k0
    while top > 0:
        top -= 1
        o = stack[top]
        order[k] = o
        oidx[o] = k
        k += 1
        e = r[o] + dur[o]
        # written out as in graph.heads: a shared helper for the arc made ta21 tabu (200k moves)
        # 1.28x slower (median of 5, interleaved; 1.45x with numba's inline="always")
        s = js[o]
        if s >= 0 and mark[s] == 1:
            if e > r[s]:
                r[s] = e
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
        s = ms[o]
        if s >= 0 and mark[s] == 1:
            if e > r[s]:
                r[s] = e
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
    ok = k == n
    for k2 in range(k0, n):
        mark[order[k2]] = 0
    if not ok:
        mark[:] = 0
    return ok


@njit(cache=True, nogil=True)
def _update(dur, jp, js, mp, ms, r, q, order, oidx, k0, indeg, stack, mark, seq, a, b):
    """Heads and tails after the move of the segment ``seq[a..b]`` that started with
    ``order[k0]`` (incrementally: the suffix of the order from ``k0``, the prefix up to the last
    moved operation); False on a cycle (tails not updated)."""
    if not _heads_suffix(dur, jp, js, mp, ms, r, order, oidx, k0, indeg, stack, mark):
        return False
    k1 = 0
    for p in range(a, b + 1):
        if oidx[seq[p]] > k1:
            k1 = oidx[seq[p]]
    tails_prefix(dur, js, ms, q, order, k1)
    return True


@njit(cache=True, nogil=True)
def _cmax(dur, r, lasts):
    c = 0
    for i in range(lasts.shape[0]):
        o = lasts[i]
        if r[o] + dur[o] > c:
            c = r[o] + dur[o]
    return c


@njit(cache=True, nogil=True)
def evaluate(dur, jp, js, r, q, seg, length, prev, nxt):
    """Estimated makespan after the operations ``seg[:length]`` take this order between ``prev``
    and ``nxt`` on their machine (heads/tails of everything else taken as unchanged)."""
    end = 0
    if prev >= 0:
        end = r[prev] + dur[prev]
    nr = np.empty(length, dtype=np.int64)
    for k in range(length):
        x = seg[k]
        h = end
        a = jp[x]
        if a >= 0 and r[a] + dur[a] > h:
            h = r[a] + dur[a]
        nr[k] = h
        end = h + dur[x]
    tail = 0
    if nxt >= 0:
        tail = q[nxt] + dur[nxt]
    best = 0
    for k in range(length - 1, -1, -1):
        x = seg[k]
        t = tail
        b = js[x]
        if b >= 0 and q[b] + dur[b] > t:
            t = q[b] + dur[b]
        tail = t + dur[x]
        v = nr[k] + dur[x] + t
        if v > best:
            best = v
    return best


@njit(cache=True, nogil=True)
def move_segment(seq, a, b, forward, seg):
    """Write into ``seg`` the new order of positions ``a..b`` (a < b): ``forward`` moves the
    operation at ``a`` right after the one at ``b``, otherwise the one at ``b`` right before ``a``.
    Returns the segment length."""
    length = b - a + 1
    if forward:
        for k in range(length - 1):
            seg[k] = seq[a + 1 + k]
        seg[length - 1] = seq[a]
    else:
        seg[0] = seq[b]
        for k in range(1, length):
            seg[k] = seq[a + k - 1]
    return length


@njit(cache=True, nogil=True)
def _feasible(dur, jp, js, mach, r, q, pos, seq, a, b, forward):
    """Balas-Vazacopoulos sufficient condition for an acyclic result (plus a direct job-arc check)."""
    if forward:
        u = seq[a]
        v = seq[b]
        s = js[u]
        if s < 0:
            return True
        if mach[s] == mach[u] and pos[s] > a and pos[s] <= b:
            return False
        return q[v] + dur[v] >= q[s] + dur[s]
    u = seq[a]
    v = seq[b]
    s = jp[v]
    if s < 0:
        return True
    if mach[s] == mach[v] and pos[s] >= a and pos[s] < b:
        return False
    return r[u] + dur[u] >= r[s] + dur[s]


@njit(cache=True, nogil=True)
def _apply(mach, mstart, seq, pos, mp, ms, seg, a, b):
    for k in range(b - a + 1):
        seq[a + k] = seg[k]
    m = mach[seq[a]]
    lo = a - 1 if a > mstart[m] else a
    hi = b + 1 if b < mstart[m + 1] - 1 else b
    for p in range(lo, hi + 1):
        _link_at(mstart, seq, pos, mp, ms, m, p)


@njit(cache=True, nogil=True)
def _apply_keeping(mach, mstart, seq, pos, mp, ms, seg, a, b, bak):
    """:func:`_apply`, the old order of ``seq[a..b]`` kept in ``bak`` (to undo it)."""
    for k in range(b - a + 1):
        bak[k] = seq[a + k]
    _apply(mach, mstart, seq, pos, mp, ms, seg, a, b)


@njit(cache=True, nogil=True)
def _critical_path(dur, jp, mp, r, cmax, path, lasts):
    """One critical path (random end and tie-breaks), source to sink in ``path``; its length."""
    n = lasts.shape[0]
    start = np.random.randint(n)
    end = -1
    for k in range(n):
        o = lasts[(start + k) % n]
        if r[o] + dur[o] == cmax:
            end = o
            break
    length = 0
    cur = end
    while cur >= 0:
        path[length] = cur
        length += 1
        a = jp[cur]
        b = mp[cur]
        ok_a = a >= 0 and r[a] + dur[a] == r[cur]
        ok_b = b >= 0 and r[b] + dur[b] == r[cur]
        if ok_a and ok_b:
            cur = b if np.random.random() < 0.5 else a
        elif ok_b:
            cur = b
        elif ok_a:
            cur = a
        else:
            cur = -1
    # reverse into source-to-sink order
    for k in range(length // 2):
        t = path[k]
        path[k] = path[length - 1 - k]
        path[length - 1 - k] = t
    return length


@njit(cache=True, nogil=True)
def _push(mv_a, mv_b, mv_f, nmv, a, b, forward):
    """Append the move (``a``, ``b``, ``forward``) as number ``nmv``; the new count."""
    mv_a[nmv] = a
    mv_b[nmv] = b
    mv_f[nmv] = forward
    return nmv + 1


@njit(cache=True, nogil=True)
def _moves(ms, pos, path, plen, mv_a, mv_b, mv_f):
    """Candidate moves (positions a < b, forward flag) from the critical blocks of ``path``."""
    nmv = 0
    i = 0
    while i < plen:
        j = i
        while j + 1 < plen and ms[path[j]] == path[j + 1]:
            j += 1
        if j > i:
            a0 = pos[path[i]]
            b0 = pos[path[j]]
            # first operation right after each later one (k = a0+1 is the swap of the first pair)
            for p in range(a0 + 1, b0 + 1):
                nmv = _push(mv_a, mv_b, mv_f, nmv, a0, p, 1)
            # last operation right before each earlier one (skip the duplicate pair swap)
            if j > i + 1:
                for p in range(a0, b0):
                    nmv = _push(mv_a, mv_b, mv_f, nmv, p, b0, 0)
            # inner operations to the front or the back of the block
            for p in range(a0 + 1, b0):
                nmv = _push(mv_a, mv_b, mv_f, nmv, a0, p, 0)
                nmv = _push(mv_a, mv_b, mv_f, nmv, p, b0, 1)
        i = j + 1
    return nmv


@njit(cache=True, nogil=True)
def _slot(li, cnt, toff, mach, x, y):
    """Entry of the tabu table for "``x`` before ``y``" (two operations of one machine)."""
    m = mach[x]
    return toff[m] + li[x] * cnt[m] + li[y]


@njit(cache=True, nogil=True)
def _is_tabu(seq, tabu, li, cnt, toff, mach, a, b, forward, it):
    """Whether the move puts a pair in an order that is tabu at iteration ``it``."""
    if forward:
        u = seq[a]
        for p in range(a + 1, b + 1):  # noqa: SIM110 (numba)
            if tabu[_slot(li, cnt, toff, mach, seq[p], u)] > it:  # x before u is forbidden?
                return True
        return False
    v = seq[b]
    for p in range(a, b):  # noqa: SIM110 (numba)
        if tabu[_slot(li, cnt, toff, mach, v, seq[p])] > it:
            return True
    return False


@njit(cache=True, nogil=True)
def _set_tabu(seq, tabu, li, cnt, toff, mach, a, b, forward, until):
    # called before the move is applied: forbid restoring the pairs the move reverses
    if forward:
        u = seq[a]
        for p in range(a + 1, b + 1):
            tabu[_slot(li, cnt, toff, mach, u, seq[p])] = until
    else:
        v = seq[b]
        for p in range(a, b):
            tabu[_slot(li, cnt, toff, mach, seq[p], v)] = until


@njit(cache=True, nogil=True)
def _keep_best(state, cur, seq, best_seq):
    """Record ``seq`` as the best solution when its makespan ``cur`` is better; True then."""
    if cur < state[S_BEST]:
        state[S_BEST] = cur
        best_seq[:] = seq
        return True
    return False


@njit(_CHUNK_SIG, cache=True, nogil=True)
def run_chunk(dur, jp, js, mach, mstart, li, cnt, toff, seq, best_seq, tabu, params, state):
    """Run ``params[P_ITERS]`` tabu-search iterations from ``seq`` (updated in place).

    ``best_seq`` / ``state[S_BEST]`` hold the best solution; ``state`` carries the iteration
    counter and statistics between calls. Returns 1 when the best makespan reached
    ``params[P_TARGET]`` (a lower bound) or no move exists (the best is optimal), else 0.
    """
    np.random.seed(params[P_SEED])
    n = dur.shape[0]
    pos, mp, ms = _linked(mach, mstart, seq)
    r = np.empty(n, dtype=np.int64)
    q = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    path = np.empty(n, dtype=np.int64)
    seg = np.empty(n, dtype=np.int64)
    bak = np.empty(n, dtype=np.int64)
    mv_a = np.empty(4 * n + 4, dtype=np.int64)
    mv_b = np.empty(4 * n + 4, dtype=np.int64)
    mv_f = np.empty(4 * n + 4, dtype=np.int64)
    oidx = np.empty(n, dtype=np.int64)
    mark = np.zeros(n, dtype=np.int64)
    lasts = np.flatnonzero(js < 0)
    if not _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack):
        return -1
    cur = makespan(dur, r)
    state[S_CUR] = cur
    _keep_best(state, cur, seq, best_seq)
    t_lo = params[P_TENURE_LO]
    t_span = max(1, params[P_TENURE_HI] - t_lo + 1)
    for _ in range(params[P_ITERS]):
        if state[S_BEST] <= params[P_TARGET]:
            return 1
        it = state[S_ITER]
        state[S_ITER] = it + 1
        if state[S_STALL] >= params[P_STALL]:
            # restart from the best solution with a random kick of critical swaps
            seq[:] = best_seq
            _links(mach, mstart, seq, pos, mp, ms)
            _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack)
            cur = makespan(dur, r)
            kicks = params[P_KICK_LO] + np.random.randint(max(1, params[P_KICK_HI] - params[P_KICK_LO] + 1))
            for _k in range(kicks):
                plen = _critical_path(dur, jp, mp, r, cur, path, lasts)
                nmv = _moves(ms, pos, path, plen, mv_a, mv_b, mv_f)
                if nmv == 0:
                    break
                c = np.random.randint(nmv)
                a = mv_a[c]
                b = mv_b[c]
                if not _feasible(dur, jp, js, mach, r, q, pos, seq, a, b, mv_f[c] == 1):
                    continue
                move_segment(seq, a, b, mv_f[c] == 1, seg)
                _apply_keeping(mach, mstart, seq, pos, mp, ms, seg, a, b, bak)
                if not _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack):
                    _apply(mach, mstart, seq, pos, mp, ms, bak, a, b)
                    _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack)
                cur = makespan(dur, r)
            # forget the tabu list by jumping the iteration counter past every tenure
            state[S_ITER] += params[P_TENURE_HI] + 1
            it = state[S_ITER]
            state[S_STALL] = 0
            state[S_RESTARTS] += 1
            _keep_best(state, cur, seq, best_seq)
        plen = _critical_path(dur, jp, mp, r, cur, path, lasts)
        nmv = _moves(ms, pos, path, plen, mv_a, mv_b, mv_f)
        if nmv == 0:
            # the critical path is a chain of job arcs: the current schedule is optimal
            _keep_best(state, cur, seq, best_seq)
            return 1
        chosen = -1
        chosen_val = np.iinfo(np.int64).max
        ties = 0
        any_free = -1
        for c in range(nmv):
            a = mv_a[c]
            b = mv_b[c]
            fwd = mv_f[c] == 1
            if not _feasible(dur, jp, js, mach, r, q, pos, seq, a, b, fwd):
                continue
            m = mach[seq[a]]
            length = move_segment(seq, a, b, fwd, seg)
            prev = seq[a - 1] if a > mstart[m] else -1
            nxt = seq[b + 1] if b < mstart[m + 1] - 1 else -1
            val = evaluate(dur, jp, js, r, q, seg, length, prev, nxt)
            if _is_tabu(seq, tabu, li, cnt, toff, mach, a, b, fwd, it) and val >= state[S_BEST]:
                if any_free < 0 or np.random.random() < 0.3:
                    any_free = c
                continue
            if val < chosen_val:
                chosen_val = val
                chosen = c
                ties = 1
            elif val == chosen_val:
                ties += 1
                if np.random.randint(ties) == 0:
                    chosen = c
        if chosen < 0:
            chosen = any_free
        if chosen < 0:
            state[S_STALL] = params[P_STALL]  # nothing feasible: restart
            continue
        a = mv_a[chosen]
        b = mv_b[chosen]
        fwd = mv_f[chosen] == 1
        tenure = t_lo + np.random.randint(t_span)
        _set_tabu(seq, tabu, li, cnt, toff, mach, a, b, fwd, it + tenure)
        move_segment(seq, a, b, fwd, seg)
        k0 = oidx[seq[a]]
        _apply_keeping(mach, mstart, seq, pos, mp, ms, seg, a, b, bak)
        state[S_MOVES] += 1
        if not _update(dur, jp, js, mp, ms, r, q, order, oidx, k0, indeg, stack, mark, seq, a, b):
            state[S_CYCLES] += 1
            _apply(mach, mstart, seq, pos, mp, ms, bak, a, b)
            _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack)
        cur = _cmax(dur, r, lasts)
        state[S_CUR] = cur
        if _keep_best(state, cur, seq, best_seq):
            state[S_STALL] = 0
        else:
            state[S_STALL] += 1
    return 0


@njit(_STARTS_SIG, cache=True, nogil=True)
def starts_of(dur, jp, js, mach, mstart, seq):
    """Semi-active start times of the machine orders ``seq``; all -1 when they form a cycle."""
    _pos, mp, ms = _linked(mach, mstart, seq)
    return schedule_times(dur, jp, js, mp, ms)[0]


@njit(_TIMES_SIG, cache=True, nogil=True)
def times_of(dur, jp, js, mach, mstart, seq):
    """Heads and tails of the machine orders ``seq`` (both all -1 when they form a cycle)."""
    _pos, mp, ms = _linked(mach, mstart, seq)
    return schedule_times(dur, jp, js, mp, ms)


@njit(cache=True, nogil=True)
def check_incremental(dur, jp, js, mach, mstart, seq, moves, seed):
    """Apply ``moves`` random critical-block moves through the incremental head/tail update and
    compare heads, tails and order with a full recomputation after each; the number of
    mismatching moves (a self-test of the kernel, used by the unit tests)."""
    np.random.seed(seed)
    n = dur.shape[0]
    pos, mp, ms = _linked(mach, mstart, seq)
    r, q, order = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    r2, q2, order2 = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    indeg, stack, oidx = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    mark = np.zeros(n, np.int64)
    path, seg = np.empty(n, np.int64), np.empty(n, np.int64)
    mv_a, mv_b, mv_f = (
        np.empty(4 * n + 4, np.int64),
        np.empty(4 * n + 4, np.int64),
        np.empty(4 * n + 4, np.int64),
    )
    lasts = np.flatnonzero(js < 0)
    _recompute(dur, jp, js, mp, ms, r, q, order, oidx, indeg, stack)
    bad = 0
    for _ in range(moves):
        cur = _cmax(dur, r, lasts)
        plen = _critical_path(dur, jp, mp, r, cur, path, lasts)
        nmv = _moves(ms, pos, path, plen, mv_a, mv_b, mv_f)
        if nmv == 0:
            break
        c = np.random.randint(nmv)
        a, b, fwd = mv_a[c], mv_b[c], mv_f[c] == 1
        if not _feasible(dur, jp, js, mach, r, q, pos, seq, a, b, fwd):
            continue
        move_segment(seq, a, b, fwd, seg)
        k0 = oidx[seq[a]]
        _apply(mach, mstart, seq, pos, mp, ms, seg, a, b)
        if not _update(dur, jp, js, mp, ms, r, q, order, oidx, k0, indeg, stack, mark, seq, a, b):
            bad += 1
            break
        heads_tails(dur, jp, js, mp, ms, r2, q2, order2, indeg, stack)
        ok = True
        for o in range(n):
            if r[o] != r2[o] or q[o] != q2[o] or oidx[order[o]] != o:
                ok = False
        # the order must be topological
        for o in range(n):
            if js[o] >= 0 and oidx[js[o]] < oidx[o]:
                ok = False
            if ms[o] >= 0 and oidx[ms[o]] < oidx[o]:
                ok = False
        if not ok:
            bad += 1
    return bad
