"""Online rescheduling: the event-stream generator, the simulator and ``schedkit simulate``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.rescheduling import executed as executed_check
from schedkit.rescheduling.events import Arrival, Breakdown, DurationChange
from schedkit.rescheduling.simulate import prefix_violations, simulate
from schedkit.rescheduling.stream import (
    Revealed,
    check_stream,
    generate_stream,
    mean_duration,
    parse_stream,
    read_stream,
    stream_to_json,
    write_stream,
)

FAST = {"time_limit": 1.0, "initial_time": 1.0, "hindsight_time": 2.0, "workers": 1, "seed": 0}


@pytest.fixture(scope="module")
def shops():
    """A small job-shop and flexible job-shop with a schedule each (shared by the runs)."""
    out = {}
    for kind in ("jssp", "fjsp"):
        p = sk.generate(kind, n=8, m=5, seed=3)
        out[kind] = (p, sk.solve(p, method="cpsat", time_limit=2, workers=1, seed=0).solution)
    return out


# the stream generator -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_generated_stream_is_seeded_and_valid(shops, kind: str) -> None:
    p, _ = shops[kind]
    md = mean_duration(p)
    args = dict(horizon=2000, arrival_gap=300.0, change_gap=200.0, change_factor=2.0)
    a = generate_stream(p, 5 * md, 2 * md, seed=4, **args)
    assert stream_to_json(a) == stream_to_json(generate_stream(p, 5 * md, 2 * md, seed=4, **args))
    assert stream_to_json(a) != stream_to_json(generate_stream(p, 5 * md, 2 * md, seed=5, **args))
    # adding arrivals and changes leaves the breakdowns alone
    only = generate_stream(p, 5 * md, 2 * md, seed=4, horizon=2000)
    assert [r for r in a if isinstance(r.event, Breakdown)] == only
    # a longer horizon only adds events after the shorter one's
    longer = generate_stream(p, 5 * md, 2 * md, seed=4, **{**args, "horizon": 3000})
    assert [r for r in longer if r.at < 2000] == a
    kinds = {type(r.event) for r in a}
    assert kinds == {Breakdown, Arrival, DurationChange}
    check_stream(p, a)  # machines, jobs, operations exist when revealed
    assert [r.at for r in a] == sorted(r.at for r in a)
    assert parse_stream(stream_to_json(a)) == a  # the JSON records read back
    per_machine: dict[int, list[Breakdown]] = {}
    durations = {}
    for j, job in enumerate(p.jobs()):
        for k, op in enumerate(job):
            durations[(j, k)] = dict(op) if kind == "fjsp" else {op[0]: op[1]}
    for r in a:
        ev = r.event
        if isinstance(ev, Breakdown):
            assert r.at == ev.start < 2000 and ev.end > ev.start
            per_machine.setdefault(ev.machine, []).append(ev)
        elif isinstance(ev, Arrival):
            assert r.at == ev.time < 2000
            if kind == "jssp":
                assert sorted(m for m, _ in ev.job) == list(range(p.num_machines))
        else:
            old = durations[(ev.job, ev.op)]
            base = old[ev.machine] if ev.machine is not None else next(iter(old.values()))
            assert max(1, base) <= ev.new_duration <= max(1, round(2 * base))
    assert set(per_machine) == set(range(p.num_machines))
    for downs in per_machine.values():  # one failure at a time per machine: up, down, up ...
        assert all(b.start >= a_.end for a_, b in zip(downs, downs[1:], strict=False))


def test_breakdown_model_means() -> None:
    """Up-times and repair times are exponential with the given means (long horizon)."""
    p = sk.generate("jssp", n=3, m=4, seed=1)
    s = generate_stream(p, 100.0, 30.0, horizon=400_000, seed=2)
    ups, repairs = [], []
    for m in range(4):
        downs = [r.event for r in s if r.event.machine == m]
        repairs += [b.end - b.start for b in downs]
        ups += [downs[0].start] + [b.start - a.end for a, b in zip(downs, downs[1:], strict=False)]
    assert abs(np.mean(ups) - 100) < 5 and abs(np.mean(repairs) - 30) < 2
    assert abs(np.std(ups) / np.mean(ups) - 1) < 0.1  # exponential: standard deviation = mean


def test_stream_file_round_trip_and_errors(tmp_path: Path) -> None:
    p = sk.generate("jssp", n=4, m=3, seed=1)
    s = generate_stream(p, 50.0, 10.0, seed=0)
    write_stream(s, tmp_path / "s.json")
    assert read_stream(tmp_path / "s.json") == s
    # "at" defaults to a breakdown's start and an arrival's time; the list is sorted by it
    got = parse_stream(
        [
            {"type": "breakdown", "machine": 0, "start": 9, "end": 12},
            {"type": "arrival", "time": 3, "job": [[0, 2], [1, 2], [2, 2]]},
            {"type": "cancel", "job": 1, "at": 5},
        ]
    )
    assert [r.at for r in got] == [3, 5, 9]
    for record, message in [
        ({"type": "cancel", "job": 1}, "event 0 (cancel): missing field 'at'"),
        ({"type": "breakdown", "machine": 0, "start": 9, "end": 12, "at": 10}, "at 10 is after its start 9"),
        ({"type": "arrival", "time": 3, "at": 1, "job": [[0, 2]]}, "at 1 must equal its time 3"),
        ({"type": "cancel", "job": 1, "at": -1}, "at must be an integer >= 0, got -1"),
        ({"type": "cancel", "job": 1, "at": 2.5}, "at must be an integer >= 0, got 2.5"),
        ({"type": "breakdown", "machine": 0, "start": 9, "end": 9}, "end 9 must be > start 9"),
    ]:
        with pytest.raises(sk.ParseError, match=re.escape(message)):
            parse_stream([record])
    for record, message in [
        ({"type": "breakdown", "machine": 3, "start": 1, "end": 2}, "machine 3 out of range 0..2"),
        ({"type": "cancel", "job": 4, "at": 1}, "job 4 does not exist (yet)"),
        ({"type": "duration_change", "job": 0, "op": 3, "new_duration": 2, "at": 0}, "op 3 out of range"),
        (
            {"type": "arrival", "time": 1, "job": [[[0, 1], [1, 2]]]},
            "job-shop job operation 0 has 2 machines",
        ),
    ]:
        with pytest.raises(sk.ParseError, match=re.escape(message)):
            check_stream(p, parse_stream([record]))
    with pytest.raises(sk.InvalidParameterError, match="mtbf must be a number > 0"):
        generate_stream(p, 0.0, 1.0)
    with pytest.raises(sk.InvalidParameterError, match="both mtbf and mttr"):
        generate_stream(p, 10.0)


# the simulator ---------------------------------------------------------------------------------
def own_check(p, sim, restart: bool = True) -> None:
    """The executed schedule checked here again, for breakdown-only streams: every operation of
    the instance once, its duration, job order, one at a time per machine, none in downtime."""
    runs = {(j, k): (m, s, e) for j, k, m, s, e in sim.executed}
    assert len(runs) == len(sim.executed) == p.num_operations
    jobs = p.jobs()
    down = [r.event for r in sim.applied]
    for (j, k), (m, s, e) in runs.items():
        alts = dict(jobs[j][k]) if p.kind == "fjsp" else {jobs[j][k][0]: jobs[j][k][1]}
        assert m in alts
        if restart:
            assert e - s == alts[m]
            assert not any(b.machine == m and s < b.end and e > b.start for b in down), (j, k)
        if k:
            assert s >= runs[(j, k - 1)][2]
    for m in range(p.num_machines):
        iv = sorted((s, e) for mm, s, e in runs.values() if mm == m)
        assert all(b[0] >= a[1] for a, b in zip(iv, iv[1:], strict=False))


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
@pytest.mark.parametrize("policy", ["right-shift", "rules", "cpsat", "resolve"])
def test_simulation_breakdowns(shops, kind: str, policy: str) -> None:
    p, old = shops[kind]
    md = mean_duration(p)
    stream = generate_stream(p, 6 * md, 2 * md, seed=1)
    assert len(stream) >= 5
    seen: list[int] = []

    def observer(at, before, after) -> None:
        """The frozen prefix at each event, checked from outside the simulator."""
        seen.append(at)
        for key, (m, s, e) in before.items():
            new = after[key]
            if e <= at:  # done before the event: exactly as it ran
                assert new == (m, s, e), (at, key)
            elif s >= at:
                assert new[1] >= at, (at, key)
            elif new[1] == s:  # running at the event: kept as it runs ...
                assert new == (m, s, e), (at, key)
            else:  # ... or cut by a breakdown of its machine revealed now, and restarted later
                assert new[1] >= at and any(r.at == at and r.event.machine == m for r in stream)

    sim = simulate(p, stream, policy, solution=old, observer=observer, **FAST)
    assert sim.violations == []
    own_check(p, sim)
    assert seen == [s.at for s in sim.steps] and len(seen) >= 3
    assert sim.initial_makespan == p.objective(old)
    hs = sim.hindsight
    assert hs is not None and hs.valid_bound
    assert sim.makespan >= hs.makespan >= hs.bound >= p.lower_bound()
    assert sim.moved == sum(s.moved for s in sim.steps) and sim.shift >= sim.moved
    assert 0 <= sim.time_mean <= sim.time_max
    assert len(sim.applied) + len(sim.moot) == len(stream)
    assert all("after the schedule ended" in why for _, why in sim.moot)


def test_cpsat_moves_less_than_resolve_and_beats_right_shift(shops) -> None:
    """On one small stream: the repair keeps the makespan of a full re-solve and moves fewer
    operations; right-shift is the worst (the policies' intended ordering, not a theorem in
    general, but fixed for this seed)."""
    p, old = shops["jssp"]
    md = mean_duration(p)
    stream = generate_stream(p, 6 * md, 2 * md, seed=1)
    runs = {pol: simulate(p, stream, pol, solution=old, **{**FAST, "hindsight_time": 0}) for pol in
            ("right-shift", "cpsat", "resolve")}  # fmt: skip
    assert runs["cpsat"].makespan <= runs["right-shift"].makespan
    assert runs["cpsat"].makespan <= 1.03 * runs["resolve"].makespan
    assert runs["cpsat"].moved <= runs["resolve"].moved


def test_simulation_every_event_type(shops) -> None:
    """Arrivals, duration changes (before, during and after their operation), cancels and
    rushes through a run; skipped events are listed with the reason; the final check holds."""
    p, old = shops["jssp"]
    st, en = old.starts(p), old.per_operation(p, old.end)
    o = int(np.argmax(en - st > 3))  # an operation to change while it runs
    j, k = int(p.job_of[o]), int(p.rank[o])
    mid = int(st[o] + en[o]) // 2
    late = int(en.max()) - 1
    records = [
        {"type": "breakdown", "machine": 0, "start": 10, "end": 60},
        {"type": "arrival", "time": 20, "job": [[m, 7] for m in range(p.num_machines)]},
        {"type": "duration_change", "at": mid, "job": j, "op": k, "new_duration": int(en[o] - st[o]) + 15},
        {"type": "duration_change", "at": int(en[0]) + 1, "job": 0, "op": 0, "new_duration": 3},
        {"type": "cancel", "at": 30, "job": 2},
        {"type": "rush", "at": 40, "job": p.num_jobs, "due_date": 100, "weight": 3},
        {"type": "breakdown", "machine": 1, "start": late + 5000, "end": late + 5100},
    ]
    sim = simulate(p, records, "cpsat", solution=old, **FAST)
    assert sim.violations == []
    reasons = [why for _, why in sim.moot]
    assert any("finished at" in why for why in reasons) or st[0] + 3 > en[0]
    assert any("after the schedule ended" in why for why in reasons)
    executed = {(a, b): (s, e) for a, b, _, s, e in sim.executed}
    assert (p.num_jobs, 0) in executed and executed[(p.num_jobs, 0)][0] >= 20  # the arrival ran
    assert all(s < 30 for (a, _), (s, _) in executed.items() if a == 2)  # cancelled job: only what began
    for r in sim.applied:  # every duration change that took effect is the executed duration
        if isinstance(r.event, DurationChange):
            s, e = executed[(r.event.job, r.event.op)]
            assert e - s == r.event.new_duration
    changes = [r for r in sim.applied + [r for r, _ in sim.moot] if isinstance(r.event, DurationChange)]
    assert len(changes) == 2
    arrival_end = max(e for (a, _), (_, e) in executed.items() if a == p.num_jobs)
    assert sim.tardiness == 3 * max(0, arrival_end - 100)
    assert sim.makespan >= sim.hindsight.makespan


def test_resume_mode(shops) -> None:
    p, old = shops["fjsp"]
    md = mean_duration(p)
    sim = simulate(p, generate_stream(p, 4 * md, 2 * md, seed=3), "cpsat", solution=old,
                   interrupted="resume", **FAST)  # fmt: skip
    assert sim.violations == [] and sim.cut_runs == []
    assert not sim.hindsight.valid_bound


def test_final_check_can_fail(shops) -> None:
    p, old = shops["jssp"]
    md = mean_duration(p)
    stream = generate_stream(p, 6 * md, 2 * md, seed=1)
    sim = simulate(p, stream, "right-shift", solution=old, **{**FAST, "hindsight_time": 0})
    runs = list(sim.executed)
    assert executed_check.violations(p, sim.applied, runs, sim.cut_runs) == []
    b = next(r.event for r in sim.applied if isinstance(r.event, Breakdown))
    i = next(i for i, r in enumerate(runs) if r[2] == b.machine)
    j, k, m, s, e = runs[i]
    into = [*runs[:i], (j, k, m, b.start, b.start + e - s), *runs[i + 1 :]]
    assert any("down during" in v for v in executed_check.violations(p, sim.applied, into, sim.cut_runs))
    assert any("never executed" in v for v in executed_check.violations(p, sim.applied, runs[1:]))
    longer = [*runs[:i], (j, k, m, s, e + 1), *runs[i + 1 :]]
    assert any("lasts" in v for v in executed_check.violations(p, sim.applied, longer, sim.cut_runs))
    # the prefix check: an operation that started before the event may not move
    before = {(0, 0): (0, 0, 10), (0, 1): (1, 10, 20)}
    assert prefix_violations(before, {(0, 0): (0, 0, 10), (0, 1): (1, 12, 22)}, 15, set(), set(), True)
    assert prefix_violations(before, {(0, 0): (0, 1, 11), (0, 1): (1, 15, 25)}, 5, set(), set(), True)
    assert (
        prefix_violations(before, {(0, 0): (0, 0, 10), (0, 1): (1, 16, 26)}, 15, {(0, 1)}, set(), True) == []
    )


def test_no_events_keeps_the_schedule(shops) -> None:
    p, old = shops["fjsp"]
    sim = simulate(p, [], "cpsat", solution=old, **FAST)
    assert sim.steps == [] and sim.makespan == p.objective(old)
    assert sim.hindsight.makespan <= sim.makespan


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_paired_measurement(shops, kind: str) -> None:
    """resolve run at each event on cpsat's call: same situation, so on these small shops (both
    solved to optimality) resolve's makespan is the least and cpsat's combined objective the
    least, event by event; the first event's pair is what a direct reschedule call gives."""
    p, old = shops[kind]
    md = mean_duration(p)
    w = 0.01 * md
    stream = generate_stream(p, 6 * md, 2 * md, seed=1)
    opts = {**FAST, "hindsight_time": 0, "time_limit": 3.0}
    sim = simulate(
        p, stream, "cpsat", solution=old, pair=["resolve"], stability=w, stability_measure="moved", **opts
    )
    assert sim.violations == [] and len(sim.steps) >= 3
    for st in sim.steps:
        other = st.paired["resolve"]
        assert st.objective == pytest.approx(st.makespan + w * st.moved)
        assert other["objective"] == pytest.approx(other["makespan"] + w * other["moved"])
        if st.status == "OPTIMAL":
            assert st.objective <= other["objective"] + 1e-9, st
        if other["status"] == "OPTIMAL":
            assert other["makespan"] <= st.makespan, st
    first = sim.steps[0]
    events = [r.event for r in stream if r.at == first.at]
    direct = sk.reschedule(p, old, events, at=first.at, method="resolve", time_limit=3.0, workers=1)
    if direct.status is sk.Status.OPTIMAL and first.paired["resolve"]["status"] == "OPTIMAL":
        assert direct.stats["makespan"] == first.paired["resolve"]["makespan"]
    assert sim.steps[0].to_json()["paired"]["resolve"]["moved"] == first.paired["resolve"]["moved"]
    with pytest.raises(sk.UnknownMethodError):
        simulate(p, stream, "cpsat", solution=old, pair=["tabu"], **opts)


