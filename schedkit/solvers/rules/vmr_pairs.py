"""Two-step lookahead after ``rule:greedy``: pairs of single-NUMA migrations that lower the
fragment rate together when neither does alone.

Where greedy stops, a node's residue ``free mod 16`` often falls only when *two* VMs leave it
(their cores together wrap it to a multiple of 16) or when two VMs arrive to fill it. Both kinds
of pair are scored from the greedy's tables (source drop of the pair plus each VM's best
destination; destination drop of the pair plus each class's best source), the best-scored
candidates are applied step by step and kept when the residue sum really fell; then greedy
goes on from there. Anti-affinity members and double-NUMA VMs are left to greedy (they take no
part in pairs), so every step is checked for room only.
"""

from __future__ import annotations

import time

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.vmr import BOTH, SLOT, VMRescheduling
from schedkit.solvers.rules.vmr import MappingState, greedy_moves

#: candidates evaluated exactly per round (best scored first)
TRIES = 40


def _fits(st: MappingState, v: int, slot: int) -> bool:
    p, j = divmod(slot, 2)
    return bool(
        st.p.pm_active[p]
        and st.free_c[p, j] >= st.p.vm_cpu[v]
        and st.free_m[p, j] >= st.p.vm_mem[v]
        and (p, j) != (int(st.pos_pm[v]), int(st.pos_numa[v]))
    )


def _best_slot(st: MappingState, v: int, avoid: int = -1) -> tuple[int, int]:
    """(slot, residue drop there) of the best node for single-NUMA VM ``v`` (-1 if none)."""
    fc, fm = st.free_c.ravel(), st.free_m.ravel()
    c, m = int(st.p.vm_cpu[v]), int(st.p.vm_mem[v])
    ok = (fc >= c) & (fm >= m) & np.repeat(st.p.pm_active, 2)
    ok[2 * int(st.pos_pm[v]) + int(st.pos_numa[v])] = False
    if avoid >= 0:
        ok[avoid] = False
    if not ok.any():
        return -1, 0
    gain = fc % SLOT - (fc - c) % SLOT
    score = np.where(ok, gain * 4096 - (fc - c), np.iinfo(np.int64).min)
    d = int(np.argmax(score))
    return d, int(gain[d])


def _candidates(st: MappingState, idx: np.ndarray) -> list[tuple[int, str, int, int, int]]:
    """Scored pair candidates ``(score, kind, a, b, node)``: kind "out" (VMs ``a``, ``b`` leave
    ``node``) or "in" (classes' best sources ``a``, ``b`` to ``node``), best first."""
    p = st.p
    fc = st.free_c.ravel()
    node = 2 * st.pos_pm[idx] + st.pos_numa[idx]
    cpu = p.vm_cpu[idx]
    res = fc % SLOT
    # each VM's best destination drop (approximation: its best node, ignoring the other VM)
    dest = np.zeros(len(idx), np.int64)
    sizes = np.unique(np.stack([cpu, p.vm_mem[idx]], axis=1), axis=0)
    act = np.repeat(p.pm_active, 2)
    best_by_size = {}
    for c, m in sizes:
        ok = (fc >= c) & (st.free_m.ravel() >= m) & act
        g = np.where(ok, res - (fc - c) % SLOT, -SLOT)
        best_by_size[int(c), int(m)] = int(g.max())
    for i in range(len(idx)):
        dest[i] = best_by_size[int(cpu[i]), int(p.vm_mem[idx[i]])]
    src1 = res[node] - (fc[node] + cpu) % SLOT
    out: list[tuple[int, str, int, int, int]] = []
    order = np.argsort(node, kind="stable")
    sn = node[order]
    bounds = np.flatnonzero(np.diff(sn)) + 1
    for grp in np.split(order, bounds):
        if len(grp) < 2:
            continue
        n = int(node[grp[0]])
        for x in range(len(grp)):
            for y in range(x + 1, len(grp)):
                a, b = grp[x], grp[y]
                drop = int(res[n] - (fc[n] + cpu[a] + cpu[b]) % SLOT)
                if drop > max(src1[a], src1[b], 0):
                    out.append((drop + int(dest[a] + dest[b]), "out", int(idx[a]), int(idx[b]), n))
    # two arrivals filling one node: per CPU size, the best source drop
    best_src: dict[int, tuple[int, int]] = {}
    for i in np.argsort(-src1, kind="stable"):
        c = int(cpu[i])
        if c not in best_src:
            best_src[c] = (int(src1[i]), int(idx[i]))
    cs = sorted(best_src)
    for x, c1 in enumerate(cs):
        for c2 in cs[x:]:
            room = (fc >= c1 + c2) & act
            drop = np.where(room, res - (fc - c1 - c2) % SLOT, -SLOT)
            single = np.maximum(res - (fc - c1) % SLOT, res - (fc - c2) % SLOT)
            drop = np.where(drop > np.maximum(single, 0), drop, -SLOT)
            score = drop + best_src[c1][0] + best_src[c2][0]
            for n in np.flatnonzero(score > 0)[:200]:
                out.append((int(score[n]), "in", c1, c2, int(n)))
    out.sort(key=lambda t: -t[0])
    return out


def _try(st: MappingState, idx: np.ndarray, cand: tuple[int, str, int, int, int]) -> bool:
    """Apply a candidate pair; keep it if the residue sum fell, else take it back."""
    p = st.p
    before = st.residue_sum()
    _, kind, a, b, n = cand
    done = 0
    if kind == "out":
        for v in (a, b):
            d, _ = _best_slot(st, v, avoid=n)
            if d < 0 or not _fits(st, v, d):
                break
            st.move(v, d // 2, d % 2)
            done += 1
    else:
        for c in (a, b):
            here = 2 * st.pos_pm[idx] + st.pos_numa[idx]
            fc = st.free_c.ravel()
            pick = idx[(p.vm_cpu[idx] == c) & (here != n)]
            if not len(pick):
                break
            where = 2 * st.pos_pm[pick] + st.pos_numa[pick]
            drop = fc[where] % SLOT - (fc[where] + c) % SLOT
            ok = np.array([_fits(st, int(v), n) for v in pick[np.argsort(-drop, kind="stable")[:8]]])
            tops = pick[np.argsort(-drop, kind="stable")[:8]][ok]
            if not len(tops):
                break
            v = int(tops[0])
            st.move(v, n // 2, n % 2)
            done += 1
    if done == 2 and st.residue_sum() < before:
        return True
    for _ in range(done):
        st.undo()
    return False


def pair_greedy_moves(
    problem: VMRescheduling, ctx: SolveContext | None = None, deadline: float | None = None
) -> MappingState:
    """Greedy, then rounds of (best improving pair, greedy again) while the budget allows; the
    steps made so far once ``ctx`` expires or ``time.perf_counter()`` passes ``deadline``."""
    st = greedy_moves(problem, ctx, deadline=deadline)
    grouped = np.array([v in st.mates for v in range(problem.num_vms)], bool)
    idx = np.flatnonzero(st.movable & (problem.vm_numa != BOTH) & ~grouped)
    while len(idx) and len(st.moves) + 2 <= problem.mnl:
        if (ctx is not None and ctx.expired()) or (deadline is not None and time.perf_counter() >= deadline):
            break
        if not any(_try(st, idx, c) for c in _candidates(st, idx)[:TRIES]):
            break
        greedy_moves(problem, ctx, deadline=deadline, state=st)
    return st
