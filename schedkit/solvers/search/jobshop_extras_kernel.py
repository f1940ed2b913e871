"""Compiled tabu search for job shops with setups, release dates and regular sum objectives (numba).

The disjunctive graph of :mod:`schedkit.solvers.search.jobshop_kernel`, with three changes:

* the arc from an operation ``a`` to the next one ``b`` on its machine weighs ``p_a + s_ab``
  (``s`` the setup between their jobs), the first operation on a machine starts after the
  initial setup (row ``n`` of the setup matrix), and every operation of a job after its release;
  operations of zero duration sit alone on a machine of their own (they hold no machine and need
  no setup, as the checker says);
* the objective is read from the job completions ``C_j = r[last_j] + p[last_j]``: makespan,
  total weighted tardiness, maximum lateness, total weighted completion or number of tardy jobs
  (:data:`OBJ_MAKESPAN` ...). Maximum lateness and the tardy-job count are flat almost
  everywhere; the search minimises them lexicographically with the total tardiness as a
  second key (value ``primary * 2**32 + secondary``, the primary is what is reported);
* the neighbourhood. Under the makespan only the jobs ending last matter and one critical path
  tells which swaps can help; under a sum objective every job whose cost would fall if it ended
  earlier matters (the tardy jobs under weighted tardiness and the tardy-job count, the jobs of
  largest lateness and the tardy ones under the maximum lateness, every job of positive weight
  under the weighted completion time). The neighbourhood is the union, over those jobs, of the
  swaps of two adjacent operations on a machine arc of a longest path from the source to the
  job's end (an arc ``a -> b`` with ``r_a + p_a + s_ab = r_b``): a job can only end earlier if
  one of these arcs is reversed, as in Kreipl (2000), Bülbül (2011) and Mati, Dauzère-Pérès and
  Lahlou (2011). Setups break the theory that rules out interior swaps of a critical block under
  the makespan (a swap inside a block changes three setups), so every adjacent pair on the
  path is a candidate, for the makespan too. Without the triangle inequality an operation put
  between ``a`` and ``b`` can shorten the way from one to the other, and no swap of path arcs
  does that (on a 4 x 3 instance the swaps alone never left a schedule 4 % above the optimum):
  then every other operation of the machine moved in between ``a`` and ``b`` is a candidate too.

Move evaluation is exact: a move within one machine's order can only change the heads of the
operations from the first one it touches on in the topological order; those are recomputed (and
re-sorted), the objective is read from the new completions, and the old heads and order are
put back. A move that closes a cycle (setups allow a second path from ``u`` to ``v``) is seen
by the same pass and skipped. Tabu list: after a move puts ``v`` before ``u``, putting ``u``
before ``v`` again is tabu for a random tenure, unless it beats the best value (aspiration); after
``stall`` iterations without improvement the search restarts from the best solution perturbed
by a few random candidate swaps.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from schedkit.solvers.search.graph import signature
from schedkit.solvers.search.tabu_state import S_BEST, S_CUR, S_CYCLES, S_ITER, S_MOVES, S_RESTARTS, S_STALL

OBJ_MAKESPAN, OBJ_WT, OBJ_LMAX, OBJ_WC, OBJ_TARDY = range(5)
#: objectives searched with the total tardiness as a second key: value = primary << SHIFT + second
SHIFT = 32
_SECOND_CAP = (1 << SHIFT) - 1

# params: indices into the int64 parameter array of run_chunk
(
    P_ITERS,
    P_TENURE_LO,
    P_TENURE_HI,
    P_STALL,
    P_KICK_LO,
    P_KICK_HI,
    P_SEED,
    P_TARGET,
    P_OBJ,
    P_JOBS,
    P_INSERT,
) = range(11)
N_PARAMS = 11

# the static arrays, in the order every kernel takes them
#   dur, jp, js, mach, mstart, job, rel, smach, st, due, weight, lasts
_CHUNK_SIG = signature("int64", 20)
_STARTS_SIG = signature("int64[::1]", 11)


@njit(cache=True, nogil=True)
def _setup(job, smach, st, nj, a, b):
    """Setup between ``a`` and its machine successor ``b`` (``a < 0``: the initial setup of ``b``)."""
    frm = nj if a < 0 else job[a]
    return st[(smach[b] * (nj + 1) + frm) * nj + job[b]]


@njit(cache=True, nogil=True)
def _head(dur, jp, mp, job, rel, smach, st, nj, r, o, skip, mark):
    """Head of ``o`` from its predecessors (those with ``mark == skip`` are not counted: -1 for
    none); also the number of predecessors skipped, as the second value."""
    h = rel[o]
    d = 0
    a = jp[o]
    if a >= 0:
        if mark[a] == skip:
            d += 1
        elif r[a] + dur[a] > h:
            h = r[a] + dur[a]
    a = mp[o]
    if a >= 0:
        if mark[a] == skip:
            d += 1
        else:
            e = r[a] + dur[a] + _setup(job, smach, st, nj, a, o)
            if e > h:
                h = e
    elif dur[o] > 0:
        e = _setup(job, smach, st, nj, -1, o)
        if e > h:
            h = e
    return h, d


@njit(cache=True, nogil=True)
def _heads_from(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, k0, indeg, stack, mark):
    """Heads of the operations at ``order[k0:]`` from those before (unchanged), re-sorted
    topologically in place; False on a cycle (then ``order[k0:]`` is garbage)."""
    n = order.shape[0]
    for k in range(k0, n):
        mark[order[k]] = 1
    top = 0
    for k in range(k0, n):
        o = order[k]
        h, d = _head(dur, jp, mp, job, rel, smach, st, nj, r, o, 1, mark)
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
        mark[o] = 0
        e = r[o] + dur[o]
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
            e2 = e + _setup(job, smach, st, nj, o, s)
            if e2 > r[s]:
                r[s] = e2
            indeg[s] -= 1
            if indeg[s] == 0:
                stack[top] = s
                top += 1
    ok = k == n
    if not ok:
        mark[:] = 0
    return ok


@njit(cache=True, nogil=True)
def _all_heads(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, indeg, stack, mark):
    """Heads and topological order of every operation; False on a cycle."""
    for k in range(order.shape[0]):
        order[k] = k
    return _heads_from(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, 0, indeg, stack, mark)


@njit(cache=True, nogil=True)
def _value(dur, r, due, weight, lasts, obj):
    """Search value of the heads ``r`` (see the module docstring)."""
    nj = lasts.shape[0]
    if obj == OBJ_MAKESPAN:
        c = 0
        for j in range(nj):
            o = lasts[j]
            if r[o] + dur[o] > c:
                c = r[o] + dur[o]
        return c
    total = 0
    tard = 0
    count = 0
    lmax = -(1 << 40)
    for j in range(nj):
        o = lasts[j]
        c = r[o] + dur[o]
        if obj == OBJ_WC:
            total += weight[j] * c
            continue
        late = c - due[j]
        if late > 0:
            total += weight[j] * late
            tard += late
            count += 1
        if late > lmax:
            lmax = late
    if obj == OBJ_WC or obj == OBJ_WT:  # noqa: PLR1714, SIM109 (numba)
        return total
    if obj == OBJ_LMAX:
        return (lmax << SHIFT) + min(tard, _SECOND_CAP)
    return (count << SHIFT) + min(total, _SECOND_CAP)


@njit(cache=True, nogil=True)
def primary(value, obj):
    """The objective's own value of a search value."""
    if obj == OBJ_LMAX or obj == OBJ_TARDY:  # noqa: PLR1714, SIM109 (numba)
        return value >> SHIFT
    return value


