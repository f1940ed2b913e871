"""RCPSP rescheduling: events, the situation, the checker, and every method's schedules."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.cli import main
from schedkit.errors import ParseError
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.rescheduling import rcpsp_check
from schedkit.rescheduling.rcpsp_situation import RcpspSituation

METHODS = ("right-shift", "cpsat", "resolve")


def old_schedule(p: Rcpsp) -> RcpspSolution:
    r = sk.solve(p, method="rule:lft")
    assert sk.check(p, r.solution) == []
    return r.solution


def random_events(p: Rcpsp, old: RcpspSolution, at: int, rng: np.random.Generator) -> list[dict]:
    """Breakdowns (some partial, some starting before ``at``), duration changes of running and
    unstarted activities, and a cancellation of an unstarted one."""
    k, n = p.num_resources, p.num_activities
    end = old.start + p.duration
    events: list[dict] = []
    for r in rng.choice(k, 2, replace=False).tolist():
        s = int(rng.integers(max(0, at - 5), at + 15))
        ev = {"type": "breakdown", "resource": r + 1, "start": s, "end": s + int(rng.integers(3, 15))}
        if rng.random() < 0.5:
            ev["amount"] = int(rng.integers(1, p.capacity[r] // 2 + 1))
        events.append(ev)
    running = [j for j in range(n) if old.start[j] < at < end[j]]
    unstarted = [j for j in range(n) if old.start[j] >= at and p.duration[j] > 0]
    if running:
        j = int(rng.choice(running))
        new = int(at - old.start[j]) + int(rng.integers(1, 8))
        events.append({"type": "duration_change", "activity": j + 1, "new_duration": new})
    if len(unstarted) >= 2:
        a, b = rng.choice(unstarted, 2, replace=False)
        new = int(rng.integers(1, 12))
        events.append({"type": "duration_change", "activity": int(a) + 1, "new_duration": new})
        events.append({"type": "cancel", "activity": int(b) + 1})
    return events


def own_verify(p: Rcpsp, old: RcpspSolution, events: list[dict], at: int, start: np.ndarray) -> None:
    """Written again here, time-indexed, for ``interrupted="restart"``: frozen starts kept (cut
    ones restarted), nothing else before ``at``, precedences, capacity minus downtime."""
    n = p.num_activities
    dur, dem = p.duration.copy(), p.demand.copy()
    down = []
    for ev in events:
        if ev["type"] == "duration_change":
            dur[ev["activity"] - 1] = ev["new_duration"]
        elif ev["type"] == "cancel":
            dur[ev["activity"] - 1] = 0
            dem[ev["activity"] - 1] = 0
        elif ev["end"] > at:
            r = ev["resource"] - 1
            down.append((r, max(at, ev["start"]), ev["end"], ev.get("amount", int(p.capacity[r]))))
    horizon = int((start + dur).max()) + 1
    free = np.tile(p.capacity, (horizon, 1)).astype(np.int64)
    for r, s, e, a in down:
        free[s:e, r] -= a
    for j in range(n):
        s, e = int(old.start[j]), int(old.start[j] + dur[j])
        cut = s < at < e and any(dem[j, r] > 0 and bs < e for r, bs, _, _ in down)
        if s < at and not cut:
            assert start[j] == s, f"frozen activity {j + 1} moved"
        else:
            assert start[j] >= at, f"activity {j + 1} before at"
        free[start[j] : start[j] + dur[j]] -= dem[j]
    assert (free >= 0).all(), "capacity less downtime exceeded"
    for a, b in zip(p.edge_from, p.edge_to, strict=True):
        assert start[b] >= start[a] + dur[a]


@pytest.fixture(scope="module")
def j30() -> Rcpsp:
    return sk.read(shared_path("rcpsp", "j30", "j301_1.sm"))


def instances() -> list[tuple[str, Rcpsp]]:
    from schedkit.generators.rcpsp import generate

    return [(f"gen{seed}", generate(n=20, resources=3, seed=seed)) for seed in range(3)]


@pytest.mark.parametrize("mode", ["restart", "resume"])
def test_random_events_every_method_feasible(mode: str) -> None:
    cuts = 0
    for seed in range(8):
        _, p = instances()[seed % 3]
        old = old_schedule(p)
        rng = np.random.default_rng(seed)
        makespan = int((old.start + p.duration).max())
        at = int(rng.integers(1, makespan // 2))
        events = random_events(p, old, at, rng)
        values = {}
        for m in METHODS:
            w = 0.5 if seed % 2 else 0
            measure = "moved" if seed % 4 == 1 else "shift"
            res = sk.reschedule(
                p, old, events, at=at, method=m, stability=w, time_limit=2, workers=1,
                interrupted=mode, stability_measure=measure,
            )  # fmt: skip
            assert rcpsp_check.violations(res.situation, res.solution) == []
            assert res.problem.violations(res.solution) == []
            if mode == "restart":
                own_verify(p, old, events, at, res.solution.start)
            values[m] = res.objective
        cuts += res.stats["cut"]
        assert values["cpsat"] <= values["right-shift"]
    assert cuts > 0  # the streams do interrupt running activities


def test_j30_restart_and_resume(j30: Rcpsp) -> None:
    old = old_schedule(j30)
    at = 10
    events = [
        {"type": "breakdown", "resource": 1, "start": 8, "end": 30, "amount": 2},
        {"type": "breakdown", "resource": 2, "start": 12, "end": 20},
    ]
    for mode in ("restart", "resume"):
        rs = sk.reschedule(j30, old, events, at=at, method="right-shift", interrupted=mode)
        cp = sk.reschedule(j30, old, events, at=at, method="cpsat", time_limit=3, workers=1, interrupted=mode)
        for res in (rs, cp):
            assert rcpsp_check.violations(res.situation, res.solution) == []
            assert res.problem.violations(res.solution) == []
        if mode == "restart":
            own_verify(j30, old, events, at, cp.solution.start)
        assert cp.objective <= rs.objective


def test_no_events_keeps_or_improves_makespan(j30: Rcpsp) -> None:
    for p in [j30] + [q for _, q in instances()]:
        old = old_schedule(p)
        before = int((old.start + p.duration).max())
        rs = sk.reschedule(p, old, [], at=7, method="right-shift")
        assert np.array_equal(rs.solution.start, old.start) and rs.stats["moved"] == 0
        for m in ("cpsat", "resolve"):
            res = sk.reschedule(p, old, [], at=7, method=m, time_limit=2, workers=1)
            assert res.stats["makespan"] <= before
            assert rcpsp_check.violations(res.situation, res.solution) == []


def tiny() -> tuple[Rcpsp, RcpspSolution]:
    """A (duration 6, R1 demand 2) then B (duration 3, demand 2); C (duration 4, demand 1)
    alongside A; capacity 3."""
    p = Rcpsp.from_lists([6, 3, 4], [[2], [2], [1]], [3], [[1], [], []])
    return p, RcpspSolution(np.array([0, 6, 0]))


def test_cut_activity_restarts_or_resumes() -> None:
    p, old = tiny()
    events = [{"type": "breakdown", "resource": 1, "start": 4, "end": 7, "amount": 2}]
    sit = RcpspSituation(p, old, events, at=3, interrupted="restart")
    assert sit.cut == [0] and not sit.is_frozen[0] and sit.is_frozen[2]
    res = sk.reschedule(p, old, events, at=3, method="cpsat", time_limit=2, workers=1)
    assert res.solution.start[0] == 7 and res.stats["cut"] == 1 and res.stats["makespan"] == 16
    res = sk.reschedule(p, old, events, at=3, method="right-shift", interrupted="resume")
    # A pauses in [4, 7): it ends at 9, B after it
    assert res.solution.start[0] == 0 and res.solution.start[1] >= 9
    assert res.stats["makespan"] == 12
    assert rcpsp_check.violations(res.situation, res.solution) == []


def test_checker_catches_bad_schedules() -> None:
    p, old = tiny()
    events = [{"type": "breakdown", "resource": 1, "start": 7, "end": 9}]
    sit = RcpspSituation(p, old, events, at=3)
    good = sit.solution(np.array([0, 9, 0]))
    assert rcpsp_check.violations(sit, good) == []
    frozen_moved = sit.solution(np.array([0, 9, 0]))
    frozen_moved.start[2] = 1
    assert any("must stay" in v for v in rcpsp_check.violations(sit, frozen_moved))
    in_downtime = sit.solution(np.array([0, 6, 0]))
    assert any("overloaded" in v for v in rcpsp_check.violations(sit, in_downtime))
    early_p = Rcpsp.from_lists([2, 2], [[1], [1]], [2], [[], []])
    early_sit = RcpspSituation(early_p, RcpspSolution(np.array([0, 5])), [], at=3)
    early = early_sit.solution(np.array([0, 5]))
    early.start[1] = 2
    assert any("before at=3" in v for v in rcpsp_check.violations(early_sit, early))
    prec = sit.solution(np.array([0, 5, 0]))
    assert any("precedence" in v for v in rcpsp_check.violations(sit, prec))


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"type": "arrival", "time": 3, "job": [[0, 1]]}, "arrival is not supported for RCPSP"),
        ({"type": "rush", "job": 1, "weight": 2}, "rush is not supported for RCPSP"),
        ({"type": "breakdown", "machine": 0, "start": 1, "end": 4}, "unknown field 'machine'"),
        ({"type": "breakdown", "resource": 2, "start": 1, "end": 4}, "resource 2 does not exist"),
        ({"type": "breakdown", "resource": 1, "start": 4, "end": 4}, "end 4 must be > start 4"),
        ({"type": "breakdown", "resource": 1, "start": 1, "end": 4, "amount": 5}, "exceeds the capacity 3"),
        ({"type": "duration_change", "activity": 9, "new_duration": 2}, "activity 9 does not exist"),
        ({"type": "duration_change", "activity": 1, "new_duration": 2}, "would have ended it by then"),
        ({"type": "cancel", "activity": 1}, "cannot be cancelled"),
        ({"type": "cancel", "activity": 0}, "activity must be >= 1"),
    ],
)
def test_bad_events_one_line_errors(record: dict, message: str) -> None:
    p, old = tiny()
    with pytest.raises(ParseError) as err:
        sk.reschedule(p, old, [record], at=3, method="right-shift")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_overlapping_breakdowns_beyond_capacity() -> None:
    p, old = tiny()
    events = [
        {"type": "breakdown", "resource": 1, "start": 4, "end": 8, "amount": 2},
        {"type": "breakdown", "resource": 1, "start": 6, "end": 9, "amount": 2},
    ]
    with pytest.raises(ParseError, match="remove 4 units at time 6, capacity is 3"):
        sk.reschedule(p, old, events, at=3, method="right-shift")


def test_unknown_method_names_rcpsp_methods() -> None:
    p, old = tiny()
    with pytest.raises(sk.errors.UnknownMethodError, match="methods: right-shift, cpsat, resolve"):
        sk.reschedule(p, old, [], at=3, method="ls")


def test_cli_rcpsp(j30: Rcpsp, tmp_path, capsys) -> None:
    path = shared_path("rcpsp", "j30", "j301_1.sm")
    old = tmp_path / "old.json"
    sk.save_solution(j30, old_schedule(j30), old)
    events = tmp_path / "events.json"
    events.write_text(json.dumps([{"type": "breakdown", "resource": 3, "start": 9, "end": 25}]))
    new, proj = tmp_path / "new.json", tmp_path / "new.project.json"
    args = ["reschedule", str(path), str(old), str(events), "--at", "9", "-t", "2", "-w", "1"]
    assert main([*args, "--out", str(new), "--problem-out", str(proj)]) == 0
    problem = sk.read(proj)
    solution, _ = sk.load_solution(problem, new)
    assert sk.check(problem, solution) == []
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"type": "cancel", "activity": 1}]))
    capsys.readouterr()
    assert main(["reschedule", str(path), str(old), str(bad), "--at", "9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("schedkit: error:") and "cannot be cancelled" in err[-1]
    gantt = tmp_path / "g.png"
    assert main([*args, "--gantt", str(gantt)]) == 0 and gantt.stat().st_size > 0  # frozen part shaded
