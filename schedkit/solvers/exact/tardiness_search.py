"""Exact branch and bound for 1||ΣT over Lawler's decomposition, with memoisation.

Jobs are renumbered in EDD order (ties: shorter first, then job number), so a subproblem is a
sorted tuple of job numbers plus its start time ``t``. ``_Search.solve(jobs, t, ub)`` returns
the optimum of the subproblem when it is below ``ub`` (with the sequence), otherwise a proven
lower bound ``>= ub``. Per subproblem:

1. Bounds. Lower bound: completion times of the jobs in SPT order from ``t`` paired with the
   due dates in increasing order, ``Σ max(0, C_[k] - d_(k))`` (valid: the k-th completion of
   any sequence is at least the k-th SPT completion; pairing sorted values minimises a sum
   of convex terms). Upper bound: EDD and SPT from ``t``. Equal bounds end the subproblem.
2. Reductions that fix a job without branching:
   * a job on time even when last (``d_j >= t + P``) can be last (moving it to the end delays
     it to an on-time completion and moves every other job earlier);
   * Emmons' first condition: ``i`` precedes ``j`` when ``p_i <= p_j`` and
     ``d_i <= max(d_j, t + p_j)``; a job preceding every other job is put first.
3. Split (Szwarc, Della Croce & Grosso): Emmons' precedence relations (:mod:`.tardiness_emmons`) are
   grown to a fixed point; a job related to every other job cuts the set into independent
   pieces (its predecessors, itself, its successors), solved one after the other with the
   budget left by the bounds of the others. By default on the whole instance only (all of
   Emmons' conditions); ``split_min`` also tries subproblems of that size with the first
   condition alone (closed by construction, O(m log m)): fewer subproblems, but not faster
   in this Python search (figures at ``_SPLIT_MIN``).
4. Lawler's decomposition (1977): for the longest job ``k`` (ties: the latest in EDD order)
   some optimal sequence is ``{jobs before k in EDD, plus the δ jobs after it}``, ``k``,
   ``{the remaining jobs}`` for some δ. Positions are eliminated with the rules of Potts &
   Van Wassenhove / Szwarc: with ``C(δ)`` the completion time of ``k``, δ > 0 needs
   ``C(δ) > d_[k+δ]`` (otherwise job ``k+δ`` can follow ``k`` on time) and δ needs
   ``C(δ) <= d_[k+δ+1]``. The remaining δ are branched on in order of their lower bound,
   with the usual bounding; the part after ``k`` is solved first (8-20 % fewer subproblems).
5. Memoisation per job set, over start times: exact optima and proven lower bounds per
   ``t``. Results at other start times bound the current one: ``F(t) >= F(t') + (t - t') U``
   for ``t' <= t`` (``U`` = fewest late jobs at ``t'``, Moore-Hodgson: those jobs are late in
   every sequence and each is delayed by ``t - t'``), ``F(t) >= F(t') - m (t' - t)`` for
   ``t' > t``, and the optimal sequence at the nearest earlier ``t'`` is an upper bound.

The default search (:func:`search`) runs these rules in numba (:mod:`.tardiness_kernel`, an explicit
stack, the memo in typed dictionaries and per-set tables): 4-5 µs per subproblem at n = 500
against 16-30 µs for the Python class :class:`_Search` below, which is kept as the reference
the tests compare with (``compiled=False``). Known weakness: clustered due dates (TF 0.6,
RDD 0.2) at n = 500 still need ~2 * 10^6 subproblems (~9-10 s); no bound stronger than the
sorted one is used.

Every elimination rule above is checked against brute-force enumeration in the tests.
"""

from __future__ import annotations

import bisect
import heapq
import threading
import time

import numpy as np
from numba import njit

from schedkit.solvers.exact import tardiness_kernel as kernel
from schedkit.solvers.exact.tardiness_emmons import blocks, first_condition_blocks