def test_simulate_refuses_bad_input(shops) -> None:
    p, old = shops["jssp"]
    with pytest.raises(sk.UnknownMethodError):
        simulate(p, [], "tabu", solution=old)
    with pytest.raises(sk.InvalidParameterError, match="interrupted"):
        simulate(p, [], "cpsat", solution=old, interrupted="pause")
    with pytest.raises(sk.ParseError, match="machine 7 out of range"):
        simulate(p, [Revealed(1, Breakdown(7, 1, 5))], "cpsat", solution=old)


# the CLI ---------------------------------------------------------------------------------------
def test_cli_simulate_end_to_end(tmp_path: Path, capsys) -> None:
    inst = tmp_path / "j.txt"
    sk.write(sk.generate("jssp", n=6, m=4, seed=2), str(inst))
    out, stream = tmp_path / "run.json", tmp_path / "s.json"
    args = [str(inst), "--breakdowns", "6x,2x", "--seed", "1", "-t", "1", "--initial-time", "1"]
    args += ["--hindsight-time", "1", "-w", "1", "--save-stream", str(stream), "--out", str(out)]
    assert main(["simulate", *args]) == 0
    text = capsys.readouterr()
    assert "final check: ok" in text.out and "hindsight makespan" in text.out
    assert "t=" in text.err  # progress
    report = json.loads(out.read_text())
    summary = report["summary"]
    assert summary["final_check"] == "ok" and summary["makespan"] >= summary["hindsight_makespan"]
    assert len(report["steps"]) == summary["reschedules"] > 0
    # the saved stream replays to the same run with right-shift (deterministic)
    rs = ["--hindsight-time", "0", "-q", "-p", "right-shift", "--initial-method", "rule:mwkr"]
    assert main(["simulate", str(inst), "--events", str(stream), *rs, "--out", str(out)]) == 0
    first = json.loads(out.read_text())["summary"]
    assert main(["simulate", str(inst), "--events", str(stream), *rs, "--out", str(out)]) == 0
    assert json.loads(out.read_text())["summary"]["makespan"] == first["makespan"]
    assert (
        main(["simulate", str(inst), "--breakdowns", "50,10", "--save-stream", str(stream), "--stream-only"])
        == 0
    )
    assert read_stream(stream)


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "give the events"),
        (["--breakdowns", "5"], "expected MTBF,MTTR"),
        (["--breakdowns", "0,5"], "must be > 0"),
        (["--breakdowns", "5,5", "-p", "magic"], "unknown reschedule method 'magic'"),
        (["--events", "missing.json"], "missing.json: no such file"),
        (["--events", "BAD"], "event 0 (breakdown, at 3): machine 9 out of range"),
        (["--events", "BAD", "--breakdowns", "1,1"], "not both"),
        (["--breakdowns", "5,5", "--stream-only"], "--stream-only needs --save-stream"),
        (["--breakdowns", "5,5", "--changes", "3,0.5"], "factor must be a number >= 1"),
    ],
)
def test_cli_simulate_bad_input(tmp_path: Path, capsys, monkeypatch, extra: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    sk.write(sk.generate("jssp", n=3, m=3, seed=2), "j.txt")
    Path("BAD").write_text('[{"type": "breakdown", "machine": 9, "start": 3, "end": 5}]')
    try:
        code = main(["simulate", "j.txt", *extra])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
