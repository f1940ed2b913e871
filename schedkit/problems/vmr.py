"""VM rescheduling (VMR): migrate at most MNL VMs so that free CPU is left in whole 16-core slots.

Physical machines (PMs) have two NUMA nodes, each with a CPU and a memory capacity. A
*single-NUMA* VM uses ``cpu`` cores and ``mem`` MB of one node; a *double-NUMA* VM uses
``cpu`` and ``mem`` on **each** of the two nodes of its PM (its request is twice that, split
in halves, as in the VMR2L data). Only ACTIVE PMs take part: VMs on other PMs stay put, and
nothing moves onto them.

A solution is an ordered migration plan (:class:`VMRPlan`): step ``k`` moves one VM from
where it is at that moment to another PM, or (single-NUMA VMs) to the other node of its PM.
The plan is feasible when every step fits on the destination's node(s) at the moment it is
applied (CPU and memory), the VM may migrate, it does not join a member of one of its
anti-affinity groups on the destination PM, and the plan has at most ``mnl`` steps.

Objective, the *fragment rate* of the final mapping, as the VMR2L reference code computes it
(``get_fragment_rate`` with weight 1 on the 16-core single-NUMA type):

    FR = sum over NUMA nodes of active PMs of (free CPU mod 16) / sum of free CPU

i.e. the share of free CPU that cannot host another 16-core VM. The total free CPU does not
change with migrations, so minimising FR is minimising the sum of the residues.

Default migration number limit: :data:`DEFAULT_MNL` = 50, the reference code's default episode
length (``--max-steps 50``) and the setting of the study's headline Medium results (about
2.5 % of the 2089 VMs, inside the 2-3 % its authors recommend for stability).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError, SolutionFormatError
from schedkit.problems import validation as valid
from schedkit.problems.base import Problem, Solution

#: migration number limit used when none is given (see the module docstring)
DEFAULT_MNL = 50
#: size of the VM whose slots the fragment rate counts
SLOT = 16
#: NUMA code of a double-NUMA VM (it uses nodes 0 and 1 of its PM)
BOTH = 2
_MAX_REPORTED = 50


def numa_label(code: int) -> list[int]:
    """NUMA code (0, 1, BOTH) -> list of node numbers, as written in plans."""
    return [0, 1] if code == BOTH else [int(code)]


def fragment_rate(free_cpu: np.ndarray) -> float:
    """``sum(f mod 16) / sum(f)`` over the given free-CPU values (0.0 when nothing is free)."""
    f = np.asarray(free_cpu, dtype=np.int64)
    total = int(f.sum())
    return float(int((f % SLOT).sum()) / total) if total > 0 else 0.0


@dataclass(eq=False)
class VMRPlan(Solution):
    """An ordered migration plan: parallel arrays, one entry per step.

    ``vm`` indexes the problem's VMs (-1: unknown VM); ``src_pm``/``dst_pm`` index PMs (-1:
    unknown); ``src_numa``/``dst_numa`` are 0, 1 or :data:`BOTH`. ``labels`` keeps the names
    read from a file, for messages about unknown VMs or PMs.
    """

    vm: np.ndarray
    src_pm: np.ndarray
    src_numa: np.ndarray
    dst_pm: np.ndarray
    dst_numa: np.ndarray
    names: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    labels: list[tuple[str, str, str]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("vm", "src_pm", "src_numa", "dst_pm", "dst_numa"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64).reshape(-1))

    @classmethod
    def from_moves(
        cls,
        moves: list[tuple[int, int, int, int, int]],
        names: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    ) -> VMRPlan:
        """Plan from ``(vm, src_pm, src_numa, dst_pm, dst_numa)`` tuples in order; ``names`` =
        (VM names, PM names) of the problem, used when the plan is written."""
        arr = np.array(moves, dtype=np.int64).reshape(-1, 5)
        return cls(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4], names)

    def __len__(self) -> int:
        return len(self.vm)

    def __bool__(self) -> bool:  # an empty plan is still a solution ("migrate nothing")
        return True

    def moves(self) -> list[tuple[int, int, int, int, int]]:
        return [
            (int(v), int(a), int(b), int(c), int(d))
            for v, a, b, c, d in zip(
                self.vm, self.src_pm, self.src_numa, self.dst_pm, self.dst_numa, strict=True
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        """Steps as ``{"step", "vm", "from_pm", "from_numa", "to_pm", "to_numa"}`` with names
        (``vm<i>``/``pm<i>`` when the plan carries none), NUMA nodes as lists."""

        def name(table: tuple[str, ...] | None, i: int, prefix: str, label: str | None) -> str:
            if table is not None and 0 <= i < len(table):
                return table[i]
            return label if label is not None else f"{prefix}{i}"

        vms, pms = self.names if self.names is not None else (None, None)
        rows = []
        for k, (v, a, b, c, d) in enumerate(self.moves()):
            lab = self.labels[k] if self.labels else (None, None, None)
            rows.append(
                {
                    "step": k + 1,
                    "vm": name(vms, v, "vm", lab[0]),
                    "from_pm": name(pms, a, "pm", lab[1]),
                    "from_numa": numa_label(b),
                    "to_pm": name(pms, c, "pm", lab[2]),
                    "to_numa": numa_label(d),
                }
            )
        return {"migrations": rows}


@dataclass(eq=False)
class VMRescheduling(Problem):
    """A VM rescheduling instance; minimise the fragment rate after at most ``mnl`` migrations.

    Arrays: ``pm_cpu``/``pm_mem`` (P, 2) capacities per NUMA node; ``pm_active`` (P,);
    ``vm_cpu``/``vm_mem`` (V,) demand on each node the VM uses; ``vm_pm`` (V,) initial PM;
    ``vm_numa`` (V,) 0, 1 or :data:`BOTH`; ``migratable`` (V,). ``anti_affinity``: groups of VM
    indices that must not share a PM. Names and ``meta`` (extra JSON fields) serve the writer.
    """

    kind: ClassVar[str] = "vmr"
    title: ClassVar[str] = "VM rescheduling"
    objective_name: ClassVar[str] = "fragment rate"
    solution_type: ClassVar[type[Solution]] = VMRPlan

    pm_cpu: np.ndarray
    pm_mem: np.ndarray
    vm_cpu: np.ndarray
    vm_mem: np.ndarray
    vm_pm: np.ndarray
    vm_numa: np.ndarray
    migratable: np.ndarray | None = None
    pm_active: np.ndarray | None = None
    mnl: int = DEFAULT_MNL
    anti_affinity: tuple[np.ndarray, ...] = ()
    pm_names: tuple[str, ...] = ()
    vm_names: tuple[str, ...] = ()
    vm_types: tuple[str, ...] = ()
    name: str = "vmr"
    meta: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.pm_cpu = valid.int_array("pm_cpu", self.pm_cpu, shape=(-1, 2))
        n_pm = len(self.pm_cpu)
        self.pm_mem = valid.int_array("pm_mem", self.pm_mem, shape=(-1, 2))
        valid.same_length("PM memory rows", self.pm_mem, n_pm, "PM CPU rows")
        self.vm_cpu = valid.int_array("vm_cpu", self.vm_cpu, ndim=None)
        n_vm = len(self.vm_cpu)
        self.vm_mem = valid.int_array("vm_mem", self.vm_mem, ndim=None)
        self.vm_pm = valid.int_array("vm_pm", self.vm_pm, ndim=None)
        self.vm_numa = valid.int_array("vm_numa", self.vm_numa, ndim=None)
        for label, arr in (
            ("VM memory demands", self.vm_mem),
            ("VM PMs", self.vm_pm),
            ("VM NUMA codes", self.vm_numa),
        ):
            valid.same_length(label, arr, n_vm, "VM CPU demands")
        self.pm_active = valid.bool_array("PM active flags", self.pm_active, n_pm, "PMs")
        self.migratable = valid.bool_array("migratable flags", self.migratable, n_vm, "VMs")
        self.pm_names = tuple(self.pm_names) or tuple(f"pm{i}" for i in range(n_pm))
        self.vm_names = tuple(self.vm_names) or tuple(f"vm{i}" for i in range(n_vm))
        self.vm_types = tuple(self.vm_types) or tuple(
            f"{2 * c}c-2numa" if k == BOTH else f"{c}c"
            for c, k in zip(self.vm_cpu, self.vm_numa, strict=True)
        )
        valid.same_length("PM names", self.pm_names, n_pm, "PMs")
        valid.same_length("VM names", self.vm_names, n_vm, "VMs")
        valid.same_length("VM types", self.vm_types, n_vm, "VMs")
        self.mnl = valid.count("migration number limit", self.mnl, 0)
        self._validate()
        self.anti_affinity = tuple(
            np.unique(valid.int_array(f"anti-affinity group {g}", grp, ndim=None))
            for g, grp in enumerate(self.anti_affinity)
        )
        self._check_groups()
        valid.freeze(self.pm_cpu, self.pm_mem, self.vm_cpu, self.vm_mem, self.vm_pm, self.vm_numa)
        valid.freeze(self.migratable, self.pm_active)
        self._vm_index = {n: i for i, n in enumerate(self.vm_names)}
        self._pm_index = {n: i for i, n in enumerate(self.pm_names)}

    @classmethod
    def from_lists(
        cls,
        pms: Sequence[tuple[int, int]],
        vms: Sequence[tuple[int, int, int, int | Sequence[int]]],
        mnl: int = DEFAULT_MNL,
        anti_affinity: Sequence[Sequence[int]] = (),
        migratable: Sequence[bool] | None = None,
        name: str = "vmr",
    ) -> VMRescheduling:
        """Build from Python lists: per PM ``(cpu, memory)``, the capacity of each of its two
        NUMA nodes; per VM ``(cpu, memory, pm, numa)`` with ``numa`` 0, 1 or ``(0, 1)`` for a
        double-NUMA VM (which uses ``cpu`` and ``memory`` on each node). PMs and VMs are
        numbered from 0 (named ``pm<i>``/``vm<i>``); ``anti_affinity`` lists groups of VM
        indices that must not share a PM; ``migratable`` one flag per VM (default all).

        Raises InvalidProblemError naming the argument and index of a bad entry.
        """
        caps = [
            valid.record(f"pms[{p}]", pm, ("cpu", "memory"), minimum=0)
            for p, pm in enumerate(valid.entries("pms", pms, "(cpu, memory) PM"))
        ]
        rows = []
        for v, vm in enumerate(valid.entries("vms", vms, "(cpu, memory, pm, numa) VM")):
            where = f"vms[{v}]"
            if isinstance(vm, str | bytes) or not isinstance(vm, Sequence | np.ndarray) or len(vm) != 4:
                raise InvalidProblemError(f"{where}: expected (cpu, memory, pm, numa), got {vm!r:.80}")
            cpu, mem, pm = valid.record(where, vm[:3], ("cpu", "memory", "pm"), minimum=0)
            if pm >= len(caps):
                raise InvalidProblemError(f"{where}: pm {pm} out of range 0..{len(caps) - 1}")
            rows.append((cpu, mem, pm, _numa_code_of(where, vm[3])))
        groups = valid.entries("anti_affinity", anti_affinity, "group of VM indices", minimum=0)
        for g, group in enumerate(groups):
            for x in valid.entries(f"anti_affinity[{g}]", group, "VM index", minimum=0):
                if valid.integer(f"anti_affinity[{g}]", "VM", x, 0) >= len(rows):
                    raise InvalidProblemError(f"anti_affinity[{g}]: VM {x} out of range 0..{len(rows) - 1}")
        cap = np.array(caps, dtype=np.int64)
        vm = np.array(rows, dtype=np.int64)
        return cls(
            pm_cpu=np.repeat(cap[:, :1], 2, axis=1),
            pm_mem=np.repeat(cap[:, 1:], 2, axis=1),
            vm_cpu=vm[:, 0],
            vm_mem=vm[:, 1],
            vm_pm=vm[:, 2],
            vm_numa=vm[:, 3],
            migratable=None if migratable is None else valid.entries("migratable", migratable, "flag", 0),
            mnl=mnl,
            anti_affinity=tuple(np.array(g, dtype=np.int64) for g in groups),
            name=name,
        )

    def _validate(self) -> None:
        for arr, what in ((self.pm_cpu, "CPU"), (self.pm_mem, "memory")):
            valid.nonnegative(arr, f"{what} capacity", self._pm_node)
        for arr, what in ((self.vm_cpu, "CPU"), (self.vm_mem, "memory")):
            valid.nonnegative(arr, f"{what} demand", self._vm)
        valid.in_range(self.vm_pm, 0, self.num_pms - 1, "PM index", self._vm)
        valid.in_range(self.vm_numa, 0, BOTH, "NUMA code", self._vm)
        # a VM that fits on no NUMA node of any PM (both nodes of one PM for double-NUMA VMs)
        # on distinct VM shapes and PM capacity rows (V x P x 2 arrays took seconds at 5000 PMs)
        shapes, inv = np.unique(
            np.stack([self.vm_cpu, self.vm_mem, self.vm_numa == BOTH], axis=1), axis=0, return_inverse=True
        )
        caps = np.unique(np.concatenate([self.pm_cpu, self.pm_mem], axis=1), axis=0)
        fit_one = (shapes[:, 0, None, None] <= caps[None, :, :2]) & (
            shapes[:, 1, None, None] <= caps[None, :, 2:]
        )
        fit_shape = np.where(shapes[:, 2] == 1, fit_one.all(axis=2).any(axis=1), fit_one.any(axis=(1, 2)))
        fits = fit_shape[np.asarray(inv).reshape(-1)] if len(shapes) else np.ones(0, bool)
        if not fits.all():
            v = int(np.flatnonzero(~fits)[0])
            where = "both NUMA nodes of any PM" if self.vm_numa[v] == BOTH else "any NUMA node"
            raise InvalidProblemError(
                f"VM {self.vm_names[v]} ({self.vm_cpu[v]} cores, {self.vm_mem[v]} MB per node) "
                f"is larger than {where}"
            )
        free_c, free_m = self.initial_free()
        over = (free_c < 0) | (free_m < 0)
        if over.any():
            p, j = np.argwhere(over)[0]
            raise InvalidProblemError(
                f"PM {self.pm_names[p]} NUMA node {j} is overloaded by its VMs "
                f"(free CPU {free_c[p, j]}, free memory {free_m[p, j]} MB)"
            )

    def _vm(self, v: int) -> str:
        return f"VM {self.vm_names[v]}"

    def _pm_node(self, p: int, j: int) -> str:
        return f"PM {self.pm_names[p]} NUMA node {j}"

    def _check_groups(self) -> None:
        for g, members in enumerate(self.anti_affinity):
            if len(members) and (members.min() < 0 or members.max() >= self.num_vms):
                raise InvalidProblemError(f"anti-affinity group {g}: VM index out of range")
            pms = self.vm_pm[members]
            if len(np.unique(pms)) < len(pms):
                _, first = np.unique(pms, return_index=True)
                dup = pms[np.setdiff1d(np.arange(len(pms)), first)[0]]
                raise InvalidProblemError(
                    f"initial placement breaks anti-affinity group {g}: "
                    f"two members on PM {self.pm_names[dup]}"
                )

    # sizes and state ---------------------------------------------------------------------
    @property
    def num_pms(self) -> int:
        return len(self.pm_cpu)

    @property
    def num_vms(self) -> int:
        return len(self.vm_cpu)

    def load(self, vm_pm: np.ndarray, vm_numa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CPU and memory used per (PM, node) by a placement of all VMs."""
        cpu = np.zeros((self.num_pms, 2), np.int64)
        mem = np.zeros((self.num_pms, 2), np.int64)
        for j in (0, 1):
            on = (vm_numa == j) | (vm_numa == BOTH)
            cpu[:, j] = np.bincount(vm_pm[on], weights=self.vm_cpu[on], minlength=self.num_pms)
            mem[:, j] = np.bincount(vm_pm[on], weights=self.vm_mem[on], minlength=self.num_pms)
        return cpu, mem

    def initial_free(self) -> tuple[np.ndarray, np.ndarray]:
        """Free CPU and memory per (PM, node) in the current mapping."""
        cpu, mem = self.load(self.vm_pm, self.vm_numa)
        return self.pm_cpu - cpu, self.pm_mem - mem

    def free_cpu_total(self) -> int:
        """Free CPU summed over the active PMs' nodes: the same for every mapping."""
        return int(self.initial_free()[0][self.pm_active].sum())

    def fragment_rate_of(self, free_cpu: np.ndarray) -> float:
        """FR of a (P, 2) free-CPU array (active PMs only)."""
        return fragment_rate(np.asarray(free_cpu)[self.pm_active])

    def current_fragment_rate(self) -> float:
        return self.fragment_rate_of(self.initial_free()[0])

    def vm_index(self, name: str) -> int:
        return self._vm_index.get(name, -1)

    def pm_index(self, name: str) -> int:
        return self._pm_index.get(name, -1)

    # Problem contract ----------------------------------------------------------------------
    def lower_bound(self) -> float:
        """Valid cheap bound on the final FR: the best of :meth:`touched_bound`,
        :meth:`migration_bound` and :meth:`potential_bound`."""
        return max(self.touched_bound(), self.migration_bound(), self.potential_bound())

    def touched_bound(self) -> float:
        """A migration changes the free CPU of at most 4 nodes (2 for single-NUMA VMs), so at
        least ``nodes - touched`` nodes keep their residue: the smallest of them sum to a bound,
        which is then rounded up to the residue class of the (invariant) total free CPU mod 16.
        """
        free = self.initial_free()[0][self.pm_active].ravel()
        total = int(free.sum())
        if total == 0:
            return 0.0
        mov = self.migratable & self.pm_active[self.vm_pm]
        per_move = 4 if (mov & (self.vm_numa == BOTH)).any() else 2
        touched = min(len(free), per_move * min(self.mnl, int(mov.sum())))
        res = np.sort(free % SLOT)
        bound = int(res[: len(free) - touched].sum())
        bound += (total - bound) % SLOT
        return bound / total

    def migration_bound(self) -> float:
        """Bound on the final FR from what each migration can change (see below).

        Let ``R`` be the sum of the residues ``free mod 16`` over the nodes of active PMs
        (FR = R / total free CPU; the total does not change) and ``R0`` its current value. A
        plan of ``s`` single-NUMA and ``d`` double-NUMA steps, ``s + d <= MNL``, ends with
        ``R0 - R = sum of the steps' decreases of R``; a step changes only the nodes it leaves
        and enters. Two bounds on that sum hold at once:

        * *per step*: a VM of ``c`` cores per node leaving a node of capacity ``C`` with ``f``
          free (``0 <= f <= C - c``) lowers that node's residue by ``f%16 - (f+c)%16 <=
          dep(c, C)``, the maximum over all such ``f``; arriving (``c <= f <= C``) by ``f%16 -
          (f-c)%16 <= arr(c, C)``. A single-NUMA step leaves one node and enters one, a double
          one leaves two and enters two, so a step lowers ``R`` by at most ``cs`` (single) or
          ``cd`` (double): the largest ``dep + arr`` (twice that for double VMs) over the
          movable VMs' sizes and the node capacities. Hence ``R0 - R <= s cs + d cd``.
        * *per node*: a node's residue cannot fall below 0, so over the whole plan it falls by
          at most its current residue ``r0(n)``, and only on the at most ``2s + 4d`` nodes
          touched: ``R0 - R <= top(2s + 4d)``, the sum of the largest current residues.

        Both right-hand sides grow with ``s`` and ``d``, so ``R0 - R <= max over s + d = MNL
        of min(s cs + d cd, top(2s + 4d))`` (``s = 0`` without movable single-NUMA VMs, ``d =
        0`` without double ones) for every feasible plan. ``R`` is also congruent to the total
        free CPU mod 16 (each residue is congruent to its node's free CPU), so the bound on
        ``R`` is rounded up to that class. The per-node half alone is :meth:`touched_bound`
        (less its rounding of touched nodes); the per-step half is what makes it bite at scale.
        """
        act = self.pm_active
        free = self.initial_free()[0][act]
        total = int(free.sum())
        if total == 0:
            return 0.0
        r0 = free % SLOT
        start = int(r0.sum())
        mov = self.migratable & act[self.vm_pm]
        caps = np.unique(self.pm_cpu[act])
        step = {False: -1, True: -1}  # largest decrease per step, single / double (-1: none movable)
        shapes = {(int(c), bool(k == BOTH)) for c, k in zip(self.vm_cpu[mov], self.vm_numa[mov], strict=True)}
        for c, double in shapes:
            dep = max((_best_change(c, int(cap), leave=True) for cap in caps if cap >= c), default=0)
            arr = max((_best_change(c, int(cap), leave=False) for cap in caps if cap >= c), default=0)
            gain = max(0, dep + arr) * (2 if double else 1)
            step[double] = max(step[double], gain)
        top = np.concatenate([[0], np.cumsum(np.sort(r0.ravel())[::-1])])
        best = 0
        for d in range(self.mnl + 1):
            s = self.mnl - d
            if (d and step[True] < 0) or (s and step[False] < 0):
                continue
            touched = min(len(top) - 1, 2 * s + 4 * d)
            best = max(best, min(s * max(step[False], 0) + d * max(step[True], 0), int(top[touched])))
        bound = max(0, start - best)
        bound += (total - bound) % SLOT
        return min(bound, start) / total

    def perfect_sources(self) -> int | None:
        """``H``: active PMs hosting a movable double-NUMA VM of ``c' = cpu mod 16`` in 1..8
        whose two nodes both have a residue of at least ``16 - c'`` (its departure wraps both);
        None when some movable double-NUMA VM with ``c'`` above 8 could wrap a node on leaving
        (then :meth:`potential_bound` does not apply)."""
        act = self.pm_active
        free = self.initial_free()[0]
        mov = self.migratable & act[self.vm_pm] & (self.vm_numa == BOTH)
        rest = self.vm_cpu % SLOT
        caps = np.unique(self.pm_cpu[act])
        for c in np.unique(self.vm_cpu[mov & (rest > SLOT // 2)]):
            if any(int(((np.arange(0, int(cap) - c + 1) % SLOT) + c % SLOT).max(initial=0)) >= SLOT
                   for cap in caps if cap >= c):  # fmt: skip
                return None
        small = mov & (rest > 0) & (rest <= SLOT // 2)
        r = free[self.vm_pm[small]] % SLOT  # (n, 2) residues of each such VM's PM
        ok = (r >= (SLOT - rest[small])[:, None]).all(axis=1)
        return len(np.unique(self.vm_pm[small][ok]))

    def potential_bound(self) -> float:
        """Bound on the final FR from a potential argument: ``R >= R0 - 16 (MNL + H)``.

        Write ``c' = cpu mod 16``. A step's change of a node's residue is a *success* (a
        departure that wraps, ``r + c' >= 16``; an arrival with ``r >= c'``: the residue falls)
        or a *failure* (it rises); so a single-NUMA step lowers ``R`` by ``16 - 16 f`` and a
        double one by ``32 - 16 f`` for ``f`` failures (0 for ``c' = 0``). Let ``H`` be
        :meth:`perfect_sources`. Every step satisfies ``decrease <= 16 + 16 (H before - H
        after)``: a perfect double step (``f = 0``, 32) leaves its source with residues at most
        ``15 + 8 - 16 = 7``, below every threshold ``16 - c' >= 8``, and lowers its destination,
        so ``H`` falls by one; a step with ``f`` failures raises at most ``f`` nodes, and only a
        raised node (or a double VM arriving with both its nodes failed) can make a PM join
        ``H``; a double step with one failure at the destination starts from a perfect source,
        which leaves ``H``. Summing over at most MNL steps: ``R0 - R <= 16 MNL + 16 H``.
        Capacities, memory and anti-affinity only remove plans, so the bound holds for every
        feasible plan. It needs every movable double VM with ``c'`` above 8 to be unable to
        wrap (e.g. 44 cores on 44-core nodes); otherwise it returns 0.0.
        """
        h = self.perfect_sources()
        act = self.pm_active
        free = self.initial_free()[0][act]
        total = int(free.sum())
        if h is None or total == 0:
            return 0.0
        start = int((free % SLOT).sum())
        return max(0, start - SLOT * (self.mnl + h)) / total

    def summary(self) -> dict[str, Any]:
        mov = self.migratable & self.pm_active[self.vm_pm]
        return {
            "problem": "VM rescheduling, minimise the fragment rate after at most MNL migrations",
            "PMs": int(self.pm_active.sum()),
            "VMs": self.num_vms,
            "MNL": self.mnl,
            "inactive PMs": int((~self.pm_active).sum()),
            "migratable VMs": int(mov.sum()),
            "double-NUMA VMs": int((self.vm_numa == BOTH).sum()),
            "anti-affinity groups": len(self.anti_affinity),
            "free CPU": self.free_cpu_total(),
            "current fragment rate": round(self.current_fragment_rate(), 6),
            "trivial lower bound": round(self.lower_bound(), 6),
        }

    def objective(self, solution: VMRPlan) -> float:
        """Fragment rate after applying the plan's steps (steps naming unknown VMs are skipped)."""
        pos_pm = self.vm_pm.copy()
        pos_numa = self.vm_numa.copy()
        ok = (solution.vm >= 0) & (solution.vm < self.num_vms)
        ok &= (solution.dst_pm >= 0) & (solution.dst_pm < self.num_pms)
        for v, p, k in zip(solution.vm[ok], solution.dst_pm[ok], solution.dst_numa[ok], strict=True):
            pos_pm[v], pos_numa[v] = p, k
        cpu, _ = self.load(pos_pm, pos_numa)
        return self.fragment_rate_of(self.pm_cpu - cpu)

    def violations(self, solution: VMRPlan) -> list[str]:
        """Replay the plan step by step from the current mapping and list every violation:
        too many steps, unknown VM/PM, non-migratable VM, wrong origin, wrong NUMA shape,
        inactive destination, CPU or memory overload of a node, anti-affinity."""
        out: list[str] = []
        s = solution
        n = len(s.vm)
        if not (len(s.src_pm) == len(s.src_numa) == len(s.dst_pm) == len(s.dst_numa) == n):
            return ["plan arrays differ in length"]
        if n > self.mnl:
            out.append(f"{n} migrations exceed the migration number limit {self.mnl}")
        pos_pm = self.vm_pm.copy()
        pos_numa = self.vm_numa.copy()
        used_c, used_m = self.load(pos_pm, pos_numa)
        free_c = self.pm_cpu - used_c
        free_m = self.pm_mem - used_m
        group_of: dict[int, list[int]] = {}
        for g, members in enumerate(self.anti_affinity):
            for v in members:
                group_of.setdefault(int(v), []).append(g)
        counts = [0]

        def bad(msg: str) -> None:
            counts[0] += 1
            if counts[0] <= _MAX_REPORTED:
                out.append(msg)

        for k in range(n):
            v, sp, sn, dp, dn = (
                int(x) for x in (s.vm[k], s.src_pm[k], s.src_numa[k], s.dst_pm[k], s.dst_numa[k])
            )
            step = f"step {k + 1}"
            if not 0 <= v < self.num_vms:
                label = s.labels[k][0] if s.labels else str(v)
                bad(f"{step}: unknown VM {label}")
                continue
            vn = self.vm_names[v]
            if not 0 <= dp < self.num_pms:
                label = s.labels[k][2] if s.labels else str(dp)
                bad(f"{step}: VM {vn} to unknown PM {label}")
                continue
            if not self.migratable[v] or not self.pm_active[self.vm_pm[v]]:
                bad(f"{step}: VM {vn} may not be migrated")
                continue
            if sp != pos_pm[v] or sn != pos_numa[v]:
                bad(
                    f"{step}: VM {vn} is on PM {self.pm_names[pos_pm[v]]} NUMA {numa_label(pos_numa[v])}, "
                    f"the plan moves it from {self._where(sp, sn)}"
                )
                continue
            double = self.vm_numa[v] == BOTH
            if (dn == BOTH) != double or dn not in (0, 1, BOTH):
                bad(f"{step}: VM {vn} is {'double' if double else 'single'}-NUMA, cannot go to NUMA {dn}")
                continue
            if dp == pos_pm[v] and dn == pos_numa[v]:
                bad(f"{step}: VM {vn} moved to where it already is")
                continue
            if not self.pm_active[dp]:
                bad(f"{step}: VM {vn} moved onto PM {self.pm_names[dp]}, which is not active")
                continue
            if dp != pos_pm[v]:
                for g in group_of.get(v, ()):
                    mates = self.anti_affinity[g]
                    clash = mates[(mates != v) & (pos_pm[mates] == dp)]
                    if len(clash):
                        bad(
                            f"{step}: VM {vn} joins VM {self.vm_names[clash[0]]} on PM {self.pm_names[dp]} "
                            f"(anti-affinity group {g})"
                        )
            src_nodes = [0, 1] if sn == BOTH else [sn]
            dst_nodes = [0, 1] if dn == BOTH else [dn]
            for j in src_nodes:
                free_c[sp, j] += self.vm_cpu[v]
                free_m[sp, j] += self.vm_mem[v]
            for j in dst_nodes:
                free_c[dp, j] -= self.vm_cpu[v]
                free_m[dp, j] -= self.vm_mem[v]
                if free_c[dp, j] < 0 or free_m[dp, j] < 0:
                    bad(
                        f"{step}: VM {vn} overloads PM {self.pm_names[dp]} NUMA node {j} "
                        f"(CPU free {free_c[dp, j]}, memory free {free_m[dp, j]} MB after the move)"
                    )
            pos_pm[v], pos_numa[v] = dp, dn
        if counts[0] > _MAX_REPORTED:
            out.append(f"... and {counts[0] - _MAX_REPORTED} more violations")
        return out

    def _where(self, p: int, k: int) -> str:
        pm = self.pm_names[p] if 0 <= p < self.num_pms else str(p)
        return f"PM {pm} NUMA {numa_label(k) if k in (0, 1, BOTH) else k}"

    # plans ------------------------------------------------------------------------------------
    def plan(self, moves: list[tuple[int, int, int, int, int]]) -> VMRPlan:
        """A plan of ``(vm, src_pm, src_numa, dst_pm, dst_numa)`` steps carrying this problem's names."""
        return VMRPlan.from_moves(moves, (self.vm_names, self.pm_names))

    def solution_from_dict(self, data: dict[str, Any]) -> VMRPlan:
        rows = data.get("migrations") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise SolutionFormatError("solution needs a 'migrations' list")
        moves: list[tuple[int, int, int, int, int]] = []
        labels: list[tuple[str, str, str]] = []
        for i, rec in enumerate(rows):
            if not isinstance(rec, dict):
                raise SolutionFormatError(f"migration {i + 1} is not an object")
            for key in ("vm", "from_pm", "from_numa", "to_pm", "to_numa"):
                if key not in rec:
                    raise SolutionFormatError(f"migration {i + 1}: missing {key!r}")
            if "step" in rec and rec["step"] != i + 1:
                raise SolutionFormatError(
                    f"migration {i + 1} is numbered step {rec['step']!r}: the list order is the plan's order"
                )
            names = [rec["vm"], rec["from_pm"], rec["to_pm"]]
            if not all(isinstance(x, str | int) and not isinstance(x, bool) for x in names):
                raise SolutionFormatError(f"migration {i + 1}: VM and PM must be names")
            v, a, c = (str(x) for x in names)
            moves.append(
                (
                    self.vm_index(v),
                    self.pm_index(a),
                    _numa_code(rec["from_numa"], i),
                    self.pm_index(c),
                    _numa_code(rec["to_numa"], i),
                )
            )
            labels.append((v, a, c))
        plan = self.plan(moves)
        plan.labels = labels
        return plan


def _best_change(c: int, cap: int, leave: bool) -> int:
    """Largest drop of ``free mod 16`` on a node of capacity ``cap`` when a VM of ``c`` cores
    leaves it (free ``f`` to ``f + c <= cap``) or enters it (``f >= c`` to ``f - c``)."""
    f = np.arange(0, cap - c + 1) if leave else np.arange(c, cap + 1)
    after = f + c if leave else f - c
    return int((f % SLOT - after % SLOT).max()) if len(f) else 0


def _numa_code_of(where: str, value: Any) -> int:
    """0, 1 or ``(0, 1)`` (also ``[0]``, ``[1]``) as a NUMA code; else an error naming ``where``."""
    nodes = [value] if isinstance(value, int | np.integer) and not isinstance(value, bool) else value
    if isinstance(nodes, Sequence | np.ndarray) and not isinstance(nodes, str):
        if sorted(int(x) for x in nodes if isinstance(x, int | np.integer)) == [0, 1] and len(nodes) == 2:
            return BOTH
        if len(nodes) == 1 and isinstance(nodes[0], int | np.integer) and nodes[0] in (0, 1):
            return int(nodes[0])
    raise InvalidProblemError(f"{where}: numa must be 0, 1 or (0, 1), got {value!r:.40}")


def _numa_code(value: Any, i: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        if sorted(value) == [0, 1]:
            return BOTH
        if len(value) == 1 and value[0] in (0, 1):
            return value[0]
    raise SolutionFormatError(f"migration {i + 1}: NUMA must be [0], [1] or [0, 1], got {value!r}")