@njit(cache=True, nogil=True)
def _link_at(mstart, seq, pos, mp, ms, m, p):
    o = seq[p]
    pos[o] = p
    mp[o] = seq[p - 1] if p > mstart[m] else -1
    ms[o] = seq[p + 1] if p < mstart[m + 1] - 1 else -1


@njit(cache=True, nogil=True)
def _links(mach, mstart, seq, pos, mp, ms):
    for p in range(seq.shape[0]):
        _link_at(mstart, seq, pos, mp, ms, mach[seq[p]], p)


@njit(cache=True, nogil=True)
def _move(mach, mstart, seq, pos, mp, ms, i, j):
    """Move the operation at position ``i`` of its machine's order to position ``j`` (those in
    between shift by one); ``_move(..., j, i)`` undoes it."""
    x = seq[i]
    if i < j:
        for k in range(i, j):
            seq[k] = seq[k + 1]
    else:
        for k in range(i, j, -1):
            seq[k] = seq[k - 1]
    seq[j] = x
    m = mach[x]
    lo = min(i, j)
    hi = max(i, j)
    lo = lo - 1 if lo > mstart[m] else lo
    hi = hi + 1 if hi < mstart[m + 1] - 1 else hi
    for k in range(lo, hi + 1):
        _link_at(mstart, seq, pos, mp, ms, m, k)


