"""FJSP exact methods: CP-SAT and the MIP prove known optima and agree."""

from __future__ import annotations

import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.problems.flexible import FlexibleJobShop


def test_cpsat_proves_mk01() -> None:
    ref = reference("fjsp", "brandimarte")["mk01"]
    p = sk.read(shared_path("fjsp", "brandimarte", "mk01.fjs"))
    r = sk.solve(p, "cpsat", time_limit=60, workers=2, seed=0)
    assert r.status is sk.Status.OPTIMAL and r.objective == int(ref["ub"]) == 40
    assert sk.check(p, r) == []


@pytest.mark.parametrize("name", ["la01", "ft06"])
def test_cpsat_proves_hurink_edata(name: str) -> None:
    row = reference("fjsp", "hurink_edata")[name]
    assert row["optimal"] == "true"
    p = sk.read(shared_path("fjsp", "hurink_edata", f"{name}.fjs"))
    r = sk.solve(p, "cpsat", time_limit=60, workers=2, seed=0)
    assert r.status is sk.Status.OPTIMAL and r.objective == int(row["ub"])
    assert sk.check(p, r) == []


def test_jssp_as_fjsp_gives_jssp_optimum() -> None:
    js = sk.read(shared_path("jssp", "ft", "ft06.txt"))
    p = FlexibleJobShop.from_jobshop(js)
    r = sk.solve(p, "cpsat", time_limit=60, workers=2, seed=0)
    assert r.status is sk.Status.OPTIMAL and r.objective == 55
    rj = sk.solve(js, "cpsat", time_limit=60, workers=2, seed=0)
    assert rj.objective == r.objective


@pytest.mark.parametrize("method", ["mip", "mip-cbc"])
def test_mip_agrees_with_cpsat(method: str) -> None:
    p = sk.generate("fjsp", n=5, m=3, ops=3, flexibility=1.7, high=9, seed=0)
    assert p.lower_bound() < 26  # not closed by the trivial bound
    rc = sk.solve(p, "cpsat", time_limit=30, workers=2, seed=0)
    rm = sk.solve(p, method, time_limit=60, workers=2, seed=0)
    assert rc.status is sk.Status.OPTIMAL and rm.status is sk.Status.OPTIMAL
    assert rm.objective == rc.objective == 26
    assert sk.check(p, rm) == []


def test_hint_is_accepted_and_kept() -> None:
    p = sk.generate("fjsp", n=10, m=5, flexibility=2.5, seed=3)
    rule = sk.solve(p, "rule:mwkr+ect")
    r = sk.solve(p, "cpsat", time_limit=0.5, workers=2, hint=rule)
    assert sk.check(p, r) == [] and r.objective <= rule.objective
    rm = sk.solve(p, "mip", time_limit=2, workers=1, hint=rule)
    assert sk.check(p, rm) == [] and rm.objective <= rule.objective
    # each method's proven bound holds for the other's schedule
    assert rm.lower_bound <= r.objective and r.lower_bound <= rm.objective


@pytest.mark.parametrize("method", ["cpsat", "mip"])
def test_tiny_time_limit_still_gives_a_schedule(method: str) -> None:
    p = sk.read(shared_path("fjsp", "brandimarte", "mk10.fjs"))
    r = sk.solve(p, method, time_limit=0.3, workers=2, seed=0)
    assert r.solution is not None and sk.check(p, r) == []
    assert r.lower_bound <= 189 <= r.objective  # fjsplib lower bound and a valid schedule