_INF = float("inf")
# Smallest subproblem tried for a split; by default only the whole instance. Measured (CPU s,
# n = 500, same start sequence): splitting every subproblem of >= 30 jobs cuts the subproblems
# 4x on TF 0.4 / RDD 0.2 (265k vs 960k) but each costs ~4x more in Python, 19.0 s vs 17.5 s;
# TF 0.6 / RDD 0.6: 667k vs 749k subproblems, 28.8 s vs 23.0 s; TF 0.8 / RDD 0.2: 5.6 vs 5.3 s.
_SPLIT_MIN: int | None = None


@njit(cache=True)
def _tard(c: np.ndarray, d: np.ndarray, t: int) -> int:
    """Σ max(0, t + c_k - d_k): a sequence's cost from prefix sums, or the sorted bound."""
    total = 0
    for k in range(len(c)):
        v = t + c[k] - d[k]
        if v > 0:
            total += v
    return total


@njit(cache=True)
def _set_data(pe: np.ndarray, de: np.ndarray) -> tuple:
    """Per-set arrays: total, EDD prefix sums, SPT order / prefix sums / due dates, longest job
    (last in EDD order), shortest job (first in EDD order) and its Emmons-first threshold."""
    m = len(pe)
    edd_c = np.cumsum(pe)
    order = np.argsort(pe, kind="mergesort")  # stable: ties keep EDD order
    cp = np.cumsum(pe[order])
    spt_d = de[order]
    kpos = 0
    for i in range(1, m):
        if pe[i] >= pe[kpos]:
            kpos = i
    first = order[0]
    first_t = -(2**62)
    found = False
    best = 0
    for j in range(m):
        if de[j] < de[first] and (not found or pe[j] < best):
            best = pe[j]
            found = True
    if found:
        first_t = de[first] - best
    return int(edd_c[m - 1]), edd_c, order, cp, spt_d, kpos, int(first), first_t


@njit(cache=True)
def _positions(pref: np.ndarray, nxt: np.ndarray, t: int) -> np.ndarray:
    """Feasible positions of the longest job k, flattened ``(delta, C(delta))`` pairs.

    ``pref[delta]`` is the completion time of k minus ``t`` when the first ``delta`` jobs after
    it in EDD order precede it; ``nxt[delta]`` is the due date of job ``k+delta+1`` (huge for
    the last position). Keep delta when ``C <= d[k+delta+1]`` and, for delta > 0,
    ``C > d[k+delta]`` (= ``nxt[delta-1]``).
    """
    out = np.empty(2 * len(pref), dtype=np.int64)
    n = 0
    for delta in range(len(pref)):
        c = t + pref[delta]
        if c > nxt[delta]:
            continue
        if delta > 0 and c <= nxt[delta - 1]:
            continue
        out[n] = delta
        out[n + 1] = c
        n += 2
    return out[:n]


class TimeUp(Exception):
    """Raised inside the search when the deadline passes."""


