"""The time-indexed project MIP: agreement with CP-SAT on generated multi-mode projects (every
kind of constraint, both precedence forms), reference optima of PSPLIB j10 and ubo10,
INFEASIBLE only when proven, and the size refusal."""

from __future__ import annotations

import pytest

import schedkit as sk
from schedkit.problems.project import Project
from tests.conftest import reference, shared_path

LIMIT = 60  # generous: these instances are proven in seconds; a limit hit fails the test


def mip(p: Project, **kw: object) -> sk.Result:
    return sk.solve(p, "mip", time_limit=LIMIT, workers=2, seed=0, **kw)


def cpsat(p: Project) -> sk.Result:
    return sk.solve(p, "cpsat", time_limit=LIMIT, workers=2, seed=0)


def generated(seed: int) -> Project:
    return sk.generate(
        "project", n=8, modes=2, nonrenewable=1, max_lags=2, periods=1, releases=1, deadlines=2, seed=seed
    )


def agree(p: Project, **kw: object) -> sk.Status:
    exact, m = cpsat(p), mip(p, **kw)
    assert exact.status in (sk.Status.OPTIMAL, sk.Status.INFEASIBLE)
    assert m.status is exact.status, (m.status, exact.status, m.stats)
    if m.status is sk.Status.OPTIMAL:
        assert m.objective == exact.objective and sk.check(p, m) == []
    else:
        assert m.solution is None and "proof" in m.stats
    return m.status


@pytest.mark.parametrize("seed", range(10))
def test_mip_agrees_with_cpsat_on_generated_projects(seed: int) -> None:
    agree(generated(seed))


@pytest.mark.parametrize("seed", range(3))
def test_aggregated_precedences_agree_too(seed: int) -> None:
    agree(generated(seed), precedence="aggregated")


def test_generated_seeds_cover_both_outcomes() -> None:
    """The agreement test above sees feasible and infeasible projects (else it proves little)."""
    assert {cpsat(generated(s)).status for s in range(10)} == {sk.Status.OPTIMAL, sk.Status.INFEASIBLE}


def test_without_an_sgs_schedule_the_structural_horizon_is_used() -> None:
    """Some generated feasible project has no SGS schedule; the MIP then proves the optimum on
    the structural horizon (the agreement test above covers its value)."""
    runs = [mip(generated(s)) for s in range(10)]
    assert any(r.status is sk.Status.OPTIMAL and r.stats["sgs makespan"] is None for r in runs)


def test_calendar_deadline_and_budget_by_hand() -> None:
    # capacity 2, unavailable on [2, 6); the long mode of activity 0 (demand 1) fits beside 1,
    # the short one (demand 2) waits for the break; the budget allows one expensive mode only
    p = Project.from_lists(
        [[(3, [2], [1]), (5, [1], [0])], [(1, [1], [1]), (2, [1], [0])]],
        [2],
        budgets=[1],
        unavailable=[(0, 2, 6, 1)],
        arcs=[(1, 0, 1)],
        deadline=[None, 8],
    )
    assert agree(p) is sk.Status.OPTIMAL


@pytest.mark.parametrize("name", ["j102_2", "j1010_1", "j1030_5"])
def test_multi_mode_reference_optimum(name: str) -> None:
    ref = reference("mrcpsp", "j10")[name]
    p = sk.read(shared_path("mrcpsp", "j10", name + ".mm"))
    r = mip(p)
    assert r.status is sk.Status.OPTIMAL and r.objective == int(ref["ub"])
    assert sk.check(p, r) == []
    assert cpsat(p).objective == r.objective


@pytest.mark.parametrize("name", ["psp2", "psp4", "psp6"])
def test_rcpsp_max_reference(name: str) -> None:
    ref = reference("rcpsp_max", "ubo10")[name]
    p = sk.read(shared_path("rcpsp_max", "ubo10", name + ".sch"))
    r = mip(p)
    if "INFEASIBLE" in ref["source"]:
        assert r.status is sk.Status.INFEASIBLE and r.solution is None
        assert r.stats["proof"].startswith("highs: no schedule within the horizon")
    else:
        assert r.status is sk.Status.OPTIMAL and r.objective == int(ref["ub"])
        assert sk.check(p, r) == []
    assert cpsat(p).status is r.status


def test_no_proof_in_time_is_not_infeasible() -> None:
    """An infeasible instance the MIP cannot prove in 0.2 s: UNKNOWN, never a guess."""
    p = sk.read(shared_path("rcpsp_max", "ubo10", "psp1.sch"))
    r = sk.solve(p, "mip", time_limit=0.2, workers=2)
    assert r.status is sk.Status.UNKNOWN and r.solution is None


def test_window_proof_without_a_model() -> None:
    cyc = Project.from_lists([[(1, [])], [(1, [])]], [], arcs=[(0, 1, 2), (1, 0, -1)])
    r = mip(cyc)
    assert r.status is sk.Status.INFEASIBLE and "cycle of positive length" in r.stats["proof"]


def test_hint_is_used_as_incumbent() -> None:
    p = generated(0)
    best = cpsat(p)
    assert best.status is sk.Status.OPTIMAL
    r = mip(p, hint=best)
    assert r.status is sk.Status.OPTIMAL and r.objective == best.objective
    assert r.stats["sgs makespan"] == best.objective  # the hint is the incumbent: no SGS does better


def test_too_large_model_is_refused_with_one_line() -> None:
    p = Project.from_lists([[(200_000, [1])], [(200_000, [1])]], [1])
    with pytest.raises(sk.InvalidParameterError, match="step binaries and precedence rows"):
        sk.solve(p, "mip", time_limit=5)
