"""RCPSP rescheduled again and again: the project a reschedule returns as the next one's input."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.cli import main
from schedkit.generators.rcpsp import generate
from schedkit.problems.project import Project, ProjectSolution
from schedkit.problems.rcpsp import Rcpsp
from schedkit.rescheduling import rcpsp_check
from schedkit.rescheduling.rcpsp_project import capped

METHODS = ("right-shift", "cpsat", "resolve")


def chain_events(p: Rcpsp, rng: np.random.Generator, ats: list[int]) -> list[list[dict]]:
    """Per time of ``ats``: a breakdown revealed then (part of it may lie before), sometimes
    partial, sometimes a second one on another resource, and a duration change of an activity
    that starts later in the original schedule (kept only if it has not started yet)."""
    k, out = p.num_resources, []
    for at in ats:
        evs = []
        for r in rng.choice(k, int(rng.integers(1, 3)), replace=False).tolist():
            s = int(rng.integers(max(0, at - 3), at + 6))
            ev = {"type": "breakdown", "resource": r + 1, "start": s, "end": s + int(rng.integers(2, 10))}
            if rng.random() < 0.5:
                ev["amount"] = int(rng.integers(1, max(1, int(p.capacity[r]) // 2) + 1))
            evs.append(ev)
        out.append(evs)
    return out


def own_chain_verify(p: Rcpsp, steps: list[tuple[int, list[dict], np.ndarray]], first: np.ndarray) -> None:
    """Written again here for ``restart``, time-indexed, over the whole chain against the original
    RCPSP: at each step what started before ``at`` kept its start (or, cut by a breakdown revealed
    then, restarts at ``at`` or later) and nothing else starts before ``at``; the last schedule
    meets the precedences and, at every time, the capacity less every breakdown revealed by then
    (together at most the whole capacity)."""
    dur, dem = p.duration.astype(np.int64), p.demand.astype(np.int64)
    prev = first
    down: list[tuple[int, int, int, int]] = []  # resource, from, to, amount
    for at, events, start in steps:
        new = []
        for ev in events:
            r = ev["resource"] - 1
            if ev["end"] > at:
                new.append((r, max(at, ev["start"]), ev["end"], ev.get("amount", int(p.capacity[r]))))
        down += new
        for j in range(p.num_activities):
            s, e = int(prev[j]), int(prev[j] + dur[j])
            cut = s < at < e and any(dem[j, r] > 0 and bs < e for r, bs, _, _ in new)
            if s < at and not cut:
                assert start[j] == s, f"t={at}: frozen activity {j + 1} moved"
            else:
                assert start[j] >= at, f"t={at}: activity {j + 1} starts before at"
        prev = start
    horizon = int((prev + dur).max()) + 1
    lost = np.zeros((horizon, p.num_resources), dtype=np.int64)
    for r, s, e, a in down:
        lost[s:e, r] += a
    free = p.capacity[None, :] - np.minimum(lost, p.capacity[None, :])
    for j in range(p.num_activities):
        free[prev[j] : prev[j] + dur[j]] -= dem[j]
    assert (free >= 0).all(), "capacity less the breakdowns exceeded"
    for a, b in zip(p.edge_from, p.edge_to, strict=True):
        assert prev[b] >= prev[a] + dur[a]


@pytest.mark.parametrize("mode", ["restart", "resume"])
@pytest.mark.parametrize("method", METHODS)
def test_chain_of_reschedules(mode: str, method: str) -> None:
    """Three reschedules in a row on generated instances, each of the previous result's project
    and schedule; every answer passes both checkers (and, restarting, the chain check above)."""
    cuts = 0
    for seed in range(3):
        p = generate(n=20, resources=3, seed=seed)
        old = sk.solve(p, method="rule:lft").solution
        rng = np.random.default_rng(seed)
        makespan = int((old.start + p.duration).max())
        ats = sorted(rng.choice(np.arange(2, makespan - 2), 3, replace=False).tolist())
        problem, schedule, steps = p, old, []
        for at, events in zip(ats, chain_events(p, rng, ats), strict=True):
            res = sk.reschedule(
                problem, schedule, events, at=at, method=method, stability=0.5, time_limit=1.0, workers=1,
                interrupted=mode,
            )  # fmt: skip
            assert isinstance(res.problem, Project) and isinstance(res.solution, ProjectSolution)
            assert rcpsp_check.violations(res.situation, res.solution) == []
            assert res.problem.violations(res.solution) == []
            cuts += res.stats["cut"]
            problem, schedule = res.problem, res.solution
            steps.append((at, events, np.asarray(res.solution.start, dtype=np.int64)))
        if mode == "restart":
            own_chain_verify(p, steps, old.start.astype(np.int64))
    assert cuts > 0  # the chains do cut running activities


def test_second_reschedule_keeps_the_first_downtime() -> None:
    """A breakdown revealed at the first reschedule still holds the resource at the second (the
    project carries it): an activity that needs it may not be moved into it."""
    p = Rcpsp.from_lists([4, 4, 4], [[1], [1], [1]], [1], [[], [], []])
    old = sk.solve(p, method="rule:lft").solution  # back to back on the one unit
    first = sk.reschedule(p, old, [{"type": "breakdown", "resource": 1, "start": 5, "end": 30}], at=5)
    assert first.stats["makespan"] >= 34
    for m in METHODS:
        again = sk.reschedule(first.problem, first.solution, [], at=6, method=m, time_limit=1, workers=1)
        assert rcpsp_check.violations(again.situation, again.solution) == []
        assert again.stats["makespan"] >= 34 and again.problem.violations(again.solution) == []
    # a schedule that ignores the carried downtime is caught by the independent checker
    bad = ProjectSolution(np.zeros(3, dtype=np.int64), first.solution.start.copy())
    cut = int(np.flatnonzero(first.solution.start >= 30)[0])
    bad.start[cut] = 6
    again = sk.reschedule(first.problem, first.solution, [], at=6, method="right-shift")
    assert any("overloaded" in v for v in rcpsp_check.violations(again.situation, bad))


def test_release_dates_carry_and_are_checked() -> None:
    p = Rcpsp.from_lists([3, 3], [[1], [1]], [2], [[], []])
    old = sk.solve(p, method="rule:lft").solution  # both at 0
    first = sk.reschedule(p, old, [{"type": "breakdown", "resource": 1, "start": 0, "end": 2}], at=0)
    # at t=1 the downtime until 2 still holds (carried): nothing starts before 2
    again = sk.reschedule(first.problem, first.solution, [], at=1, method="cpsat", time_limit=1, workers=1)
    assert (again.solution.start >= 2).all()
    release = first.problem.release.copy()
    release[1] = 5  # a later release date on the project: carried
    project = dataclasses.replace(first.problem, release=release)
    sol = ProjectSolution(np.zeros(2, dtype=np.int64), np.array([2, 5]))
    assert project.violations(sol) == []
    again = sk.reschedule(project, sol, [], at=1, method="resolve", time_limit=1, workers=1)
    assert again.solution.start[1] >= 5
    early = ProjectSolution(np.zeros(2, dtype=np.int64), np.array([2, 3]))
    assert any("release date 5" in v for v in rcpsp_check.violations(again.situation, early))


def test_refused_projects_one_line() -> None:
    p = Rcpsp.from_lists([3, 3], [[1], [1]], [2], [[1], []])
    old = sk.solve(p, method="rule:lft").solution
    first = sk.reschedule(p, old, [], at=1)
    proj, sol = first.problem, first.solution
    lag = proj.arc_lag.copy()
    lag[0] = 2  # a time lag: not the form a reschedule returns
    sol2 = ProjectSolution(sol.mode, np.array([0, 5]))
    with pytest.raises(sk.InvalidParameterError, match="time lags"):
        sk.reschedule(dataclasses.replace(proj, arc_lag=lag), sol2, [], at=1)
    deadline = proj.deadline.copy()
    deadline[1] = 20  # a deadline on an activity not started at at
    with pytest.raises(sk.InvalidParameterError, match="activity 2 has a deadline"):
        sk.reschedule(dataclasses.replace(proj, deadline=deadline), sol2, [], at=1)


def test_capped_periods() -> None:
    assert capped([(0, 5, 1), (3, 8, 1)], 3) == [(0, 5, 1), (3, 8, 1)]  # within capacity: as given
    assert capped([(0, 5, 2), (3, 8, 2)], 3) == [(0, 3, 2), (3, 5, 3), (5, 8, 2)]


def test_cli_reschedules_its_own_project(tmp_path, capsys) -> None:
    """schedkit reschedule on the instance, then on the project it saved (--problem-out)."""
    path = shared_path("rcpsp", "j30", "j301_1.sm")
    p = sk.read(path)
    old = tmp_path / "old.json"
    sk.save_solution(p, sk.solve(p, method="rule:lft").solution, old)
    ev1, ev2 = tmp_path / "e1.json", tmp_path / "e2.json"
    ev1.write_text(json.dumps([{"type": "breakdown", "resource": 3, "start": 9, "end": 25}]))
    ev2.write_text(json.dumps([{"type": "breakdown", "resource": 1, "start": 20, "end": 28, "amount": 2}]))
    new1, proj1, new2, proj2 = (tmp_path / f for f in ("n1.json", "p1.json", "n2.json", "p2.json"))
    common = ["-t", "1", "-w", "1"]
    assert main(["reschedule", str(path), str(old), str(ev1), "--at", "9", *common, "--out", str(new1),
                 "--problem-out", str(proj1)]) == 0  # fmt: skip
    assert main(["reschedule", str(proj1), str(new1), str(ev2), "--at", "20", *common, "--out", str(new2),
                 "--problem-out", str(proj2)]) == 0  # fmt: skip
    problem = sk.read(proj2)
    solution, _ = sk.load_solution(problem, new2)
    assert sk.check(problem, solution) == []
    assert "moved" in capsys.readouterr().out
