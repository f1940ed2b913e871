"""The backend-neutral count model of pod placement and the lexicographic scheme on it.

Pods that may change place (pending pods and movable running pods) with equal CPU and memory
requests, priority level and eligibility form a *class*: its pods are interchangeable, so a
placement is described by ``y[c, n]``, the number of class-``c`` pods on node ``n``, and
``s[c, n] <= min(y[c, n], r[c, n])``, those of the ``r[c, n]`` running ones on ``n`` that stay.
Unmovable running pods are fixed and taken off the nodes' capacities. Rows:

* ``sum_n y[c, n] <= |c|`` per class;
* ``sum_c cpu_c y[c, n] <= free CPU of n`` and the same for memory, per node;
* ``s[c, n] <= y[c, n]``.

Pods of level ``k`` placed: ``fixed_k + sum over the level's classes of y``; moves + evictions:
``R - sum s`` (``R``: movable running pods), exact for the counts because the running pods kept
in place are chosen after the counts (:func:`placement_of`). The model is exact: every
placement has counts, and every count vector is realised by :func:`placement_of` with the
tuple it describes or a better one.

:func:`solve_lexicographic` runs the scheme for a backend (CP-SAT, MIP): one stage per
priority level from the highest (minimise the level's unplaced pods, the levels above kept at
least at their best count), then one stage for the disruption, all within the time limit, each
stage started from the incumbent. Stages that the start already solves (every pod of the level
that fits any node placed; no disruption) are skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import SolverBugError
from schedkit.problems.pods import UNPLACED, PodPlacement
from schedkit.result import Result, Status

LE, GE = "<=", ">="
#: seconds kept back at the end for building the solution and re-checking it, plus per pod
FINAL_RESERVE = 0.1
FINAL_PER_POD = 1.5e-5
#: seconds per pod that building the model and a backend takes, at least (0.5 s for the
#: 12,500 pods of a generated 1000-node cluster on an idle core): no model without that time
BUILD_PER_POD = 4e-5


def finish_reserve(problem: PodPlacement) -> float:
    """Seconds kept back at the end of a call for the final placement and its re-checks."""
    return FINAL_RESERVE + FINAL_PER_POD * problem.num_pods


def start_context(problem: PodPlacement, ctx: SolveContext) -> SolveContext:
    """``ctx`` with its limit shortened by :func:`finish_reserve`, for the start heuristics:
    when they use up the time, the call still ends within its limit."""
    if ctx.time_limit is None:
        return ctx
    return dataclasses.replace(ctx, time_limit=max(0.0, ctx.time_limit - finish_reserve(problem)))


@dataclass
class Row:
    """``sum coefs * x[vars] (sense) rhs``."""

    vars: np.ndarray
    coefs: np.ndarray
    sense: str
    rhs: int
    name: str


#: an objective: (variables, coefficients, constant), minimised
Objective = tuple[np.ndarray, np.ndarray, int]


@dataclass
class CountModel:
    """The count model of a problem (module docstring). Variables ``0..ny-1`` are the ``y``,
    then the ``s``; ``ub`` their upper bounds (all lower bounds are 0)."""

    problem: PodPlacement
    pod_class: np.ndarray  # (P,) class of each pod, -1 for a fixed (unmovable running) pod
    cls_level: np.ndarray  # (C,)
    cls_size: np.ndarray  # (C,)
    y_class: np.ndarray  # (ny,)
    y_node: np.ndarray  # (ny,)
    s_y: np.ndarray  # (ns,) the y variable each s belongs to
    ub: np.ndarray  # (ny + ns,)
    rows: list[Row]
    fixed_level: np.ndarray  # (L,) fixed pods per level
    movable_running: int
    y_index: dict[tuple[int, int], int] = field(repr=False)

    @property
    def ny(self) -> int:
        return len(self.y_class)

    @property
    def size(self) -> int:
        return len(self.ub)

    def level_vars(self, k: int) -> np.ndarray:
        """The y variables of level ``k``'s classes."""
        return np.flatnonzero(self.cls_level[self.y_class] == k)

    def unplaced_objective(self, k: int) -> Objective:
        """Level ``k``'s unplaced pods (alone: with a disruption term as a tie-break, the LP bound
        of a level stage no longer rounds up to the next whole pod, and CP-SAT did not prove in
        30 s that one more pod cannot be placed on a 5-node cluster)."""
        lv = self.level_vars(k)
        const = int(self.problem.level_size[k] - self.fixed_level[k])
        return lv, np.full(len(lv), -1, dtype=np.int64), const

    def placed_row(self, k: int, at_least: int) -> Row:
        """Level ``k`` places at least ``at_least`` pods."""
        lv = self.level_vars(k)
        return Row(
            lv, np.ones(len(lv), dtype=np.int64), GE, int(at_least - self.fixed_level[k]), f"placed_{k}"
        )

    def disruption_objective(self) -> Objective:
        """Moves + evictions."""
        sv = np.arange(self.ny, self.size, dtype=np.int64)
        return sv, np.full(len(sv), -1, dtype=np.int64), self.movable_running

    def values_of(self, node_of: np.ndarray) -> np.ndarray:
        """The variables' values describing a placement (``s`` at their best for its counts)."""
        vals = np.zeros(self.size, dtype=np.int64)
        moving = (self.pod_class >= 0) & (node_of != UNPLACED)
        for c, n in zip(self.pod_class[moving].tolist(), node_of[moving].tolist(), strict=True):
            vals[self.y_index[(c, n)]] += 1
        vals[self.ny :] = np.minimum(vals[self.s_y], self.ub[self.ny :])
        return vals

    def placement_of(self, values: np.ndarray) -> np.ndarray:
        """A placement with the counts ``values[:ny]``: per class and node first the running pods
        already there, then the class's other running pods, then its pending pods."""
        p = self.problem
        node_of = np.where(self.pod_class < 0, p.pod_node, UNPLACED)
        y = np.asarray(values[: self.ny], dtype=np.int64)
        members: dict[int, list[int]] = {}
        for i in np.flatnonzero(self.pod_class >= 0).tolist():
            members.setdefault(int(self.pod_class[i]), []).append(i)
        slots: dict[int, list[tuple[int, int]]] = {}
        for v in np.flatnonzero(y > 0).tolist():
            slots.setdefault(int(self.y_class[v]), []).append((int(self.y_node[v]), int(y[v])))
        for c, where in slots.items():
            pods = members[c]
            here: dict[int, list[int]] = {}
            for i in pods:
                if p.pod_node[i] != UNPLACED:
                    here.setdefault(int(p.pod_node[i]), []).append(i)
            left: list[tuple[int, int]] = []
            kept: set[int] = set()
            for n, count in where:
                stay = here.get(n, [])[:count]
                for i in stay:
                    node_of[i] = n
                kept.update(stay)
                if count > len(stay):
                    left.append((n, count - len(stay)))
            pool = [i for i in pods if p.pod_node[i] != UNPLACED and i not in kept]
            pool += [i for i in pods if p.pod_node[i] == UNPLACED]
            at = 0
            for n, count in left:
                for i in pool[at : at + count]:
                    node_of[i] = n
                at += count
        return node_of


