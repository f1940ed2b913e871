"""Neighbourhoods of the VM rescheduling LNS: a set of PMs, the sub-problem on them, the way back.

A neighbourhood is a set ``S`` of active PMs *closed under the incumbent plan*: every step of
the plan that starts or ends on a PM of ``S`` has both its PMs in ``S``. Then the VMs that start
on ``S`` are exactly those that end on ``S``, and the plan splits into the steps inside ``S``
and the steps outside it, which touch disjoint PMs. The sub-problem is the instance restricted
to ``S`` (its VMs, their initial places, the anti-affinity groups cut to them; VMs elsewhere
never enter ``S``) with the migration budget ``MNL - (steps outside S)``. Any step-by-step
feasible plan of the sub-problem, appended to the steps outside ``S``, is a feasible plan of the
whole instance: capacities and anti-affinity are per PM, and the two parts share no PM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedkit.problems.vmr import BOTH, SLOT, VMRescheduling

Move = tuple[int, int, int, int, int]  # (vm, src_pm, src_numa, dst_pm, dst_numa)


@dataclass
class SubProblem:
    """The instance restricted to the PMs ``pms``; ``vms`` maps its VM numbers back."""

    problem: VMRescheduling
    pms: np.ndarray  # sub PM -> PM
    vms: np.ndarray  # sub VM -> VM
    hint: list[Move]  # the incumbent's steps inside S, in sub numbering
    touching: list[Move]  # the incumbent's steps touching S when it was built (original numbering)

    def to_original(self, moves: list[Move]) -> list[Move]:
        """Steps of a sub-problem plan in the whole instance's numbering."""
        pm, vm = self.pms, self.vms
        return [(int(vm[v]), int(pm[a]), b, int(pm[c]), d) for v, a, b, c, d in moves]


class PmIndex:
    """The VMs initially on each PM (CSR arrays), built once per solve."""

    def __init__(self, problem: VMRescheduling):
        order = np.argsort(problem.vm_pm, kind="stable")
        self.order = order
        self.start = np.searchsorted(problem.vm_pm[order], np.arange(problem.num_pms + 1))

    def vms_on(self, pms: np.ndarray) -> np.ndarray:
        """VMs initially on any of ``pms``, ascending."""
        parts = [self.order[self.start[p] : self.start[p + 1]] for p in pms]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def close(pms: set[int], plan: list[Move]) -> set[int]:
    """The smallest superset of ``pms`` closed under the plan (see the module docstring)."""
    out = set(pms)
    changed = True
    while changed:
        changed = False
        for _, a, _, c, _ in plan:
            if (a in out) != (c in out):
                out.update((a, c))
                changed = True
    return out


def restrict(problem: VMRescheduling, index: PmIndex, pms: set[int], plan: list[Move]) -> SubProblem:
    """The sub-problem on a closed PM set ``pms`` with the budget left by the steps outside it."""
    s = np.array(sorted(pms), np.int64)
    local = {int(p): i for i, p in enumerate(s)}
    vms = index.vms_on(s)
    vlocal = np.full(problem.num_vms, -1, np.int64)
    vlocal[vms] = np.arange(len(vms))
    inside = [m for m in plan if m[1] in local]
    outside = [m for m in plan if m[1] not in local]
    sub = VMRescheduling(
        pm_cpu=problem.pm_cpu[s],
        pm_mem=problem.pm_mem[s],
        vm_cpu=problem.vm_cpu[vms],
        vm_mem=problem.vm_mem[vms],
        vm_pm=np.array([local[int(p)] for p in problem.vm_pm[vms]], np.int64),
        vm_numa=problem.vm_numa[vms],
        migratable=problem.migratable[vms],
        pm_active=np.ones(len(s), bool),
        mnl=max(0, problem.mnl - len(outside)),
        anti_affinity=_groups(problem, vlocal),
        name=f"{problem.name}-sub",
    )
    hint = [(int(vlocal[v]), local[a], b, local[c], d) for v, a, b, c, d in inside]
    return SubProblem(sub, s, vms, hint, inside)


