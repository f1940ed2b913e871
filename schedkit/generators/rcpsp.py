"""Seeded random RCPSP instances in the spirit of ProGen (Kolisch, Sprecher & Drexl 1995).

Parameters follow ProGen's names: network complexity ``nc`` (arcs per activity, counting the
arcs from the dummy source and to the dummy sink), resource factor ``rf`` (share of the
resources an activity uses) and resource strength ``rs`` (capacity between the largest single
demand, ``rs = 0``, and the peak usage of the earliest-start schedule, ``rs = 1``). Like the
PSPLIB files, instances carry a dummy source (activity 1) and sink (activity n + 2).
"""

from __future__ import annotations

import math

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.rcpsp import Rcpsp


def _check(name: str, value: object, low: float, high: float = math.inf, integer: bool = True) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidParameterError(
            f"{name} must be {'an integer' if integer else 'a number'}, got {value!r}"
        )
    if not low <= value <= high:  # type: ignore[operator]
        rng = f">= {low}" if high == math.inf else f"in [{low}, {high}]"
        raise InvalidParameterError(f"{name} must be {rng}, got {value!r}")


def generate(
    n: int = 30,
    resources: int = 4,
    nc: float = 1.5,
    rf: float = 0.5,
    rs: float = 0.5,
    dmax: int = 10,
    rmax: int = 10,
    seed: int = 0,
) -> Rcpsp:
    """A random RCPSP with ``n`` non-dummy activities; equal parameters give equal instances.

    Parameters
    ----------
    n
        Non-dummy activities (the instance has ``n + 2`` with source and sink).
    resources
        Number of renewable resources.
    nc
        Network complexity: target number of non-redundant arcs per activity (source and sink
        arcs included); reached as closely as the acyclic structure allows.
    rf
        Resource factor in [0, 1]: each activity uses each resource with this probability
        (at least one resource when ``rf > 0``).
    rs
        Resource strength in [0, 1]: 0 is the tightest capacity (the largest single demand),
        1 the peak usage of the earliest-start schedule.
    dmax, rmax
        Durations are drawn from 1..dmax, demands from 1..rmax.
    seed
        Random seed.
    """
    _check("n", n, 1, 100_000)
    _check("resources", resources, 1, 1000)
    _check("nc", nc, 0, 1000, integer=False)
    _check("rf", rf, 0, 1, integer=False)
    _check("rs", rs, 0, 1, integer=False)
    _check("dmax", dmax, 1, 10**6)
    _check("rmax", rmax, 1, 10**6)
    _check("seed", seed, 0)
    rng = np.random.default_rng(seed)
    arcs = _network(n, nc, rng)
    total = n + 2
    succ: list[list[int]] = [[] for _ in range(total)]
    has_pred = [False] * n
    for i, j in sorted(arcs):
        succ[i + 1].append(j + 1)
        has_pred[j] = True
    for j in range(n):
        if not has_pred[j]:
            succ[0].append(j + 1)
        if not succ[j + 1]:
            succ[j + 1].append(total - 1)
    duration = np.zeros(total, dtype=np.int64)
    duration[1:-1] = rng.integers(1, dmax + 1, size=n)
    demand = np.zeros((total, resources), dtype=np.int64)
    if rf > 0:
        uses = rng.random((n, resources)) < rf
        none = ~uses.any(axis=1)
        uses[none, rng.integers(0, resources, size=int(none.sum()))] = True
        demand[1:-1] = np.where(uses, rng.integers(1, rmax + 1, size=(n, resources)), 0)
    probe = Rcpsp.from_lists(duration, demand, [int(rmax) * total] * resources, succ, "probe")
    es = probe.earliest_starts()
    horizon = int((es + duration).max())
    peak = np.zeros(resources, dtype=np.int64)
    if horizon > 0:
        usage = np.zeros((horizon + 1, resources), dtype=np.int64)
        for j in range(total):
            usage[es[j] : es[j] + duration[j]] += demand[j]
        peak = usage.max(axis=0)
    low = demand.max(axis=0)
    capacity = np.maximum(1, low + np.round(rs * (peak - low)).astype(np.int64))
    name = f"rcpsp_n{n}_r{resources}_s{seed}"
    return Rcpsp.from_lists(duration, demand, capacity, succ, name)


def _network(n: int, nc: float, rng: np.random.Generator) -> set[tuple[int, int]]:
    """Non-redundant arcs ``i -> j`` (i < j) among the non-dummy activities ``0..n-1``."""
    arcs: set[tuple[int, int]] = set()
    reach = [0] * n  # bitset of the activities reachable from each one
    preds_of = [0] * n  # bitset of the activities that reach each one

    def add(i: int, j: int) -> None:
        arcs.add((i, j))
        down = reach[j] | (1 << j)
        up = preds_of[i] | (1 << i)
        for u in _bits(up):
            reach[u] |= down
        for v in _bits(down):
            preds_of[v] |= up

    def arc_count() -> int:
        no_pred = sum(1 for j in range(n) if preds_of[j] == 0)
        no_succ = sum(1 for j in range(n) if reach[j] == 0)
        return len(arcs) + no_pred + no_succ

    starts = max(1, round(n / 10))
    for j in range(starts, n):  # every later activity gets one earlier predecessor
        add(int(rng.integers(0, j)), j)
    target = nc * (n + 2)
    attempts = 0
    while arc_count() < target and attempts < 20 * n + 100:
        attempts += 1
        i, j = sorted(int(v) for v in rng.choice(n, size=2, replace=False)) if n > 1 else (0, 0)
        if i == j or (reach[i] >> j) & 1:
            continue  # a loop, or redundant: j already follows i
        if reach[i] == 0 or preds_of[j] == 0:
            continue  # would replace a sink or source arc: the count would not grow
        add(i, j)
    return arcs


def _bits(x: int) -> list[int]:
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out