class _Set:
    """What a job set knows independently of its start time, and its memo over start times."""

    __slots__ = (
        "jobs",
        "m",
        "total",
        "cp",
        "ds",
        "kpos",
        "pref",
        "nxt",
        "first",
        "first_t",
        "exact",
        "lower",
        "late",
        "edd_c",
        "spt_c",
        "spt_d",
        "times",
        "_spt_order",
        "edd_p",
        "ja",
        "_spt",
    )

    def __init__(self, jobs: tuple[int, ...], Pn: np.ndarray, Dn: np.ndarray):
        self.jobs = jobs
        self.m = len(jobs)
        ja = np.fromiter(jobs, np.int64, len(jobs))
        de = Dn[ja]  # EDD order: jobs are numbered in EDD order, so already sorted
        self.ds = de
        self.edd_p = Pn[ja]
        self.ja = ja
        total, edd_c, order, cp, spt_d, kpos, first, first_t = _set_data(self.edd_p, de)
        self.total = total
        self.edd_c = edd_c
        self.cp = cp  # SPT prefix sums (ties: EDD order)
        self._spt_order = order
        self._spt: tuple[int, ...] | None = None
        self.spt_c = cp
        self.spt_d = spt_d
        self.kpos = kpos  # longest job, ties: the last in EDD order
        # completion time of k, minus t, for each delta; due date of the job after it
        self.pref = edd_c[kpos:]
        self.nxt = np.append(de[kpos + 1 :], np.int64(2**62))
        # Emmons-first candidate: the shortest job (ties: earliest due date); it precedes every
        # other job j (p_i <= p_j) when d_i <= max(d_j, t + p_j), i.e. for t >= first_t
        self.first = jobs[first]
        self.first_t = first_t
        self.exact: dict[int, tuple[int, tuple[int, ...]]] = {}
        self.lower: dict[int, int] = {}
        self.late: dict[int, int] = {}  # start time -> fewest late jobs (Moore-Hodgson)
        self.times: list[int] = []  # sorted start times with an entry in exact or lower

    @property
    def spt(self) -> tuple[int, ...]:
        if self._spt is None:
            jobs = self.jobs
            self._spt = tuple(jobs[i] for i in self._spt_order.tolist())
        return self._spt

    def edd_cost(self, t: int) -> int:
        return _tard(self.edd_c, self.ds, t)

    def spt_cost(self, t: int) -> int:
        return _tard(self.spt_c, self.spt_d, t)

    def note(self, t: int) -> None:
        i = bisect.bisect_left(self.times, t)
        if i == len(self.times) or self.times[i] != t:
            self.times.insert(i, t)

    def sorted_bound(self, t: int) -> int:
        return _tard(self.cp, self.ds, t)

    def memo_bound(self, t: int) -> int:
        """Bound from other start times: F(t) >= F(t') for t' <= t, >= F(t') - m (t' - t) above."""
        best = 0
        m = self.m
        times = self.times
        i = bisect.bisect_left(times, t)
        for t2 in times[max(0, i - 3) : i + 3]:  # the nearest entries on both sides
            hit = self.exact.get(t2)
            if hit is not None:
                v = hit[0]
                b = v + (t - t2) * self.late.get(t2, 0) if t2 <= t else v - m * (t2 - t)
            else:
                v = self.lower.get(t2, 0)
                b = v if t2 <= t else v - m * (t2 - t)
            if b > best:
                best = b
        return best

    def nearest_exact(self, t: int) -> tuple[int, ...] | None:
        """Optimal sequence at the nearest start time with an exact entry (below first)."""
        times = self.times
        i = bisect.bisect_right(times, t)
        for t2 in reversed(times[max(0, i - 4) : i]):
            hit = self.exact.get(t2)
            if hit is not None:
                return hit[1]
        for t2 in times[i : i + 4]:
            hit = self.exact.get(t2)
            if hit is not None:
                return hit[1]
        return None


