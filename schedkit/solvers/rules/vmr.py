"""Migration rules for VM rescheduling: ``rule:greedy`` and ``rule:bestfit``.

Both build the plan one migration at a time on a copy of the mapping and stop when no
migration lowers the fragment rate or the migration number limit is reached, so every
step is feasible in order by construction (the problem's checker re-verifies it).

``rule:greedy`` (filter and score): each step scores every migratable VM against every
NUMA node (both nodes of a PM for double-NUMA VMs) where it fits, as the drop of
``sum(free mod 16)`` at its source plus at the destination, and applies the best one. VMs of
one (CPU, memory, NUMA) class see the same destinations, so the destination side is scored
once per class (numpy, classes x nodes); ties go to the tightest destination.

``rule:bestfit``: visit NUMA nodes from the most fragmented (largest ``free mod 16``);
on each, among the VMs whose departure shrinks the node's residue, move out the one that
leaves the smallest residue, to the node where it fits most tightly (best fit), if the move
lowers the total residue. A re-packing baseline in
the spirit of the bin-packing heuristics the VM rescheduling literature compares against.
"""

from __future__ import annotations

import time

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.vmr import BOTH, SLOT, VMRescheduling
from schedkit.result import Result, Status

_NEG = np.iinfo(np.int64).min // 4
_TIE = 1 << 12  # gains are scaled by this; the remainder breaks ties (free CPU left, < 4096)


class MappingState:
    """Mutable copy of a mapping: free CPU/memory per (PM, node), each VM's position."""

    def __init__(self, problem: VMRescheduling):
        self.p = problem
        self.free_c, self.free_m = problem.initial_free()
        self.pos_pm = problem.vm_pm.copy()
        self.pos_numa = problem.vm_numa.copy()
        self.movable = problem.migratable & problem.pm_active[problem.vm_pm]
        self.moves: list[tuple[int, int, int, int, int]] = []
        self.mates: dict[int, np.ndarray] = {}
        for g in problem.anti_affinity:
            for v in g:
                others = g[g != v]
                prev = self.mates.get(int(v))
                self.mates[int(v)] = others if prev is None else np.union1d(prev, others)

    def residue_sum(self) -> int:
        return int((self.free_c[self.p.pm_active] % SLOT).sum())

    def _release(self, v: int, pm: int, numa: int, sign: int) -> None:
        """Give ``v``'s CPU and memory back to ``pm``/``numa`` (``sign`` -1: take them)."""
        c, m = sign * self.p.vm_cpu[v], sign * self.p.vm_mem[v]
        for j in (0, 1) if numa == BOTH else (numa,):
            self.free_c[pm, j] += c
            self.free_m[pm, j] += m

    def move(self, v: int, dst_pm: int, dst_numa: int) -> None:
        """Apply one migration (the caller has checked that it fits)."""
        sp, sn = int(self.pos_pm[v]), int(self.pos_numa[v])
        self._release(v, sp, sn, 1)
        self._release(v, dst_pm, dst_numa, -1)
        self.moves.append((v, sp, sn, dst_pm, dst_numa))
        self.pos_pm[v], self.pos_numa[v] = dst_pm, dst_numa

    def undo(self) -> None:
        """Take back the last :meth:`move`."""
        v, sp, sn, dp, dn = self.moves.pop()
        self._release(v, dp, dn, 1)
        self._release(v, sp, sn, -1)
        self.pos_pm[v], self.pos_numa[v] = sp, sn

    def forbidden_pms(self, v: int) -> np.ndarray:
        """PMs hosting an anti-affinity mate of ``v`` (other than its own PM)."""
        mates = self.mates.get(v)
        if mates is None:
            return np.empty(0, np.int64)
        pms = self.pos_pm[mates]
        return pms[pms != self.pos_pm[v]]