@njit(cache=True, nogil=True)
def _improvable(dur, r, due, weight, lasts, obj, cur_primary, j):
    """Whether job ``j``'s cost (or the second key) would fall if it ended earlier."""
    o = lasts[j]
    c = r[o] + dur[o]
    if obj == OBJ_MAKESPAN:
        return c == cur_primary
    if obj == OBJ_WC:
        return weight[j] > 0
    late = c - due[j]
    if obj == OBJ_WT:
        return late > 0 and weight[j] > 0
    if obj == OBJ_LMAX:
        return late > 0 or late == cur_primary
    return late > 0


@njit(cache=True, nogil=True)
def _candidates(dur, jp, mp, mach, mstart, job, smach, st, nj, r, due, weight, lasts, obj, cur_primary,
                pos, stamp, tick, insert, cand_i, cand_j):  # fmt: skip
    """Moves (operation at position ``cand_i`` to position ``cand_j``) from the machine arcs
    ``a -> b`` on one longest path to the end of every improvable job, each arc once
    (``stamp[a] == tick``): the swap of ``a`` and ``b``, and with ``insert`` every other
    operation of the machine moved in between (setups without the triangle inequality: an
    operation in between can shorten the way from ``a`` to ``b``)."""
    nc = 0
    for j in range(lasts.shape[0]):
        if not _improvable(dur, r, due, weight, lasts, obj, cur_primary, j):
            continue
        cur = lasts[j]
        while cur >= 0:
            a = jp[cur]
            b = mp[cur]
            ok_a = a >= 0 and r[a] + dur[a] == r[cur]
            ok_b = b >= 0 and r[b] + dur[b] + _setup(job, smach, st, nj, b, cur) == r[cur]
            if ok_b and stamp[b] != tick:
                stamp[b] = tick
                pa = pos[b]
                cand_i[nc] = pa
                cand_j[nc] = pa + 1
                nc += 1
                if insert:
                    m = mach[b]
                    for i in range(mstart[m], mstart[m + 1]):
                        if i < pa:
                            cand_i[nc] = i
                            cand_j[nc] = pa
                            nc += 1
                        elif i > pa + 1:
                            cand_i[nc] = i
                            cand_j[nc] = pa + 1
                            nc += 1
            if ok_a and ok_b:
                cur = b if np.random.random() < 0.5 else a
            elif ok_b:
                cur = b
            elif ok_a:
                cur = a
            else:
                cur = -1
    return nc


@njit(cache=True, nogil=True)
def _first_changed(seq, oidx, i, j):
    """The smallest topological index among the operations a move of ``i`` to ``j`` touches."""
    k0 = oidx[seq[i]]
    for p in range(min(i, j), max(i, j) + 1):
        if oidx[seq[p]] < k0:
            k0 = oidx[seq[p]]
    return k0


@njit(cache=True, nogil=True)
def _try_move(dur, jp, js, mach, mstart, job, rel, smach, st, nj, due, weight, lasts, obj, seq, pos, mp, ms,
              r, order, oidx, indeg, stack, mark, bak_o, bak_r, i, j):  # fmt: skip
    """(acyclic, value) after moving position ``i`` to ``j``; everything is put back."""
    k0 = _first_changed(seq, oidx, i, j)
    n = order.shape[0]
    for k in range(k0, n):
        bak_o[k] = order[k]
        bak_r[k] = r[order[k]]
    _move(mach, mstart, seq, pos, mp, ms, i, j)
    val = 0
    ok = _heads_from(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, k0, indeg, stack, mark)
    if ok:
        val = _value(dur, r, due, weight, lasts, obj)
    for k in range(k0, n):
        o = bak_o[k]
        order[k] = o
        oidx[o] = k
        r[o] = bak_r[k]
    _move(mach, mstart, seq, pos, mp, ms, j, i)
    return ok, val


