"""RCPSP ``auto`` (GA + CP-SAT hybrid): proves the reference optimum on j30 and easy j60
instances, is never worse than the best rule with FBI, reports a valid bound, and rejects bad
phase fractions."""

from __future__ import annotations

import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.errors import InvalidParameterError

RULES_FBI = [m.name for m in sk.methods("rcpsp") if m.name.startswith("rule:") and m.name.endswith("+fbi")]


@pytest.mark.parametrize("name", ["j301_1", "j3013_1", "j3041_5", "j3046_2"])
def test_auto_proves_the_j30_optimum(name: str) -> None:
    ref = reference("rcpsp", "j30")[name]
    p = sk.read(shared_path("rcpsp", "j30", f"{name}.sm"))
    r = sk.solve(p, "auto", time_limit=60, workers=2)  # j3013_1 takes about 7 s; room for a busy machine
    assert sk.check(p, r.solution) == []
    assert r.status is sk.Status.OPTIMAL
    assert r.objective == r.lower_bound == int(ref["ub"])


def test_auto_on_an_open_j120_instance_keeps_a_valid_bound() -> None:
    ref = reference("rcpsp", "j120")["j12016_1"]
    p = sk.read(shared_path("rcpsp", "j120", "j12016_1.sm"))
    best_rule = min(sk.solve(p, m).objective for m in RULES_FBI)
    r = sk.solve(p, "auto", time_limit=4, workers=2, seed=1)
    assert sk.check(p, r.solution) == []
    assert r.status is sk.Status.FEASIBLE
    assert p.lower_bound() <= r.lower_bound <= int(ref["ub"]) <= r.objective <= best_rule
    assert r.stats["rule_makespan"] <= best_rule


@pytest.mark.parametrize("seed", range(4))
def test_auto_is_never_worse_than_the_best_rule(seed: int) -> None:
    p = sk.generate("rcpsp", n=60, rs=0.2, seed=seed)
    best_rule = min(sk.solve(p, m).objective for m in RULES_FBI)
    r = sk.solve(p, "auto", time_limit=2, workers=2, seed=seed)
    assert sk.check(p, r.solution) == []
    assert r.lower_bound <= r.objective <= best_rule


def test_auto_agrees_with_cpsat_on_generated_projects() -> None:
    for seed in range(3):
        p = sk.generate("rcpsp", n=20, seed=seed)
        a = sk.solve(p, "auto", time_limit=10, workers=2)
        c = sk.solve(p, "cpsat", time_limit=10, workers=2)
        assert a.status is c.status is sk.Status.OPTIMAL
        assert a.objective == c.objective


@pytest.mark.parametrize("option", [{"cp_first": 1.5}, {"cp_probe": -0.1}, {"population": 1}])
def test_auto_rejects_bad_options(option: dict) -> None:
    p = sk.generate("rcpsp", n=10, seed=0)
    with pytest.raises(InvalidParameterError):
        sk.solve(p, "auto", time_limit=1, **option)