def _classes(problem: VMRescheduling, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (cpu, mem, double) rows among VMs ``idx`` and each VM's class number."""
    keys = np.stack([problem.vm_cpu[idx], problem.vm_mem[idx], (problem.vm_numa[idx] == BOTH)], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    return uniq, inv.reshape(-1)


def _dest_block(st: MappingState, cls: np.ndarray, pms: np.ndarray) -> tuple[np.ndarray, ...]:
    """Gain (residue drop at the destination) and tie-break score of each class on the PMs
    ``pms``: single-NUMA rows as ``(classes, 2 * len(pms))`` (slot ``2 * pm + node``), double-NUMA
    rows as ``(classes, len(pms))`` (slot ``pm``). Infeasible slots have gain ``_NEG``."""
    p = st.p
    fc, fm = st.free_c[pms][None], st.free_m[pms][None]
    kc = cls[:, 0][:, None, None]
    km = cls[:, 1][:, None, None]
    fit = (fc >= kc) & (fm >= km) & p.pm_active[pms][None, :, None]
    gain = fc % SLOT - (fc - kc) % SLOT
    left = fc - kc
    single = cls[:, 2] == 0
    n = len(pms)
    g1 = np.where(fit[single], gain[single], _NEG).reshape(-1, 2 * n)
    s1 = np.where(g1 > _NEG, g1 * _TIE - left[single].reshape(-1, 2 * n), _NEG)
    ok = fit[~single].all(axis=2)
    g2 = np.where(ok, gain[~single].sum(axis=2), _NEG)
    s2 = np.where(ok, g2 * _TIE - left[~single].sum(axis=2), _NEG)
    return g1, s1, g2, s2


class _DestTable:
    """Per class and slot: gain and score of arriving there (:func:`_dest_block`), kept up to
    date column by column (a move changes the free room of at most two PMs).

    Slots are ``2 * pm + node`` for single-NUMA classes and ``pm`` for double-NUMA ones
    (columns ``P..2P-1`` unused)."""

    def __init__(self, st: MappingState, cls: np.ndarray):
        self.st, self.cls = st, cls
        n_pm = st.p.num_pms
        self.single = np.flatnonzero(cls[:, 2] == 0)
        self.double = np.flatnonzero(cls[:, 2] != 0)
        self.gain = np.full((len(cls), 2 * n_pm), _NEG, np.int64)
        self.score = np.full((len(cls), 2 * n_pm), _NEG, np.int64)
        self.update(np.arange(n_pm))

    def update(self, pms: np.ndarray) -> None:
        g1, s1, g2, s2 = _dest_block(self.st, self.cls, pms)
        cols = (2 * pms[:, None] + np.arange(2)[None]).ravel()
        self.gain[np.ix_(self.single, cols)] = g1
        self.score[np.ix_(self.single, cols)] = s1
        self.gain[np.ix_(self.double, pms)] = g2
        self.score[np.ix_(self.double, pms)] = s2


def _source_gain(st: MappingState, idx: np.ndarray) -> np.ndarray:
    """Residue drop at the source when each VM in ``idx`` leaves."""
    p = st.p
    pm, numa, c = st.pos_pm[idx], st.pos_numa[idx], p.vm_cpu[idx]
    fc = st.free_c[pm]  # (n, 2)
    drop = fc % SLOT - (fc + c[:, None]) % SLOT
    single = numa != BOTH
    j = np.where(single, numa, 0)
    return np.where(single, drop[np.arange(len(idx)), j], drop.sum(axis=1))


def greedy_moves(
    problem: VMRescheduling,
    ctx: SolveContext | None = None,
    limit: int | None = None,
    deadline: float | None = None,
    state: MappingState | None = None,
) -> MappingState:
    """Run the greedy rule (from ``state``, which it changes, if given); return the final state
    (its ``moves`` are the plan).

    It stops early, keeping the steps made so far (a feasible prefix of its plan), once ``ctx``
    expires or ``time.perf_counter()`` passes ``deadline``. Each step costs O(VMs) numpy work:
    the destination table and the source gains are updated only on the PMs the last move touched.
    """
    st = MappingState(problem) if state is None else state
    limit = problem.mnl if limit is None else limit
    idx = np.flatnonzero(st.movable)
    if not len(idx) or limit <= len(st.moves):
        return st
    cls, cls_of = _classes(problem, idx)
    grouped = np.flatnonzero([v in st.mates for v in idx])
    table = _DestTable(st, cls)
    rows = np.arange(len(cls))
    src = _source_gain(st, idx)
    double = problem.vm_numa[idx] == BOTH
    while len(st.moves) < limit:
        if (ctx is not None and ctx.expired()) or (deadline is not None and time.perf_counter() >= deadline):
            break
        gain, score = table.gain, table.score
        own = np.where(double, st.pos_pm[idx], 2 * st.pos_pm[idx] + st.pos_numa[idx])
        best1 = np.argmax(score, axis=1)
        top1 = score[rows, best1]
        score[rows, best1] = _NEG
        best2 = np.argmax(score, axis=1)
        score[rows, best1] = top1
        b1 = best1[cls_of]
        dest = np.where(b1 == own, best2[cls_of], b1)
        val = score[cls_of, dest]
        for i in grouped:
            dest[i], val[i] = _best_for(st, int(idx[i]), score[cls_of[i]], own[i])
        total = np.where(val > _NEG, src * _TIE + val, _NEG)
        i = int(np.argmax(total))
        if total[i] <= _NEG or src[i] + gain[cls_of[i], dest[i]] <= 0:
            break
        v = int(idx[i])
        d = int(dest[i])
        sp = int(st.pos_pm[v])
        if problem.vm_numa[v] == BOTH:
            st.move(v, d, BOTH)
        else:
            st.move(v, d // 2, d % 2)
        touched = np.unique([sp, int(st.pos_pm[v])])
        table.update(touched)
        again = np.flatnonzero(np.isin(st.pos_pm[idx], touched))
        src[again] = _source_gain(st, idx[again])
    return st


def _best_for(st: MappingState, v: int, row: np.ndarray, own: int) -> tuple[int, int]:
    """Best slot of ``row`` for VM ``v`` avoiding its own slot and PMs of its anti-affinity mates."""
    r = row.copy()
    r[own] = _NEG
    bad = st.forbidden_pms(v)
    if len(bad):
        if st.p.vm_numa[v] == BOTH:
            r[bad] = _NEG
        else:
            r[2 * bad] = _NEG
            r[2 * bad + 1] = _NEG
    d = int(np.argmax(r))
    return d, int(r[d])


def bestfit_moves(
    problem: VMRescheduling, ctx: SolveContext | None = None, deadline: float | None = None
) -> MappingState:
    """Run the best-fit re-packing rule; return the final state (the steps made so far once
    ``ctx`` expires or ``time.perf_counter()`` passes ``deadline``)."""
    st = MappingState(problem)
    active = problem.pm_active
    tried = np.zeros((problem.num_pms, 2), bool)
    tried[~active] = True
    while len(st.moves) < problem.mnl:
        if (ctx is not None and ctx.expired()) or (deadline is not None and time.perf_counter() >= deadline):
            break
        res = np.where(tried, -1, st.free_c % SLOT)
        flat = int(np.argmax(res))
        if res.flat[flat] <= 0:
            break
        p, j = divmod(flat, 2)
        if not _repack_one(st, p, j):
            tried[p, j] = True
        else:  # the nodes the move touched get another visit
            _, sp, _, dp, _ = st.moves[-1]
            tried[[sp, dp]] = False
            tried[~active] = True
    return st


def _repack_one(st: MappingState, p: int, j: int) -> bool:
    """Move one VM off node (p, j) to its best-fitting node if that lowers the total residue."""
    prob = st.p
    on = np.flatnonzero(st.movable & (st.pos_pm == p) & ((st.pos_numa == j) | (st.pos_numa == BOTH)))
    if not len(on):
        return False
    src = _source_gain(st, on)
    keep = src > 0  # only departures that shrink this node's fragment
    on, src = on[keep], src[keep]
    after = (st.free_c[p, j] + prob.vm_cpu[on]) % SLOT
    order = np.lexsort((prob.vm_cpu[on], after))
    fc, fm, act = st.free_c, st.free_m, prob.pm_active
    for i in order:
        v = int(on[i])
        c, m = prob.vm_cpu[v], prob.vm_mem[v]
        fit = (fc >= c) & (fm >= m) & act[:, None]
        gain = fc % SLOT - (fc - c) % SLOT
        left = fc - c
        bad = st.forbidden_pms(v)
        if prob.vm_numa[v] == BOTH:
            ok = fit.all(axis=1)
            ok[p] = False
            ok[bad] = False
            if not ok.any():
                continue
            g = gain.sum(axis=1)
            tight = np.where(ok, left.sum(axis=1), np.iinfo(np.int64).max)
            q = int(np.argmin(tight))
            if src[i] + g[q] > 0:
                st.move(v, q, BOTH)
                return True
        else:
            fit[p, j] = False
            fit[bad] = False
            if not fit.any():
                continue
            tight = np.where(fit, left, np.iinfo(np.int64).max)
            flat = int(np.argmin(tight))
            q, k = divmod(flat, 2)
            if src[i] + gain[q, k] > 0:
                st.move(v, q, k)
                return True
    return False


def greedy(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """``rule:greedy``: the migration with the largest fragment-rate decrease, repeatedly."""
    st = greedy_moves(problem, ctx)
    return Result(Status.FEASIBLE, None, None, problem.plan(st.moves), stats={"migrations": len(st.moves)})


def bestfit(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """``rule:bestfit``: re-pack the most fragmented NUMA nodes, best fit."""
    st = bestfit_moves(problem, ctx)
    return Result(Status.FEASIBLE, None, None, problem.plan(st.moves), stats={"migrations": len(st.moves)})
