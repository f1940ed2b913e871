"""The search of :mod:`.tardiness_search` compiled with numba: the same rules, an explicit stack.

One subproblem is a job array in EDD numbering (sorted) with its SPT order (positions, passed
down from the parent in O(m): no sort per subproblem) and a start time ``t``. Every rule is
the one described in :mod:`.tardiness_search` (bounds, the two reductions, Emmons' first-condition split
on sets of at least ``ctl[7]`` jobs when ``ctl[7] > 0``, Lawler's positions with Szwarc's
eliminations, memo bounds from the nearest other start times). :func:`solve` keeps one frame
per open call (numba cannot cache recursive functions: they crash when loaded from the
cache, numba issue #6061). Memo:

* a job set is identified by two independent 64-bit Zobrist hashes (sums of a random word
  per job, so that the parts of Lawler's decomposition and of the reductions hash in O(1)
  from the parent); with 10^7 sets the probability of any collision among 128 bits is about
  10^-25;
* per set, a table of start times with the exact value or lower bound and the fewest late
  jobs (computed when first needed), sorted by time (:func:`_find`); optimal sequences in a
  dictionary keyed by (set, time).

The search runs without the GIL and reads ``ctl[0]`` at every expanded subproblem: another
thread sets it at the deadline or on a stop request, and the search then unwinds with
``ctl[2] = 1`` (its result is then meaningless). ``ctl[1]`` counts expanded subproblems,
``ctl[3]`` is the stamp of :func:`spt_order`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict, List

from schedkit.solvers.exact.tardiness_emmons import first_condition_blocks_ordered

_HUGE = np.int64(2**62)
_KEY = types.UniTuple(types.int64, 2)


def new_memo() -> tuple:
    """Empty memo: set hashes -> set id; set id -> table of its start times (see
    :func:`_find`); (set, t) -> optimal sequence of the exact entries."""
    sets = Dict.empty(_KEY, types.int64)
    times = List.empty_list(types.int64[:, ::1])
    seqs = Dict.empty(_KEY, types.int64[::1])
    return sets, times, seqs


@njit(cache=True, nogil=True)
def fewest_late(pe: np.ndarray, de: np.ndarray, t: int) -> int:
    """Moore-Hodgson on jobs in EDD order: the fewest late jobs of any sequence from ``t``."""
    heap = np.empty(len(pe), dtype=np.int64)
    size = 0
    c = t
    late = 0
    for j in range(len(pe)):
        c += pe[j]
        i = size
        heap[size] = pe[j]
        size += 1
        while i > 0 and heap[(i - 1) // 2] < heap[i]:
            heap[(i - 1) // 2], heap[i] = heap[i], heap[(i - 1) // 2]
            i = (i - 1) // 2
        if c > de[j]:
            c -= heap[0]
            late += 1
            size -= 1
            heap[0] = heap[size]
            i = 0
            while True:
                a, b, big = 2 * i + 1, 2 * i + 2, i
                if a < size and heap[a] > heap[big]:
                    big = a
                if b < size and heap[b] > heap[big]:
                    big = b
                if big == i:
                    break
                heap[i], heap[big] = heap[big], heap[i]
                i = big
    return late


@njit(cache=True, nogil=True)
def cost(seq: np.ndarray, P: np.ndarray, D: np.ndarray, t: int) -> int:
    c = t
    total = 0
    for j in seq:
        c += P[j]
        if c > D[j]:
            total += c - D[j]
    return total


@njit(cache=True, nogil=True)
def _hash(ja: np.ndarray, Z1: np.ndarray, Z2: np.ndarray) -> tuple:
    h1 = np.int64(0)
    h2 = np.int64(0)
    for j in ja:
        h1 += Z1[j]
        h2 += Z2[j]
    return (h1, h2)


@njit(cache=True, nogil=True)
def sorted_bound(ja: np.ndarray, P: np.ndarray, D: np.ndarray, t: int) -> int:
    ps = np.sort(P[ja])
    total = 0
    c = t
    for k in range(len(ja)):
        c += ps[k]
        v = c - D[ja[k]]
        if v > 0:
            total += v
    return total


@njit(cache=True, nogil=True)
def spt_order(ja: np.ndarray, W: np.ndarray, ctl: np.ndarray) -> np.ndarray:
    """Positions of ``ja`` in SPT order (ties: EDD order) by filtering the instance's SPT list
    ``W[0]`` through stamps ``W[1]`` and positions ``W[2]``: O(n), no sort."""
    ctl[3] += 1
    ep = ctl[3]
    stamp = W[1]
    pos = W[2]
    m = len(ja)
    for i in range(m):
        stamp[ja[i]] = ep
        pos[ja[i]] = i
    out = np.empty(m, dtype=np.int64)
    k = 0
    for j in W[0]:
        if stamp[j] == ep:
            out[k] = pos[j]
            k += 1
            if k == m:
                break
    return out


@njit(cache=True, nogil=True)
def _sub_order(order: np.ndarray, lo: int, hi: int, skip: int) -> np.ndarray:
    """SPT order of the positions ``lo..hi-1`` except ``skip`` of a set whose SPT order is
    ``order``, renumbered as positions of that subset: O(m), no sort."""
    out = np.empty(hi - lo - (1 if lo <= skip < hi else 0), dtype=np.int64)
    k = 0
    for x in range(len(order)):
        i = order[x]
        if i < lo or i >= hi or i == skip:
            continue
        out[k] = i - lo - (1 if 0 <= skip < i else 0)
        k += 1
    return out


@njit(cache=True, nogil=True)
def _sorted_bound_o(ja, order, t, P, D) -> int:
    """:func:`sorted_bound` with the set's SPT order known."""
    total = 0
    c = t
    for k in range(len(ja)):
        c += P[ja[order[k]]]
        v = c - D[ja[k]]
        if v > 0:
            total += v
    return total