class _Search:
    def __init__(
        self,
        p: np.ndarray,
        d: np.ndarray,
        deadline: float | None,
        stop: object = None,
        bounded: bool = True,
        reduce: bool = True,
        split: bool = True,
        split_min: int | None = None,
    ):
        n = len(p)
        self.order = np.lexsort((np.arange(n), p, d))  # EDD, ties: shorter, then lower number
        self.P = [int(x) for x in p[self.order]]
        self.D = [int(x) for x in d[self.order]]
        self.Pn = np.array(self.P, dtype=np.int64)
        self.Dn = np.array(self.D, dtype=np.int64)
        self.sets: dict[tuple[int, ...], _Set] = {}
        self.deadline = deadline
        self.stop = stop
        self.calls = 0
        self.bounded = bounded
        self.reduce = reduce
        self.split = split
        if split_min is None:
            split_min = n if _SPLIT_MIN is None else _SPLIT_MIN
        self.split_min = split_min
        self.n = n

    def info(self, jobs: tuple[int, ...]) -> _Set:
        s = self.sets.get(jobs)
        if s is None:
            s = self.sets[jobs] = _Set(jobs, self.Pn, self.Dn)
        return s

    def lb(self, jobs: tuple[int, ...], t: int) -> int:
        return self.info(jobs).sorted_bound(t)

    def fewest_late(self, jobs: tuple[int, ...], t: int) -> int:
        """Moore-Hodgson: the fewest late jobs of any sequence of ``jobs`` started at ``t``."""
        P, D = self.P, self.D
        heap: list[int] = []
        c = t
        for j in jobs:  # EDD order
            c += P[j]
            heapq.heappush(heap, -P[j])
            if c > D[j]:
                c += heapq.heappop(heap)
        return len(jobs) - len(heap)

    def cost(self, seq: tuple[int, ...] | list[int], t: int) -> int:
        P, D = self.P, self.D
        c = t
        total = 0
        for j in seq:
            c += P[j]
            if c > D[j]:
                total += c - D[j]
        return total

    # search ----------------------------------------------------------------------------------
    def solve(self, jobs: tuple[int, ...], t: int, ub: float) -> tuple[int, tuple[int, ...] | None]:
        """Optimum and sequence if below ``ub``; else ``(bound >= ub, None)``."""
        m = len(jobs)
        if m == 0:
            return (0, ()) if ub > 0 else (0, None)
        if m == 1:
            j = jobs[0]
            v = max(0, t + self.P[j] - self.D[j])
            return (v, jobs) if v < ub else (v, None)
        s = self.info(jobs)
        hit = s.exact.get(t)
        if hit is not None:
            return hit if hit[0] < ub else (hit[0], None)
        known = max(s.lower.get(t, 0), s.sorted_bound(t))
        if known >= ub:
            return known, None
        known = max(known, s.memo_bound(t))
        if known >= ub:
            s.lower[t] = known
            s.note(t)
            return known, None
        self.calls += 1
        if self.calls & 63 == 0:
            if self.deadline is not None and time.perf_counter() > self.deadline:
                raise TimeUp
            if self.stop is not None and self.stop.is_set():
                raise TimeUp
        res = self._solve(s, t, ub, known)
        if res[1] is not None:
            s.exact[t] = (res[0], res[1])
            s.lower.pop(t, None)
            if res[0] > 0:
                s.late[t] = kernel.fewest_late(s.edd_p, s.ds, t)
        else:
            s.lower[t] = max(s.lower.get(t, 0), res[0])
        s.note(t)
        return res

    def _solve(self, s: _Set, t: int, ub: float, lb: int) -> tuple[int, tuple[int, ...] | None]:
        P, D = self.P, self.D
        jobs = s.jobs
        # upper bound: EDD (the set's order), SPT, and the optima at other start times
        best_val = s.edd_cost(t)
        best_seq: tuple[int, ...] | None = jobs
        if best_val > lb:
            v = s.spt_cost(t)
            if v < best_val:
                best_val, best_seq = v, s.spt
        if best_val > lb and s.exact:
            seq = s.nearest_exact(t)
            if seq is not None:
                v = self.cost(seq, t)
                if v < best_val:
                    best_val, best_seq = v, seq
        if best_val <= lb:
            return (best_val, best_seq) if best_val < ub else (best_val, None)
        if best_val >= ub:
            best_val, best_seq = ub, None
        # reduction: a job on time at the end goes last (the one due last)
        last = jobs[-1]
        if self.reduce and D[last] >= t + s.total:
            sub, seq = self.solve(jobs[:-1], t, best_val)
            return self._finish(sub, seq, (last,), 0, best_val, best_seq, prefix=False)
        # reduction: Emmons-first job
        if self.reduce and t >= s.first_t:
            first = s.first
            tk = max(0, t + P[first] - D[first])
            rest = tuple(j for j in jobs if j != first)
            sub, seq = self.solve(rest, t + P[first], best_val - tk)
            return self._finish(sub, seq, (first,), tk, best_val, best_seq, prefix=True)
        # Lawler's decomposition on the longest job
        kpos = s.kpos
        k = jobs[kpos]
        options = []
        found = _positions(s.pref, s.nxt, t)  # (delta, completion of k) pairs
        # Emmons' precedence relations split the set into independent pieces: all three
        # conditions on the whole instance, the first one (in O(m log m)) on subproblems
        if self.split and s.m >= self.split_min:
            split_by = blocks if s.m == self.n else first_condition_blocks
            keys = split_by(s.edd_p, s.ds, t)
            if keys.max() > 0:
                return self._pieces(s, t, keys, best_val, best_seq)
        deltas = found[0::2].tolist()
        comps = found[1::2].tolist()
        single = len(deltas) == 1  # no ordering needed: the subproblems bound themselves
        for delta, c in zip(deltas, comps, strict=True):
            left = jobs[:kpos] + jobs[kpos + 1 : kpos + delta + 1]
            right = jobs[kpos + delta + 1 :]
            tk = max(0, c - D[k])
            lbl = 0 if single else self._bound(left, t)
            lbr = 0 if single else self._bound(right, c)
            options.append((lbl + tk + lbr, delta, left, right, c, tk, lbl, lbr))
        options.sort(key=lambda o: (o[0], o[1]))
        for bound, _, left, right, c, tk, lbl, _lbr in options:
            if bound >= best_val:
                break
            # the right part first: it is the smaller, later-starting set whose bound fails fastest
            v2, s2 = self.solve(right, c, best_val - tk - lbl if self.bounded else _INF)
            if s2 is None:
                continue
            v1, s1 = self.solve(left, t, best_val - tk - v2 if self.bounded else _INF)
            if s1 is None:
                continue
            val = v1 + tk + v2
            if val < best_val:
                best_val, best_seq = val, s1 + (k,) + s2
        if best_seq is None:
            return best_val, None
        return best_val, best_seq

    def _pieces(
        self,
        s: _Set,
        t: int,
        keys: np.ndarray,
        best_val: float,
        best_seq: tuple[int, ...] | None,
    ) -> tuple[int, tuple[int, ...] | None]:
        """Solve the pieces of a split set (keys from the :mod:`.tardiness_emmons` functions).

        The pieces are independent once their start times are known: single jobs are costed
        directly, the others solved with the budget left by the bounds of the rest.
        """
        order = np.argsort(keys, kind="mergesort")
        ks = keys[order]
        cuts = np.flatnonzero(ks[1:] != ks[:-1]) + 1
        ends = np.append(cuts, len(ks))
        begins = np.concatenate(([0], cuts))
        done = np.cumsum(s.edd_p[order])  # completion times minus t, in sequence order
        sizes = ends - begins
        ones = begins[sizes == 1]
        fixed = int(np.maximum(0, t + done[ones] - s.ds[order[ones]]).sum())
        ja = s.ja[order].tolist()
        many = np.flatnonzero(sizes > 1).tolist()
        pieces = []
        for x in many:
            b0, e0 = int(begins[x]), int(ends[x])
            st = t + (int(done[b0 - 1]) if b0 > 0 else 0)
            g = tuple(ja[b0:e0])
            pieces.append((g, st, self._bound(g, st), b0))
        rest = sum(pc[2] for pc in pieces)  # bounds of the pieces not solved yet
        if fixed + rest >= best_val:
            return (int(best_val), best_seq) if best_seq is not None else (fixed + rest, None)
        acc = fixed
        found: dict[int, tuple[int, ...]] = {}
        for g, st, lb, b0 in pieces:
            rest -= lb
            v, sg = self.solve(g, st, best_val - acc - rest)
            if sg is None:
                if best_seq is not None:
                    return int(best_val), best_seq
                return max(int(best_val), acc + v + rest), None
            acc += v
            found[b0] = sg
        if acc >= best_val:
            return (int(best_val), best_seq) if best_seq is not None else (int(best_val), None)
        seq: list[int] = []
        for x in range(len(begins)):
            b0 = int(begins[x])
            if b0 in found:
                seq.extend(found[b0])
            else:
                seq.append(ja[b0])
        return acc, tuple(seq)

    def _bound(self, jobs: tuple[int, ...], t: int) -> int:
        if not jobs:
            return 0
        if len(jobs) == 1:
            return max(0, t + self.P[jobs[0]] - self.D[jobs[0]])
        s = self.sets.get(jobs)
        if s is None:  # a set not met yet: the sorted bound without building its record
            return kernel.sorted_bound(np.fromiter(jobs, np.int64, len(jobs)), self.Pn, self.Dn, t)
        hit = s.exact.get(t)
        if hit is not None:
            return hit[0]
        return max(s.lower.get(t, 0), s.sorted_bound(t))

    def _finish(
        self,
        sub: int,
        seq: tuple[int, ...] | None,
        fixed: tuple[int, ...],
        fixed_cost: int,
        best_val: float,
        best_seq: tuple[int, ...] | None,
        prefix: bool,
    ) -> tuple[int, tuple[int, ...] | None]:
        if seq is not None and sub + fixed_cost < best_val:
            return sub + fixed_cost, (fixed + seq if prefix else seq + fixed)
        if best_seq is not None:
            return int(best_val), best_seq
        return max(int(best_val), sub + fixed_cost), None