def build(problem: PodPlacement) -> CountModel:
    """The count model of ``problem`` (module docstring)."""
    p = problem
    run = p.running
    fixed = run & ~p.pod_movable
    keys: dict[tuple[int, int, int, int], int] = {}
    pod_class = np.full(p.num_pods, -1, dtype=np.int64)
    for i in np.flatnonzero(~fixed).tolist():
        key = (int(p.pod_cpu[i]), int(p.pod_mem[i]), int(p.pod_level[i]), int(p.pod_group[i]))
        pod_class[i] = keys.setdefault(key, len(keys))
    spec = np.array(list(keys), dtype=np.int64).reshape(-1, 4)
    cpu, mem, level, group = spec.T if len(spec) else (np.zeros(0, np.int64),) * 4
    size = np.bincount(pod_class[pod_class >= 0], minlength=len(keys)).astype(np.int64)
    on_f = np.where(fixed, p.pod_node, 0)
    free_c = p.node_cpu - np.bincount(on_f[fixed], weights=p.pod_cpu[fixed], minlength=p.num_nodes).astype(
        np.int64
    )
    free_m = p.node_mem - np.bincount(on_f[fixed], weights=p.pod_mem[fixed], minlength=p.num_nodes).astype(
        np.int64
    )
    big = np.iinfo(np.int64).max // 4
    with np.errstate(divide="ignore"):
        by_c = np.where(cpu[:, None] > 0, free_c[None] // np.maximum(cpu[:, None], 1), big)
        by_m = np.where(mem[:, None] > 0, free_m[None] // np.maximum(mem[:, None], 1), big)
    cap = np.minimum(np.minimum(by_c, by_m), size[:, None])
    cap = np.where(p.group_eligible[group], cap, 0) if len(spec) else cap
    y_class, y_node = np.nonzero(cap > 0)
    y_ub = cap[y_class, y_node]
    y_index = {
        (int(c), int(n)): v for v, (c, n) in enumerate(zip(y_class.tolist(), y_node.tolist(), strict=True))
    }
    mov_run = run & ~fixed
    r: dict[int, int] = {}
    for c, n in zip(pod_class[mov_run].tolist(), p.pod_node[mov_run].tolist(), strict=True):
        v = y_index[(c, n)]  # the running placement fits: its own node has room for it
        r[v] = r.get(v, 0) + 1
    s_y = np.array(sorted(r), dtype=np.int64)
    s_ub = np.array([r[v] for v in s_y.tolist()], dtype=np.int64)
    ny = len(y_class)
    rows: list[Row] = []
    by_class = np.argsort(y_class, kind="stable")
    cuts = np.searchsorted(y_class[by_class], np.arange(len(keys) + 1))
    for c in range(len(keys)):
        vs = by_class[cuts[c] : cuts[c + 1]]
        if int(y_ub[vs].sum()) > size[c]:
            rows.append(Row(vs, np.ones(len(vs), dtype=np.int64), LE, int(size[c]), f"class_{c}"))
    by_node = np.argsort(y_node, kind="stable")
    cuts = np.searchsorted(y_node[by_node], np.arange(p.num_nodes + 1))
    for n in range(p.num_nodes):
        vs = by_node[cuts[n] : cuts[n + 1]]
        for label, req, free in (("cpu", cpu, free_c), ("mem", mem, free_m)):
            coef = req[y_class[vs]]
            if int((coef * y_ub[vs]).sum()) > free[n]:
                keep = coef > 0
                rows.append(Row(vs[keep], coef[keep], LE, int(free[n]), f"{label}_{n}"))
    for i, v in enumerate(s_y.tolist()):
        rows.append(
            Row(np.array([ny + i, v], dtype=np.int64), np.array([1, -1], dtype=np.int64), LE, 0, f"stay_{i}")
        )
    fixed_level = np.bincount(p.pod_level[fixed], minlength=len(p.levels)).astype(np.int64)
    return CountModel(
        p,
        pod_class,
        level,
        size,
        y_class.astype(np.int64),
        y_node.astype(np.int64),
        s_y,
        np.concatenate([y_ub, s_ub]).astype(np.int64),
        rows,
        fixed_level,
        int(mov_run.sum()),
        y_index,
    )


@dataclass
class StageOutcome:
    status: Status
    values: np.ndarray | None  # the variables' values of the best solution found
    bound: int | None  # proven lower bound on the stage's objective


class Backend(Protocol):
    """A solver holding the count model: rows can be added, each stage sets an objective."""

    def add_row(self, row: Row) -> None: ...

    def solve(self, objective: Objective, hint: np.ndarray, time_limit: float | None) -> StageOutcome: ...


#: share of the time left a stage gets when more stages follow it: the highest levels matter most
STAGE_SHARE = 0.5


def stage_budget(ctx: SolveContext, stages_left: int, reserve: float) -> float | None:
    """Seconds for the next stage: :data:`STAGE_SHARE` of what is left before ``reserve``, all
    of it for the last stage (None without a limit)."""
    left = ctx.remaining(reserve)
    if left is None:
        return None
    return left if stages_left <= 1 else STAGE_SHARE * left


def solve_lexicographic(
    problem: PodPlacement,
    ctx: SolveContext,
    start: np.ndarray,
    make_backend: Callable[[CountModel], Backend],
    model: CountModel | None = None,
    repair: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Result:
    """The lexicographic scheme (module docstring) from the placement ``start``; ``repair``, a
    placement improvement that never worsens the tuple, is applied to each stage's answer. The
    Result's bound is the scalar of the proven part of the tuple (later entries 0)."""
    p = problem
    best = start.copy()
    best_key = p.tuple_of(best)
    ctx.incumbent = p.assignment(best)
    unfit = np.bincount(p.pod_level[~p.placeable()], minlength=len(p.levels)).astype(np.int64)
    levels = len(p.levels)
    bounds: list[int] = []
    proven = True
    stats: dict[str, object] = {"stages": []}
    if ctx.remaining(finish_reserve(p) + BUILD_PER_POD * p.num_pods) == 0.0:
        return _result(p, best, bounds, False, stats, ctx)  # no time to build and solve a model
    model = build(p) if model is None else model
    stats["variables"] = model.size
    stats["rows"] = len(model.rows)
    # the time one stage's answer takes to turn into a checked placement, kept back at the end
    entered = ctx.elapsed()
    if p.tuple_of(model.placement_of(model.values_of(best))) > best_key or p.violations(ctx.incumbent):
        raise SolverBugError("the pod count model does not describe the start placement")
    reserve = finish_reserve(p) + 3 * (ctx.elapsed() - entered)
    if ctx.remaining(reserve) == 0.0:
        return _result(p, best, bounds, False, stats, ctx)
    backend = make_backend(model)
    stats["build_time"] = round(ctx.elapsed(), 3)

    def todo(k: int) -> bool:
        return best_key[k] > unfit[k] if k < levels else best_key[-1] > 0

    for k in range(levels + 1):
        if not todo(k):
            if proven:
                bounds.append(int(unfit[k]) if k < levels else 0)
            if k < levels:
                backend.add_row(model.placed_row(k, int(p.level_size[k] - best_key[k])))
            continue
        if ctx.expired():
            proven = False
            break
        stages_left = sum(1 for j in range(k, levels + 1) if todo(j))
        objective = model.unplaced_objective(k) if k < levels else model.disruption_objective()
        limit = stage_budget(ctx, stages_left, reserve)
        if limit is not None and limit <= 0.0:
            proven = False
            break
        out = backend.solve(objective, model.values_of(best), limit)
        bound = out.bound
        record = {
            "stage": f"level {int(p.levels[k])}" if k < levels else "disruption",
            "status": str(out.status),
        }
        if out.values is not None:
            cand = model.placement_of(out.values)
            if repair is not None:
                cand = repair(cand)
            key = p.tuple_of(cand)
            if key < best_key and not p.violations(p.assignment(cand)):
                best, best_key = cand, key
                ctx.incumbent = p.assignment(best)
        record["value"] = best_key[k]
        if bound is not None:
            record["bound"] = bound
        stats["stages"].append(record)  # type: ignore[union-attr]
        if proven:
            if out.status is Status.OPTIMAL:
                bounds.append(best_key[k])
            else:
                if bound is not None:
                    bounds.append(max(bound, int(unfit[k]) if k < levels else 0))
                proven = False
        if k < levels:
            backend.add_row(model.placed_row(k, int(p.level_size[k] - best_key[k])))
    return _result(p, best, bounds, proven, stats, ctx)


def _result(
    p: PodPlacement,
    best: np.ndarray,
    bounds: list[int],
    proven: bool,
    stats: dict[str, object],
    ctx: SolveContext,
) -> Result:
    sol = p.assignment(best)
    key = p.tuple_of(best)
    lb_key = bounds + [0] * (len(key) - len(bounds))
    lb = p.scalar(lb_key)
    optimal = proven and len(bounds) == len(key)
    stats.update(objective_tuple=list(key), bound_tuple=lb_key, placement=p.objective_detail(sol))
    status = Status.OPTIMAL if optimal else Status.FEASIBLE
    return Result(status, p.scalar(key), max(lb, p.lower_bound()), sol, stats=stats)
