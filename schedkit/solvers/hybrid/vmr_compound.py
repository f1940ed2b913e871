"""Compound moves for VM rescheduling: a deterministic improvement search over a plan.

Every migration changes the residue sum ``R = sum(free mod 16)`` by a multiple of 16 (``R`` is
congruent to the invariant total free CPU), so once greedy stops, every single step is worth 0
or less, and what is left needs *compounds*: a step worth 0 that prepares another (two VMs
leaving one node so that it wraps to a multiple of 16, two arriving to fill one), or, when the
budget is spent, two steps worth more than the plan's weakest steps they would replace.

:func:`pair_round` scores, on the state the plan leaves, every two-step compound sharing one PM
``X`` (numpy, over all PMs at once): two VMs on ``X`` leaving (each to its class's best
destination elsewhere), one leaving and one of a class arriving, two of classes arriving (each
from its class's best source elsewhere). The change on ``X`` is exact for the pair together
(``sum of f%16 - (f + change)%16`` over its nodes, order-free); the far ends come from tables
of the state, exact away from ``X``. A step touching only PMs the other step does not touch
has the gain it has alone, so compounds around one shared PM are all the two-step ones that
need each other. The best-scored candidates are then applied step by step with exact places
and gains (:func:`move_gain`), kept when the exact gain beats the loss of the cheapest
*independent* steps of the plan they displace (steps whose PMs no other step touches: leaving
one out changes nothing else; needed only when the budget is spent), PM-disjoint within a round.
:func:`improve_pairs` repeats rounds while the plan, replayed by the problem's checker, stays
feasible and lowers the fragment rate. Anti-affinity members take no part (greedy and the LNS
handle them). Deterministic: no randomness, ties broken by index.
"""

from __future__ import annotations

import time

import numpy as np

from schedkit.problems.vmr import BOTH, SLOT, VMRescheduling
from schedkit.solvers.rules.vmr import _NEG, MappingState, _classes, _DestTable, _source_gain

Move = tuple[int, int, int, int, int]
#: best untouched destinations / sources kept per class (to skip touched PMs)
TOP = 12


def move_gain(st: MappingState, v: int, dp: int, dn: int) -> int | None:
    """Exact decrease of the residue sum if VM ``v`` moves to PM ``dp`` node(s) ``dn`` now;
    None if it does not fit there (CPU, memory, active PM, same place, NUMA shape)."""
    p = st.p
    sp, sn = int(st.pos_pm[v]), int(st.pos_numa[v])
    double = sn == BOTH
    if (dn == BOTH) != double or (dp == sp and (double or dn == sn)) or not p.pm_active[dp]:
        return None
    c, m = int(p.vm_cpu[v]), int(p.vm_mem[v])
    fc, fm = st.free_c, st.free_m
    dst = (0, 1) if double else (dn,)
    for j in dst:
        if fc[dp, j] < c or fm[dp, j] < m:
            return None
    g = 0
    for j in (0, 1) if double else (sn,):
        f = int(fc[sp, j])
        g += f % SLOT - (f + c) % SLOT
    for j in dst:
        f = int(fc[dp, j])
        g += f % SLOT - (f - c) % SLOT
    return g