def search(
    p: np.ndarray,
    d: np.ndarray,
    ub_seq: np.ndarray,
    deadline: float | None,
    stop: object = None,
    split_min: int | None = None,
    compiled: bool = True,
) -> tuple[np.ndarray, int, bool, dict[str, int]]:
    """Optimise 1||ΣT starting from the upper-bound sequence ``ub_seq`` (original numbering).

    Returns ``(sequence, lower bound, proven, stats)``; on a timeout the sequence is
    ``ub_seq`` and the bound the root lower bound. ``split_min``: smallest set on which
    Emmons' split is tried (default: the whole instance only; see :mod:`.tardiness_emmons`). With
    ``compiled`` (default) the search below the root runs in :mod:`.tardiness_kernel`; otherwise in
    the Python :class:`_Search` (the reference the tests compare with). Measured in the
    compiled search (n = 500, seed 11): ``split_min=30`` expands 3x fewer subproblems on
    TF 0.6 / RDD 0.2 (0.66M vs 2.1M) but each costs ~3x more, 10.9 s vs 10.0 s CPU.
    """
    if compiled:
        return _search_compiled(p, d, ub_seq, deadline, stop, split_min)
    s = _Search(p, d, deadline, stop, split_min=split_min)
    rank = np.empty(len(p), dtype=np.int64)
    rank[s.order] = np.arange(len(p))
    root = tuple(range(len(p)))
    ub_val = s.cost([int(rank[j]) for j in ub_seq], 0)
    root_lb = s.lb(root, 0) if len(root) > 1 else 0
    if ub_val <= root_lb:
        return ub_seq, ub_val, True, {"subproblems": 0}
    try:
        val, seq = s.solve(root, 0, ub_val)
    except TimeUp:
        return ub_seq, root_lb, False, {"subproblems": s.calls}
    stats = {"subproblems": s.calls}
    if seq is None:  # nothing below the start sequence: it is optimal
        return ub_seq, ub_val, True, stats
    return s.order[np.array(seq, dtype=np.int64)], val, True, stats


