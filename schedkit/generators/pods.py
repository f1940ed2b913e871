"""Random clusters where the default scheduler leaves pods pending (the seed study's setting).

A cluster of ``nodes`` nodes of mixed shapes (4/8/16 cores with 2, 4 or 8 GiB per core), in
``zones`` zones (label ``zone``), a share ``tainted`` of them dedicated to batch work (taint
``dedicated=batch:NoSchedule``, label ``pool=batch``). Workloads (Deployments) of mixed pod
sizes: small (0.1-0.5 core), medium (1-2 cores) and large (3-6 cores) pods with 1-8 GiB per
core, each with one of ``levels`` priorities (1000 ... 0), movable with probability
``movable``, pinned to a zone with probability ``selector``, tolerating the batch taint with
probability 0.3 (when there are tainted nodes).

Running pods arrive as replicas of random workloads and are placed the way kube-scheduler's
default profile does (least-allocated + balanced scoring) until they request ``utilisation``
of the cluster's CPU; then pending replicas (of random workloads) are added until they request
``pending`` of it. High utilisation plus spreading leaves every node with a little free room,
too little for the larger pending pods: the default heuristic leaves pods pending, also of the
highest priority, where evicting or moving lower-priority pods would make room. Seeded with
numpy's PCG64: equal arguments give equal instances.
"""

from __future__ import annotations

import math

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.pods import UNPLACED, PodPlacement

#: node shapes (millicores, MiB)
NODE_TYPES = ((4000, 8192), (4000, 16384), (8000, 32768), (8000, 65536), (16000, 32768), (16000, 65536))
#: pod CPU requests (millicores) per size class, and the classes' probabilities
POD_CPU = ((100, 250, 500), (1000, 1500, 2000), (3000, 4000, 6000))
SIZE_SHARES = (0.5, 0.35, 0.15)
#: MiB of memory per core a workload's pods request
MEM_PER_CORE = (1024, 2048, 4096, 8192)
TAINT = "dedicated=batch:NoSchedule"
#: consecutive failed placements after which the running pods are considered complete
MAX_MISSES = 200


def _check(name: str, value: object, low: float, high: float, integer: bool = False) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int if integer else int | float)
    if not ok or not math.isfinite(float(value)) or not low <= float(value) <= high:  # type: ignore[arg-type]
        kind = "an integer" if integer else "a number"
        raise InvalidParameterError(f"{name} must be {kind} in [{low:g}, {high:g}], got {value!r}")


def priorities(levels: int) -> list[int]:
    """``levels`` priorities from 1000 down to 0 (one level: 0)."""
    if levels == 1:
        return [0]
    return [round(1000 * (levels - 1 - k) / (levels - 1)) for k in range(levels)]


