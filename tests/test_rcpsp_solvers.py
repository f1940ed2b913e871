"""RCPSP methods on PSPLIB: CP-SAT and MIP prove reference optima, every SGS rule is feasible
and never beats a proven optimum nor the critical-path bound."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.solvers.rules.rcpsp import RULES, forward_backward, parse_method, schedule

RULE_METHODS = [m.name for m in sk.methods("rcpsp") if m.name.startswith("rule:")]
CPSAT_SAMPLE = slice(5, None, 40)  # 12 of the 480 j30 instances, spread over all parameter groups
MIP_SAMPLE = ("j301_1", "j301_5", "j3038_8")  # the heuristic is above the optimum on the last two


def j30_files() -> list:
    return sorted(shared_path("rcpsp", "j30").glob("*.sm"))


def test_every_rule_combination_registered():
    assert len(RULE_METHODS) == len(RULES) * 2 * 2
    for name in ("rule:lft", "rule:lft/parallel", "rule:lft+fbi", "rule:random/parallel+fbi"):
        assert name in RULE_METHODS
    assert parse_method("rule:mslk/parallel+fbi") == ("mslk", "parallel", True)
    with pytest.raises(sk.InvalidParameterError):
        parse_method("rule:edd")


@pytest.mark.parametrize("index", range(len(range(480)[CPSAT_SAMPLE])))
def test_cpsat_proves_j30_optimum(index: int):
    ref = reference("rcpsp", "j30")
    path = j30_files()[CPSAT_SAMPLE][index]
    row = ref[path.stem]
    assert row["optimal"] == "true"
    p = sk.read(path)
    r = sk.solve(p, "cpsat", time_limit=60, workers=2, seed=0)
    assert sk.check(p, r.solution) == []
    assert r.status is sk.Status.OPTIMAL, (path.stem, r.summary())
    assert r.objective == r.lower_bound == int(row["ub"])


@pytest.mark.parametrize("name", MIP_SAMPLE)
def test_mip_proves_j30_optimum_equal_to_cpsat(name: str):
    ref = reference("rcpsp", "j30")
    p = sk.read(shared_path("rcpsp", "j30", f"{name}.sm"))
    mip = sk.solve(p, "mip", time_limit=60, workers=2)
    cp = sk.solve(p, "cpsat", time_limit=60, workers=2)
    assert mip.status is sk.Status.OPTIMAL and cp.status is sk.Status.OPTIMAL
    assert mip.objective == cp.objective == int(ref[name]["ub"])
    assert sk.check(p, mip.solution) == []


def test_mip_aggregated_precedences_agree():
    p = sk.read(shared_path("rcpsp", "j30", "j301_5.sm"))
    agg = sk.solve(p, "mip", time_limit=60, workers=2, precedence="aggregated", cliques=False, energy=False)
    assert agg.status is sk.Status.OPTIMAL and agg.objective == 39
    with pytest.raises(sk.InvalidParameterError):
        sk.solve(p, "mip", time_limit=5, workers=1, precedence="sideways")


def test_cpsat_accepts_hint_and_respects_a_tiny_limit():
    p = sk.read(shared_path("rcpsp", "j120", "j12013_1.sm"))
    hint = sk.solve(p, "rule:lft+fbi")
    r = sk.solve(p, "cpsat", time_limit=2, workers=2, hint=hint)
    assert sk.check(p, r.solution) == []
    assert r.objective <= hint.objective
    assert p.critical_path_length() <= r.lower_bound <= r.objective


def _check_rules(problem: Rcpsp, row: dict[str, str]) -> None:
    lb, ub, optimal = int(row["lb"]), int(row["ub"]), row["optimal"] == "true"
    cp = problem.critical_path_length()
    for name in RULE_METHODS:
        r = sk.solve(problem, name, seed=1)
        assert sk.check(problem, r.solution) == [], (problem.name, name)
        assert r.objective >= max(lb, cp), (problem.name, name, r.objective)
        if optimal:
            assert r.objective >= ub
        assert r.lower_bound == max(cp, problem.energy_bound())


def test_every_rule_feasible_on_every_j30_instance():
    ref = reference("rcpsp", "j30")
    files = j30_files()
    assert len(files) == 480
    for path in files:
        _check_rules(sk.read(path), ref[path.stem])


def test_every_rule_feasible_on_a_j120_sample():
    ref = reference("rcpsp", "j120")
    files = sorted(shared_path("rcpsp", "j120").glob("*.sm"))[::30]  # 20 instances
    for path in files:
        _check_rules(sk.read(path), ref[path.stem])


def test_fbi_never_worse_and_random_rule_seeded():
    p = sk.read(shared_path("rcpsp", "j60", "j6029_3.sm"))
    for rule in RULES:
        for scheme in ("serial", "parallel"):
            base = schedule(p, rule, scheme)
            improved = forward_backward(p, base)
            assert p.violations(RcpspSolution(improved)) == []
            assert p.objective(RcpspSolution(improved)) <= p.objective(RcpspSolution(base))
    a = sk.solve(p, "rule:random", seed=3).solution.start
    b = sk.solve(p, "rule:random", seed=3).solution.start
    c = sk.solve(p, "rule:random", seed=4).solution.start
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_both_schemes_give_active_schedules():
    """Serial SGS schedules are active, parallel ones non-delay (hence active): no activity can
    start one unit earlier on its own."""
    for seed in range(5):
        p = sk.generate("rcpsp", n=25, resources=3, rs=0.3, seed=seed)
        for scheme in ("serial", "parallel"):
            start = schedule(p, "lft", scheme)
            for j in range(p.num_activities):
                if start[j] == 0:
                    continue
                moved = start.copy()
                moved[j] -= 1
                assert p.violations(RcpspSolution(moved)), (seed, scheme, j)