@njit(cache=True, nogil=True)
def _slot(li, cnt, toff, mach, x, y):
    """Entry of the tabu table for "``x`` before ``y``" (two operations of one machine)."""
    m = mach[x]
    return toff[m] + li[x] * cnt[m] + li[y]


@njit(cache=True, nogil=True)
def _is_tabu(seq, tabu, li, cnt, toff, mach, i, j, it):
    """Whether moving position ``i`` to ``j`` restores an order that is tabu at iteration ``it``."""
    x = seq[i]
    if i < j:
        for p in range(i + 1, j + 1):  # noqa: SIM110 (numba)
            if tabu[_slot(li, cnt, toff, mach, seq[p], x)] > it:
                return True
        return False
    for p in range(j, i):  # noqa: SIM110 (numba)
        if tabu[_slot(li, cnt, toff, mach, x, seq[p])] > it:
            return True
    return False


@njit(cache=True, nogil=True)
def _set_tabu(seq, tabu, li, cnt, toff, mach, i, j, until):
    """Before moving position ``i`` to ``j``: forbid the pairs it reverses until ``until``."""
    x = seq[i]
    if i < j:
        for p in range(i + 1, j + 1):
            tabu[_slot(li, cnt, toff, mach, x, seq[p])] = until
    else:
        for p in range(j, i):
            tabu[_slot(li, cnt, toff, mach, seq[p], x)] = until


@njit(cache=True, nogil=True)
def _keep_best(state, cur, seq, best_seq):
    if cur < state[S_BEST]:
        state[S_BEST] = cur
        best_seq[:] = seq
        return True
    return False


