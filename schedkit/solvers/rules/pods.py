"""Pod placement rules: the default-scheduler-like heuristic and best-fit decreasing.

Both keep every running pod where it is (no preemption, no moves) and place the pending pods
one by one, highest priority first, each on a node that passes the *filter* (eligible: labels
and taints; enough free CPU and memory) or leave it pending.

* ``rule:default`` imitates kube-scheduler's default profile: pods in queue order (priority,
  then their order in the instance), each on the node with the highest score, the sum of
  ``NodeResourcesFit`` with the ``LeastAllocated`` strategy (mean over CPU and memory of the
  share left free after placing the pod, x 100) and ``NodeResourcesBalancedAllocation``
  (``(1 - std of the two requested shares) x 100``); ties go to the first node. Option
  ``score=most`` uses ``MostAllocated`` instead (packing rather than spreading).
* ``rule:bfd``: best-fit decreasing: within a priority level the largest pods first (size:
  CPU and memory requests as shares of the mean node capacity, summed), each on the node it
  leaves with the least free room (the same normalised sum).
"""

from __future__ import annotations

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.pods import UNPLACED, PodPlacement
from schedkit.result import Result, Status


def free_room(problem: PodPlacement, node_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Free CPU and memory per node under a placement."""
    on = node_of != UNPLACED
    cpu = np.bincount(node_of[on], weights=problem.pod_cpu[on], minlength=problem.num_nodes)
    mem = np.bincount(node_of[on], weights=problem.pod_mem[on], minlength=problem.num_nodes)
    return problem.node_cpu - cpu.astype(np.int64), problem.node_mem - mem.astype(np.int64)


def place_pending(
    problem: PodPlacement, order: np.ndarray, score: str, ctx: SolveContext | None = None
) -> np.ndarray:
    """Running pods stay; the pending pods of ``order`` are placed in turn on their best node by
    ``score`` (``least``, ``most`` or ``bestfit``); returns the placement (node per pod)."""
    p = problem
    node_of = p.pod_node.copy()
    free_c, free_m = free_room(p, node_of)
    cap_c = np.maximum(p.node_cpu, 1).astype(float)
    cap_m = np.maximum(p.node_mem, 1).astype(float)
    mean_c, mean_m = max(float(p.node_cpu.mean()), 1.0), max(float(p.node_mem.mean()), 1.0)
    for k, i in enumerate(order.tolist()):
        if ctx is not None and k % 256 == 0 and ctx.expired():
            break
        c, m = int(p.pod_cpu[i]), int(p.pod_mem[i])
        ok = p.group_eligible[p.pod_group[i]] & (free_c >= c) & (free_m >= m)
        cand = np.flatnonzero(ok)
        if not len(cand):
            continue
        left_c = (free_c[cand] - c).astype(float)
        left_m = (free_m[cand] - m).astype(float)
        if score == "bestfit":
            key = -(left_c / mean_c + left_m / mean_m)
        else:
            share_c, share_m = left_c / cap_c[cand], left_m / cap_m[cand]
            fit = (share_c + share_m) / 2 if score == "least" else 1 - (share_c + share_m) / 2
            balanced = 1 - np.abs(share_c - share_m) / 2  # std of two requested shares = |a - b| / 2
            key = 100 * fit + 100 * balanced
        j = int(cand[int(np.argmax(key))])
        node_of[i] = j
        free_c[j] -= c
        free_m[j] -= m
    return node_of


def queue(problem: PodPlacement) -> np.ndarray:
    """Pending pods in kube-scheduler's queue order: priority (highest first), then index."""
    pending = np.flatnonzero(~problem.running)
    return pending[np.lexsort((pending, -problem.pod_priority[pending]))]


def decreasing(problem: PodPlacement) -> np.ndarray:
    """Pending pods by priority (highest first), then by normalised size (largest first)."""
    p = problem
    pending = np.flatnonzero(~p.running)
    size = p.pod_cpu[pending] / max(float(p.node_cpu.mean()), 1.0) + p.pod_mem[pending] / max(
        float(p.node_mem.mean()), 1.0
    )
    return pending[np.lexsort((pending, -size, -p.pod_priority[pending]))]


def default_placement(
    problem: PodPlacement, score: str = "least", ctx: SolveContext | None = None
) -> np.ndarray:
    """The default-scheduler-like placement (module docstring)."""
    return place_pending(problem, queue(problem), score, ctx)


def bfd_placement(problem: PodPlacement, ctx: SolveContext | None = None) -> np.ndarray:
    """The best-fit decreasing placement (module docstring)."""
    return place_pending(problem, decreasing(problem), "bestfit", ctx)


def _result(problem: PodPlacement, node_of: np.ndarray) -> Result:
    sol = problem.assignment(node_of)
    stats = {"objective_tuple": list(problem.tuple_of(node_of)), "placement": problem.objective_detail(sol)}
    return Result(Status.FEASIBLE, problem.objective(sol), None, sol, stats=stats)


def default(problem: PodPlacement, ctx: SolveContext) -> Result:
    """``rule:default``: filter + score, priority order, no preemption."""
    score = ctx.choice_option("score", "least", ("least", "most"))
    return _result(problem, default_placement(problem, score, ctx))


def bfd(problem: PodPlacement, ctx: SolveContext) -> Result:
    """``rule:bfd``: best-fit decreasing within each priority level, no preemption."""
    return _result(problem, bfd_placement(problem, ctx))


def preempt(problem: PodPlacement, ctx: SolveContext) -> Result:
    """``rule:preempt``: ``rule:default``, then :func:`preempt_placement` for what it leaves."""
    return _result(problem, preempt_placement(problem, default_placement(problem, "least", ctx), ctx))


def preempt_placement(
    problem: PodPlacement, node_of: np.ndarray, ctx: SolveContext | None = None
) -> np.ndarray:
    """Place the pods ``node_of`` leaves unplaced, highest priority first (then largest first),
    evicting lower-priority pods when no node has room, as kube-scheduler's preemption does.

    A pod that fits nowhere goes to the node where evicting pods of lower priority (not unmovable
    running ones) leaves it room with the least to evict; the victims, lowest priority first, are
    evicted until it fits, and go back into the queue, where each is placed on another node
    (best fit) or preempts in turn. Every preemption places one more pod at its level and removes
    pods only from lower levels, so the placement improves lexicographically at every step and
    the loop ends."""
    import heapq

    p = problem
    levels = len(p.levels)
    mean_c, mean_m = max(float(p.node_cpu.mean()), 1.0), max(float(p.node_mem.mean()), 1.0)
    size = p.pod_cpu / mean_c + p.pod_mem / mean_m
    fixed = p.running & ~p.pod_movable
    placeable = p.placeable()
    current = np.full(p.num_pods, UNPLACED, dtype=np.int64)
    free_c, free_m = p.node_cpu.copy(), p.node_mem.copy()
    # CPU and memory of the evictable pods per level and node; the evictable pods per node
    lev_c = np.zeros((levels, p.num_nodes), dtype=np.int64)
    lev_m = np.zeros((levels, p.num_nodes), dtype=np.int64)
    on: dict[int, set[int]] = {}

    def put(i: int, j: int) -> None:
        current[i] = j
        free_c[j] -= p.pod_cpu[i]
        free_m[j] -= p.pod_mem[i]
        if not fixed[i]:
            lev_c[p.pod_level[i], j] += p.pod_cpu[i]
            lev_m[p.pod_level[i], j] += p.pod_mem[i]
            on.setdefault(j, set()).add(i)

    def take(i: int) -> None:
        j = int(current[i])
        current[i] = UNPLACED
        free_c[j] += p.pod_cpu[i]
        free_m[j] += p.pod_mem[i]
        lev_c[p.pod_level[i], j] -= p.pod_cpu[i]
        lev_m[p.pod_level[i], j] -= p.pod_mem[i]
        on[j].discard(i)

    for i in np.flatnonzero(node_of != UNPLACED).tolist():
        put(i, int(node_of[i]))
    heap = [
        (int(p.pod_level[i]), -float(size[i]), i)
        for i in np.flatnonzero((node_of == UNPLACED) & placeable).tolist()
    ]
    heapq.heapify(heap)
    steps = 0
    while heap:
        steps += 1
        if ctx is not None and steps % 64 == 0 and ctx.expired():
            break
        k, _, i = heapq.heappop(heap)
        c, m = int(p.pod_cpu[i]), int(p.pod_mem[i])
        elig = p.group_eligible[p.pod_group[i]]
        ok = elig & (free_c >= c) & (free_m >= m)
        if ok.any():
            cand = np.flatnonzero(ok)
            left = (free_c[cand] - c) / mean_c + (free_m[cand] - m) / mean_m
            j = int(cand[int(np.argmin(left))])
            if p.pod_node[i] != UNPLACED and ok[p.pod_node[i]]:
                j = int(p.pod_node[i])  # a running pod evicted by a preemption goes back when it can
            put(i, j)
            continue
        room_c = free_c + lev_c[k + 1 :].sum(axis=0)
        room_m = free_m + lev_m[k + 1 :].sum(axis=0)
        cand = np.flatnonzero(elig & (room_c >= c) & (room_m >= m))
        if not len(cand):
            continue
        need = np.maximum(c - free_c[cand], 0) / mean_c + np.maximum(m - free_m[cand], 0) / mean_m
        j = int(cand[int(np.argmin(need))])
        victims = sorted(
            (v for v in on.get(j, ()) if p.pod_level[v] > k), key=lambda v: (-p.pod_level[v], -size[v])
        )
        for v in victims:
            if free_c[j] >= c and free_m[j] >= m:
                break
            take(v)
            heapq.heappush(heap, (int(p.pod_level[v]), -float(size[v]), v))
        put(i, j)
    return current


def start_placement(problem: PodPlacement, ctx: SolveContext) -> np.ndarray:
    """The lexicographically best of the default-scheduler and best-fit placements and the
    preemption repair (``rule:preempt``) of the default one: the exact methods' start."""
    a = default_placement(problem, "least", ctx)
    starts = [a, bfd_placement(problem, ctx), polish(problem, preempt_placement(problem, a, ctx), ctx)]
    return min(starts, key=problem.tuple_of)


def polish(problem: PodPlacement, node_of: np.ndarray, ctx: SolveContext | None = None) -> np.ndarray:
    """Greedy steps that never worsen the lexicographic objective, repeated until none applies:
    an unplaced pod (highest priority first) goes to its own node if it ran there and it fits,
    else to the best-fitting node; a moved running pod goes back to its own node if it fits."""
    p = problem
    node_of = node_of.copy()
    free_c, free_m = free_room(p, node_of)
    mean_c, mean_m = max(float(p.node_cpu.mean()), 1.0), max(float(p.node_mem.mean()), 1.0)
    placeable = p.placeable()
    changed = True
    while changed:
        changed = False
        if ctx is not None and ctx.expired():
            break
        moved = np.flatnonzero(p.running & (node_of != UNPLACED) & (node_of != p.pod_node))
        for i in moved.tolist():
            home = int(p.pod_node[i])
            if free_c[home] >= p.pod_cpu[i] and free_m[home] >= p.pod_mem[i]:
                j = int(node_of[i])
                free_c[j] += p.pod_cpu[i]
                free_m[j] += p.pod_mem[i]
                free_c[home] -= p.pod_cpu[i]
                free_m[home] -= p.pod_mem[i]
                node_of[i] = home
                changed = True
        waiting = np.flatnonzero((node_of == UNPLACED) & placeable)
        waiting = waiting[np.lexsort((waiting, p.pod_level[waiting]))]
        for i in waiting.tolist():
            c, m = int(p.pod_cpu[i]), int(p.pod_mem[i])
            home = int(p.pod_node[i])
            if home != UNPLACED and free_c[home] >= c and free_m[home] >= m:
                j = home
            else:
                ok = np.flatnonzero(p.group_eligible[p.pod_group[i]] & (free_c >= c) & (free_m >= m))
                if not len(ok):
                    continue
                j = int(ok[int(np.argmin((free_c[ok] - c) / mean_c + (free_m[ok] - m) / mean_m))])
            node_of[i] = j
            free_c[j] -= c
            free_m[j] -= m
            changed = True
    return node_of