#: time of Emmons' split (:func:`blocks`) per n^2, measured: 6.3 s at n = 5000; it runs before
#: the watched search, so it is skipped when it would not end before the deadline
BLOCKS_SECONDS_PER_N2 = 3e-7


def _watch(ctl: np.ndarray, deadline: float | None, stop: object, done: threading.Event) -> None:
    """Set ``ctl[0]`` at the deadline or on ``stop`` (polled every 20 ms) until ``done``."""
    while not done.wait(0.02):
        if (deadline is not None and time.perf_counter() > deadline) or (stop is not None and stop.is_set()):
            ctl[0] = 1
            return


def _search_compiled(
    p: np.ndarray,
    d: np.ndarray,
    ub_seq: np.ndarray,
    deadline: float | None,
    stop: object,
    split_min: int | None,
) -> tuple[np.ndarray, int, bool, dict[str, int]]:
    """:func:`search` with Emmons' split of the whole instance here and the pieces solved by
    :func:`.compiled.solve` (without the GIL, stopped through ``ctl`` by a watcher thread)."""
    n = len(p)
    order = np.lexsort((np.arange(n), p, d))  # EDD, ties: shorter, then lower number
    P = np.ascontiguousarray(p[order], dtype=np.int64)
    D = np.ascontiguousarray(d[order], dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    ub_val = int(kernel.cost(np.ascontiguousarray(rank[ub_seq], dtype=np.int64), P, D, 0))
    root_lb = int(kernel.sorted_bound(np.arange(n, dtype=np.int64), P, D, 0)) if n > 1 else 0
    if ub_val <= root_lb:
        return ub_seq, ub_val, True, {"subproblems": 0}
    # pieces of Emmons' split (one piece when nothing splits, or when there is no time for it)
    no_time = deadline is not None and time.perf_counter() + BLOCKS_SECONDS_PER_N2 * n * n > deadline
    keys = blocks(P, D, 0) if n > 1 and not no_time else np.zeros(n, dtype=np.int64)
    ks_order = np.argsort(keys, kind="mergesort")
    ks = keys[ks_order]
    cuts = np.flatnonzero(ks[1:] != ks[:-1]) + 1
    begins = np.concatenate(([0], cuts)).astype(np.int64)
    ends = np.append(cuts, n).astype(np.int64)
    done_c = np.cumsum(P[ks_order])
    pieces = []
    for b0, e0 in zip(begins.tolist(), ends.tolist(), strict=True):
        st = int(done_c[b0 - 1]) if b0 > 0 else 0
        g = np.ascontiguousarray(ks_order[b0:e0], dtype=np.int64)
        pieces.append((g, st, int(kernel.sorted_bound(g, P, D, st))))
    z = np.random.default_rng(12345).integers(-(2**63), 2**63 - 1, (2, n), dtype=np.int64)
    Z1, Z2 = np.ascontiguousarray(z[0]), np.ascontiguousarray(z[1])
    sets, times, seqs = kernel.new_memo()
    ctl = np.zeros(8, dtype=np.int64)
    ctl[7] = 0 if split_min is None else max(2, split_min)  # 0: subproblems never split
    W = np.zeros((3, n), dtype=np.int64)
    W[0] = np.lexsort((np.arange(n), P))  # SPT, ties: EDD order
    done = threading.Event()
    watcher = None
    if deadline is not None or stop is not None:
        watcher = threading.Thread(target=_watch, args=(ctl, deadline, stop, done), daemon=True)
        watcher.start()
    try:
        rest = sum(pc[2] for pc in pieces)
        acc = 0
        parts = []
        optimal_start = rest >= ub_val  # nothing below the start sequence
        if not optimal_start:
            for g, st, lb in pieces:
                rest -= lb
                go = kernel.spt_order(g, W, ctl)
                v, ok, sg = kernel.solve(g, go, st, ub_val - acc - rest, P, D, Z1, Z2, sets, times, seqs, ctl)
                if ctl[2]:
                    return ub_seq, root_lb, False, {"subproblems": int(ctl[1])}
                if not ok:
                    optimal_start = True
                    break
                acc += int(v)
                parts.append(sg)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    stats = {"subproblems": int(ctl[1])}
    if optimal_start or acc >= ub_val:
        return ub_seq, ub_val, True, stats
    return order[np.concatenate(parts)], acc, True, stats


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel, with the argument types
    real calls use, by solving a small clustered instance (it takes the split, the branching
    and the memo paths), so that a timed solve() never pays for it."""
    rng = np.random.default_rng(0)
    p = rng.integers(1, 101, 40).astype(np.int64)
    total = int(p.sum())
    d = rng.integers(int(0.3 * total), int(0.5 * total) + 1, 40).astype(np.int64)
    search(p, d, np.arange(40, dtype=np.int64), None)
    search(p, d, np.arange(40, dtype=np.int64), None, split_min=10)
    search(p, d, np.arange(40, dtype=np.int64), None, compiled=False)
    kernel.fewest_late(p, d, 0)
    kernel.sorted_bound(np.arange(3, dtype=np.int64), p, d, 0)
    blocks(p, d, 0)
    first_condition_blocks(p, d, 0)
