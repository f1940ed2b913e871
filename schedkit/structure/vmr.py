"""Shared by the exact VM rescheduling models (CP-SAT and MIP): aggregation, hints, sequencing,
and the two-phase driver (the count model itself is described in :mod:`schedkit.structure.vmr_model`).

**Aggregation.** Migratable VMs with equal CPU, memory and NUMA shape are interchangeable,
so a model only counts, per *class* and *slot* (a NUMA node for single-NUMA classes, a PM for
double-NUMA ones), how many VMs arrive (``in``) and leave (``out``). A VM of an anti-affinity
group is a class of its own. CPU is counted in units of ``unit`` cores (the gcd of all sizes
and 16), so a node's residue ``free mod 16`` becomes ``free_units mod (16 / unit)``. Memory
constraints are left out when they cannot bind (every node's memory holds its CPU capacity
filled with the most memory-hungry VMs).

**Two models.** The *full* model is the relaxation "final mapping with at most MNL VMs
moved"; its optimum is a valid lower bound for every plan (a plan of k steps changes at most k
VMs' places). The *safe* model adds, per node, "what arrives fits in the node's initial free
CPU and memory" and "an anti-affinity member only joins a PM that initially hosts none of its
group": every order of its moves is then feasible step by step, so it always yields a plan.

**Sequencing.** :func:`sequence` turns a final mapping (in/out counts) into an ordered plan:
repeatedly apply a pending move that fits now; when none does (a cyclic dependency), park one
VM on a node with room (an extra migration) if the limit allows, else give up (``None``) so the
caller falls back to a safe solution. The problem's checker re-verifies every plan.

**Driver.** :func:`solve_two_phase` runs the phases with callables and data from the methods
(one phase's solver, the starting plan), so nothing here imports a solver.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.vmr import BOTH, SLOT, VMRescheduling
from schedkit.result import Result, Status

Counts = dict[tuple[int, int], tuple[int, int]]  # (class, slot) -> (in, out), nonzero only
Move = tuple[int, int, int, int, int]  # (vm, src_pm, src_numa, dst_pm, dst_numa)
#: seconds kept back at the end of a timed call for sequencing, the re-check and teardown (with
#: the solver import before the call, the acceptance check measured 4.8-5.1 s wall for 5 s)
FINAL_RESERVE = 0.8
#: seconds a phase's solver needs at least: a model that would be ready later is not built
SOLVE_MIN = 0.1
#: the start heuristic of a timed call ends by this share of the limit (or FINAL_RESERVE before
#: the end, whichever is later); it then returns the steps it has made
START_SHARE = 0.75


def start_deadline(ctx: SolveContext) -> float | None:
    """``time.perf_counter()`` value by which the exact methods' start heuristic must end."""
    if ctx.time_limit is None:
        return None
    spend = max(START_SHARE * ctx.time_limit, ctx.time_limit - FINAL_RESERVE)
    return ctx.started + spend


