"""CP-SAT on projects: proven optima of shared RCPSP/max and multi-mode instances, proven
infeasibility, agreement with exhaustive enumeration on small random projects (every kind
of constraint), agreement with the plain RCPSP model, and INFEASIBLE through the API/CLI."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.problems.project import Project, ProjectSolution
from schedkit.structure.project import windows
from tests.conftest import reference, shared_path


def solve(p: Project, **kw: object) -> sk.Result:
    return sk.solve(p, "cpsat", time_limit=20, workers=2, seed=0, **kw)


@pytest.mark.parametrize(
    ("folder", "name", "ext"),
    [("ubo10", "psp2", ".sch"), ("ubo10", "psp3", ".sch"), ("ubo20", "psp1", ".sch")],
)
def test_rcpsp_max_reference_optimum(folder: str, name: str, ext: str) -> None:
    ref = reference("rcpsp_max", folder)[name]
    assert ref["optimal"] == "true"
    p = sk.read(shared_path("rcpsp_max", folder, name + ext))
    r = solve(p)
    assert r.status is sk.Status.OPTIMAL and r.objective == int(ref["ub"])
    assert sk.check(p, r) == []


@pytest.mark.parametrize("name", ["j102_2", "j1010_1", "j1030_5"])
def test_multi_mode_reference_optimum(name: str) -> None:
    ref = reference("mrcpsp", "j10")[name]
    p = sk.read(shared_path("mrcpsp", "j10", name + ".mm"))
    r = solve(p)
    assert r.status is sk.Status.OPTIMAL and r.objective == int(ref["ub"])
    assert sk.check(p, r) == []


def test_infeasible_rcpsp_max_instance_is_reported_infeasible() -> None:
    rows = reference("rcpsp_max", "ubo10")
    infeasible = [k for k, v in rows.items() if "INFEASIBLE" in v["source"]]
    assert "psp1" in infeasible
    for name in ("psp1", infeasible[-1]):
        p = sk.read(shared_path("rcpsp_max", "ubo10", name + ".sch"))
        r = solve(p)
        assert r.status is sk.Status.INFEASIBLE, name
        assert r.solution is None and r.objective is None
        assert "proof" in r.stats
        assert sk.check(p, r) == ["no solution"]


def test_positive_cycle_and_empty_window_are_proofs() -> None:
    cyc = Project.from_lists([[(1, [])], [(1, [])], [(1, [])]], [], arcs=[(0, 1, 2), (1, 2, 2), (2, 0, -3)])
    r = solve(cyc)
    assert r.status is sk.Status.INFEASIBLE
    assert "cycle of positive length: activities" in r.stats["proof"]
    tight = Project.from_lists([[(3, [])], [(2, [])]], [], arcs=[(0, 1, 0, "fs")], deadline=[None, 4])
    r = solve(tight)
    assert r.status is sk.Status.INFEASIBLE and "activity 1 must start by -1" in r.stats["proof"]
    broke = Project.from_lists([[(1, [], [3]), (2, [], [2])]], [], budgets=[1])
    assert "cheapest modes need 2 > 1" in solve(broke).stats["proof"]


def test_calendar_delays_and_infeasible_by_resources() -> None:
    # one resource of capacity 2, unavailable on [2, 6): a 3-long activity of demand 2 waits
    p = Project.from_lists([[(3, [2])], [(1, [1])]], [2], unavailable=[(0, 2, 6)], arcs=[(1, 0, 1)])
    r = solve(p)
    assert r.status is sk.Status.OPTIMAL and r.objective == 9
    assert r.solution.start.tolist() == [6, 0] or r.solution.start[0] == 6
    # the same with a maximum lag of 1 from activity 2 to activity 1: no room before the break
    q = Project.from_lists(
        [[(3, [2])], [(1, [1])]],
        [2],
        unavailable=[(0, 2, 6)],
        arcs=[(1, 0, 1), (0, 1, -5)],
        deadline=[7, None],
    )
    assert solve(q).status is sk.Status.INFEASIBLE


def _random_project(rng: random.Random, size: int = 3) -> Project:
    cap = rng.randint(1, 3)
    modes = []
    for _ in range(size):
        modes.append(
            [
                (rng.randint(0, 3), [rng.randint(0, cap)], [rng.randint(0, 3)])
                for _ in range(rng.randint(1, 2))
            ]
        )
    arcs = []
    for _ in range(rng.randint(1, 4)):
        i, j = rng.sample(range(size), 2)
        if rng.random() < 0.4:
            arcs.append((i, j, rng.randint(0, 2), "fs"))
        else:
            arcs.append((i, j, rng.randint(-4, 4)))
    unavailable = (
        [(0, rng.randint(0, 4), rng.randint(5, 7), rng.randint(1, cap))] if rng.random() < 0.6 else []
    )
    return Project.from_lists(
        modes,
        [cap],
        budgets=[rng.randint(1, 6)],
        arcs=arcs,
        unavailable=unavailable,
        release=[rng.randint(0, 2) for _ in range(size)],
        deadline=[9] * size,  # every start is in 0..9: enumeration is exhaustive
    )


def _feasible(p: Project, mode: tuple[int, ...], start: tuple[int, ...]) -> bool:
    """A second, plain checker written from the definitions (loops over time)."""
    gm = [int(p.mode_ptr[j]) + m for j, m in enumerate(mode)]
    d = [int(p.duration[g]) for g in gm]
    if any(
        start[j] < p.release[j] or (p.deadline[j] >= 0 and start[j] + d[j] > p.deadline[j]) for j in range(3)
    ):
        return False
    for a, b, lag, fs in zip(p.arc_from, p.arc_to, p.arc_lag, p.arc_fs, strict=True):
        if start[b] < start[a] + lag + (d[a] if fs else 0):
            return False
    if sum(int(p.consumption[g, 0]) for g in gm) > p.budget[0]:
        return False
    for t in range(max(s + dd for s, dd in zip(start, d, strict=True)) + 1):
        use = sum(int(p.demand[gm[j], 0]) for j in range(3) if start[j] <= t < start[j] + d[j])
        if use > p.capacity_at(0, t):
            return False
    return True


@pytest.mark.parametrize("seed", range(12))
def test_cpsat_agrees_with_enumeration(seed: int) -> None:
    rng = random.Random(seed)
    p = _random_project(rng)
    best = None
    checked = 0
    for mode in itertools.product(*(range(len(p.modes(j))) for j in range(3))):
        for start in itertools.product(range(10), repeat=3):
            ok = _feasible(p, mode, start)
            if checked < 200 and rng.random() < 0.02:  # the class's checker agrees with this one
                assert (p.violations(ProjectSolution(np.array(mode), np.array(start))) == []) == ok
                checked += 1
            if ok:
                value = max(start[j] + p.duration[p.mode_ptr[j] + mode[j]] for j in range(3))
                best = value if best is None else min(best, value)
    r = solve(p)
    if best is None:
        assert r.status is sk.Status.INFEASIBLE, seed
    else:
        assert r.status is sk.Status.OPTIMAL and r.objective == best, (seed, r.objective, best)
        assert windows(p).horizon >= best


def test_seeds_cover_both_outcomes() -> None:
    """The enumeration test above sees feasible and infeasible instances (else it proves little)."""
    statuses = {solve(_random_project(random.Random(s))).status for s in range(12)}
    assert statuses == {sk.Status.OPTIMAL, sk.Status.INFEASIBLE}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_plain_rcpsp_as_project_has_the_same_optimum(seed: int) -> None:
    r = sk.generate("rcpsp", n=10, seed=seed)
    plain = sk.solve(r, "cpsat", time_limit=20, workers=2, seed=0)
    gen = solve(Project.from_rcpsp(r))
    assert plain.status is gen.status is sk.Status.OPTIMAL
    assert plain.objective == gen.objective


def test_hint_is_accepted() -> None:
    p = sk.read(shared_path("mrcpsp", "j10", "j102_2.mm"))
    first = solve(p)
    again = solve(p, hint=first)
    assert again.status is sk.Status.OPTIMAL and again.objective == first.objective


def test_cli_reports_infeasible(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_path("rcpsp_max", "ubo10", "psp1.sch")
    code = main(["solve", str(path), "-t", "10", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "status INFEASIBLE" in out
