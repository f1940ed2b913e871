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

    def move(self, v: int, dst_pm: int, dst_numa: int) -> None:
        """Apply one migration (the caller has checked that it fits)."""
        c, m = self.p.vm_cpu[v], self.p.vm_mem[v]
        sp, sn = int(self.pos_pm[v]), int(self.pos_numa[v])
        for j in (0, 1) if sn == BOTH else (sn,):
            self.free_c[sp, j] += c
            self.free_m[sp, j] += m
        for j in (0, 1) if dst_numa == BOTH else (dst_numa,):
            self.free_c[dst_pm, j] -= c
            self.free_m[dst_pm, j] -= m
        self.moves.append((v, sp, sn, dst_pm, dst_numa))
        self.pos_pm[v], self.pos_numa[v] = dst_pm, dst_numa

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


def _dest_scores(st: MappingState, cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per class: gain (residue drop at the destination) and tie-break score per slot.

    Slots are ``2 * pm + node`` for single-NUMA classes and ``pm`` for double-NUMA ones
    (columns ``P..2P-1`` unused). Infeasible slots have gain ``_NEG``.
    """
    p = st.p
    fc, fm = st.free_c, st.free_m
    kc = cls[:, 0][:, None, None]
    km = cls[:, 1][:, None, None]
    fit = (fc[None] >= kc) & (fm[None] >= km) & p.pm_active[None, :, None]
    gain = fc[None] % SLOT - (fc[None] - kc) % SLOT
    left = fc[None] - kc
    n_pm = p.num_pms
    out_gain = np.full((len(cls), 2 * n_pm), _NEG, np.int64)
    out_score = np.full((len(cls), 2 * n_pm), _NEG, np.int64)
    single = cls[:, 2] == 0
    if single.any():
        g = np.where(fit[single], gain[single], _NEG).reshape(-1, 2 * n_pm)
        out_gain[single] = g
        out_score[single] = np.where(g > _NEG, g * _TIE - left[single].reshape(-1, 2 * n_pm), _NEG)
    double = ~single
    if double.any():
        ok = fit[double].all(axis=2)
        g = np.where(ok, gain[double].sum(axis=2), _NEG)
        out_gain[double, :n_pm] = g
        out_score[double, :n_pm] = np.where(ok, g * _TIE - left[double].sum(axis=2), _NEG)
    return out_gain, out_score


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
    problem: VMRescheduling, ctx: SolveContext | None = None, limit: int | None = None
) -> MappingState:
    """Run the greedy rule; return the final state (its ``moves`` are the plan)."""
    st = MappingState(problem)
    limit = problem.mnl if limit is None else limit
    idx = np.flatnonzero(st.movable)
    if not len(idx):
        return st
    cls, cls_of = _classes(problem, idx)
    grouped = np.array([v in st.mates for v in idx], dtype=bool)
    ar = np.arange(len(idx))
    while len(st.moves) < limit:
        if ctx is not None and ctx.expired():
            break
        gain, score = _dest_scores(st, cls)
        own = np.where(st.pos_numa[idx] == BOTH, st.pos_pm[idx], 2 * st.pos_pm[idx] + st.pos_numa[idx])
        sc = score.copy()
        best1 = np.argmax(sc, axis=1)
        sc[np.arange(len(cls)), best1] = _NEG
        best2 = np.argmax(sc, axis=1)
        b1 = best1[cls_of]
        dest = np.where(b1 == own, best2[cls_of], b1)
        val = score[cls_of, dest]
        if grouped.any():
            for i in np.flatnonzero(grouped):
                dest[i], val[i] = _best_for(st, int(idx[i]), score[cls_of[i]], own[i])
        src = _source_gain(st, idx)
        total = np.where(val > _NEG, src * _TIE + val, _NEG)
        i = int(np.argmax(total))
        if total[i] <= _NEG or src[i] + gain[cls_of[i], dest[i]] <= 0:
            break
        v = int(idx[i])
        d = int(dest[i])
        if problem.vm_numa[v] == BOTH:
            st.move(v, d, BOTH)
        else:
            st.move(v, d // 2, d % 2)
    del ar
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


def bestfit_moves(problem: VMRescheduling, ctx: SolveContext | None = None) -> MappingState:
    """Run the best-fit re-packing rule; return the final state."""
    st = MappingState(problem)
    active = problem.pm_active
    tried = np.zeros((problem.num_pms, 2), bool)
    tried[~active] = True
    while len(st.moves) < problem.mnl:
        if ctx is not None and ctx.expired():
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