@dataclass
class Aggregate:
    """The aggregated view of a problem that both models are built from."""

    problem: VMRescheduling
    unit: int
    mod: int
    node_pm: np.ndarray  # active node -> PM
    node_j: np.ndarray  # active node -> NUMA index
    node_of: np.ndarray  # (P, 2) -> active node or -1
    cap: np.ndarray  # CPU capacity per node, units
    free0: np.ndarray  # initial free CPU per node, units
    cap_m: np.ndarray
    free0_m: np.ndarray
    use_mem: bool
    cls_cpu: np.ndarray  # units
    cls_mem: np.ndarray
    cls_double: np.ndarray
    cls_vms: list[np.ndarray]
    groups: list[np.ndarray]  # anti-affinity groups as class numbers
    initial: list[dict[int, int]] = field(default_factory=list)  # per class: slot -> count
    grouped_classes: frozenset[int] = frozenset()  # classes of anti-affinity members

    @property
    def num_nodes(self) -> int:
        return len(self.node_pm)

    @property
    def num_classes(self) -> int:
        return len(self.cls_cpu)

    def slots(self, k: int) -> np.ndarray:
        """Candidate slots of class ``k``: active nodes, or active PMs for double-NUMA classes."""
        if self.cls_double[k]:
            return np.flatnonzero(self.problem.pm_active)
        return np.arange(self.num_nodes)

    def slot_nodes(self, k: int, s: int) -> tuple[int, ...]:
        """Active nodes a VM of class ``k`` occupies in slot ``s``."""
        if self.cls_double[k]:
            return int(self.node_of[s, 0]), int(self.node_of[s, 1])
        return (int(s),)

    def can_enter(self, k: int, s: int, safe: bool) -> bool:
        """Whether class ``k`` may arrive in slot ``s`` (capacity; initial room for the safe model)."""
        room = self.free0 if safe else self.cap
        room_m = self.free0_m if safe else self.cap_m
        return all(room[n] >= self.cls_cpu[k] and room_m[n] >= self.cls_mem[k] for n in self.slot_nodes(k, s))

    def residue_units(self, free_units: np.ndarray) -> int:
        return int((free_units % self.mod).sum())

    def total_free_units(self) -> int:
        return int(self.free0.sum())

    def bound_fr(self, bound_units: float | None) -> float | None:
        """Fragment-rate bound from a bound on the residue sum (units), rounded up to the
        residue class of the invariant total free CPU."""
        total = self.total_free_units()
        if bound_units is None or not math.isfinite(bound_units) or total == 0:
            return None
        b = max(0, math.ceil(bound_units - 1e-6))
        b += (total - b) % self.mod
        return b * self.unit / (total * self.unit)

    def fr_units(self, units: int) -> float:
        total = self.total_free_units()
        return units / total if total else 0.0


