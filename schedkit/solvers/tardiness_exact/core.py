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
3. Lawler's decomposition (1977): for the longest job ``k`` (ties: the latest in EDD order)
   some optimal sequence is ``{jobs before k in EDD, plus the δ jobs after it}``, ``k``,
   ``{the remaining jobs}`` for some δ. Positions are eliminated with the rules of Potts &
   Van Wassenhove / Szwarc: with ``C(δ)`` the completion time of ``k``, δ > 0 needs
   ``C(δ) > d_[k+δ]`` (otherwise job ``k+δ`` can follow ``k`` on time) and δ needs
   ``C(δ) <= d_[k+δ+1]``. The remaining δ are branched on in order of their lower bound,
   with the usual bounding.
4. Memoisation: exact optima and proven lower bounds per ``(jobs, t)``.

Every elimination rule above is checked against brute-force enumeration in the tests.
"""

from __future__ import annotations

import time

import numpy as np


class TimeUp(Exception):
    """Raised inside the search when the deadline passes."""


class _Search:
    def __init__(self, p: np.ndarray, d: np.ndarray, deadline: float | None, stop: object = None):
        n = len(p)
        self.order = np.lexsort((np.arange(n), p, d))  # EDD, ties: shorter, then lower number
        self.P = [int(x) for x in p[self.order]]
        self.D = [int(x) for x in d[self.order]]
        self.exact: dict[tuple[tuple[int, ...], int], tuple[int, tuple[int, ...]]] = {}
        self.lower: dict[tuple[tuple[int, ...], int], int] = {}
        self.deadline = deadline
        self.stop = stop
        self.calls = 0

    # bounds --------------------------------------------------------------------------------
    def lb(self, jobs: tuple[int, ...], t: int) -> int:
        P, D = self.P, self.D
        ps = sorted(P[j] for j in jobs)
        ds = sorted(D[j] for j in jobs)  # jobs are in EDD order already, but keep it general
        c = t
        total = 0
        for k in range(len(ps)):
            c += ps[k]
            if c > ds[k]:
                total += c - ds[k]
        return total

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
        key = (jobs, t)
        hit = self.exact.get(key)
        if hit is not None:
            return hit if hit[0] < ub else (hit[0], None)
        known = self.lower.get(key, 0)
        if known >= ub:
            return known, None
        self.calls += 1
        if self.calls & 1023 == 0:
            if self.deadline is not None and time.perf_counter() > self.deadline:
                raise TimeUp
            if self.stop is not None and self.stop.is_set():
                raise TimeUp
        res = self._solve(jobs, t, ub, max(known, self.lb(jobs, t)))
        if res[1] is not None:
            self.exact[key] = (res[0], res[1])
        else:
            self.lower[key] = max(known, res[0])
        return res

    def _solve(self, jobs: tuple[int, ...], t: int, ub: float, lb: int) -> tuple[int, tuple[int, ...] | None]:
        P, D = self.P, self.D
        if lb >= ub:
            return lb, None
        # upper bound from EDD (jobs are in EDD order) and SPT
        best_val = self.cost(jobs, t)
        best_seq: tuple[int, ...] | None = jobs
        if best_val > lb:
            spt = tuple(sorted(jobs, key=lambda j: (P[j], D[j], j)))
            v = self.cost(spt, t)
            if v < best_val:
                best_val, best_seq = v, spt
        if best_val <= lb:
            return (best_val, best_seq) if best_val < ub else (best_val, None)
        if best_val >= ub:
            best_val, best_seq = ub, None
        total = t + sum(P[j] for j in jobs)
        # reduction: a job on time at the end goes last (the one due last)
        last = jobs[-1]
        if D[last] >= total:
            sub, seq = self.solve(jobs[:-1], t, best_val)
            return self._finish(sub, seq, (last,), 0, best_val, best_seq, prefix=False)
        # reduction: Emmons-first job
        first = self._emmons_first(jobs, t)
        if first is not None:
            tk = max(0, t + P[first] - D[first])
            rest = tuple(j for j in jobs if j != first)
            sub, seq = self.solve(rest, t + P[first], best_val - tk)
            return self._finish(sub, seq, (first,), tk, best_val, best_seq, prefix=True)
        # Lawler's decomposition on the longest job
        m = len(jobs)
        kpos = 0
        for i in range(1, m):
            if P[jobs[i]] >= P[jobs[kpos]]:
                kpos = i
        k = jobs[kpos]
        c = t + sum(P[jobs[i]] for i in range(kpos + 1))
        options = []
        for delta in range(m - kpos):
            if delta > 0:
                c += P[jobs[kpos + delta]]
                if c <= D[jobs[kpos + delta]]:
                    continue
            if kpos + delta + 1 < m and c > D[jobs[kpos + delta + 1]]:
                continue
            left = jobs[:kpos] + jobs[kpos + 1 : kpos + delta + 1]
            right = jobs[kpos + delta + 1 :]
            tk = max(0, c - D[k])
            lbl = self._bound(left, t)
            lbr = self._bound(right, c)
            options.append((lbl + tk + lbr, delta, left, right, c, tk, lbl, lbr))
        options.sort(key=lambda o: (o[0], o[1]))
        for bound, _, left, right, c, tk, _lbl, lbr in options:
            if bound >= best_val:
                break
            v1, s1 = self.solve(left, t, best_val - tk - lbr)
            if s1 is None:
                continue
            v2, s2 = self.solve(right, c, best_val - tk - v1)
            if s2 is None:
                continue
            val = v1 + tk + v2
            if val < best_val:
                best_val, best_seq = val, s1 + (k,) + s2
        if best_seq is None:
            return best_val, None
        return best_val, best_seq

    def _bound(self, jobs: tuple[int, ...], t: int) -> int:
        if not jobs:
            return 0
        key = (jobs, t)
        hit = self.exact.get(key)
        if hit is not None:
            return hit[0]
        return max(self.lower.get(key, 0), self.lb(jobs, t))

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

    def _emmons_first(self, jobs: tuple[int, ...], t: int) -> int | None:
        """A job that Emmons' first condition puts before every other job, or None."""
        P, D = self.P, self.D
        i = min(jobs, key=lambda j: (P[j], D[j], j))
        pi, di = P[i], D[i]
        for j in jobs:
            if j != i and not (pi <= P[j] and di <= max(D[j], t + P[j])):
                return None
        return i


def search(
    p: np.ndarray,
    d: np.ndarray,
    ub_seq: np.ndarray,
    deadline: float | None,
    stop: object = None,
) -> tuple[np.ndarray, int, bool, dict[str, int]]:
    """Optimise 1||ΣT starting from the upper-bound sequence ``ub_seq`` (original numbering).

    Returns ``(sequence, lower bound, proven, stats)``; on a timeout the sequence is
    ``ub_seq`` and the bound the root lower bound.
    """
    s = _Search(p, d, deadline, stop)
    rank = np.empty(len(p), dtype=np.int64)
    rank[s.order] = np.arange(len(p))
    root = tuple(range(len(p)))
    ub_val = s.cost([int(rank[j]) for j in ub_seq], 0)
    root_lb = s.lb(root, 0)
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