@njit(cache=True, nogil=True)
def _find(buf: np.ndarray, t: int) -> int:
    """Row of the first entry of a set's table ``buf`` with start time >= ``t`` (rows
    ``1..buf[0, 0]`` hold ``(t, value, exact, fewest late jobs)`` sorted by ``t``)."""
    lo = 1
    hi = buf[0, 0] + 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if buf[mid, 0] < t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _record(sid, t, val, exact, late, times) -> None:
    """Store an exact value (with its fewest late jobs, -1 = not computed) or a lower bound."""
    buf = times[sid]
    cnt = buf[0, 0]
    i = _find(buf, t)
    if i <= cnt and buf[i, 0] == t:
        if exact == 1:
            buf[i, 1] = val
            buf[i, 2] = 1
            buf[i, 3] = late
        elif buf[i, 2] == 0 and val > buf[i, 1]:
            buf[i, 1] = val
        return
    if cnt + 1 == len(buf):
        nb = np.empty((2 * len(buf), 4), dtype=np.int64)
        nb[: len(buf)] = buf
        buf = nb
        times[sid] = buf
    buf[i + 1 : cnt + 2] = buf[i : cnt + 1].copy()
    buf[i, 0] = t
    buf[i, 1] = val
    buf[i, 2] = exact
    buf[i, 3] = late
    buf[0, 0] = cnt + 1


@njit(cache=True, nogil=True)
def _join(a: np.ndarray, k: int, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a) + len(b) + (1 if k >= 0 else 0), dtype=np.int64)
    out[: len(a)] = a
    i = len(a)
    if k >= 0:
        out[i] = k
        i += 1
    out[i:] = b
    return out