def generate(
    nodes: int = 10,
    utilisation: float = 0.85,
    pending: float = 0.15,
    levels: int = 3,
    movable: float = 0.8,
    tainted: float = 0.1,
    zones: int = 3,
    selector: float = 0.2,
    workloads: int | None = None,
    seed: int = 0,
) -> PodPlacement:
    """A cluster with running and pending pods (module docstring).

    Parameters
    ----------
    nodes
        Number of nodes (>= 1).
    utilisation, pending
        CPU requested by the running pods, then by the pending pods, as shares of the total.
    levels
        Number of priority levels (1..6).
    movable, tainted, selector
        Shares of movable workloads, tainted nodes, zone-pinned workloads.
    zones
        Number of zones (>= 1).
    workloads
        Number of workloads (default ``min(60, 6 + nodes // 10)``).
    seed
        Random seed (>= 0).
    """
    _check("nodes", nodes, 1, 100_000, integer=True)
    _check("utilisation", utilisation, 0, 1)
    _check("pending", pending, 0, 10)
    _check("levels", levels, 1, 6, integer=True)
    _check("movable", movable, 0, 1)
    _check("tainted", tainted, 0, 1)
    _check("zones", zones, 1, 1000, integer=True)
    _check("selector", selector, 0, 1)
    _check("seed", seed, 0, 2**63 - 1, integer=True)
    if workloads is None:
        workloads = min(60, 6 + nodes // 10)
    _check("workloads", workloads, 1, 10_000, integer=True)
    rng = np.random.default_rng(seed)
    shapes = np.array(NODE_TYPES, dtype=np.int64)[rng.integers(0, len(NODE_TYPES), size=nodes)]
    node_cpu, node_mem = shapes[:, 0].copy(), shapes[:, 1].copy()
    zone = rng.integers(0, zones, size=nodes)
    batch = np.zeros(nodes, dtype=bool)
    batch[rng.choice(nodes, size=round(tainted * nodes), replace=False)] = True
    node_labels = tuple(
        {"zone": f"z{zone[j]}", **({"pool": "batch"} if batch[j] else {})} for j in range(nodes)
    )
    node_taints = tuple((TAINT,) if batch[j] else () for j in range(nodes))
    prio = priorities(levels)

    # workloads: size, memory per core, priority, movable, zone pin, toleration
    size_class = rng.choice(3, size=workloads, p=SIZE_SHARES)
    w_cpu = np.array([POD_CPU[s][rng.integers(0, 3)] for s in size_class], dtype=np.int64)
    w_mem = (w_cpu * rng.choice(MEM_PER_CORE, size=workloads) // 1000 + 63) // 64 * 64
    w_prio = rng.integers(0, levels, size=workloads)
    cover = min(levels, workloads)  # every level has a workload (when there are enough)
    w_prio[rng.choice(workloads, size=cover, replace=False)] = rng.permutation(levels)[:cover]
    w_movable = rng.random(workloads) < movable
    w_zone = np.where(rng.random(workloads) < selector, rng.integers(0, zones, size=workloads), -1)
    w_tol = (rng.random(workloads) < 0.3) & batch.any()
    eligible = np.ones((workloads, nodes), dtype=bool)
    for w in range(workloads):
        if w_zone[w] >= 0:
            eligible[w] &= zone == w_zone[w]
        if not w_tol[w]:
            eligible[w] &= ~batch
    # small pods come in more replicas: draw workloads with weight 1 / sqrt(cpu)
    weight = 1 / np.sqrt(w_cpu.astype(float))
    weight /= weight.sum()

    free_c, free_m = node_cpu.copy(), node_mem.copy()
    total = int(node_cpu.sum())
    pods: list[tuple[int, int]] = []  # (workload, node or UNPLACED)
    used, misses = 0, 0
    while used < utilisation * total and misses < MAX_MISSES:
        w = int(rng.choice(workloads, p=weight))
        ok = eligible[w] & (free_c >= w_cpu[w]) & (free_m >= w_mem[w])
        cand = np.flatnonzero(ok)
        if not len(cand):
            misses += 1
            continue
        misses = 0
        share_c = (free_c[cand] - w_cpu[w]) / node_cpu[cand]
        share_m = (free_m[cand] - w_mem[w]) / node_mem[cand]
        score = (share_c + share_m) / 2 + 1 - np.abs(share_c - share_m) / 2
        j = int(cand[int(np.argmax(score))])
        free_c[j] -= w_cpu[w]
        free_m[j] -= w_mem[w]
        used += int(w_cpu[w])
        pods.append((w, j))
    wanted = pending * total
    queued = 0
    somewhere = eligible.any(axis=1)
    pending_weight = np.where(somewhere, weight, 0.0)
    while queued < wanted and somewhere.any():
        w = int(rng.choice(workloads, p=pending_weight / pending_weight.sum()))
        pods.append((w, UNPLACED))
        queued += int(w_cpu[w])
    replica = np.zeros(workloads, dtype=np.int64)
    names = []
    for w, _ in pods:
        names.append(f"w{w}-{replica[w]}")
        replica[w] += 1
    pw = np.array([w for w, _ in pods], dtype=np.int64)
    name = f"pods_n{nodes}_u{utilisation:g}_p{pending:g}_l{levels}_s{seed}"
    return PodPlacement(
        node_cpu=node_cpu,
        node_mem=node_mem,
        pod_cpu=w_cpu[pw],
        pod_mem=w_mem[pw],
        pod_priority=np.array(prio, dtype=np.int64)[w_prio[pw]],
        pod_node=np.array([j for _, j in pods], dtype=np.int64),
        pod_movable=w_movable[pw],
        node_labels=node_labels,
        node_taints=node_taints,
        pod_selector=tuple({"zone": f"z{w_zone[w]}"} if w_zone[w] >= 0 else {} for w in pw.tolist()),
        pod_tolerations=tuple(("dedicated",) if w_tol[w] else () for w in pw.tolist()),
        node_names=tuple(f"node-{j:0{len(str(nodes - 1))}d}" for j in range(nodes)),
        pod_names=tuple(names),
        name=name,
    )
