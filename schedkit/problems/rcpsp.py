"""Resource-constrained project scheduling (RCPSP): minimise the makespan.

Activities ``0 .. n-1`` have integer durations, finish-to-start successors and constant
demands on ``K`` renewable resources of fixed capacity. In every message activities are
numbered from 1, as in PSPLIB files.

PSPLIB's dummy source (job 1) and dummy sink (job n) are kept as ordinary activities of
duration 0 and demand 0: activity ``j`` is PSPLIB job ``j + 1``, so files round-trip
unchanged and a solution lists one start time per PSPLIB job. Nothing in the problem
requires a unique source or sink, though (Patterson files and generated instances may
have several).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError, SolutionFormatError
from schedkit.problems import validation as valid
from schedkit.problems.base import GanttBar, Problem, Solution
from schedkit.problems.operations import report

_MAX_CLOSURE = 3000  # activities; above, precedence-energy bounds are skipped
_MAX_CLIQUE_CANDIDATES = 1500


@dataclass(eq=False)
class RcpspSolution(Solution):
    """One start time per activity (activity order of the problem).

    ``present`` marks which entries were given; a solution read from a file may lack some
    (``null`` in JSON), which the checker reports as missing activities.
    """

    start: np.ndarray
    present: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.start = np.asarray(self.start, dtype=np.int64)
        if self.present is None:
            self.present = np.ones(len(self.start), dtype=bool)
        else:
            self.present = np.asarray(self.present, dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        assert self.present is not None
        return {"start": [int(s) if p else None for s, p in zip(self.start, self.present, strict=True)]}


@dataclass(eq=False)
class Rcpsp(Problem):
    """An RCPSP instance.

    Parameters
    ----------
    duration
        ``(n,)`` non-negative integer durations.
    demand
        ``(n, K)`` non-negative integer demands per renewable resource.
    capacity
        ``(K,)`` non-negative integer capacities.
    succ_ptr, succ_idx
        Successors in compressed form: those of activity ``j`` are
        ``succ_idx[succ_ptr[j]:succ_ptr[j + 1]]`` (0-based).
    """

    kind: ClassVar[str] = "rcpsp"
    title: ClassVar[str] = "RCPSP"
    objective_name: ClassVar[str] = "makespan"
    solution_type: ClassVar[type[Solution]] = RcpspSolution

    duration: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    succ_ptr: np.ndarray
    succ_idx: np.ndarray
    name: str = "rcpsp"
    edge_from: np.ndarray = field(init=False, repr=False)
    edge_to: np.ndarray = field(init=False, repr=False)
    pred_ptr: np.ndarray = field(init=False, repr=False)
    pred_idx: np.ndarray = field(init=False, repr=False)
    topo_order: np.ndarray = field(init=False, repr=False)
    _cache: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.duration = valid.int_array("duration", self.duration)
        self.capacity = valid.int_array("capacity", self.capacity, ndim=None)
        n, k = len(self.duration), len(self.capacity)
        demand = valid.int_array("demand", self.demand, ndim=None)
        if demand.size != n * k:
            shape = np.shape(self.demand)
            raise InvalidProblemError(f"demand matrix is {shape}, expected ({n}, {k})")
        self.demand = demand.reshape(n, k)
        self.succ_ptr = valid.int_array("succ_ptr", self.succ_ptr)
        self.succ_idx = valid.int_array("succ_idx", self.succ_idx)
        valid.nonnegative(self.duration, "duration", _activity)
        valid.nonnegative(self.demand, "demand", lambda j, r: f"activity {j + 1} on R{r + 1}")
        valid.nonnegative(self.capacity, "capacity", lambda r: f"resource R{r + 1}")
        over = valid.first(self.demand > self.capacity[None, :])
        if over is not None:
            j, r = over
            raise InvalidProblemError(
                f"activity {j + 1} demands {self.demand[j, r]} of R{r + 1}, capacity is {self.capacity[r]}"
            )
        valid.segments("succ_ptr", self.succ_ptr, len(self.succ_idx), parts=n, item="activity")
        self.edge_from, _ = valid.segment_index(self.succ_ptr)
        self.edge_to = self.succ_idx
        bad = valid.first((self.edge_to < 0) | (self.edge_to >= n))
        if bad is not None:
            e = bad[0]
            raise InvalidProblemError(
                f"activity {self.edge_from[e] + 1}: successor {self.edge_to[e] + 1} does not exist"
            )
        self.topo_order = _topological_order(n, self.succ_ptr, self.succ_idx)
        if len(self.topo_order) < n:  # only a cycle leaves activities unordered
            cycle = find_cycle(n, self.succ_ptr, self.succ_idx) or []
            path = " -> ".join(str(j + 1) for j in [*cycle, *cycle[:1]])
            raise InvalidProblemError(f"precedence cycle: {path}")
        order = np.argsort(self.edge_to, kind="stable")
        self.pred_idx = self.edge_from[order]
        self.pred_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.edge_to, minlength=n))]).astype(
            np.int64
        )
        valid.freeze(
            self.duration,
            self.demand,
            self.capacity,
            self.succ_ptr,
            self.succ_idx,
            self.edge_from,
            self.pred_ptr,
            self.pred_idx,
            self.topo_order,
        )

    # construction ------------------------------------------------------------------------
    @classmethod
    def from_lists(
        cls,
        durations: Sequence[int],
        demands: Sequence[Sequence[int]],
        capacities: Sequence[int],
        successors: Sequence[Sequence[int]],
        name: str = "rcpsp",
    ) -> Rcpsp:
        """Build from Python lists (or arrays): per activity its duration, its demand on each
        resource and its successors (0-based activity indices); one capacity per resource.

        Raises InvalidProblemError naming the argument and index of a bad entry
        (``demands[2][0]``, ``successors[1]``), 0-based like the arguments.
        """
        dur = valid.int_array("durations", valid.entries("durations", durations, "activity duration"))
        n = len(dur)
        cap = valid.int_array("capacities", capacities)
        k = len(cap)
        dem = _demand_matrix(demands, n, k)
        valid.nonnegative(dur, "duration", lambda j: f"durations[{j}]")
        valid.nonnegative(cap, "capacity", lambda r: f"capacities[{r}]")
        valid.nonnegative(dem, "demand", lambda j, r: f"demands[{j}][{r}]")
        over = valid.first(dem > cap[None, :])
        if over is not None:
            j, r = over
            raise InvalidProblemError(
                f"demands[{j}][{r}]: demand {dem[j, r]} exceeds capacity {cap[r]} (capacities[{r}])"
            )
        succ = valid.entries("successors", successors, "list", minimum=0)
        valid.same_length("successor lists", succ, n, "durations")
        lists = [valid.entries(f"successors[{j}]", ss, "activity index", 0) for j, ss in enumerate(succ)]
        ptr = np.concatenate([[0], np.cumsum([len(ss) for ss in lists])]).astype(np.int64)
        idx = valid.int_array("successors", [s for ss in lists for s in ss])
        owner, _ = valid.segment_index(ptr)
        bad = valid.first((idx < 0) | (idx >= n))
        if bad is not None:
            e = bad[0]
            raise InvalidProblemError(
                f"successors[{owner[e]}]: activity {idx[e]} does not exist (activities are 0..{n - 1})"
            )
        cycle = find_cycle(n, ptr, idx)
        if cycle is not None:
            path = " -> ".join(str(j) for j in [*cycle, cycle[0]])
            raise InvalidProblemError(f"successors: precedence cycle {path} (0-based activity indices)")
        return cls(dur, dem, cap, ptr, idx, name)

    # sizes and structure -------------------------------------------------------------------
    @property
    def num_activities(self) -> int:
        return len(self.duration)

    @property
    def num_resources(self) -> int:
        return len(self.capacity)

    def successors(self, j: int) -> np.ndarray:
        return self.succ_idx[self.succ_ptr[j] : self.succ_ptr[j + 1]]

    def predecessors(self, j: int) -> np.ndarray:
        return self.pred_idx[self.pred_ptr[j] : self.pred_ptr[j + 1]]

    def successor_lists(self) -> list[list[int]]:
        return [[int(s) for s in self.successors(j)] for j in range(self.num_activities)]

    def earliest_starts(self) -> np.ndarray:
        """Earliest start per activity ignoring resources (forward CPM pass)."""
        if "es" not in self._cache:
            dur = self.duration.tolist()
            ptr, idx = self.succ_ptr.tolist(), self.succ_idx.tolist()
            es = [0] * self.num_activities
            for j in self.topo_order.tolist():
                fin = es[j] + dur[j]
                for s in idx[ptr[j] : ptr[j + 1]]:
                    if es[s] < fin:
                        es[s] = fin
            self._cache["es"] = np.array(es, dtype=np.int64)
        return self._cache["es"].copy()

    def tails(self) -> np.ndarray:
        """Longest path from each activity's start to the project end (its duration included)."""
        if "tails" not in self._cache:
            dur = self.duration.tolist()
            ptr, idx = self.succ_ptr.tolist(), self.succ_idx.tolist()
            q = list(dur)
            for j in self.topo_order.tolist()[::-1]:
                for s in idx[ptr[j] : ptr[j + 1]]:
                    if q[j] < dur[j] + q[s]:
                        q[j] = dur[j] + q[s]
            self._cache["tails"] = np.array(q, dtype=np.int64)
        return self._cache["tails"].copy()

    def critical_path_length(self) -> int:
        """Length of the longest duration-weighted path (the critical-path bound)."""
        if self.num_activities == 0:
            return 0
        return int((self.earliest_starts() + self.duration).max())

    def energy_bound(self) -> int:
        """max over resources of ceil(sum of duration x demand / capacity)."""
        work = (self.duration[:, None] * self.demand).sum(axis=0)
        best = 0
        for r in range(self.num_resources):
            if work[r] > 0:
                best = max(best, -(-int(work[r]) // int(self.capacity[r])))
        return best

    def transitive_successors(self) -> np.ndarray:
        """Boolean matrix ``reach[i, j]``: activity ``j`` follows ``i`` (transitively)."""
        n = self.num_activities
        reach = np.zeros((n, n), dtype=bool)
        for j in self.topo_order[::-1]:
            for s in self.successors(int(j)):
                reach[j, s] = True
                reach[j] |= reach[s]
        return reach

    def precedence_energy(self) -> tuple[np.ndarray, np.ndarray]:
        """Per activity, time that must pass (head) before its start and (tail) after its end
        because of the work of its transitive predecessors / successors: max over resources of
        ceil(energy / capacity). Zeros above 3000 activities (the closure is quadratic)."""
        n = self.num_activities
        if n > _MAX_CLOSURE:
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        reach = self.transitive_successors().astype(np.int64)
        work = self.duration[:, None] * self.demand
        cap = np.maximum(self.capacity, 1)
        head = (-(-(reach.T @ work) // cap)).max(axis=1, initial=0)
        tail = (-(-(reach @ work) // cap)).max(axis=1, initial=0)
        return head, tail

    def disjunctive_cliques(self, min_size: int = 3) -> list[list[int]]:
        """Greedy maximal cliques of activities that pairwise can never overlap (their demands
        together exceed a capacity), at least ``min_size`` large."""
        # a clashing pair has a member using more than half of some capacity: only those count
        big = (2 * self.demand > self.capacity[None, :]).any(axis=1)
        cand_all = np.flatnonzero((self.duration > 0) & big)[:_MAX_CLIQUE_CANDIDATES]
        if len(cand_all) < 2:
            return []
        d = self.demand[cand_all]
        clash = ((d[:, None, :] + d[None, :, :]) > self.capacity[None, None, :]).any(axis=2)
        np.fill_diagonal(clash, False)
        degree = clash.sum(axis=1)
        cliques: list[list[int]] = []
        for seed in np.argsort(-degree, kind="stable"):
            if degree[seed] + 1 < min_size:
                break
            clique = [int(seed)]
            cand = np.flatnonzero(clash[seed])
            for c in cand[np.argsort(-degree[cand], kind="stable")]:
                if clash[c, clique].all():
                    clique.append(int(c))
            key = sorted(int(cand_all[i]) for i in clique)
            if len(key) >= min_size and key not in cliques:
                cliques.append(key)
        return cliques

    def __eq__(self, other: object) -> bool:
        """Same data (the name is not compared; successor order within an activity neither)."""
        if not isinstance(other, Rcpsp):
            return NotImplemented
        if self.num_activities != other.num_activities or not np.array_equal(self.capacity, other.capacity):
            return False
        same_edges = sorted(zip(self.edge_from.tolist(), self.edge_to.tolist(), strict=True)) == sorted(
            zip(other.edge_from.tolist(), other.edge_to.tolist(), strict=True)
        )
        return (
            same_edges
            and np.array_equal(self.duration, other.duration)
            and np.array_equal(self.demand, other.demand)
        )

    __hash__ = None  # type: ignore[assignment]

    # Problem contract ------------------------------------------------------------------------
    def lower_bound(self) -> int:
        """max(critical-path length, energy bound of each resource)."""
        return max(self.critical_path_length(), self.energy_bound())

    def summary(self) -> dict[str, Any]:
        n = self.num_activities
        dummies = int(((self.duration == 0) & (self.demand.sum(axis=1) == 0)).sum())
        return {
            "problem": "resource-constrained project scheduling (RCPSP), minimise makespan",
            "activities": n,
            "resources": self.num_resources,
            "precedences": len(self.edge_to),
            "dummy activities": dummies,
            "capacities": [int(c) for c in self.capacity],
            "total duration": int(self.duration.sum()),
            "critical-path bound": self.critical_path_length(),
            "energy bound": self.energy_bound(),
            "trivial lower bound": self.lower_bound(),
        }

    def objective(self, solution: RcpspSolution) -> int:
        if len(solution.start) == 0:
            return 0
        return int((solution.start + self.duration[: len(solution.start)]).max())

    def violations(self, solution: RcpspSolution) -> list[str]:
        """Missing or extra start times, negative starts, precedences, and resource overloads
        at every time (event sweep over the starts and ends); every one listed (after 50 of a
        kind, a count)."""
        out: list[str] = []
        n = self.num_activities
        start = np.asarray(solution.start, dtype=np.int64)
        present = (
            np.ones(len(start), dtype=bool)
            if solution.present is None
            else np.asarray(solution.present, dtype=bool)
        )
        if len(present) != len(start):
            return ["solution arrays differ in length"]
        if len(start) > n:
            out.append(f"solution has {len(start)} start times, the instance {n} activities")
            start, present = start[:n], present[:n]
        if len(start) < n:
            present = np.concatenate([present, np.zeros(n - len(start), dtype=bool)])
            start = np.concatenate([start, np.zeros(n - len(start), dtype=np.int64)])
        report(out, np.flatnonzero(~present), lambda j: f"activity {j + 1} missing")
        report(
            out, np.flatnonzero(present & (start < 0)), lambda j: f"activity {j + 1} starts at {start[j]} < 0"
        )
        end = start + self.duration
        a, b = self.edge_from, self.edge_to
        bad = np.flatnonzero(present[a] & present[b] & (start[b] < end[a]))
        report(
            out,
            bad,
            lambda e: (
                f"precedence: activity {b[e] + 1} starts at {start[b[e]]} before "
                f"activity {a[e] + 1} ends at {end[a[e]]}"
            ),
        )
        act = np.flatnonzero(present & (self.duration > 0))
        if len(act) and self.num_resources:
            times = np.concatenate([start[act], end[act]])
            delta = np.concatenate([self.demand[act], -self.demand[act]])
            order = np.argsort(times, kind="stable")
            times = times[order]
            usage = np.cumsum(delta[order], axis=0)
            # the usage on [t, next t) is the running sum after the last event at time t
            last = np.flatnonzero(np.append(times[1:] != times[:-1], True))
            t_at, u_at = times[last], usage[last]
            for r in range(self.num_resources):
                over = np.flatnonzero(u_at[:, r] > self.capacity[r])
                report(
                    out,
                    over,
                    lambda i, r=r: (
                        f"resource R{r + 1} overloaded at time {t_at[i]}: "
                        f"usage {u_at[i, r]} > capacity {self.capacity[r]}"
                    ),
                )
        return out

    def solution_from_dict(self, data: dict[str, Any]) -> RcpspSolution:
        starts = data.get("start") if isinstance(data, dict) else None
        if not isinstance(starts, list):
            raise SolutionFormatError("solution needs a 'start' list (one start time per activity)")
        vals: list[int] = []
        present: list[bool] = []
        for j, v in enumerate(starts):
            if v is None:
                vals.append(0)
                present.append(False)
            elif isinstance(v, bool) or not isinstance(v, int):
                raise SolutionFormatError(f"start of activity {j + 1} must be an integer or null, got {v!r}")
            else:
                vals.append(v)
                present.append(True)
        return RcpspSolution(np.array(vals, dtype=np.int64), np.array(present, dtype=bool))

    def gantt(self, solution: RcpspSolution) -> list[GanttBar]:
        """One row per activity of positive duration, coloured by its most-used resource."""
        bars = []
        rel = self.demand / np.maximum(self.capacity, 1)[None, :]
        for j in range(min(len(solution.start), self.num_activities)):
            d = int(self.duration[j])
            if d == 0 or (solution.present is not None and not solution.present[j]):
                continue
            s = int(solution.start[j])
            group = f"R{int(np.argmax(rel[j])) + 1}" if self.num_resources and rel[j].max() > 0 else "none"
            bars.append(GanttBar(f"A{j + 1}", s, s + d, group, str(j + 1)))
        return bars


def find_cycle(n: int, succ_ptr: np.ndarray, succ_idx: np.ndarray) -> list[int] | None:
    """Activities of one precedence cycle in order (0-based), or None if the graph is acyclic."""
    colour = np.zeros(n, dtype=np.int8)  # 0 new, 1 on stack, 2 done
    parent = np.full(n, -1, dtype=np.int64)
    for root in range(n):
        if colour[root]:
            continue
        stack = [(root, int(succ_ptr[root]))]
        colour[root] = 1
        while stack:
            v, pos = stack[-1]
            if pos < succ_ptr[v + 1]:
                stack[-1] = (v, pos + 1)
                w = int(succ_idx[pos])
                if colour[w] == 0:
                    colour[w] = 1
                    parent[w] = v
                    stack.append((w, int(succ_ptr[w])))
                elif colour[w] == 1:
                    cycle = [v]
                    while cycle[-1] != w:
                        cycle.append(int(parent[cycle[-1]]))
                    return cycle[::-1]
            else:
                colour[v] = 2
                stack.pop()
    return None


def _topological_order(n: int, succ_ptr: np.ndarray, succ_idx: np.ndarray) -> np.ndarray:
    indeg = np.bincount(succ_idx, minlength=n)
    ready = list(np.flatnonzero(indeg == 0)[::-1])
    order = []
    while ready:
        v = int(ready.pop())
        order.append(v)
        for w in succ_idx[succ_ptr[v] : succ_ptr[v + 1]]:
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(int(w))
    return np.array(order, dtype=np.int64)


def _demand_matrix(demands: Any, n: int, k: int) -> np.ndarray:
    """``demands`` as an (n, k) int64 matrix; the error names the first row of another length."""
    try:
        shape = np.shape(demands)
    except ValueError:  # ragged rows
        shape = ()
    if shape != (n, k):
        rows = valid.entries("demands", demands, "row", minimum=0)
        valid.same_length("demand rows", rows, n, "durations")
        for j, row in enumerate(rows):
            if len(valid.entries(f"demands[{j}]", row, "demand", minimum=0)) != k:
                raise InvalidProblemError(
                    f"demands[{j}]: {len(row)} values for {k} resources, got {row!r:.80}"
                )
    return valid.int_array("demands", demands, shape=(n, k))


def _activity(j: int) -> str:
    return f"activity {j + 1}"