@njit(cache=True, nogil=True)
def _enter(ja, corder, t, ub, cknown, ckey, P, D, Z1, Z2, sets, times, seqs):
    """The checks of a call before any search: ``(done, value, found, sequence, set id, hash,
    known bound, nearest exact start time)``; ``done`` when answered from bounds or the memo.
    ``cknown`` (>= 0) is a lower bound the caller knows (then the sorted bound is not
    recomputed: it is at least that); ``ckey`` is the set's hash."""
    m = len(ja)
    empty = np.empty(0, dtype=np.int64)
    key = (np.int64(0), np.int64(0))
    if m == 0:
        return True, 0, ub > 0, empty, -1, key, 0, -1
    if m == 1:
        v = max(0, t + P[ja[0]] - D[ja[0]])
        return True, v, v < ub, ja, -1, key, 0, -1
    key = ckey
    known = cknown if cknown >= 0 else _sorted_bound_o(ja, corder, t, P, D)
    if known >= ub:  # the memo could only raise the bound
        return True, known, False, empty, -1, key, 0, -1
    sid = sets[key] if key in sets else -1  # noqa: SIM401 (get() types as optional in numba)
    near_t = -1
    if sid >= 0:
        buf = times[sid]
        cnt = buf[0, 0]
        i = _find(buf, t)
        if i <= cnt and buf[i, 0] == t:
            if buf[i, 2] == 1:
                if buf[i, 1] < ub:
                    return True, buf[i, 1], True, seqs[(sid, t)], sid, key, 0, -1
                return True, buf[i, 1], False, empty, sid, key, 0, -1
            known = max(known, buf[i, 1])
        if known >= ub:
            return True, known, False, empty, sid, key, 0, -1
        # bounds from the nearest other start times, nearest exact entry (below first)
        for q in range(max(1, i - 3), min(cnt + 1, i + 3)):
            tc = buf[q, 0]
            b = buf[q, 1] - m * (tc - t)  # F(t) >= F(t') - m (t' - t) for t' > t
            if tc <= t:  # F(t) >= F(t') + (t - t') U(t'), U = 0 for a lower bound
                late = buf[q, 3]
                if late < 0:  # computed when first needed
                    late = fewest_late(P[ja], D[ja], tc)
                    buf[q, 3] = late
                b = buf[q, 1] + (t - tc) * late
            if b > known:
                known = b
        for q in range(i - 1, max(0, i - 5), -1):
            if buf[q, 2] == 1:
                near_t = buf[q, 0]
                break
        if near_t < 0:
            for q in range(i, min(cnt + 1, i + 4)):
                if buf[q, 0] != t and buf[q, 2] == 1:
                    near_t = buf[q, 0]
                    break
        if known >= ub:
            _record(sid, t, known, 0, 0, times)
            return True, known, False, empty, sid, key, 0, -1
    elif known >= ub:
        return True, known, False, empty, sid, key, 0, -1
    return False, 0, False, empty, sid, key, known, near_t


# frame fields (one row of ``fr`` per open call)
_T, _UB, _BEST, _HAS, _PHASE, _R, _CNT, _K1, _SID, _H1, _H2, _FIX, _FIXC, _PREFIX, _V2, _TK = range(16)


