"""Tabu search ``ts`` and ``auto`` on job shops with setups, release dates and the due-date
objectives: the kernel's heads against the shared earliest schedule, feasibility, never worse than
the start rule, reproducibility, agreement with CP-SAT's proven optima, plain instances unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop
from schedkit.problems.shop_extras import OBJECTIVES, ShopExtras
from schedkit.solvers.search import jobshop_extras as X
from schedkit.structure.shop import earliest_schedule


def _small(seed: int, **extra: object) -> JobShop:
    kw = {"due_tightness": 1.3, "weights": True, "setups": True, "releases": True, **extra}
    return sk.generate("jssp", n=4, m=3, seed=seed, high=20, **kw)


def _reentrant() -> JobShop:
    """A re-entrant instance with zero durations, setups without the triangle inequality."""
    rng = np.random.default_rng(3)
    jobs = [[(int(rng.integers(0, 3)), int(rng.integers(0, 9))) for _ in range(4)] for _ in range(4)]
    setup = rng.integers(0, 7, size=(3, 5, 4))
    work = np.array([sum(d for _, d in job) for job in jobs])
    extras = ShopExtras(release=rng.integers(0, 5, 4), due=work + 4, weight=[3, 1, 2, 1], setup=setup)
    return JobShop.from_jobs(jobs, num_machines=3, name="reentrant", extras=extras)


def _instances() -> list[JobShop]:
    return [_small(1), _small(2, due_tightness=1.6), _small(5, triangle=False), _reentrant()]


def test_kernel_heads_equal_the_shared_earliest_schedule() -> None:
    # the kernel's semi-active starts (setups, releases, initial setups, zero durations) against
    # structure.shop.earliest_schedule on random machine orders
    rng = np.random.default_rng(0)
    for p in [
        *_instances(),
        sk.generate("jssp", n=6, m=4, seed=3, low=0, high=9, setups=True, releases=True),
    ]:
        graph, data = X.arrays_of(p, "makespan")
        search = X.ExtrasSearch(graph, np.arange(p.num_operations), data=data)
        for _ in range(20):
            seq = graph.sequence(rng.permutation(p.num_operations))  # orders by a random priority
            mine = search.starts(seq)
            sequences = [seq[graph.mstart[m] : graph.mstart[m + 1]] for m in range(p.num_machines)]
            ref = earliest_schedule(p, sequences)
            if ref is None:
                assert (mine == -1).all()
            else:
                assert np.array_equal(mine, ref), p.name


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_ts_is_feasible_and_never_worse_than_its_start(objective: str) -> None:
    for p in [*_instances(), sk.generate("jssp", n=8, m=5, seed=4, setups=True, due_tightness=1.2)]:
        start, _ = X.best_rule(p, objective)
        rule = X.value_of(p, start, objective)
        r = sk.solve(p, method="ts", objective=objective, iterations=1500, workers=1, seed=2)
        assert sk.check(p, r.solution) == []
        assert r.objective == p.evaluate(r.solution, objective) <= rule, (p.name, objective)


def test_same_seed_same_result_without_a_time_limit() -> None:
    p = sk.generate("jssp", n=8, m=5, seed=7, setups=True, releases=True, due_tightness=1.3, weights=True)
    for objective in ("weighted_tardiness", "makespan", "tardy_jobs"):
        runs = [
            sk.solve(p, method="ts", objective=objective, iterations=3000, workers=1, seed=5)
            for _ in range(2)
        ]
        assert np.array_equal(runs[0].solution.start, runs[1].solution.start), objective


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_ts_and_auto_reach_the_cpsat_optimum(objective: str) -> None:
    for p in _instances():
        opt = sk.solve(p, method="cpsat", objective=objective, time_limit=60, workers=2)
        assert opt.status is sk.Status.OPTIMAL
        for seed in (0, 1):
            r = sk.solve(p, method="ts", objective=objective, iterations=4000, workers=1, seed=seed)
            assert r.objective == opt.objective, (p.name, objective, seed, r.objective, opt.objective)
        a = sk.solve(p, method="auto", objective=objective, time_limit=20, workers=2)
        assert sk.check(p, a.solution) == []
        assert a.status is sk.Status.OPTIMAL and a.objective == opt.objective, (p.name, objective)


def test_auto_is_never_worse_than_its_start() -> None:
    p = sk.generate("jssp", n=10, m=10, seed=3, setups=True, due_tightness=1.3, weights=True)
    for objective in ("weighted_tardiness", "makespan"):
        start, _ = X.best_rule(p, objective)
        r = sk.solve(p, method="auto", objective=objective, time_limit=2, workers=2)
        assert sk.check(p, r.solution) == []
        assert r.objective <= X.value_of(p, start, objective)


def test_a_better_hint_is_the_start() -> None:
    p = _small(1)
    opt = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=60, workers=2)
    start, name = X.seed_schedule(p, SolveContext("ts", hint=opt.solution), "weighted_tardiness")
    assert name == "hint" or X.value_of(p, start, "weighted_tardiness") == opt.objective


def test_plain_instances_take_the_plain_kernel() -> None:
    plain = sk.generate("jssp", n=6, m=4, seed=1, due_tightness=1.3)  # due dates alone: no feature
    assert not X.needs_extras(plain, None) and not X.needs_extras(plain, "makespan")
    assert X.needs_extras(plain, "weighted_tardiness")
    assert X.needs_extras(_small(1), None)
    r = sk.solve(plain, method="ts", iterations=2000, workers=1, seed=0)
    assert "rule_makespan" in r.stats  # the plain method's statistics
    opt = sk.solve(plain, method="cpsat", time_limit=30, workers=2)
    assert r.objective == opt.objective
