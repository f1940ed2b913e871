"""Reschedule method ``ls``: the local search with the executed part frozen."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from test_reschedule import own_verify, random_events

import schedkit as sk
from schedkit.cli import main
from schedkit.context import SolveContext
from schedkit.rescheduling import check, rules
from schedkit.rescheduling.localsearch import Builder, Search, start_state
from schedkit.rescheduling.objective import Goal, evaluate
from schedkit.rescheduling.rightshift import repair
from schedkit.rescheduling.simulate import simulate
from schedkit.rescheduling.situation import Situation
from schedkit.rescheduling.stream import generate_stream, mean_duration

FEW = {"iterations": 40}  # no time limit: a fixed number of iterations, deterministic


@pytest.fixture(scope="module")
def shops():
    out = {}
    for kind in ("jssp", "fjsp"):
        p = sk.generate(kind, n=8, m=5, seed=5)
        out[kind] = (p, sk.solve(p, method="rule:mwkr" if kind == "jssp" else "rule:mopnr+ect").solution)
    return out


def _unfrozen_start_at_or_after(r, t: int) -> bool:
    sit, sol = r.situation, r.solution
    flat = sit.effective.job_start[sol.job] + sol.op
    return bool((sol.start[~sit.is_frozen[flat]] >= t).all())


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_ls_valid_and_never_worse_than_right_shift(shops, kind: str) -> None:
    p, old = shops[kind]
    rng = np.random.default_rng(11)
    end = int(old.end.max())
    goals = [(0.0, "shift"), (0.05, "shift"), (1.0, "moved")]
    for i in range(24):
        t = int(rng.integers(0, end))
        events = random_events(p, old, t, rng, kind == "fjsp")
        mode = ("restart", "resume")[i % 2]
        w, measure = goals[i % 3]
        kw = dict(at=t, interrupted=mode, stability=w, stability_measure=measure)
        rs = sk.reschedule(p, old, events, method="right-shift", **kw)
        r = sk.reschedule(p, old, events, method="ls", seed=i, **kw, **FEW)  # re-checked inside too
        assert check.violations(r.situation, r.solution) == []
        assert r.problem.violations(r.solution) == []
        assert _unfrozen_start_at_or_after(r, t)
        assert r.objective <= rs.objective + 1e-9, (i, r.objective, rs.objective)
        ru = sk.reschedule(p, old, events, method="rules", **kw)
        assert r.objective <= ru.objective + 1e-9, (i, r.objective, ru.objective)


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_builder_decodes_right_shift_and_scores_like_evaluate(shops, kind: str) -> None:
    """The start state (right-shift's sequences, all anchored) decodes to right-shift's exact
    schedule; the builder's score of any searched state equals the objective module's."""
    p, old = shops[kind]
    rng = np.random.default_rng(4)
    end = int(old.end.max())
    for i in range(12):
        t = int(rng.integers(0, end))
        events = random_events(p, old, t, rng, kind == "fjsp")
        sit = Situation(p, old, events, t, ("restart", "resume")[i % 2])
        goal = Goal((0.0, 0.5)[i % 2], ("shift", "moved")[i % 3 == 0])
        machine, start = repair(sit)
        st = start_state(sit, machine, start)
        b = Builder(sit, goal)
        dec = b.decode(st)
        assert dec is not None
        free = np.array(b.free, dtype=np.int64)
        assert (np.array(dec[0])[free] == start[free]).all()
        assert b.score(st, dec[0], dec[1]) == pytest.approx(
            evaluate(sit, sit.solution(machine, start), goal).objective
        )
        d_machine, d_start = rules.dispatch(sit, *rules.parse(sit, None))  # the rules start, released
        released = start_state(sit, d_machine, d_start)
        released.anchor = [False] * len(released.anchor)
        dec_rules = b.decode(released)
        assert dec_rules is not None and (np.array(dec_rules[0])[free] == d_start[free]).all()
        search = Search(sit, goal, SolveContext("ls", seed=i, options={"iterations": 15}), None)
        best, best_obj, _ = search.run(st)
        dec = b.decode(best)
        assert dec is not None
        m2, s2 = sit.fixed_machine.copy(), sit.fixed_start.copy()
        for o in b.free:
            m2[o], s2[o] = best.machine[o], dec[0][o]
        sol = sit.solution(m2, s2)
        assert check.violations(sit, sol) == [] and sit.effective.violations(sol) == []
        assert best_obj == pytest.approx(evaluate(sit, sol, goal).objective)


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_ls_seeded_determinism_without_time_limit(shops, kind: str) -> None:
    p, old = shops[kind]
    t = int(old.end.max()) // 3
    events = [{"type": "breakdown", "machine": m, "start": t, "end": t + 25} for m in (0, 2)]
    runs = [sk.reschedule(p, old, events, at=t, method="ls", seed=3, iterations=60) for _ in range(2)]
    a, b = (r.solution for r in runs)
    assert (a.start == b.start).all() and (a.machine == b.machine).all()
    assert (
        runs[0].stats["iterations"] == runs[1].stats["iterations"] == 60 or runs[0].status.name == "OPTIMAL"
    )


def test_ls_on_ft10_breakdown_beats_right_shift() -> None:
    p = sk.read(str(shared_path("jssp", "ft", "ft10.txt")))
    old = sk.solve(p, method="rule:mwkr").solution
    t = int(old.end.max()) // 4
    for s_, e_, m_ in zip(old.start, old.end, old.machine, strict=True):
        if m_ == 0 and s_ < t < e_:
            t = int(e_)  # no cut: the acceptance script's own checks apply
    down = [(0, t, t + 150)]
    events = [{"type": "breakdown", "machine": 0, "start": t, "end": t + 150}]
    rs = sk.reschedule(p, old, events, at=t, method="right-shift")
    r = sk.reschedule(p, old, events, at=t, method="ls", seed=0, iterations=150)
    own_verify(p, old, r.solution, t, down)
    assert r.objective < rs.objective


def test_ls_on_brandimarte_with_a_time_limit() -> None:
    p = sk.read(str(shared_path("fjsp", "brandimarte", "mk01.fjs")))
    old = sk.solve(p, method="rule:mopnr+ect").solution
    t = int(old.end.max()) // 3
    events = [
        {"type": "breakdown", "machine": 1, "start": t, "end": t + 12},
        {"type": "arrival", "time": t, "job": [[[0, 3], [2, 4]], [[1, 5]], [[3, 2], [4, 6]]]},
        {"type": "rush", "job": 2, "due_date": t + 20, "weight": 3},
    ]
    rs = sk.reschedule(p, old, events, at=t, method="right-shift")
    r = sk.reschedule(p, old, events, at=t, method="ls", time_limit=1, workers=1, stability=0.1)
    assert check.violations(r.situation, r.solution) == []
    assert _unfrozen_start_at_or_after(r, t)
    assert r.objective <= sk.reschedule(p, old, events, at=t, method="right-shift", stability=0.1).objective
    assert rs.stats["makespan"] >= r.situation.makespan_bound()
    assert r.stats["iterations"] > 0


def test_ls_bad_option() -> None:
    p = sk.generate("jssp", n=4, m=3, seed=1)
    old = sk.solve(p, method="rule:mwkr").solution
    with pytest.raises(sk.InvalidParameterError, match="option iterations must be an integer >= 0"):
        sk.reschedule(p, old, [], at=0, method="ls", iterations=-1)


def test_simulate_and_cli_with_ls(shops, tmp_path: Path, capsys) -> None:
    p, old = shops["fjsp"]
    md = mean_duration(p)
    stream = generate_stream(p, 6 * md, 2 * md, seed=2)
    sim = simulate(p, stream, "ls", solution=old, time_limit=0.3, hindsight_time=0, workers=1)
    assert sim.violations == [] and len(sim.steps) >= 2
    inst, sol, ev, new = (tmp_path / n for n in ("j.txt", "old.json", "ev.json", "new.json"))
    q, qold = shops["jssp"]
    sk.write(q, str(inst))
    sk.save_solution(q, qold, str(sol))
    t = int(qold.end.max()) // 2
    ev.write_text(json.dumps([{"type": "breakdown", "machine": 1, "start": t, "end": t + 30}]))
    args = ["reschedule", str(inst), str(sol), str(ev), "--at", str(t), "-m", "ls", "-t", "0.5"]
    assert main([*args, "--out", str(new)]) == 0
    out = capsys.readouterr().out
    assert "method ls" in out
    rescheduled, _ = sk.load_solution(q, str(new))
    assert sk.check(q, rescheduled) == []
    sargs = [str(inst), "--breakdowns", "6x,2x", "--seed", "1", "-p", "ls", "-t", "0.3"]
    assert main(["simulate", *sargs, "--initial-method", "rule:mwkr", "--hindsight-time", "0", "-q"]) == 0
    assert "final check: ok" in capsys.readouterr().out