@njit(_CHUNK_SIG, cache=True, nogil=True)
def run_chunk(dur, jp, js, mach, mstart, job, rel, smach, st, due, weight, lasts, li, cnt, toff, seq,
              best_seq, tabu, params, state):  # fmt: skip
    """Run ``params[P_ITERS]`` iterations from ``seq`` (updated in place); ``best_seq`` and
    ``state[S_BEST]`` hold the best solution and its search value. Returns 1 when the best
    reached ``params[P_TARGET]`` (a lower bound of the objective), -1 when ``seq`` has a cycle,
    else 0."""
    np.random.seed(params[P_SEED])
    n = dur.shape[0]
    nj = params[P_JOBS]
    obj = params[P_OBJ]
    target = params[P_TARGET]
    insert = params[P_INSERT] == 1
    pos = np.empty(n, dtype=np.int64)
    mp = np.empty(n, dtype=np.int64)
    ms = np.empty(n, dtype=np.int64)
    _links(mach, mstart, seq, pos, mp, ms)
    r = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    oidx = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    mark = np.zeros(n, dtype=np.int64)
    bak_o = np.empty(n, dtype=np.int64)
    bak_r = np.empty(n, dtype=np.int64)
    size = n * (cnt.max() + 1) if insert else n
    cand_i = np.empty(size, dtype=np.int64)
    cand_j = np.empty(size, dtype=np.int64)
    stamp = np.full(n, -1, dtype=np.int64)
    if not _all_heads(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, indeg, stack, mark):
        return -1
    cur = _value(dur, r, due, weight, lasts, obj)
    state[S_CUR] = cur
    _keep_best(state, cur, seq, best_seq)
    t_lo = params[P_TENURE_LO]
    t_span = max(1, params[P_TENURE_HI] - t_lo + 1)
    for _ in range(params[P_ITERS]):
        if primary(state[S_BEST], obj) <= target:
            return 1
        it = state[S_ITER]
        state[S_ITER] = it + 1
        if state[S_STALL] >= params[P_STALL]:
            seq[:] = best_seq
            _links(mach, mstart, seq, pos, mp, ms)
            _all_heads(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, indeg, stack, mark)
            cur = _value(dur, r, due, weight, lasts, obj)
            kicks = params[P_KICK_LO] + np.random.randint(max(1, params[P_KICK_HI] - params[P_KICK_LO] + 1))
            for _k in range(kicks):
                nc = _candidates(dur, jp, mp, mach, mstart, job, smach, st, nj, r, due, weight, lasts, obj,
                                 primary(cur, obj), pos, stamp, it * 64 + _k, insert, cand_i,
                                 cand_j)  # fmt: skip
                if nc == 0:
                    break
                c = np.random.randint(nc)
                i, j = cand_i[c], cand_j[c]
                _move(mach, mstart, seq, pos, mp, ms, i, j)
                if not _all_heads(
                    dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, indeg, stack, mark
                ):
                    _move(mach, mstart, seq, pos, mp, ms, j, i)
                    _all_heads(
                        dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, indeg, stack, mark
                    )
                cur = _value(dur, r, due, weight, lasts, obj)
            state[S_ITER] += params[P_TENURE_HI] + 1  # forget the tabu list
            it = state[S_ITER]
            stamp[:] = -1
            state[S_STALL] = 0
            state[S_RESTARTS] += 1
            _keep_best(state, cur, seq, best_seq)
        nc = _candidates(dur, jp, mp, mach, mstart, job, smach, st, nj, r, due, weight, lasts, obj,
                         primary(cur, obj), pos, stamp, it * 64 + 63, insert, cand_i, cand_j)  # fmt: skip
        chosen = -1
        chosen_val = np.iinfo(np.int64).max
        ties = 0
        any_tabu = -1
        for c in range(nc):
            i, j = cand_i[c], cand_j[c]
            ok, val = _try_move(dur, jp, js, mach, mstart, job, rel, smach, st, nj, due, weight, lasts, obj,
                                seq, pos, mp, ms, r, order, oidx, indeg, stack, mark, bak_o, bak_r, i,
                                j)  # fmt: skip
            if not ok:
                continue  # the move closes a cycle
            if _is_tabu(seq, tabu, li, cnt, toff, mach, i, j, it) and val >= state[S_BEST]:
                if any_tabu < 0 or np.random.random() < 0.3:
                    any_tabu = c
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
            chosen = any_tabu
        if chosen < 0:
            state[S_STALL] = params[P_STALL]  # no move: restart
            continue
        i, j = cand_i[chosen], cand_j[chosen]
        _set_tabu(seq, tabu, li, cnt, toff, mach, i, j, it + t_lo + np.random.randint(t_span))
        k0 = _first_changed(seq, oidx, i, j)
        _move(mach, mstart, seq, pos, mp, ms, i, j)
        state[S_MOVES] += 1
        if not _heads_from(
            dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, k0, indeg, stack, mark
        ):
            state[S_CYCLES] += 1
            _move(mach, mstart, seq, pos, mp, ms, j, i)
            _all_heads(dur, jp, js, mp, ms, job, rel, smach, st, nj, r, order, oidx, indeg, stack, mark)
        cur = _value(dur, r, due, weight, lasts, obj)
        state[S_CUR] = cur
        if _keep_best(state, cur, seq, best_seq):
            state[S_STALL] = 0
        else:
            state[S_STALL] += 1
    return 0


@njit(_STARTS_SIG, cache=True, nogil=True)
def starts_of(dur, jp, js, mach, mstart, job, rel, smach, st, nj_arr, seq):
    """Semi-active start times of the machine orders ``seq`` (setups and releases counted); all
    -1 on a cycle. ``nj_arr[0]`` is the number of jobs."""
    n = dur.shape[0]
    pos = np.empty(n, dtype=np.int64)
    mp = np.empty(n, dtype=np.int64)
    ms = np.empty(n, dtype=np.int64)
    _links(mach, mstart, seq, pos, mp, ms)
    r = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    oidx = np.empty(n, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    mark = np.zeros(n, dtype=np.int64)
    if not _all_heads(
        dur, jp, js, mp, ms, job, rel, smach, st, nj_arr[0], r, order, oidx, indeg, stack, mark
    ):
        r[:] = -1
    return r