class _Tables:
    """Per class: the best destinations and sources on the state (exact on untouched PMs)."""

    def __init__(self, st: MappingState, idx: np.ndarray):
        p = st.p
        self.st = st
        self.idx = idx
        self.cls, cls_of = _classes(p, idx)
        self.class_of = np.full(p.num_vms, -1, np.int64)
        self.class_of[idx] = cls_of
        table = _DestTable(st, self.cls)
        self.dest_gain = table.gain
        k_top = min(TOP, table.score.shape[1])
        top = np.argpartition(-table.score, k_top - 1, axis=1)[:, :k_top]
        order = np.argsort(-np.take_along_axis(table.score, top, axis=1), axis=1, kind="stable")
        self.dest_top = np.take_along_axis(top, order, axis=1)
        self.double = self.cls[:, 2] != 0
        src = _source_gain(st, idx)
        self.src_gain = np.zeros(p.num_vms, np.int64)
        self.src_gain[idx] = src
        self.src_top: list[np.ndarray] = []
        for k in range(len(self.cls)):
            members = np.flatnonzero(cls_of == k)
            best = members[np.argsort(-src[members], kind="stable")[:TOP]]
            self.src_top.append(idx[best])

    def slot_move(self, k: int, s: int) -> tuple[int, int]:
        return (s, BOTH) if self.double[k] else (s // 2, s % 2)


def _state(problem: VMRescheduling, moves: list[Move]) -> MappingState:
    st = MappingState(problem)
    for v, _, _, dp, dn in moves:
        st.move(v, dp, dn)
    return st


def _removals(st: MappingState) -> list[tuple[int, int, int, int]]:
    """Independent steps of the plan as ``(loss, step index, src PM, dst PM)``, cheapest first:
    the exact increase of the residue sum if the step were left out."""
    moves = st.moves
    count: dict[int, int] = {}
    for _, a, _, c, _ in moves:
        for q in {a, c}:
            count[q] = count.get(q, 0) + 1
    seen: dict[int, int] = {}
    for v, *_ in moves:
        seen[v] = seen.get(v, 0) + 1
    out = []
    fc, cpu = st.free_c, st.p.vm_cpu
    for i, (v, a, b, c, d) in enumerate(moves):
        if seen[v] > 1 or count[a] > 1 or count[c] > 1:
            continue
        delta: dict[tuple[int, int], int] = {}
        for j in (0, 1) if d == BOTH else (d,):
            delta[c, j] = delta.get((c, j), 0) + int(cpu[v])
        for j in (0, 1) if b == BOTH else (b,):
            delta[a, j] = delta.get((a, j), 0) - int(cpu[v])
        loss = sum((int(fc[q]) + x) % SLOT - int(fc[q]) % SLOT for q, x in delta.items())
        out.append((loss, i, a, c))
    out.sort()
    return out


# --- vectorised scan of two-step compounds around one shared PM ------------------------------
OUT_OUT, OUT_IN, IN_IN = 0, 1, 2


def _delta(f: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Residue decrease of nodes with free CPU ``f`` whose free CPU changes by ``a``."""
    return f % SLOT - (f + a) % SLOT


class _PairScan:
    """Every two-step compound sharing one PM ``X``, scored from the tables (the end away from
    ``X`` at its best untouched place), as arrays: kind, X, the two items, nodes, score."""

    def __init__(self, st: MappingState, tb: _Tables):
        self.st, self.tb = st, tb
        p = st.p
        idx = tb.idx
        self.idx = idx
        self.pm = st.pos_pm[idx]
        self.numa = st.pos_numa[idx]
        self.k = tb.class_of[idx]
        self.c = p.vm_cpu[idx]
        self.m = p.vm_mem[idx]
        dbl = self.numa == BOTH
        self.dep = np.stack([np.where(dbl | (self.numa == j), self.c, 0) for j in (0, 1)], axis=1)
        self.dep_m = np.stack([np.where(dbl | (self.numa == j), self.m, 0) for j in (0, 1)], axis=1)
        self.dest = self._dest_gain_off_own()
        self.src_best, self.src_pm, self.src_alt, self.src_two = self._source_tables()

    def _dest_gain_off_own(self) -> np.ndarray:
        """Best untouched destination gain of each VM away from its own PM (_NEG: none)."""
        tb = self.tb
        top_gain = np.take_along_axis(tb.dest_gain, tb.dest_top, axis=1)  # (classes, TOP)
        tops = tb.dest_top[self.k]  # (n, TOP) slots
        gains = top_gain[self.k]
        pms = np.where(tb.double[self.k][:, None], tops, tops // 2)
        ok = (pms != self.pm[:, None]) & (gains > _NEG)
        first = np.argmax(ok, axis=1)
        g = gains[np.arange(len(tops)), first]
        return np.where(ok.any(axis=1), g, _NEG)

    def _source_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per class: best source gain, its PM, best gain off that PM, best two together."""
        tb, st = self.tb, self.st
        n = len(tb.cls)
        best = np.full(n, _NEG, np.int64)
        pm = np.full(n, -1, np.int64)
        alt = np.full(n, _NEG, np.int64)
        two = np.full(n, _NEG, np.int64)
        for k in range(n):
            tops = tb.src_top[k]
            if not len(tops):
                continue
            g = tb.src_gain[tops]
            best[k], pm[k] = int(g[0]), int(st.pos_pm[tops[0]])
            off = np.flatnonzero(st.pos_pm[tops] != pm[k])
            if len(off):
                alt[k] = int(g[off[0]])
            if len(tops) > 1:
                two[k] = int(g[0] + g[1])
        return best, pm, alt, two

    def source_off(self, k: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.where(self.src_pm[k] == x, self.src_alt[k], self.src_best[k])

    def candidates(self, threshold: int = 0) -> list[tuple[int, int, int, int, int, int]]:
        """``(score, kind, X, a, b, nodes)`` scoring above ``threshold``, best first: OUT_OUT
        a, b = VM positions in ``idx``; OUT_IN a = VM position, b = class, nodes = arrival
        node (2: both); IN_IN a, b = classes, nodes = 3 * node of a + node of b (2: both)."""
        st, tb = self.st, self.tb
        fc, fm = st.free_c, st.free_m
        out = []
        # out-out: pairs of VMs on one PM
        order = np.argsort(self.pm, kind="stable")
        spm = self.pm[order]
        for d in range(1, 64):
            if d >= len(order):
                break
            same = np.flatnonzero(spm[:-d] == spm[d:])
            if not len(same):
                break
            a, b = order[same], order[same + d]
            x = self.pm[a]
            delta = _delta(fc[x], self.dep[a] + self.dep[b]).sum(axis=1)
            score = delta + self.dest[a] + self.dest[b]
            ok = (self.dest[a] > _NEG) & (self.dest[b] > _NEG) & (self.c[a] % SLOT + self.c[b] % SLOT > 0)
            for i in np.flatnonzero(ok & (score > threshold)):
                out.append((int(score[i]), OUT_OUT, int(x[i]), int(a[i]), int(b[i]), 0))
        # out-in: a VM leaves X, a VM of class k arrives on X
        ncls = len(tb.cls)
        for k in range(ncls):
            if self.src_best[k] <= _NEG:
                continue
            ck, mk = int(tb.cls[k, 0]), int(tb.cls[k, 1])
            x = self.pm
            nodes = (BOTH,) if tb.double[k] else (0, 1)
            src = self.source_off(np.full(len(x), k), x)
            for j in nodes:
                arr = np.zeros((len(x), 2), np.int64)
                if j == BOTH:
                    arr[:] = ck
                else:
                    arr[:, j] = ck
                arr_m = np.where(arr > 0, mk, 0)
                a = self.dep - arr
                room = ((fc[x] + a) >= 0).all(axis=1) & ((fm[x] + self.dep_m - arr_m) >= 0).all(axis=1)
                room &= st.p.pm_active[x] & (self.k != k)
                score = _delta(fc[x], a).sum(axis=1) + self.dest + src
                ok = room & (self.dest > _NEG) & (src > _NEG) & (score > threshold)
                for i in np.flatnonzero(ok):
                    out.append((int(score[i]), OUT_IN, int(x[i]), int(i), k, j))
        # in-in: two VMs arrive on X
        act = np.flatnonzero(st.p.pm_active)
        f = fc[act]
        fmem = fm[act]
        for k1 in range(ncls):
            for k2 in range(k1, ncls):
                if self.src_best[k1] <= _NEG or self.src_best[k2] <= _NEG:
                    continue
                if k1 == k2 and self.src_two[k1] <= _NEG:
                    continue
                c1, c2 = int(tb.cls[k1, 0]), int(tb.cls[k2, 0])
                if c1 % SLOT == 0 and c2 % SLOT == 0:
                    continue
                m1, m2 = int(tb.cls[k1, 1]), int(tb.cls[k2, 1])
                n1 = (BOTH,) if tb.double[k1] else (0, 1)
                n2 = (BOTH,) if tb.double[k2] else (0, 1)
                ends = self.src_two[k1] if k1 == k2 else self.src_best[k1] + self.src_best[k2]
                for j1 in n1:
                    for j2 in n2:
                        arr = np.zeros(2, np.int64)
                        arr_m = np.zeros(2, np.int64)
                        for j, c, mm in ((j1, c1, m1), (j2, c2, m2)):
                            for jj in (0, 1) if j == BOTH else (j,):
                                arr[jj] += c
                                arr_m[jj] += mm
                        room = ((f - arr) >= 0).all(axis=1) & ((fmem - arr_m) >= 0).all(axis=1)
                        score = _delta(f, -arr).sum(axis=1) + ends
                        for i in np.flatnonzero(room & (score > threshold)):
                            out.append((int(score[i]), IN_IN, int(act[i]), k1, k2, 3 * j1 + j2))
        out.sort(key=lambda t: (-t[0], t[1], t[2], t[3], t[4], t[5]))
        return out


def _best_dest_exact(st: MappingState, tb: _Tables, u: int, avoid: set[int]) -> tuple[int, int, int] | None:
    """(exact gain, PM, node) of VM ``u``'s best move among its class's top destinations."""
    k = int(tb.class_of[u])
    best = None
    for s in tb.dest_top[k]:
        if tb.dest_gain[k, s] <= _NEG:
            break
        dp, dn = tb.slot_move(k, int(s))
        if dp in avoid:
            continue
        g = move_gain(st, u, dp, dn)
        if g is not None and (best is None or g > best[0]):
            best = (g, dp, dn)
    return best


def _best_source_exact(
    st: MappingState, tb: _Tables, k: int, x: int, j: int, avoid: set[int], used: set[int]
) -> tuple[int, int] | None:
    """(exact gain, VM) of the best VM of class ``k`` among its top sources moving to (x, j)."""
    best = None
    for w in tb.src_top[k]:
        w = int(w)
        if w in used or int(st.pos_pm[w]) in avoid:
            continue
        g = move_gain(st, w, x, j)
        if g is not None and (best is None or g > best[0]):
            best = (g, w)
    return best


def _materialise(st: MappingState, scan: _PairScan, cand: tuple) -> tuple[int, int, set[int]] | None:
    """Apply a scanned candidate's two steps to ``st`` with exact places; (gain, steps, touched
    PMs), or None (nothing applied) when a step no longer fits."""
    _, kind, x, a, b, nodes = cand
    tb = scan.tb
    gain, done, touched = 0, 0, {x}

    def step(v: int, dp: int, dn: int, g: int) -> None:
        nonlocal gain, done
        touched.update((int(st.pos_pm[v]), dp))
        st.move(v, dp, dn)
        gain += g
        done += 1

    def fail() -> None:
        for _ in range(done):
            st.undo()

    if kind in (OUT_OUT, OUT_IN):
        u = int(scan.idx[a])
        if int(st.pos_pm[u]) != x:
            return None
        d = _best_dest_exact(st, tb, u, {x})
        if d is None:
            return None
        step(u, d[1], d[2], d[0])
        if kind == OUT_OUT:
            u2 = int(scan.idx[b])
            d = _best_dest_exact(st, tb, u2, {x}) if int(st.pos_pm[u2]) == x else None
            if d is None:
                fail()
                return None
            step(u2, d[1], d[2], d[0])
        else:
            s = _best_source_exact(st, tb, b, x, nodes, {x}, {u})
            if s is None:
                fail()
                return None
            step(s[1], x, nodes, s[0])
    else:
        used: set[int] = set()
        for k, j in ((a, nodes // 3), (b, nodes % 3)):
            s = _best_source_exact(st, tb, k, x, j, {x}, used)
            if s is None:
                fail()
                return None
            used.add(s[1])
            step(s[1], x, j, s[0])
    return gain, done, touched


def _drop(st: MappingState, move: Move) -> None:
    """Leave an independent step out of ``st``'s plan (its PMs are touched by no other step)."""
    i = st.moves.index(move)
    tail = st.moves[i + 1 :]
    del st.moves[i:]
    st.moves.append(move)
    st.undo()
    st.moves.extend(tail)


def pair_round(
    problem: VMRescheduling, plan: list[Move], deadline: float | None, limit: int = 400
) -> tuple[list[Move], int]:
    """One scan of two-step compounds on the state ``plan`` leaves; applies every compound
    (PM-disjoint) whose exact gain beats the loss of the steps it displaces. (plan, applied)."""
    st = _state(problem, plan)
    grouped = np.zeros(problem.num_vms, bool)
    for g in problem.anti_affinity:
        grouped[g] = True
    idx = np.flatnonzero(st.movable & ~grouped)
    idx = idx[problem.vm_cpu[idx] > 0]
    if not len(idx):
        return plan, 0
    tb = _Tables(st, idx)
    scan = _PairScan(st, tb)
    removals = [(lo, st.moves[i], a, c) for lo, i, a, c in _removals(st)]
    threshold = sum(r[0] for r in removals[: max(0, 2 - (problem.mnl - len(st.moves)))])
    blocked: set[int] = set()  # PMs a compound of this round touched
    applied = 0
    for cand in scan.candidates(threshold)[:limit]:
        if deadline is not None and time.perf_counter() >= deadline:
            break
        slack = problem.mnl - len(st.moves)
        floor = sum(r[0] for r in removals[: max(0, 2 - slack)])
        if cand[0] - floor <= 0:
            break
        if cand[2] in blocked:
            continue
        res = _materialise(st, scan, cand)
        if res is None:
            continue
        gain, steps, touched = res
        need = max(0, len(st.moves) - problem.mnl)
        drop = [r for r in removals if r[2] not in touched and r[3] not in touched and r[2] not in blocked
                and r[3] not in blocked][:need]  # fmt: skip
        loss = sum(r[0] for r in drop)
        if len(drop) < need or gain - loss <= 0:
            for _ in range(steps):
                st.undo()
            continue
        for r in drop:
            _drop(st, r[1])
            touched.update((r[2], r[3]))
        removals = [r for r in removals if r not in drop and r[2] not in touched and r[3] not in touched]
        blocked |= touched
        applied += 1
    return list(st.moves), applied


def improve_pairs(
    problem: VMRescheduling, moves: list[Move], deadline: float | None = None, rounds: int | None = None
) -> tuple[list[Move], dict[str, int]]:
    """Rounds of :func:`pair_round` while they lower the fragment rate (checked by replay)."""
    plan = list(moves)
    value = problem.objective(problem.plan(plan))
    stats = {"pair_rounds": 0, "pair_compounds": 0}
    while rounds is None or stats["pair_rounds"] < rounds:
        if deadline is not None and time.perf_counter() >= deadline:
            break
        trial, applied = pair_round(problem, plan, deadline)
        stats["pair_rounds"] += 1
        if not applied:
            break
        new = problem.objective(problem.plan(trial))
        if len(trial) > problem.mnl or new >= value - 1e-12 or problem.violations(problem.plan(trial)):
            break
        plan, value = trial, new
        stats["pair_compounds"] += applied
    return plan, stats
