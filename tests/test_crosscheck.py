"""Cross-checks across methods on small random instances of every problem class.

For each seeded random instance: every exact method (``exact=True`` in the registry) must prove
optimality with the same objective, and every heuristic (rules, local search) must return a
feasible schedule whose objective is at least that optimum. Methods that refuse an instance with
an ``InvalidParameterError`` (``smtt exact`` on weighted instances) are skipped for it.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import schedkit as sk

SEEDS = (1, 2, 3, 4, 5)
EXACT_LIMIT = 30.0  # generous: tiny instances are proved in well under a second
HEURISTIC_LIMIT = 0.3  # anytime local search (ts, ls) would otherwise use the whole limit


def instance_params(kind: str, seed: int) -> dict[str, Any]:
    """Generator parameters of a small random instance of ``kind`` drawn from ``seed``."""
    rng = random.Random(1000 * seed + len(kind))
    if kind == "jssp":
        return {"n": rng.randint(2, 5), "m": rng.randint(2, 4), "high": rng.choice([9, 30]), "seed": seed}
    if kind == "fjsp":
        m = rng.randint(2, 4)
        return {"n": rng.randint(2, 4), "m": m, "flexibility": rng.randint(1, m), "high": 15, "seed": seed}
    if kind == "smtt":
        return {
            "n": rng.randint(3, 9),
            "tf": rng.choice([0.4, 0.6, 0.8, 1.0]),
            "rdd": rng.choice([0.2, 0.4, 0.6]),
            "weighted": rng.random() < 0.5,
            "seed": seed,
        }
    if kind == "rcpsp":
        return {
            "n": rng.randint(4, 10),
            "resources": rng.randint(1, 3),
            "rs": rng.choice([0.2, 0.5]),
            "seed": seed,
        }
    if kind == "vmr":
        return {"pms": rng.randint(6, 20), "mnl": rng.randint(1, 5), "seed": seed}
    if kind == "project":  # no maximum lags or deadlines: feasible, and sgs always finds a schedule
        return {
            "n": rng.randint(6, 10),
            "modes": rng.randint(1, 3),
            "rs": rng.choice([0.2, 0.5]),
            "nonrenewable": rng.randint(0, 1),
            "periods": rng.randint(0, 2),
            "releases": rng.randint(0, 2),
            "seed": seed,
        }
    if kind == "pods":
        levels = rng.randint(1, 3)
        return {"nodes": rng.randint(2, 5), "workloads": rng.randint(3, 6), "levels": levels, "seed": seed}
    raise AssertionError(kind)


KINDS = ("jssp", "fjsp", "smtt", "rcpsp", "vmr", "pods", "project")


def _solve(problem: Any, info: Any) -> sk.Result | None:
    """Solve with one method; ``None`` when the method refuses the instance."""
    rule = info.name.startswith("rule:")
    limit = EXACT_LIMIT if info.exact else (None if rule else HEURISTIC_LIMIT)
    try:
        return sk.solve(problem, info.name, time_limit=limit, workers=1, seed=7)
    except sk.InvalidParameterError:
        return None


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_methods_agree(kind: str, seed: int) -> None:
    params = instance_params(kind, seed)
    problem = sk.generate(kind, **params)
    methods = sk.methods(kind)
    exact = [m for m in methods if m.exact]
    heuristics = [m for m in methods if not m.exact]
    assert exact and heuristics

    optima: dict[str, float] = {}
    for info in exact:
        res = _solve(problem, info)
        if res is None:
            continue
        assert sk.check(problem, res) == [], (info.name, params)
        assert res.status is sk.Status.OPTIMAL, (info.name, params, res.status)
        optima[info.name] = res.objective
    assert optima, f"no exact method accepted {params}"
    values = list(optima.values())
    opt = values[0]
    assert all(v == pytest.approx(opt, rel=1e-9, abs=1e-9) for v in values), (optima, params)

    for info in heuristics:
        res = _solve(problem, info)
        if res is None:
            continue
        assert res.solution is not None, (info.name, params)
        assert sk.check(problem, res) == [], (info.name, params)
        assert res.objective >= opt - 1e-9 * max(1.0, abs(opt)), (info.name, res.objective, opt, params)
        assert problem.objective(res.solution) == pytest.approx(res.objective)