def aggregate(problem: VMRescheduling) -> Aggregate:
    """Classes, slots and initial counts of ``problem``."""
    p = problem
    active = p.pm_active
    node_of = np.full((p.num_pms, 2), -1, np.int64)
    act = np.flatnonzero(active)
    node_of[act, 0] = 2 * np.arange(len(act))
    node_of[act, 1] = 2 * np.arange(len(act)) + 1
    node_pm = np.repeat(act, 2)
    node_j = np.tile([0, 1], len(act))
    free_c, free_m = p.initial_free()
    movable = p.migratable & active[p.vm_pm]
    sizes = np.concatenate([p.vm_cpu[movable], p.pm_cpu[active].ravel(), free_c[active].ravel(), [SLOT]])
    unit = int(np.gcd.reduce(sizes.astype(np.int64)))
    unit = max(unit, 1)
    cap = p.pm_cpu[node_pm, node_j] // unit
    free0 = free_c[node_pm, node_j] // unit
    cap_m = p.pm_mem[node_pm, node_j]
    free0_m = free_m[node_pm, node_j]
    idx = np.flatnonzero(movable)
    # memory can bind only if some node cannot hold its CPU capacity of the hungriest VMs
    use_mem = False
    if len(idx):
        cpu = p.vm_cpu[idx]
        if (cpu == 0).any() and (p.vm_mem[idx][cpu == 0] > 0).any():
            use_mem = True
        else:
            ratio = float((p.vm_mem[idx] / np.maximum(cpu, 1)).max())
            fixed_m = cap_m - free0_m
            fixed_c = cap * unit - free0 * unit
            # memory of the fixed load plus the rest of the CPU filled at the worst ratio
            movable_used_c = np.zeros(len(node_pm))
            movable_used_m = np.zeros(len(node_pm))
            for j in (0, 1):
                on = movable & ((p.vm_numa == j) | (p.vm_numa == BOTH)) & active[p.vm_pm]
                nodes = node_of[p.vm_pm[on], j]
                np.add.at(movable_used_c, nodes, p.vm_cpu[on])
                np.add.at(movable_used_m, nodes, p.vm_mem[on])
            fixed_c = fixed_c - movable_used_c
            fixed_m = fixed_m - movable_used_m
            need = fixed_m + (cap * unit - fixed_c) * ratio
            use_mem = bool((need > cap_m + 1e-9).any())
    grouped = np.zeros(p.num_vms, bool)
    for g in p.anti_affinity:
        grouped[g] = True
    plain = idx[~grouped[idx]]
    keys = np.stack([p.vm_cpu[plain], p.vm_mem[plain] if use_mem else np.zeros(len(plain), np.int64),
                     (p.vm_numa[plain] == BOTH).astype(np.int64)], axis=1)  # fmt: skip
    uniq, inv = np.unique(keys, axis=0, return_inverse=True) if len(plain) else (np.zeros((0, 3), int), [])
    inv = np.asarray(inv).reshape(-1)
    cls_cpu = [int(c) // unit for c in uniq[:, 0]]
    cls_mem = [int(p.vm_mem[plain[np.flatnonzero(inv == k)[0]]]) for k in range(len(uniq))]
    cls_double = [bool(d) for d in uniq[:, 2]]
    cls_vms = [plain[inv == k] for k in range(len(uniq))]
    class_of = np.full(p.num_vms, -1, np.int64)
    class_of[plain] = inv
    for v in idx[grouped[idx]]:
        class_of[v] = len(cls_cpu)
        cls_cpu.append(int(p.vm_cpu[v]) // unit)
        cls_mem.append(int(p.vm_mem[v]))
        cls_double.append(bool(p.vm_numa[v] == BOTH))
        cls_vms.append(np.array([v], np.int64))
    groups = []
    for g in p.anti_affinity:
        ks = class_of[g]
        groups.append(ks[ks >= 0])
    agg = Aggregate(
        problem=p,
        unit=unit,
        mod=SLOT // unit,
        node_pm=node_pm,
        node_j=node_j,
        node_of=node_of,
        cap=cap.astype(np.int64),
        free0=free0.astype(np.int64),
        cap_m=cap_m.astype(np.int64),
        free0_m=free0_m.astype(np.int64),
        use_mem=use_mem,
        cls_cpu=np.array(cls_cpu, np.int64),
        cls_mem=np.array(cls_mem, np.int64),
        cls_double=np.array(cls_double, bool),
        cls_vms=cls_vms,
        groups=groups,
    )
    agg.grouped_classes = frozenset(int(k) for g in groups for k in g)
    agg.initial = [slot_counts(agg, k, p.vm_pm, p.vm_numa) for k in range(agg.num_classes)]
    return agg


def slot_of(agg: Aggregate, k: int, pm: int, numa: int) -> int:
    return int(pm) if agg.cls_double[k] else int(agg.node_of[pm, numa])


def slot_counts(agg: Aggregate, k: int, vm_pm: np.ndarray, vm_numa: np.ndarray) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in agg.cls_vms[k]:
        s = slot_of(agg, k, vm_pm[v], vm_numa[v])
        out[s] = out.get(s, 0) + 1
    return out


def counts_of_moves(agg: Aggregate, moves: list[Move]) -> Counts:
    """In/out counts of the final mapping a plan leads to."""
    p = agg.problem
    pos_pm, pos_numa = p.vm_pm.copy(), p.vm_numa.copy()
    for v, _, _, dp, dn in moves:
        pos_pm[v], pos_numa[v] = dp, dn
    moved = np.unique([m[0] for m in moves]) if moves else np.zeros(0, np.int64)
    class_of = {int(v): k for k in range(agg.num_classes) for v in agg.cls_vms[k]}
    out: Counts = {}
    for v in moved:
        k = class_of.get(int(v))
        if k is None:
            continue
        a = slot_of(agg, k, p.vm_pm[v], p.vm_numa[v])
        b = slot_of(agg, k, pos_pm[v], pos_numa[v])
        if a == b:
            continue
        i, o = out.get((k, b), (0, 0))
        out[k, b] = (i + 1, o)
        i, o = out.get((k, a), (0, 0))
        out[k, a] = (i, o + 1)
    # net flows per (class, slot)
    return {key: (max(0, i - o), max(0, o - i)) for key, (i, o) in out.items() if i != o}


def final_free_units(agg: Aggregate, counts: Counts) -> np.ndarray:
    free = agg.free0.copy()
    for (k, s), (i, o) in counts.items():
        for n in agg.slot_nodes(k, s):
            free[n] += (o - i) * agg.cls_cpu[k]
    return free


def sequence(agg: Aggregate, counts: Counts, mnl: int) -> list[Move] | None:
    """An ordered, step-by-step feasible plan reaching the mapping of ``counts``; None if the
    dependencies cannot be resolved within ``mnl`` migrations."""
    p = agg.problem
    pending: list[list[int]] = []  # [vm, dst_pm, dst_numa]
    for k in range(agg.num_classes):
        outs = sorted((s, o) for (kk, s), (_, o) in counts.items() if kk == k and o > 0)
        ins = sorted((s, i) for (kk, s), (i, _) in counts.items() if kk == k and i > 0)
        if not outs and not ins:
            continue
        leaving: list[int] = []
        for s, o in outs:
            here = [int(v) for v in agg.cls_vms[k] if slot_of(agg, k, p.vm_pm[v], p.vm_numa[v]) == s]
            if len(here) < o:
                return None
            leaving.extend(here[:o])
        targets = [s for s, i in ins for _ in range(i)]
        if len(targets) != len(leaving):
            return None
        for v, s in zip(leaving, targets, strict=True):
            if agg.cls_double[k]:
                pending.append([v, s, BOTH])
            else:
                n = s
                pending.append([v, int(agg.node_pm[n]), int(agg.node_j[n])])
    if len(pending) > mnl:
        return None
    free_c, free_m = p.initial_free()
    pos_pm, pos_numa = p.vm_pm.copy(), p.vm_numa.copy()
    mates: dict[int, np.ndarray] = {}
    for g in p.anti_affinity:
        for v in g:
            mates[int(v)] = np.union1d(mates.get(int(v), np.zeros(0, np.int64)), g[g != v])
    moves: list[Move] = []

    def fits(v: int, dp: int, dn: int) -> bool:
        nodes = (0, 1) if dn == BOTH else (dn,)
        if not all(free_c[dp, j] >= p.vm_cpu[v] and free_m[dp, j] >= p.vm_mem[v] for j in nodes):
            return False
        if dp != pos_pm[v] and v in mates:
            return not (pos_pm[mates[v]] == dp).any()
        return True

    def apply(v: int, dp: int, dn: int) -> None:
        sp, sn = int(pos_pm[v]), int(pos_numa[v])
        for j in (0, 1) if sn == BOTH else (sn,):
            free_c[sp, j] += p.vm_cpu[v]
            free_m[sp, j] += p.vm_mem[v]
        for j in (0, 1) if dn == BOTH else (dn,):
            free_c[dp, j] -= p.vm_cpu[v]
            free_m[dp, j] -= p.vm_mem[v]
        moves.append((v, sp, sn, dp, dn))
        pos_pm[v], pos_numa[v] = dp, dn

    while pending:
        progress = False
        for item in list(pending):
            v, dp, dn = item
            if fits(v, dp, dn):
                apply(v, dp, dn)
                pending.remove(item)
                progress = True
        if progress:
            continue
        if len(moves) + len(pending) + 1 > mnl:
            return None
        parked = False
        for v, dp, dn in sorted(
            pending, key=lambda it: -_unblocked(p, free_c, free_m, pos_pm, pos_numa, it, pending)
        ):
            spot = _parking(p, free_c, free_m, pos_pm, v, dp, dn, fits)
            if spot is not None:
                apply(v, *spot)
                parked = True
                break
        if not parked:
            return None
    return moves


def _unblocked(
    p: VMRescheduling,
    free_c: np.ndarray,
    free_m: np.ndarray,
    pos_pm: np.ndarray,
    pos_numa: np.ndarray,
    item: list[int],
    pending: list[list[int]],
) -> int:
    """How many other pending moves would fit once ``item``'s VM has left its place."""
    v = item[0]
    sp, sn = int(pos_pm[v]), int(pos_numa[v])
    fc, fm = free_c.copy(), free_m.copy()
    for j in (0, 1) if sn == BOTH else (sn,):
        fc[sp, j] += p.vm_cpu[v]
        fm[sp, j] += p.vm_mem[v]
    count = 0
    for w, dp, dn in pending:
        if w != v:
            nodes = (0, 1) if dn == BOTH else (dn,)
            count += all(fc[dp, j] >= p.vm_cpu[w] and fm[dp, j] >= p.vm_mem[w] for j in nodes)
    return count


def _parking(
    p: VMRescheduling,
    free_c: np.ndarray,
    free_m: np.ndarray,
    pos_pm: np.ndarray,
    v: int,
    dp: int,
    dn: int,
    fits: Callable[[int, int, int], bool],
) -> tuple[int, int] | None:
    """A place with room for ``v`` other than its destination's PM, most free CPU first."""
    double = p.vm_numa[v] == BOTH
    room = free_c.min(axis=1) if double else free_c.max(axis=1)
    for q in np.argsort(-room, kind="stable"):
        q = int(q)
        if not p.pm_active[q] or q == dp:
            continue
        for j in (BOTH,) if double else (int(np.argmax(free_c[q])), int(np.argmin(free_c[q]))):
            if (q, j) != (int(pos_pm[v]), int(p.vm_numa[v])) and fits(v, q, j):
                if q == pos_pm[v] and j == p.vm_numa[v]:
                    continue
                return q, j
        if room[q] < p.vm_cpu[v]:
            break
    return None


# the two-phase driver ----------------------------------------------------------------------
@dataclass
class PhaseOutcome:
    status: Status  # of the model solve (OPTIMAL: proven for that model)
    counts: Counts | None
    bound: float | None  # bound on the residue sum, units (full model only)
    build_time: float = 0.0  # seconds spent building the model before the solver started


#: ``fn(agg, ctx, safe, hint_counts, time_limit) -> PhaseOutcome``
ModelSolver = Callable[[Aggregate, SolveContext, bool, Counts, float | None], PhaseOutcome]


def solve_two_phase(
    problem: VMRescheduling,
    ctx: SolveContext,
    model: ModelSolver,
    safe_share: float,
    start: list[Move],
) -> Result:
    """Starting plan -> safe model (always a plan) -> full model (bound, maybe a better plan).

    ``start`` is the caller's feasible starting plan (the exact methods pass ``rule:greedy``'s
    moves); the user's hint replaces it when that is feasible and better. ``safe_share`` of the
    time left goes to the safe model, the rest to the full model (which is skipped when the
    safe model is proven optimal at the trivial bound). ``model`` solves one phase.
    """
    agg = aggregate(problem)
    best_moves = list(start)
    hint_ok = ctx.hint is not None and not problem.violations(ctx.hint)
    if hint_ok and problem.objective(ctx.hint) < problem.objective(problem.plan(best_moves)):
        best_moves = ctx.hint.moves()
    best_units = agg.residue_units(final_free_units(agg, counts_of_moves(agg, best_moves)))
    hint = counts_of_moves(agg, best_moves)
    stats: dict[str, object] = {"unit": agg.unit, "classes": agg.num_classes, "memory_modelled": agg.use_mem}
    ctx.incumbent = problem.plan(best_moves)
    trivial = problem.lower_bound()
    remaining = ctx.remaining(0.15)
    safe_time = None if remaining is None else max(0.05, remaining * safe_share)
    t0 = ctx.elapsed()
    safe = model(agg, ctx, True, hint, safe_time)
    stats["safe_status"] = str(safe.status)
    stats["safe_time"] = round(ctx.elapsed() - t0, 3)
    if safe.counts is not None:
        moves = sequence(agg, safe.counts, problem.mnl)
        units = agg.residue_units(final_free_units(agg, safe.counts))
        if moves is not None and units < best_units:
            best_moves, best_units, hint = moves, units, safe.counts
            ctx.incumbent = problem.plan(best_moves)
    bound_fr: float | None = None
    remaining = ctx.remaining(FINAL_RESERVE)
    # the full model is about twice the safe one: skip it when it could not even be built in time
    too_late = remaining is not None and remaining < 3 * safe.build_time + 0.2
    stats["full_skipped"] = too_late
    if not (agg.fr_units(best_units) <= trivial + 1e-12) and not ctx.expired() and not too_late:
        t0 = ctx.elapsed()
        full = model(agg, ctx, False, hint, remaining)
        stats["full_status"] = str(full.status)
        stats["full_time"] = round(ctx.elapsed() - t0, 3)
        bound_fr = agg.bound_fr(full.bound)
        if full.counts is not None:
            units = agg.residue_units(final_free_units(agg, full.counts))
            if units < best_units:
                moves = sequence(agg, full.counts, problem.mnl)
                stats["full_sequenced"] = moves is not None
                if moves is not None:
                    best_moves, best_units = moves, units
    plan = problem.plan(best_moves)
    stats["migrations"] = len(best_moves)
    return Result(Status.FEASIBLE, None, bound_fr, plan, stats=stats)