@njit(cache=True, nogil=True)
def _start(ja, order, t, ub, lb, sid, near_t, P, D, Z1, Z2, sets, times, seqs, ctl):
    """First step of an expanded call: upper bounds, then a reduction or Lawler's options.

    Returns ``(kind, best, has, best_seq, child, child_t, fixed, fixed_cost, prefix, k, opts)``:
    kind 0 = answered (``best``/``has``/``best_seq``), 1 = one child (a reduction fixing job
    ``fixed`` first or last), 2 = options ``opts`` (rows: delta, completion of ``k``, bound,
    left bound), sorted by bound then delta.
    """
    m = len(ja)
    empty = np.empty(0, dtype=np.int64)
    none = np.empty((0, 8), dtype=np.int64)
    pe = P[ja]
    de = D[ja]
    best = 0
    total = 0
    for k in range(m):
        total += pe[k]
        v = t + total - de[k]
        if v > 0:
            best += v
    best_seq = ja
    if best > lb:
        v = 0
        c = t
        for k in range(m):
            c += pe[order[k]]
            x = c - de[order[k]]
            if x > 0:
                v += x
        if v < best:
            best = v
            best_seq = ja[order]
    if best > lb and near_t >= 0:
        s = seqs[(sid, near_t)]
        v = cost(s, P, D, t)
        if v < best:
            best = v
            best_seq = s
    if best <= lb:
        return 0, best, best < ub, best_seq, empty, empty, t, 0, 0, False, 0, none
    has = True
    if best >= ub:
        best = ub
        has = False
    # reduction: a job on time at the end goes last
    last = ja[m - 1]
    if D[last] >= t + total:
        return (
            1,
            best,
            has,
            best_seq,
            ja[: m - 1].copy(),
            _sub_order(order, 0, m - 1, -1),
            t,
            last,
            0,
            False,
            0,
            none,
        )
    # reduction: Emmons-first job (the shortest, ties: earliest due date)
    fi = order[0]
    found = False
    shortest = 0
    for j in range(m):
        if de[j] < de[fi] and (not found or pe[j] < shortest):
            shortest = pe[j]
            found = True
    if not found or t >= de[fi] - shortest:
        f = ja[fi]
        rest = np.empty(m - 1, dtype=np.int64)
        rest[:fi] = ja[:fi]
        rest[fi:] = ja[fi + 1 :]
        sub = _sub_order(order, 0, m, fi)
        return 1, best, has, best_seq, rest, sub, t + P[f], f, max(0, t + P[f] - D[f]), True, 0, none
    # Emmons' first condition splits the set into independent pieces
    if ctl[7] > 0 and m >= ctl[7]:
        keys = first_condition_blocks_ordered(pe, de, t, order)
        if keys.max() > 0:
            return 3, best, has, best_seq, keys, empty, t, 0, 0, False, 0, none
    # Lawler's decomposition on the longest job (ties: the last in EDD order)
    kpos = 0
    for i in range(1, m):
        if pe[i] >= pe[kpos]:
            kpos = i
    k = ja[kpos]
    nd = m - kpos
    c0 = t
    for i in range(kpos):
        c0 += pe[i]
    opts = np.zeros((0, 8), dtype=np.int64)
    for sweep in range(2):  # count the positions kept, then fill them
        cnt = 0
        c = c0
        for delta in range(nd):
            c += pe[kpos + delta]
            nxt = de[kpos + delta + 1] if kpos + delta + 1 < m else _HUGE
            if c > nxt:
                continue
            if delta > 0 and c <= de[kpos + delta]:
                continue
            if sweep == 1:
                opts[cnt, 0] = delta
                opts[cnt, 1] = c
            cnt += 1
        if sweep == 0:
            opts = np.zeros((cnt, 8), dtype=np.int64)
    if cnt > 1:
        _rank_options(ja, pe, de, order, t, kpos, opts, P, D, Z1, Z2, sets, times)
    else:  # no ordering needed: the parts bound themselves on entry; only their hashes
        s = kpos + opts[0, 0] + 1
        a1 = np.int64(0)
        a2 = np.int64(0)
        b1 = np.int64(0)
        b2 = np.int64(0)
        for i in range(m):
            if i < s:
                a1 += Z1[ja[i]]
                a2 += Z2[ja[i]]
            else:
                b1 += Z1[ja[i]]
                b2 += Z2[ja[i]]
        opts[0, 2] = max(0, opts[0, 1] - D[k])
        opts[0, 4] = a1 - Z1[k]
        opts[0, 5] = a2 - Z2[k]
        opts[0, 6] = b1
        opts[0, 7] = b2
    for x in range(1, cnt):  # insertion sort by bound, ties: smaller delta first (stable)
        y = x
        while y > 0 and opts[y - 1, 2] > opts[y, 2]:
            for col in range(8):
                opts[y - 1, col], opts[y, col] = opts[y, col], opts[y - 1, col]
            y -= 1
    return 2, best, has, best_seq, empty, empty, t, kpos, 0, False, k, opts


@njit(cache=True, nogil=True)
def _range_bound(pe, de, order, lo, hi, skip, t) -> int:
    """Sorted bound of the positions ``lo..hi-1`` of a set except ``skip``, started at ``t``:
    the set's SPT order ``order`` filtered (no sort), due dates in position order."""
    total = 0
    c = t
    dpos = lo
    for x in range(len(order)):
        i = order[x]
        if i < lo or i >= hi or i == skip:
            continue
        if dpos == skip:
            dpos += 1
        c += pe[i]
        v = c - de[dpos]
        if v > 0:
            total += v
        dpos += 1
    return total


@njit(cache=True, nogil=True)
def _memo_bound(key, t, sets, times) -> int:
    """Value stored for the set ``key`` at ``t`` (exact or lower bound), -1 if none."""
    if key in sets:
        buf = times[sets[key]]
        i = _find(buf, t)
        if i <= buf[0, 0] and buf[i, 0] == t:
            return buf[i, 1]
    return -1


