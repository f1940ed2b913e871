"""FJSP dispatching rules: every operation rule x machine rule combination, on every shared
Brandimarte and Hurink instance, gives a feasible schedule that never beats a proven optimum."""

from __future__ import annotations

import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.registry import kind_info
from schedkit.solvers.rules.flexible import EXTRA_OP_RULES, MACHINE_RULES, OP_RULES, dispatch, parse_rule

SETS = ("brandimarte", "hurink_edata", "hurink_rdata")
RULES = [f"rule:{o}+{m}" for o in OP_RULES for m in MACHINE_RULES]


def test_every_combination_registered() -> None:
    registered = {m for m in kind_info("fjsp").methods if m.startswith("rule:")}
    extra = {f"rule:{o}+{m}" for o in EXTRA_OP_RULES for m in MACHINE_RULES}  # setups, due dates
    assert registered == set(RULES) | extra and len(RULES) == 15 and len(extra) == 18
    assert parse_rule("rule:mwkr+ect") == ("mwkr", "ect")
    with pytest.raises(sk.UnknownMethodError):
        parse_rule("rule:mwkr")


@pytest.mark.parametrize("folder", SETS)
def test_rules_feasible_on_shared_sets(folder: str) -> None:
    ref = reference("fjsp", folder)
    files = sorted(shared_path("fjsp", folder).glob("*.fjs"))
    assert len(files) >= 10
    for path in files:
        p = sk.read(path)
        row = ref[p.name]
        for method in RULES:
            r = sk.solve(p, method, seed=1)  # solve() re-checks the schedule: infeasible raises
            assert sk.check(p, r) == [], (path.name, method)
            assert r.status is not sk.Status.OPTIMAL or r.objective == p.lower_bound()
            if row["optimal"] == "true":
                assert r.objective >= int(row["ub"]), (path.name, method)
            if row["lb"]:
                assert r.objective >= int(row["lb"]), (path.name, method)


def test_rules_deterministic_and_random_seeded() -> None:
    p = sk.generate("fjsp", n=12, m=6, flexibility=3, seed=4)
    a = dispatch(p, "random", "ect", seed=3)
    b = dispatch(p, "random", "ect", seed=3)
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all()
    objs = {sk.solve(p, "rule:random+ect", seed=s).objective for s in range(6)}
    assert len(objs) > 1  # the seed matters


def test_machine_rules_differ() -> None:
    p = sk.generate("fjsp", n=10, m=5, flexibility=3, seed=2)
    machines = {m: tuple(dispatch(p, "mwkr", m)[0]) for m in MACHINE_RULES}
    assert len(set(machines.values())) == 3
    # SPT machine rule takes a shortest alternative for every operation
    mach = dispatch(p, "fifo", "spt")[0]
    assert (p.durations_of(mach) == p.min_duration).all()


def test_rule_on_jssp_converted() -> None:
    from schedkit.problems.flexible import FlexibleJobShop

    js = sk.read(shared_path("jssp", "ft", "ft10.txt"))
    p = FlexibleJobShop.from_jobshop(js)
    for method in RULES:
        r = sk.solve(p, method)
        assert r.objective >= 930  # ft10 optimum


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_rules_and_cpsat_agree(seed: int) -> None:
    """Generated instances (zero durations allowed): every rule is feasible and no better
    than the CP-SAT optimum, which is no better than the trivial bound."""
    p = sk.generate("fjsp", n=4, m=3, ops=[1, 4], flexibility=1 + seed % 3, low=0, high=6, seed=seed)
    opt = sk.solve(p, "cpsat", time_limit=20, workers=2, seed=seed)
    assert opt.status is sk.Status.OPTIMAL and sk.check(p, opt) == []
    assert p.lower_bound() <= opt.objective
    for method in RULES:
        r = sk.solve(p, method, seed=seed)
        assert r.objective >= opt.objective, method