def restrict_current(problem: VMRescheduling, inc: Incumbent, pms: set[int]) -> SubProblem:
    """The sub-problem on ``pms`` *after* the incumbent's plan: its VMs start where the plan
    leaves them, its budget is what the plan leaves, and its steps are appended to the plan
    (they touch only ``pms``, whose state the plan has fixed, so the whole stays feasible)."""
    s = np.array(sorted(pms), np.int64)
    local = np.full(problem.num_pms, -1, np.int64)
    local[s] = np.arange(len(s))
    vms = np.flatnonzero(local[inc.pos_pm] >= 0)
    vlocal = np.full(problem.num_vms, -1, np.int64)
    vlocal[vms] = np.arange(len(vms))
    sub = VMRescheduling(
        pm_cpu=problem.pm_cpu[s],
        pm_mem=problem.pm_mem[s],
        vm_cpu=problem.vm_cpu[vms],
        vm_mem=problem.vm_mem[vms],
        vm_pm=local[inc.pos_pm[vms]],
        vm_numa=inc.pos_numa[vms],
        migratable=problem.migratable[vms],
        pm_active=np.ones(len(s), bool),
        mnl=max(0, problem.mnl - len(inc.moves)),
        anti_affinity=_groups(problem, vlocal),
        name=f"{problem.name}-sub",
    )
    touching = [m for m in inc.moves if local[m[1]] >= 0 or local[m[3]] >= 0]
    return SubProblem(sub, s, vms, [], touching)


def _groups(problem: VMRescheduling, vlocal: np.ndarray) -> tuple[np.ndarray, ...]:
    """Anti-affinity groups cut to the VMs with a local number (those with two members or more)."""
    out = []
    for g in problem.anti_affinity:
        members = vlocal[g]
        members = members[members >= 0]
        if len(members) > 1:
            out.append(members)
    return tuple(out)


class Incumbent:
    """The best plan so far, the free CPU per (PM, node) and each VM's place after it."""

    def __init__(self, problem: VMRescheduling, moves: list[Move]):
        self.problem = problem
        self.free = problem.initial_free()[0].copy()
        self.pos_pm = problem.vm_pm.copy()
        self.pos_numa = problem.vm_numa.copy()
        self.moves: list[Move] = []
        self._apply(moves, 1)
        self.moves = list(moves)

    def _apply(self, moves: list[Move], sign: int) -> None:
        p = self.problem
        for v, a, b, c, d in moves:
            for j in (0, 1) if b == BOTH else (b,):
                self.free[a, j] += sign * p.vm_cpu[v]
            for j in (0, 1) if d == BOTH else (d,):
                self.free[c, j] -= sign * p.vm_cpu[v]
            self.pos_pm[v], self.pos_numa[v] = (c, d) if sign > 0 else (a, b)

    def residue(self, pms: np.ndarray | None = None) -> int:
        """Sum of ``free mod 16`` over the nodes of active PMs (of ``pms`` only, if given)."""
        f = self.free[self.problem.pm_active] if pms is None else self.free[pms]
        return int((f % SLOT).sum())

    def replace(self, pms: set[int], drop_inside: bool, moves: list[Move]) -> None:
        """Append ``moves`` (original numbering, touching only ``pms``) to the plan, after
        dropping the steps inside ``pms`` if ``drop_inside`` (``pms`` closed under the plan)."""
        if drop_inside:
            inside = [m for m in self.moves if m[1] in pms]
            self._apply(list(reversed(inside)), -1)
            self.moves = [m for m in self.moves if m[1] not in pms]
        self._apply(moves, 1)
        self.moves = self.moves + moves

    def compress(self) -> bool:
        """Merge the steps of a VM that moves more than once into its last step when the plan
        stays feasible (one migration instead of several); True if the plan changed."""
        p = self.problem
        changed = False
        seen: dict[int, int] = {}
        for v, *_ in self.moves:
            seen[v] = seen.get(v, 0) + 1
        for v in [v for v, k in seen.items() if k > 1]:
            steps = [i for i, m in enumerate(self.moves) if m[0] == v]
            last = self.moves[steps[-1]]
            keep = [m for i, m in enumerate(self.moves) if i not in steps[:-1]]
            src = (int(p.vm_pm[v]), int(p.vm_numa[v]))
            if src == (last[3], last[4]):  # back where it started: drop every step of it
                trial = [m for m in keep if m[0] != v]
            else:
                trial = [(v, *src, last[3], last[4]) if m is last else m for m in keep]
            if not p.violations(p.plan(trial)):
                self.moves = trial
                changed = True
        return changed