@njit(cache=True, nogil=True)
def _rank_options(ja, pe, de, order, t, kpos, opts, P, D, Z1, Z2, sets, times) -> None:
    """Fill the bounds of Lawler's options (rows: delta, completion of ``k``, bound, left bound):
    the sorted bound of each side, raised by the memo entry of that set at that start time."""
    m = len(ja)
    k = ja[kpos]
    a1 = np.int64(0)  # hashes of positions 0..s-1 (options come by increasing delta)
    a2 = np.int64(0)
    done = 0
    for i in range(m):
        a1 += Z1[ja[i]]
        a2 += Z2[ja[i]]
    all1, all2 = a1, a2
    a1 = np.int64(0)
    a2 = np.int64(0)
    for x in range(len(opts)):
        delta = opts[x, 0]
        c = opts[x, 1]
        tk = max(0, c - D[k])
        s = kpos + delta + 1  # the right part: positions s..m-1; the left: 0..s-1 except kpos
        while done < s:
            a1 += Z1[ja[done]]
            a2 += Z2[ja[done]]
            done += 1
        if s - 1 == 0:
            lbl = 0
        elif s - 1 == 1:
            j = ja[0] if kpos != 0 else ja[1]
            lbl = max(0, t + P[j] - D[j])
        else:
            lbl = _range_bound(pe, de, order, 0, s, kpos, t)
            mb = _memo_bound((a1 - Z1[k], a2 - Z2[k]), t, sets, times)
            if mb > lbl:
                lbl = mb
        if m - s == 0:
            lbr = 0
        elif m - s == 1:
            lbr = max(0, c + pe[s] - de[s])
        else:
            lbr = _range_bound(pe, de, order, s, m, -1, c)
            mb = _memo_bound((all1 - a1, all2 - a2), c, sets, times)
            if mb > lbr:
                lbr = mb
        opts[x, 2] = lbl + tk + lbr
        opts[x, 3] = lbl
        opts[x, 4] = a1 - Z1[k]
        opts[x, 5] = a2 - Z2[k]
        opts[x, 6] = all1 - a1
        opts[x, 7] = all2 - a2


@njit(cache=True, nogil=True)
def _piece_order(order, korder, b0, e0) -> np.ndarray:
    """SPT order of the piece ``korder[b0:e0]`` (positions of the set, increasing), renumbered
    within the piece, from the set's SPT order ``order``."""
    local = np.full(len(order), -1, dtype=np.int64)
    for x in range(b0, e0):
        local[korder[x]] = x - b0
    out = np.empty(e0 - b0, dtype=np.int64)
    k = 0
    for x in range(len(order)):
        v = local[order[x]]
        if v >= 0:
            out[k] = v
            k += 1
    return out


@njit(cache=True, nogil=True)
def _split_setup(ja, order, t, keys, P, D, Z1, Z2, sets, times):
    """Pieces of a split (keys from :func:`.emmons.first_condition_blocks`): positions of the
    set in piece order ``korder``, rows ``(begin, end, start time, bound)`` of the pieces of
    several jobs (in ``korder``), and the tardiness of the single-job pieces."""
    m = len(ja)
    # stable counting sort of the keys (0..2m): a piece keeps EDD order
    top = keys.max() + 1
    start = np.zeros(top + 1, dtype=np.int64)
    for i in range(m):
        start[keys[i] + 1] += 1
    for v in range(top):
        start[v + 1] += start[v]
    korder = np.empty(m, dtype=np.int64)
    for i in range(m):
        korder[start[keys[i]]] = i
        start[keys[i]] += 1
    pcs = np.empty((m, 4), dtype=np.int64)
    npc = 0
    fixed = 0
    c = t
    b0 = 0
    while b0 < m:
        e0 = b0 + 1
        while e0 < m and keys[korder[e0]] == keys[korder[b0]]:
            e0 += 1
        if e0 - b0 == 1:
            j = ja[korder[b0]]
            fixed += max(0, c + P[j] - D[j])
            c += P[j]
        else:
            g = ja[korder[b0:e0]]
            lb = _sorted_bound_o(g, _piece_order(order, korder, b0, e0), c, P, D)
            mb = _memo_bound(_hash(g, Z1, Z2), c, sets, times)
            pcs[npc, 0] = b0
            pcs[npc, 1] = e0
            pcs[npc, 2] = c
            pcs[npc, 3] = max(lb, mb)
            npc += 1
            for x in range(b0, e0):
                c += P[ja[korder[x]]]
        b0 = e0
    return pcs[:npc].copy(), korder, fixed


