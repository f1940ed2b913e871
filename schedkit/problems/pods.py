"""Priority pod placement (kind ``pods``): place as many pods as possible, priority level by level.

A cluster has *nodes*, each with a CPU capacity (millicores), a memory capacity (MiB), labels
(``key -> value``) and taints (strings such as ``"dedicated=batch:NoSchedule"``). *Pods*
request CPU and memory and have an integer priority; a *running* pod sits on a node (and may
be *unmovable*: a local volume, a disruption budget), a *pending* pod waits for one. A pod is
*eligible* for a node when the node has every label of the pod's ``node_selector`` with the
same value and the pod tolerates every taint of the node: a toleration tolerates a taint equal
to it, or every taint of its key when it is just the key (``"dedicated"``). Every taint is a
hard one (``NoSchedule``).

A solution (:class:`PodAssignment`) lists ``(pod, node)`` pairs; a pod not listed is unplaced
(a pending pod stays pending, a running one is evicted). It is feasible when every pod is
listed at most once, on an existing node it is eligible for, no node's CPU or memory requests
exceed its capacity, and every unmovable running pod stays on its node.

Objective, lexicographic (:meth:`PodPlacement.objective_tuple`, smaller is better):
``(unplaced pods of the highest priority, ..., of the lowest, moves + evictions)``: first place
as many pods of the highest priority as possible, then of the next level, ..., then disturb as
few running pods as possible (a *move*: a running pod placed on another node; an *eviction*:
a running pod left unplaced). The scalar objective of a :class:`~schedkit.result.Result` encodes
the tuple exactly: ``sum_k w_k * unplaced_k + moves + evictions`` with ``w_lowest = R + 1``
(``R``: movable running pods, the most disruption there can be) and ``w_k = w_(k+1) *
(n_(k+1) + 1)`` (``n``: pods of that level), so one more pod placed at a level outweighs
anything at the levels below. It is a Python int; instances whose weights would pass
:data:`MAX_WEIGHT` (2^62: many levels of many pods) are refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError, SolutionFormatError
from schedkit.problems import validation as valid
from schedkit.problems.base import Problem, Solution

#: node index of an unplaced pod, and of a pending pod's initial position
UNPLACED = -1
#: largest weight of the scalar objective (it must stay an exact 64-bit integer)
MAX_WEIGHT = 2**62
_MAX_REPORTED = 50


def taint_key(taint: str) -> str:
    """``"dedicated=batch:NoSchedule"`` -> ``"dedicated"``."""
    return taint.split("=", 1)[0].split(":", 1)[0]


def tolerates(tolerations: Sequence[str], taint: str) -> bool:
    """True when one of ``tolerations`` equals ``taint`` or is its bare key."""
    return taint in tolerations or taint_key(taint) in tolerations


@dataclass(eq=False)
class PodAssignment(Solution):
    """``(pod[i], node[i])`` pairs, pod and node indices (-1: a name the problem does not know;
    ``labels`` then keeps the names read from a file). Pods not listed are unplaced."""

    pod: np.ndarray
    node: np.ndarray
    names: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    labels: list[tuple[str, str]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.pod = np.asarray(self.pod, dtype=np.int64).reshape(-1)
        self.node = np.asarray(self.node, dtype=np.int64).reshape(-1)

    @classmethod
    def from_node_of(
        cls, node_of: np.ndarray, names: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    ) -> PodAssignment:
        """The assignment placing pod ``p`` on ``node_of[p]`` (``UNPLACED``: not listed)."""
        node_of = np.asarray(node_of, dtype=np.int64)
        placed = np.flatnonzero(node_of != UNPLACED)
        return cls(placed, node_of[placed], names)

    def __len__(self) -> int:
        return len(self.pod)

    def __bool__(self) -> bool:  # placing nothing is still a solution
        return True

    def to_dict(self) -> dict[str, Any]:
        """``{"placement": [{"pod": name, "node": name}, ...]}`` (unplaced pods are not listed)."""
        pods, nodes = self.names if self.names is not None else (None, None)

        def name(table: tuple[str, ...] | None, i: int, prefix: str, label: str | None) -> str:
            if table is not None and 0 <= i < len(table):
                return table[i]
            return label if label is not None else f"{prefix}{i}"

        rows = []
        for k, (p, n) in enumerate(zip(self.pod.tolist(), self.node.tolist(), strict=True)):
            lab = self.labels[k] if self.labels else (None, None)
            rows.append({"pod": name(pods, p, "pod", lab[0]), "node": name(nodes, n, "node", lab[1])})
        return {"placement": rows}


@dataclass(eq=False)
class PodPlacement(Problem):
    """A pod placement instance (module docstring).

    Arrays: ``node_cpu``, ``node_mem`` (N,) capacities; ``pod_cpu``, ``pod_mem`` (P,) requests;
    ``pod_priority`` (P,); ``pod_node`` (P,) the running pod's node or ``UNPLACED`` (pending);
    ``pod_movable`` (P,) (only running pods use it). ``node_labels`` one dict per node,
    ``node_taints`` one tuple of strings per node; ``pod_selector`` one dict per pod,
    ``pod_tolerations`` one tuple per pod (all empty when not given).
    """

    kind: ClassVar[str] = "pods"
    title: ClassVar[str] = "priority pod placement"
    objective_name: ClassVar[str] = (
        "lexicographic cost (weighted unplaced pods per priority + moves + evictions)"
    )
    solution_type: ClassVar[type[Solution]] = PodAssignment

    node_cpu: np.ndarray
    node_mem: np.ndarray
    pod_cpu: np.ndarray
    pod_mem: np.ndarray
    pod_priority: np.ndarray
    pod_node: np.ndarray
    pod_movable: np.ndarray | None = None
    node_labels: tuple[Mapping[str, str], ...] = ()
    node_taints: tuple[tuple[str, ...], ...] = ()
    pod_selector: tuple[Mapping[str, str], ...] = ()
    pod_tolerations: tuple[tuple[str, ...], ...] = ()
    node_names: tuple[str, ...] = ()
    pod_names: tuple[str, ...] = ()
    name: str = "pods"

    def __post_init__(self) -> None:
        self.node_cpu = valid.int_array("node_cpu", self.node_cpu)
        self.node_mem = valid.int_array("node_mem", self.node_mem)
        n = len(self.node_cpu)
        valid.same_length("node memory capacities", self.node_mem, n, "node CPU capacities")
        self.pod_cpu = valid.int_array("pod_cpu", self.pod_cpu)
        p = len(self.pod_cpu)
        self.pod_mem = valid.int_array("pod_mem", self.pod_mem)
        self.pod_priority = valid.int_array("pod_priority", self.pod_priority)
        self.pod_node = valid.int_array("pod_node", self.pod_node)
        for label, arr in (("pod memory requests", self.pod_mem), ("pod priorities", self.pod_priority)):
            valid.same_length(label, arr, p, "pod CPU requests")
        valid.same_length("pod nodes", self.pod_node, p, "pod CPU requests")
        self.pod_movable = valid.bool_array("movable flags", self.pod_movable, p, "pods")
        self.node_names = tuple(self.node_names) or tuple(f"node{i}" for i in range(n))
        self.pod_names = tuple(self.pod_names) or tuple(f"pod{i}" for i in range(p))
        self.node_labels = tuple(dict(x) for x in self.node_labels) or tuple({} for _ in range(n))
        self.node_taints = tuple(tuple(x) for x in self.node_taints) or tuple(() for _ in range(n))
        self.pod_selector = tuple(dict(x) for x in self.pod_selector) or tuple({} for _ in range(p))
        self.pod_tolerations = tuple(tuple(x) for x in self.pod_tolerations) or tuple(() for _ in range(p))
        for label, seq, size, other in (
            ("node names", self.node_names, n, "nodes"),
            ("node label sets", self.node_labels, n, "nodes"),
            ("node taint lists", self.node_taints, n, "nodes"),
            ("pod names", self.pod_names, p, "pods"),
            ("pod node selectors", self.pod_selector, p, "pods"),
            ("pod toleration lists", self.pod_tolerations, p, "pods"),
        ):
            valid.same_length(label, seq, size, other)
        if n == 0:
            raise InvalidProblemError("nodes: expected at least one node")
        self._validate()
        self._derive()
        valid.freeze(self.node_cpu, self.node_mem, self.pod_cpu, self.pod_mem, self.pod_priority)
        valid.freeze(self.pod_node, self.pod_movable)

    # validation and derived data --------------------------------------------------------------
    def _validate(self) -> None:
        for arr, what in ((self.node_cpu, "CPU capacity"), (self.node_mem, "memory capacity")):
            valid.nonnegative(arr, what, lambda i: f"node {self.node_names[i]}")
        for arr, what in ((self.pod_cpu, "CPU request"), (self.pod_mem, "memory request")):
            valid.nonnegative(arr, what, lambda i: f"pod {self.pod_names[i]}")
        valid.in_range(
            self.pod_node, UNPLACED, self.num_nodes - 1, "node index", lambda i: f"pod {self.pod_names[i]}"
        )
        for what, names in (("node", self.node_names), ("pod", self.pod_names)):
            if len(set(names)) < len(names):
                seen: set[str] = set()
                dup = next(x for x in names if x in seen or seen.add(x))  # type: ignore[func-returns-value]
                raise InvalidProblemError(f"two {what}s are named {dup!r}")

    def _derive(self) -> None:
        """Priority levels, eligibility groups, weights; the running placement's validity."""
        self.levels = np.unique(self.pod_priority)[::-1].copy()  # highest first
        rank = {int(v): k for k, v in enumerate(self.levels)}
        self.pod_level = np.array([rank[int(v)] for v in self.pod_priority], dtype=np.int64)
        self.level_size = np.bincount(self.pod_level, minlength=len(self.levels)).astype(np.int64)
        groups: dict[tuple[Any, ...], int] = {}
        pod_group = np.empty(self.num_pods, dtype=np.int64)
        for i in range(self.num_pods):
            key = (tuple(sorted(self.pod_selector[i].items())), tuple(sorted(set(self.pod_tolerations[i]))))
            pod_group[i] = groups.setdefault(key, len(groups))
        self.pod_group = pod_group
        self.group_eligible = np.zeros((len(groups), self.num_nodes), dtype=bool)
        for (selector, tols), g in groups.items():
            for j in range(self.num_nodes):
                labels = self.node_labels[j]
                self.group_eligible[g, j] = all(labels.get(k) == v for k, v in selector) and all(
                    tolerates(tols, t) for t in self.node_taints[j]
                )
        running = self.pod_node != UNPLACED
        self.pod_movable = self.pod_movable | ~running  # pending pods have nowhere to stay
        for i in np.flatnonzero(running & ~self.group_eligible[self.pod_group, np.maximum(self.pod_node, 0)]):
            why = self.ineligibility(int(i), int(self.pod_node[i]))
            raise InvalidProblemError(
                f"running pod {self.pod_names[i]} on node {self.node_names[self.pod_node[i]]}: {why}"
            )
        over = self.overloads(self.pod_node)
        if over:
            raise InvalidProblemError(f"the running pods overload {over[0]}")
        movable_running = int((running & self.pod_movable).sum())
        weights = [0] * len(self.levels)
        w = movable_running + 1
        for k in range(len(self.levels) - 1, -1, -1):
            weights[k] = w
            w *= int(self.level_size[k]) + 1
        if weights and weights[0] > MAX_WEIGHT:
            raise InvalidProblemError(
                f"{len(self.levels)} priority levels of {self.num_pods} pods: the lexicographic objective "
                f"needs weights up to {weights[0]:.3g}, above 2^62; merge priority levels"
            )
        self.weights = tuple(weights)
        valid.freeze(self.levels, self.pod_level, self.level_size, self.pod_group, self.group_eligible)

    def ineligibility(self, pod: int, node: int) -> str | None:
        """Why ``pod`` may not run on ``node`` (a missing label, an untolerated taint), or None."""
        labels = self.node_labels[node]
        for k, v in self.pod_selector[pod].items():
            if labels.get(k) != v:
                have = "no label " + repr(k) if k not in labels else f"label {k}={labels[k]}"
                return f"the pod selects {k}={v}, the node has {have}"
        for t in self.node_taints[node]:
            if not tolerates(self.pod_tolerations[pod], t):
                return f"the node has taint {t!r}, which the pod does not tolerate"
        return None

    def overloads(self, node_of: np.ndarray) -> list[str]:
        """'node X CPU: requests 5000 > capacity 4000' for every overloaded node and resource."""
        out = []
        on = node_of != UNPLACED
        for label, req, cap in (
            ("CPU", self.pod_cpu, self.node_cpu),
            ("memory", self.pod_mem, self.node_mem),
        ):
            used = np.bincount(node_of[on], weights=req[on], minlength=self.num_nodes).astype(np.int64)
            for j in np.flatnonzero(used > cap):
                out.append(f"node {self.node_names[j]} {label}: requests {used[j]} > capacity {cap[j]}")
        return out

    # sizes and helpers -------------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        return len(self.node_cpu)

    @property
    def num_pods(self) -> int:
        return len(self.pod_cpu)

    @property
    def running(self) -> np.ndarray:
        """Mask of the running pods."""
        return self.pod_node != UNPLACED

    def eligible(self, pod: int) -> np.ndarray:
        """Mask of the nodes ``pod`` is eligible for."""
        return self.group_eligible[self.pod_group[pod]]

    def placeable(self) -> np.ndarray:
        """Mask of the pods that fit alone on some eligible node (the others stay unplaced);
        computed once per pod shape and eligibility group, then cached (read-only)."""
        cached = self.__dict__.get("_placeable")
        if cached is None:
            keys = np.stack([self.pod_cpu, self.pod_mem, self.pod_group], axis=1)
            shapes, inverse = np.unique(keys, axis=0, return_inverse=True)
            fits = (shapes[:, :1] <= self.node_cpu[None]) & (shapes[:, 1:2] <= self.node_mem[None])
            ok = (fits & self.group_eligible[shapes[:, 2]]).any(axis=1)
            cached = ok[inverse.reshape(-1)]
            cached.setflags(write=False)
            self.__dict__["_placeable"] = cached
        return cached

    def node_index(self, name: str) -> int:
        return self._index("_node_index", self.node_names).get(name, -1)

    def pod_index(self, name: str) -> int:
        return self._index("_pod_index", self.pod_names).get(name, -1)

    def _index(self, attr: str, names: tuple[str, ...]) -> dict[str, int]:
        table = self.__dict__.get(attr)
        if table is None:
            table = {x: i for i, x in enumerate(names)}
            self.__dict__[attr] = table
        return table

    def assignment(self, node_of: np.ndarray) -> PodAssignment:
        """The solution placing pod ``p`` on ``node_of[p]``, with this problem's names."""
        return PodAssignment.from_node_of(node_of, (self.pod_names, self.node_names))

    def node_of(self, solution: PodAssignment) -> np.ndarray:
        """Per pod its node in ``solution`` (``UNPLACED`` when not listed; entries naming unknown
        pods or nodes are skipped, the last entry of a pod listed twice counts)."""
        out = np.full(self.num_pods, UNPLACED, dtype=np.int64)
        ok = (solution.pod >= 0) & (solution.pod < self.num_pods)
        ok &= (solution.node >= 0) & (solution.node < self.num_nodes)
        out[solution.pod[ok]] = solution.node[ok]
        return out

    # objective -------------------------------------------------------------------------------
    def counts(self, node_of: np.ndarray) -> tuple[np.ndarray, int, int]:
        """(placed pods per level, highest first; moves; evictions) of a placement."""
        placed = node_of != UNPLACED
        per_level = np.bincount(self.pod_level[placed], minlength=len(self.levels)).astype(np.int64)
        run = self.running
        moves = int((run & placed & (node_of != self.pod_node)).sum())
        evictions = int((run & ~placed).sum())
        return per_level, moves, evictions

    def tuple_of(self, node_of: np.ndarray) -> tuple[int, ...]:
        """``(unplaced per level, highest first, ..., moves + evictions)`` of a placement."""
        per_level, moves, evictions = self.counts(node_of)
        return (*(int(x) for x in self.level_size - per_level), moves + evictions)

    def objective_tuple(self, solution: PodAssignment) -> tuple[int, ...]:
        """The lexicographic objective (module docstring); smaller is better."""
        return self.tuple_of(self.node_of(solution))

    def scalar(self, key: Sequence[int]) -> int:
        """The scalar encoding ``sum_k w_k * unplaced_k + disruption`` of an objective tuple."""
        return int(sum(w * int(u) for w, u in zip(self.weights, key[:-1], strict=True)) + int(key[-1]))

    def objective(self, solution: PodAssignment) -> int:
        return self.scalar(self.objective_tuple(solution))

    def objective_detail(self, solution: PodAssignment) -> str:
        """'placed per priority 1000: 12/12, 0: 40/52; moves 3, evictions 1' for ``solution``."""
        per_level, moves, evictions = self.counts(self.node_of(solution))
        levels = ", ".join(
            f"{int(v)}: {int(c)}/{int(s)}"
            for v, c, s in zip(self.levels, per_level, self.level_size, strict=True)
        )
        return f"placed per priority {levels}; moves {moves}, evictions {evictions}"

    def lower_bound(self) -> int:
        """Pods that fit on no eligible node, even an empty one, are unplaced in every solution."""
        unfit = np.bincount(self.pod_level[~self.placeable()], minlength=len(self.levels))
        return self.scalar((*unfit.tolist(), 0))

    def summary(self) -> dict[str, Any]:
        run = self.running
        levels = [f"{int(v)}:{int(c)}" for v, c in zip(self.levels, self.level_size, strict=True)]
        cap = int(self.node_cpu.sum())
        return {
            "problem": "priority pod placement: most pods per priority level, then fewest moves + evictions",
            "nodes": self.num_nodes,
            "pods": self.num_pods,
            "running pods": int(run.sum()),
            "pending pods": int((~run).sum()),
            "unmovable pods": int((run & ~self.pod_movable).sum()),
            "priority levels (priority:pods)": levels,
            "tainted nodes": sum(1 for t in self.node_taints if t),
            "CPU requested by running pods": round(int(self.pod_cpu[run].sum()) / cap, 4) if cap else 0.0,
            "CPU requested by all pods": round(int(self.pod_cpu.sum()) / cap, 4) if cap else 0.0,
            "pods that fit no node": int((~self.placeable()).sum()),
            "trivial lower bound": self.lower_bound(),
        }

    # checker -------------------------------------------------------------------------------------
    def violations(self, solution: PodAssignment) -> list[str]:
        """Every violation: unknown pod or node, a pod listed twice, an ineligible node, CPU or
        memory over a node's capacity, an unmovable running pod moved or evicted."""
        out: list[str] = []
        s = solution
        if len(s.pod) != len(s.node):
            return ["assignment arrays differ in length"]
        count = [0]

        def bad(msg: str) -> None:
            count[0] += 1
            if count[0] <= _MAX_REPORTED:
                out.append(msg)

        first: dict[int, int] = {}
        node_of = np.full(self.num_pods, UNPLACED, dtype=np.int64)
        for k, (p, j) in enumerate(zip(s.pod.tolist(), s.node.tolist(), strict=True)):
            entry = f"entry {k + 1}"
            if not 0 <= p < self.num_pods:
                bad(f"{entry}: unknown pod {s.labels[k][0] if s.labels else p}")
                continue
            pn = self.pod_names[p]
            if not 0 <= j < self.num_nodes:
                bad(f"{entry}: pod {pn} on unknown node {s.labels[k][1] if s.labels else j}")
                continue
            if p in first:
                bad(f"{entry}: pod {pn} is placed a second time (first in entry {first[p] + 1})")
                continue
            first[p] = k
            node_of[p] = j
            if not self.group_eligible[self.pod_group[p], j]:
                bad(f"{entry}: pod {pn} may not run on node {self.node_names[j]}: {self.ineligibility(p, j)}")
        for msg in self.overloads(node_of):
            bad(msg)
        stuck = self.running & ~self.pod_movable & (node_of != self.pod_node)
        for p in np.flatnonzero(stuck):
            where = (
                "leaves it unplaced"
                if node_of[p] == UNPLACED
                else f"puts it on {self.node_names[node_of[p]]}"
            )
            home = self.node_names[self.pod_node[p]]
            bad(f"pod {self.pod_names[p]} is unmovable on node {home}; the solution {where}")
        if count[0] > _MAX_REPORTED:
            out.append(f"... and {count[0] - _MAX_REPORTED} more violations")
        return out

    def solution_from_dict(self, data: dict[str, Any]) -> PodAssignment:
        rows = data.get("placement") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise SolutionFormatError("solution needs a 'placement' list of {'pod', 'node'} objects")
        pods, nodes, labels = [], [], []
        for i, rec in enumerate(rows):
            if not isinstance(rec, dict) or "pod" not in rec or "node" not in rec:
                raise SolutionFormatError(f"placement[{i}] must be an object with 'pod' and 'node'")
            names = (rec["pod"], rec["node"])
            if not all(isinstance(x, str) for x in names):
                raise SolutionFormatError(
                    f"placement[{i}]: pod and node must be names (strings), got {names!r:.60}"
                )
            pods.append(self.pod_index(names[0]))
            nodes.append(self.node_index(names[1]))
            labels.append((names[0], names[1]))
        out = PodAssignment(pods, nodes, (self.pod_names, self.node_names))
        out.labels = labels
        return out

    def to_frame(self, solution: PodAssignment) -> Any:
        """One row per pod: ``pod``, ``name``, ``priority``, ``cpu``, ``memory``, ``from_node``,
        ``to_node`` (-1: pending / unplaced), ``change`` (stays, moved, evicted, placed, pending)."""
        import pandas as pd

        node_of = self.node_of(solution)
        run, placed = self.running, node_of != UNPLACED
        change = np.where(
            run,
            np.where(~placed, "evicted", np.where(node_of == self.pod_node, "stays", "moved")),
            np.where(placed, "placed", "pending"),
        )
        return pd.DataFrame(
            {
                "pod": np.arange(self.num_pods),
                "name": list(self.pod_names),
                "priority": self.pod_priority,
                "cpu": self.pod_cpu,
                "memory": self.pod_mem,
                "from_node": self.pod_node,
                "to_node": node_of,
                "change": change,
            }
        )
