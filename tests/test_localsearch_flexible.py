"""Compiled flexible job-shop tabu search: moves, estimates, feasibility, stop, optimum."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

import schedkit as sk
from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop
from schedkit.solvers.rules.flexible import best_of_rules
from schedkit.solvers.search import flexible_kernel as FK
from schedkit.solvers.search.flexible import FlexibleTabu, run_parallel
from tests.conftest import reference, shared_path


def _random_flexible(n: int, m: int, seed: int) -> FlexibleJobShop:
    rng = np.random.default_rng(seed)
    jobs = []
    for _ in range(n):
        ops = []
        for _ in range(int(rng.integers(2, m + 2))):
            k = int(rng.integers(1, m + 1))
            mach = rng.choice(m, size=k, replace=False)
            ops.append([(int(x), int(rng.integers(0, 12))) for x in mach])
        jobs.append(ops)
    return FlexibleJobShop.from_jobs(jobs, num_machines=m, name=f"frand{seed}")


def _brandimarte(name: str) -> FlexibleJobShop:
    return sk.read(shared_path("fjsp", "brandimarte", f"{name}.fjs"))


def _check_state(t: FlexibleTabu) -> np.ndarray:
    return FK.check_moves(
        t.jp, t.js, t.alt_start, t.alt_machine, t.alt_duration, t.aa, t.mach, t.dur, t.mp, t.ms, t.mhead
    )


@pytest.mark.parametrize("seed", range(6))
def test_moves_never_cycle_and_estimates_are_exact_upper_bounds(seed: int) -> None:
    # zero durations included: the cycle test must not rely on positive durations
    p = _random_flexible(7, 4, seed)
    t = FlexibleTabu(p, best_of_rules(p, seed, budget=0.0), seed, 0)
    exact = total = 0
    for _ in range(15):
        moves, cycles, under, equal = _check_state(t)
        assert cycles == 0 and under == 0
        total += moves
        exact += equal
        t.step(7)
    assert total > 0 and exact > 0


def test_moves_on_brandimarte() -> None:
    for name in ("mk01", "mk06"):
        p = _brandimarte(name)
        t = FlexibleTabu(p, best_of_rules(p, 0, budget=0.0), 0, 0)
        for _ in range(4):
            moves, cycles, under, _equal = _check_state(t)
            assert moves > 0 and cycles == 0 and under == 0
            t.step(100)


@pytest.mark.parametrize(("set_name", "name"), [("brandimarte", "mk03"), ("brandimarte", "mk07")])
def test_tabu_feasible_and_never_worse_than_start(set_name: str, name: str) -> None:
    p = sk.read(shared_path("fjsp", set_name, f"{name}.fjs"))
    start = best_of_rules(p, 0, budget=0.0)
    t = FlexibleTabu(p, start, 0, p.lower_bound())
    t.step(2000)
    sol = t.solution()
    assert not p.violations(sol)
    assert p.objective(sol) == t.best <= p.objective(start)


def test_hurink_instances_feasible() -> None:
    for sub, name in (("hurink_edata", "abz5"), ("hurink_edata", "la01"), ("hurink_rdata", "la01")):
        path = shared_path("fjsp", sub, f"{name}.fjs")
        p = sk.read(path)
        res = sk.solve(p, method="ts", time_limit=1.0, workers=2, seed=1)
        assert not sk.check(p, res.solution)
        assert res.objective <= p.objective(best_of_rules(p, 1, budget=0.0))


def test_ts_reaches_mk01_optimum() -> None:
    p = _brandimarte("mk01")
    opt = int(reference("fjsp", "brandimarte")["mk01"]["ub"])
    res = sk.solve(p, method="ts", time_limit=10, workers=2, seed=0)
    assert not sk.check(p, res.solution)
    assert res.objective == opt


def test_random_instances_methods_agree_with_cpsat_optimum() -> None:
    for seed in (3, 4):
        p = _random_flexible(5, 3, seed)
        opt = sk.solve(p, method="cpsat", time_limit=20, workers=2)
        assert opt.status is sk.Status.OPTIMAL
        res = sk.solve(p, method="ts", time_limit=1.0, workers=2, seed=seed)
        assert res.objective == opt.objective
        auto = sk.solve(p, method="auto", time_limit=5, workers=2, seed=seed)
        assert auto.objective == opt.objective and auto.status is sk.Status.OPTIMAL


def test_stop_event_ends_search_quickly() -> None:
    p = _brandimarte("mk10")
    ctx = SolveContext("ts", time_limit=None, workers=2, seed=0)
    start = best_of_rules(p, 0, budget=0.0)
    timer = threading.Timer(0.5, ctx.stop.set)
    timer.start()
    t0 = time.perf_counter()
    sol, iterations, _ = run_parallel(p, start, ctx, None, p.lower_bound(), 10**9)
    elapsed = time.perf_counter() - t0
    timer.cancel()
    assert iterations > 0 and elapsed < 5.0
    assert not p.violations(sol)


def test_time_limit_respected_and_incumbent_set() -> None:
    p = _brandimarte("mk06")
    ctx = SolveContext("ts", time_limit=1.0, workers=2, seed=0)
    ctx = replace(ctx, started=time.perf_counter())
    start = best_of_rules(p, 0, budget=0.0)
    t0 = time.perf_counter()
    sol, _, _ = run_parallel(p, start, ctx, time.perf_counter() + 0.7, p.lower_bound(), None)
    assert time.perf_counter() - t0 < 3.0
    assert p.objective(sol) <= p.objective(start)
    assert ctx.incumbent is not None and not p.violations(ctx.incumbent)


def test_iterations_without_time_limit() -> None:
    p = _random_flexible(6, 3, 9)
    res = sk.solve(p, method="ts", rounds=5)
    assert not sk.check(p, res.solution)
    assert 0 < res.stats["iterations"] <= 2 * 500
