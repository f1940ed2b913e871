"""The project SGS: every schedule it returns is feasible and no better than CP-SAT's optimum;
it never returns one for an infeasible instance and says UNKNOWN when it finds none."""

from __future__ import annotations

import pytest

import schedkit as sk
from schedkit.problems.project import Project
from tests.conftest import reference, shared_path


def test_greedy_failure_is_unknown_not_a_bad_schedule() -> None:
    # capacity 1; B must start at most 1 after A: A first at 0 leaves B no room, B first works
    p = Project.from_lists([[(2, [1])], [(2, [1])]], [1], arcs=[(1, 0, -1)])
    one = sk.solve(p, "sgs", passes=1)
    assert one.status is sk.Status.UNKNOWN and one.solution is None
    assert one.stats["note"] == "no feasible schedule found"
    more = sk.solve(p, "sgs", passes=50, seed=1)
    assert more.solution is not None and sk.check(p, more) == [] and more.objective == 4


@pytest.mark.parametrize("seed", range(8))
def test_sgs_against_cpsat_on_generated_projects(seed: int) -> None:
    p = sk.generate(
        "project", n=8, modes=2, nonrenewable=1, max_lags=2, periods=1, releases=1, deadlines=1, seed=seed
    )
    exact = sk.solve(p, "cpsat", time_limit=20, workers=2)
    heur = sk.solve(p, "sgs", passes=30, seed=seed)
    if exact.status is sk.Status.INFEASIBLE:
        assert heur.solution is None
    else:
        assert exact.status is sk.Status.OPTIMAL
        if heur.solution is not None:
            assert sk.check(p, heur) == [] and heur.objective >= exact.objective


def test_sgs_on_shared_instances() -> None:
    ubo = reference("rcpsp_max", "ubo10")
    p = sk.read(shared_path("rcpsp_max", "ubo10", "psp2.sch"))
    r = sk.solve(p, "sgs", passes=50)
    assert r.solution is not None and sk.check(p, r) == [] and r.objective >= int(ubo["psp2"]["ub"])
    bad = sk.read(shared_path("rcpsp_max", "ubo10", "psp1.sch"))  # infeasible
    assert sk.solve(bad, "sgs", passes=20).solution is None
    j10 = reference("mrcpsp", "j10")
    q = sk.read(shared_path("mrcpsp", "j10", "j102_2.mm"))
    r = sk.solve(q, "sgs", passes=50)
    assert r.solution is not None and sk.check(q, r) == [] and r.objective >= int(j10["j102_2"]["ub"])


def test_proofs_without_search_are_infeasible() -> None:
    cyc = Project.from_lists([[(1, [])], [(1, [])]], [], arcs=[(0, 1, 2), (1, 0, -1)])
    r = sk.solve(cyc, "sgs")
    assert r.status is sk.Status.INFEASIBLE and "cycle" in r.stats["proof"]
