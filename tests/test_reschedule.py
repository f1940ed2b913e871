"""Rescheduling after disruptions: situations, the checker, and every method's schedules."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.rescheduling import check
from schedkit.rescheduling.situation import Situation

METHODS = ("right-shift", "rules", "cpsat", "resolve")


def own_verify(p, old, new, t: int, down: list[tuple[int, int, int]]) -> None:
    """The acceptance script's checks, written again here (independent of schedkit's checkers),
    for events without cuts, arrivals, cancellations or duration changes."""
    os_, oe = old.starts(p), old.per_operation(p, old.end)
    ns, ne, nm = new.starts(p), new.per_operation(p, new.end), new.machines(p)
    assert (ns >= 0).all()
    for o in range(p.num_operations):
        if os_[o] < t:
            assert (ns[o], ne[o]) == (os_[o], oe[o]), f"frozen operation {o} moved"
        else:
            assert ns[o] >= t, f"operation {o} starts before t"
            for m, s, e in down:
                assert not (nm[o] == m and ns[o] < e and ne[o] > s), f"operation {o} in downtime"
    for j in range(p.num_jobs):
        ops = list(p.operations(j))
        assert all(ns[b] >= ne[a] for a, b in zip(ops, ops[1:], strict=False))
    for m in range(p.num_machines):
        iv = sorted((ns[o], ne[o]) for o in range(p.num_operations) if nm[o] == m)
        assert all(b[0] >= a[1] for a, b in zip(iv, iv[1:], strict=False))


def random_events(p, old, t: int, rng: np.random.Generator, flexible: bool) -> list[dict]:
    """A few breakdowns, maybe an arrival, a duration change, a cancellation and a rush."""
    m, end = p.num_machines, int(old.end.max())
    events: list[dict] = []
    for _ in range(int(rng.integers(1, 4))):
        s = int(rng.integers(max(0, t - 30), t + 60))
        events.append(
            {
                "type": "breakdown",
                "machine": int(rng.integers(m)),
                "start": s,
                "end": s + 1 + int(rng.integers(80)),
            }
        )
    if rng.random() < 0.6:
        machines = rng.permutation(m)[: max(1, m // 2)]
        if flexible:
            job = [
                [[int(mm), int(rng.integers(1, 30))], [int((mm + 1) % m), int(rng.integers(1, 30))]]
                for mm in machines
            ]
        else:
            job = [[int(mm), int(rng.integers(1, 30))] for mm in machines]
        events.append({"type": "arrival", "time": int(rng.integers(0, end)), "job": job})
    if rng.random() < 0.6:
        starts = old.starts(p)
        o = int(rng.integers(p.num_operations))
        j, k = int(p.job_of[o]), int(p.rank[o])
        dur = int(old.per_operation(p, old.end)[o] - starts[o])
        new = int(rng.integers(1, 2 * dur + 2))
        if starts[o] >= t or (starts[o] + dur >= t and starts[o] + new >= t):
            events.append({"type": "duration_change", "job": j, "op": k, "new_duration": new})
    if rng.random() < 0.3:
        events.append({"type": "cancel", "job": int(rng.integers(p.num_jobs))})
    if rng.random() < 0.3:
        events.append(
            {"type": "rush", "job": int(rng.integers(p.num_jobs)), "due_date": int(rng.integers(end))}
        )
    return events


@pytest.fixture(scope="module")
def shops():
    """A small generated job-shop and flexible job-shop with a solved schedule each."""
    out = {}
    for kind, p in (
        ("jssp", sk.generate("jssp", n=8, m=5, seed=3)),
        ("fjsp", sk.generate("fjsp", n=8, m=5, seed=3)),
    ):
        out[kind] = (p, sk.solve(p, method="cpsat", time_limit=2, workers=1, seed=0).solution)
    return out


@pytest.fixture(scope="module")
def ft10():
    p = sk.read(str(shared_path("jssp", "ft", "ft10.txt")))
    return p, sk.solve(p, method="rule:mwkr").solution


# right-shift and rules never violate -------------------------------------------------------------
@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
@pytest.mark.parametrize("method", ["right-shift", "rules"])
def test_heuristics_never_violate_on_random_events(shops, kind: str, method: str) -> None:
    p, old = shops[kind]
    rng = np.random.default_rng(7)
    end = int(old.end.max())
    for _ in range(60):
        t = int(rng.integers(0, end))
        events = random_events(p, old, t, rng, kind == "fjsp")
        for mode in ("restart", "resume"):
            r = sk.reschedule(p, old, events, at=t, method=method, interrupted=mode)  # re-checked inside
            sit = r.situation
            assert check.violations(sit, r.solution) == []
            assert r.problem.violations(r.solution) == []
            assert (r.solution.start[~_frozen_mask(sit, r.solution)] >= t).all()


def _frozen_mask(sit: Situation, sol) -> np.ndarray:
    """Per entry of ``sol``: is it a frozen operation of the situation."""
    flat = sit.effective.job_start[sol.job] + sol.op
    return sit.is_frozen[flat]


def test_right_shift_on_ft10_random_breakdowns(ft10) -> None:
    p, old = ft10
    rng = np.random.default_rng(3)
    end = int(old.end.max())
    for _ in range(40):
        t = int(rng.integers(0, end))
        m = int(rng.integers(p.num_machines))
        s = t  # the machine breaks now; move t past a cut, as the acceptance script does
        for s_, e_, m_ in zip(old.start, old.end, old.machine, strict=True):
            if m_ == m and s_ < t < e_:
                t = s = int(e_)
        down = [(m, s, s + int(rng.integers(1, 200)))]
        events = [{"type": "breakdown", "machine": m, "start": down[0][1], "end": down[0][2]}]
        r = sk.reschedule(p, old, events, at=t, method="right-shift")
        own_verify(p, old, r.solution, t, down)
        assert r.stats["makespan"] >= p.objective(old)  # nothing moves left


# CP-SAT repair ----------------------------------------------------------------------------------
def test_ft10_breakdown_cpsat_no_worse_than_right_shift(ft10) -> None:
    p, old = ft10
    t = int(old.end.max()) // 4
    for s_, e_, m_ in zip(old.start, old.end, old.machine, strict=True):
        if m_ == 0 and s_ < t < e_:
            t = int(e_)
    down = [(0, t, t + 150)]
    events = [{"type": "breakdown", "machine": 0, "start": t, "end": t + 150}]
    spans = {}
    for method in ("right-shift", "cpsat"):
        r = sk.reschedule(p, old, events, at=t, method=method, time_limit=3, workers=2, seed=0)
        own_verify(p, old, r.solution, t, down)
        spans[method] = r.objective
    assert spans["cpsat"] <= spans["right-shift"]


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_no_events_at_zero_keeps_the_makespan(shops, kind: str) -> None:
    p, old = shops[kind]
    rs = sk.reschedule(p, old, [], at=0, method="right-shift")
    assert rs.stats["moved"] == 0 and rs.stats["makespan"] == p.objective(old)
    r = sk.reschedule(p, old, [], at=0, method="cpsat", time_limit=2, workers=1)
    assert r.stats["makespan"] <= p.objective(old)
    assert sk.check(p, r.solution) == []


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
@pytest.mark.parametrize("measure", ["shift", "moved"])
def test_cpsat_no_worse_than_right_shift_on_combined_objective(shops, kind: str, measure: str) -> None:
    p, old = shops[kind]
    rng = np.random.default_rng(11)
    end = int(old.end.max())
    for _ in range(3):
        t = int(rng.integers(0, end // 2))
        events = random_events(p, old, t, rng, kind == "fjsp")
        for stability in (0.0, 0.5, 2):
            kw = dict(stability=stability, stability_measure=measure, time_limit=1, workers=1)
            rs = sk.reschedule(p, old, events, at=t, method="right-shift", **kw)
            cp = sk.reschedule(p, old, events, at=t, method="cpsat", **kw)
            full = sk.reschedule(p, old, events, at=t, method="resolve", **kw)
            assert cp.objective <= rs.objective + 1e-9
            assert cp.lower_bound <= cp.objective
            # the full re-solve ignores stability: its makespan (+ tardiness) is the reference
            assert (
                full.stats["makespan"] + full.stats["tardiness"]
                <= rs.stats["makespan"] + rs.stats["tardiness"]
            )
            if cp.status is sk.Status.OPTIMAL and full.status is sk.Status.OPTIMAL and stability == 0:
                assert cp.objective == full.objective


def test_stability_weight_keeps_the_schedule(shops) -> None:
    """With a large weight on moves, CP-SAT repair moves no more than right-shift does."""
    p, old = shops["jssp"]
    t = int(old.end.max()) // 3
    events = [
        {"type": "duration_change", "job": j, "op": p.num_machines - 1, "new_duration": 1} for j in range(3)
    ]
    rs = sk.reschedule(p, old, events, at=t, method="right-shift", stability=1000, stability_measure="moved")
    cp = sk.reschedule(
        p,
        old,
        events,
        at=t,
        method="cpsat",
        stability=1000,
        stability_measure="moved",
        time_limit=2,
        workers=1,
    )
    assert cp.stats["moved"] <= rs.stats["moved"]
    full = sk.reschedule(p, old, events, at=t, method="resolve", time_limit=2, workers=1)
    assert full.stats["makespan"] <= cp.stats["makespan"]


# situations by hand -------------------------------------------------------------------------------
@pytest.fixture
def tiny():
    """Two jobs on two machines; old schedule: J0 [0,4) on M0 then [4,7) on M1; J1 [0,2) on M1
    then [4,9) on M0."""
    p = sk.jobshop([[(0, 4), (1, 3)], [(1, 2), (0, 5)]])
    old = p.solution_type.from_starts(p, [0, 4, 0, 4])
    assert p.violations(old) == []
    return p, old


def test_restart_runs_a_cut_operation_again_after_the_downtime(tiny) -> None:
    p, old = tiny
    events = [{"type": "breakdown", "machine": 0, "start": 2, "end": 10}]
    r = sk.reschedule(p, old, events, at=2, method="right-shift", interrupted="restart")
    st = r.solution.starts(r.problem)
    assert st.tolist() == [10, 14, 0, 14]  # J0 op 0 again in full after 10, J1 op 1 after it
    assert r.stats["cut"] == 1 and r.stats["frozen"] == 1
    cp = sk.reschedule(p, old, events, at=2, method="cpsat", time_limit=2, workers=1)
    assert cp.stats["makespan"] == 19 and cp.status is sk.Status.OPTIMAL  # M0 from 10: J0 [10,14), J1 [14,19)


def test_resume_continues_a_cut_operation_after_the_downtime(tiny) -> None:
    p, old = tiny
    events = [{"type": "breakdown", "machine": 0, "start": 2, "end": 10}]
    r = sk.reschedule(p, old, events, at=2, method="cpsat", interrupted="resume", time_limit=2, workers=1)
    sol, eff = r.solution, r.problem
    st, en = sol.starts(eff), sol.per_operation(eff, sol.end)
    assert (st[0], en[0]) == (0, 12)  # 2 units done, 8 down, 2 more
    assert eff.duration[0] == 12  # the effective problem holds the span
    assert st[1] >= 12 and st[3] >= 12
    # the checker refuses the uninterrupted span
    bad = sol.__class__(sol.job, sol.op, sol.machine, sol.start.copy(), sol.end.copy())
    bad.end[(sol.job == 0) & (sol.op == 0)] = 4
    assert any("must stay on machine 0 in [0, 12)" in v for v in check.violations(r.situation, bad))


def test_duration_change_of_a_running_operation_moves_its_end(tiny) -> None:
    p, old = tiny
    events = [{"type": "duration_change", "job": 0, "op": 0, "new_duration": 6}]
    r = sk.reschedule(p, old, events, at=3, method="right-shift")
    st, en = r.solution.starts(r.problem), r.solution.per_operation(r.problem, r.solution.end)
    assert (st[0], en[0]) == (0, 6) and st[1] == 6 and st[3] == 6
    with pytest.raises(sk.ParseError, match="finished at 2, before at=3"):
        sk.reschedule(p, old, [{"type": "duration_change", "job": 1, "op": 0, "new_duration": 9}], at=3)
    with pytest.raises(sk.ParseError, match="ends job 0, op 0 at 2, but it is still running at at=3"):
        sk.reschedule(p, old, [{"type": "duration_change", "job": 0, "op": 0, "new_duration": 2}], at=3)


def test_cancel_arrival_and_rush_numbering(tiny) -> None:
    p, old = tiny
    events = [
        {"type": "cancel", "job": 0},  # nothing of job 0 started at t=0: the job disappears
        {"type": "arrival", "time": 5, "job": [[0, 2], [1, 2]]},  # job 2
        {"type": "rush", "job": 2, "due_date": 6, "weight": 3},
    ]
    r = sk.reschedule(p, old, events, at=0, method="cpsat", time_limit=2, workers=1)
    sit = r.situation
    assert sit.job_origin == [1, 2] and r.problem.num_jobs == 2
    st = r.solution.starts(r.problem)
    assert st[2] >= 5  # the arrival's release
    assert r.objective == r.stats["makespan"] + r.stats["tardiness"]
    arrival_end = int(r.solution.per_operation(r.problem, r.solution.end)[-1])
    assert r.stats["tardiness"] == 3 * max(0, arrival_end - 6)
    # with a weight only, the job is due at `at`
    r2 = sk.reschedule(p, old, [{"type": "rush", "job": 1, "weight": 2}], at=0, method="right-shift")
    assert r2.stats["tardiness"] == 2 * 9


def test_checker_catches_broken_schedules(ft10) -> None:
    p, old = ft10
    t = 300
    events = [{"type": "breakdown", "machine": 3, "start": 300, "end": 400}]
    r = sk.reschedule(p, old, events, at=t, method="right-shift", interrupted="resume")
    sit, sol = r.situation, r.solution
    assert check.violations(sit, sol) == []

    def broken(change) -> list[str]:
        s = sol.__class__(sol.job.copy(), sol.op.copy(), sol.machine.copy(), sol.start.copy(), sol.end.copy())
        change(s)
        return check.violations(sit, s)

    frozen = np.flatnonzero(sol.start < t)[0]
    late = np.flatnonzero(sol.start > t + 50)[0]
    down = np.flatnonzero((sol.machine == 3) & (sol.start >= 400))[0]

    def move(i, to):
        def f(s):
            d = s.end[i] - s.start[i]
            s.start[i], s.end[i] = to, to + d

        return f

    assert any("started before at=300" in v for v in broken(move(frozen, sol.start[frozen] + 1)))
    assert any("before at=300" in v for v in broken(move(late, t - 1)))
    assert any("down during [300, 400)" in v for v in broken(move(down, 350)))
    assert any("missing" in v for v in broken(lambda s: s.op.__setitem__(late, 99)))


# errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "events, message",
    [
        (
            [{"type": "breakdown", "machine": 12, "start": 0, "end": 5}],
            "event 0 (breakdown): machine 12 out of range 0..9",
        ),
        (
            [{"type": "cancel", "job": 3}, {"type": "cancel", "job": 10}],
            "event 1 (cancel): job 10 out of range 0..9",
        ),
        ([{"type": "duration_change", "job": 0, "op": 10, "new_duration": 5}], "op 10 out of range 0..9"),
        (
            [{"type": "arrival", "time": 0, "job": [[[0, 1], [1, 2]]]}],
            "job-shop job operation 0 has 2 machines",
        ),
        ([{"type": "arrival", "time": 0, "job": [[11, 1]]}], "job operation 0: machine 11 out of range"),
    ],
)
def test_events_that_do_not_fit_the_instance(ft10, events, message: str) -> None:
    p, old = ft10
    with pytest.raises(sk.ParseError) as info:
        sk.reschedule(p, old, events, at=100, method="right-shift")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_argument_errors(tiny) -> None:
    p, old = tiny
    cases = [
        (dict(method="tabu"), sk.UnknownMethodError, "methods: right-shift, rules, cpsat, ls, resolve"),
        (dict(time_limit=-1), sk.InvalidParameterError, "time limit must be >= 0"),
        (dict(at=-3), sk.InvalidParameterError, "at must be an integer time >= 0"),
        (dict(stability=-1), sk.InvalidParameterError, "stability weight must be a number >= 0"),
        (dict(interrupted="pause"), sk.InvalidParameterError, "interrupted must be one of restart, resume"),
        (dict(method="right-shift", rule="spt"), sk.InvalidParameterError, "has no option 'rule'"),
        (dict(method="rules", rule="edd"), sk.InvalidParameterError, "option rule must be one of"),
        (
            dict(stability_measure="both"),
            sk.InvalidParameterError,
            "stability_measure must be one of shift, moved",
        ),
    ]
    for kwargs, error, message in cases:
        kwargs.setdefault("at", 1)
        with pytest.raises(error, match=message):
            sk.reschedule(p, old, [], **kwargs)
    broken = p.solution_type.from_starts(p, [0, 0, 0, 0])
    with pytest.raises(sk.InvalidParameterError, match="schedule to repair is infeasible"):
        sk.reschedule(p, broken, [], at=1)
    with pytest.raises(sk.InvalidParameterError, match="supports jssp and fjsp"):
        sk.reschedule(sk.tardiness([1], [1]), old, [], at=0)


@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_slack_trades_makespan_for_fewer_moves(shops, kind: str) -> None:
    """Option slack: the makespan of the best schedule found (resolve's optimum without a
    limit) at slack 0, fewer or as many moves within a looser slack, every answer checked."""
    p, old = shops[kind]
    t = int(old.end.max()) // 4
    events = [{"type": "breakdown", "machine": 1, "start": t, "end": t + 40}]
    kw = dict(stability_measure="moved", workers=1, seed=0)
    full = sk.reschedule(p, old, events, at=t, method="resolve", **kw)
    assert full.status is sk.Status.OPTIMAL
    tight = sk.reschedule(p, old, events, at=t, method="cpsat", slack=0.0, **kw)
    loose = sk.reschedule(p, old, events, at=t, method="cpsat", slack=0.25, **kw)
    for r in (tight, loose):
        assert check.violations(r.situation, r.solution) == [] and sk.check(r.problem, r.solution) == []
    best = full.stats["makespan"]
    assert tight.stats["makespan"] == best and tight.stats["cap"] == best
    assert loose.stats["makespan"] <= int(1.25 * best) and loose.stats["moved"] <= tight.stats["moved"]
    assert tight.stats["moved"] <= full.stats["moved"]
    with pytest.raises(sk.InvalidParameterError, match="option slack"):
        sk.reschedule(p, old, events, at=t, method="cpsat", slack=-1, **kw)