@njit(cache=True, nogil=True)
def solve(ja0, order0, t0, ub0, P, D, Z1, Z2, sets, times, seqs, ctl):
    """Optimum of ``ja0`` from ``t0`` with its sequence when below ``ub0``; else a bound >= ub0.

    Returns ``(value, found, sequence)``; ``sequence`` is meaningful when ``found``. An
    explicit stack of open calls replaces recursion (numba cannot cache recursive functions).
    """
    empty = np.empty(0, dtype=np.int64)
    emp2 = np.empty((0, 8), dtype=np.int64)
    cap = len(ja0) + 2
    fr = np.zeros((cap, 16), dtype=np.int64)
    l_ja = List()
    l_best = List()
    l_s2 = List()
    l_opt = List()
    l_ord = List()
    l_aux = List()
    for _ in range(cap):
        l_ord.append(empty)
        l_aux.append(empty)
        l_ja.append(empty)
        l_best.append(empty)
        l_s2.append(empty)
        l_opt.append(emp2)
    depth = -1
    cja = ja0
    cord = order0
    ct = t0
    cub = ub0
    cknown = -1
    ckey = _hash(ja0, Z1, Z2)
    mode = 0  # 0: call (cja, ct, cub); 1: deliver (rv, rok, rseq) to the frame; 2: next option
    rv = 0
    rok = False
    rseq = empty
    while True:
        if mode == 0:
            done, rv, rok, rseq, sid, key, known, near_t = _enter(
                cja, cord, ct, cub, cknown, ckey, P, D, Z1, Z2, sets, times, seqs
            )
            if done:
                mode = 1
                continue
            if ctl[0] != 0:
                ctl[2] = 1
                return 0, False, empty
            ctl[1] += 1
            depth += 1
            f = fr[depth]
            f[_T] = ct
            f[_UB] = cub
            f[_SID] = sid
            f[_H1] = key[0]
            f[_H2] = key[1]
            l_ja[depth] = cja
            l_ord[depth] = cord
            kind, best, has, bseq, child, chord, child_t, fixed, fixc, prefix, k, opts = _start(
                cja, cord, ct, cub, known, sid, near_t, P, D, Z1, Z2, sets, times, seqs, ctl
            )
            f[_BEST] = best
            f[_HAS] = 1 if has else 0
            l_best[depth] = bseq
            if kind == 0:
                rv, rok, rseq = best, has, bseq
                mode = 3
            elif kind == 1:
                f[_PHASE] = 1
                f[_FIX] = fixed
                f[_FIXC] = fixc
                f[_PREFIX] = 1 if prefix else 0
                cja, cord, ct, cub, cknown = child, chord, child_t, best - fixc, -1
                ckey = (key[0] - Z1[fixed], key[1] - Z2[fixed])
                mode = 0
            elif kind == 3:
                pcs, korder, fixed = _split_setup(cja, cord, ct, child, P, D, Z1, Z2, sets, times)
                rest = 0
                for x in range(len(pcs)):
                    rest += pcs[x, 3]
                f[_PHASE] = 5
                l_opt[depth] = pcs
                l_aux[depth] = korder
                l_s2[depth] = cja[korder]
                f[_V2] = fixed  # cost of the pieces solved so far
                f[_TK] = rest  # bounds of the pieces not solved yet
                f[_R] = 0
                f[_CNT] = len(pcs)
                if fixed + rest >= best:
                    rv, rok, rseq = (best, True, bseq) if has else (fixed + rest, False, empty)
                    mode = 3
                else:
                    mode = 4
            else:
                f[_PHASE] = 2
                l_opt[depth] = opts
                f[_K1] = fixed  # the position of k
                f[_R] = 0
                f[_CNT] = len(opts)
                mode = 2
            continue
        if mode == 1:  # a result for the frame on top
            if depth < 0:
                return rv, rok, rseq
            f = fr[depth]
            ph = f[_PHASE]
            if ph == 1:  # reduction: finish
                sub = rv
                fixc = f[_FIXC]
                best = f[_BEST]
                if rok and sub + fixc < best:
                    one = np.empty(1, dtype=np.int64)
                    one[0] = f[_FIX]
                    rv = sub + fixc
                    rseq = _join(one, -1, rseq) if f[_PREFIX] == 1 else _join(rseq, -1, one)
                    rok = True
                elif f[_HAS] == 1:
                    rv, rok, rseq = best, True, l_best[depth]
                else:
                    rv, rok, rseq = max(best, sub + fixc), False, empty
                mode = 3
                continue
            if ph == 5:  # a piece of a split solved
                if not rok:
                    if f[_HAS] == 1:
                        rv, rok, rseq = f[_BEST], True, l_best[depth]
                    else:
                        rv, rok, rseq = max(f[_BEST], f[_V2] + rv + f[_TK]), False, empty
                    mode = 3
                    continue
                f[_V2] += rv
                row = l_opt[depth][f[_R]]
                l_s2[depth][row[0] : row[1]] = rseq
                f[_R] += 1
                mode = 4
                continue
            if ph == 3:  # right part solved
                if not rok:
                    f[_R] += 1
                    mode = 2
                    continue
                f[_V2] = rv
                l_s2[depth] = rseq
                o = l_opt[depth][f[_R]]
                ja = l_ja[depth]
                kpos = f[_K1]
                cja = _join(ja[:kpos], -1, ja[kpos + 1 : kpos + o[0] + 1])
                cord = _sub_order(l_ord[depth], 0, kpos + o[0] + 1, kpos)
                ct = f[_T]
                cub = f[_BEST] - f[_TK] - rv
                cknown = o[3]
                ckey = (o[4], o[5])
                f[_PHASE] = 4
                mode = 0
                continue
            # ph == 4: left part solved
            if rok:
                val = rv + f[_TK] + f[_V2]
                if val < f[_BEST]:
                    f[_BEST] = val
                    ja = l_ja[depth]
                    l_best[depth] = _join(rseq, ja[f[_K1]], l_s2[depth])
                    f[_HAS] = 1
            f[_R] += 1
            mode = 2
            continue
        if mode == 4:  # next piece of a split, or the frame's answer
            f = fr[depth]
            r = f[_R]
            if r < f[_CNT]:
                row = l_opt[depth][r]
                f[_TK] -= row[3]
                cja = l_s2[depth][row[0] : row[1]].copy()
                cord = _piece_order(l_ord[depth], l_aux[depth], row[0], row[1])
                ct = row[2]
                cub = f[_BEST] - f[_V2] - f[_TK]
                cknown = row[3]
                ckey = _hash(cja, Z1, Z2)
                mode = 0
                continue
            acc = f[_V2]
            if acc >= f[_BEST]:
                rv, rok = f[_BEST], f[_HAS] == 1
                rseq = l_best[depth] if rok else empty
            else:
                rv, rok, rseq = acc, True, l_s2[depth].copy()
            mode = 3
            continue
        if mode == 2:  # next option of Lawler's decomposition, or the frame's answer
            f = fr[depth]
            r = f[_R]
            opts = l_opt[depth]
            if r < f[_CNT] and opts[r, 2] < f[_BEST]:
                ja = l_ja[depth]
                kpos = f[_K1]
                c = opts[r, 1]
                tk = max(0, c - D[ja[kpos]])
                f[_TK] = tk
                f[_PHASE] = 3
                cja = ja[kpos + opts[r, 0] + 1 :].copy()
                cord = _sub_order(l_ord[depth], kpos + opts[r, 0] + 1, len(ja), -1)
                ct = c
                cub = f[_BEST] - tk - opts[r, 3]
                cknown = opts[r, 2] - tk - opts[r, 3]
                ckey = (opts[r, 6], opts[r, 7])
                mode = 0
                continue
            rv = f[_BEST]
            rok = f[_HAS] == 1
            rseq = l_best[depth] if rok else empty
            mode = 3
            continue
        # mode 3: the frame on top is answered (rv, rok, rseq): memo, then pop
        f = fr[depth]
        ja = l_ja[depth]
        t = f[_T]
        sid = f[_SID]
        if sid < 0:
            key = (f[_H1], f[_H2])
            if key in sets:
                sid = sets[key]
            else:
                sid = len(sets)
                sets[key] = sid
                times.append(np.zeros((4, 4), dtype=np.int64))
        if rok:
            late = -1 if rv > 0 else 0  # fewest late jobs: computed when first needed
            _record(sid, t, rv, 1, late, times)
            seqs[(sid, t)] = rseq
        else:
            _record(sid, t, rv, 0, 0, times)
        depth -= 1
        mode = 1
