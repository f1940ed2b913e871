"""Job shops with release dates, due dates, weights, setups and re-entrant routes: the checker,
the objectives, the generator, objective= in solve, CP-SAT vs MIP per objective, the rules."""

from __future__ import annotations

import re

import numpy as np
import pytest

import schedkit as sk
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.problems.shop_extras import OBJECTIVES, ShopExtras, triangle_violation
from schedkit.solvers.rules import jobshop as jobshop_rules
from schedkit.solvers.rules import jobshop_sgs


def _tiny() -> JobShop:
    """Two jobs; job 0 visits machine 0 twice (re-entrant); setups on machine 0 only."""
    setup = np.zeros((2, 3, 2), dtype=np.int64)
    setup[0] = [[1, 2], [3, 0], [4, 5]]  # from job 0, from job 1, initial
    extras = ShopExtras(release=[0, 2], due=[10, 9], weight=[2, 1], setup=setup)
    return JobShop.from_jobs([[(0, 2), (1, 1), (0, 2)], [(0, 3)]], extras=extras)


def _sol(p: JobShop, start: list[int]) -> JobShopSolution:
    return JobShopSolution.from_starts(p, start)


def test_checker_accepts_a_schedule_with_every_setup_and_release_kept() -> None:
    p = _tiny()
    # machine 0: initial 4, job 0 op 0 [4,6), setup 0->1 = 2, job 1 [8,11), setup 1->0 = 3,
    # job 0 op 2 [14,16); job 0 op 1 on machine 1 [6,7)
    assert sk.check(p, _sol(p, [4, 6, 14, 8])) == []


@pytest.mark.parametrize(
    ("start", "needle"),
    [
        ([3, 6, 14, 8], "initial setup is 4"),  # first on machine 0 before its initial setup
        ([4, 6, 14, 7], "the setup between them is 2"),  # job 1 right after job 0 op 0: 1 short
        ([4, 6, 13, 8], "the setup between them is 3"),  # job 0 op 2 right after job 1
    ],
)
def test_checker_reports_each_kind_of_violation(start: list[int], needle: str) -> None:
    p = _tiny()
    bad = sk.check(p, _sol(p, start))
    assert any(needle in b for b in bad), bad


def test_checker_reports_a_start_before_the_release_and_a_setup_skipped() -> None:
    p = _tiny()
    # job 1 first [5,8) (initial 5), setup 1->0 = 3, job 0 [11,13), [13,14), setup 0->0 = 1, [14,16)
    start = [11, 13, 14, 5]
    assert sk.check(p, _sol(p, start)) == []
    late = JobShop.from_jobs(p.jobs(), extras=ShopExtras(release=[0, 6], setup=p.setup))
    assert any("job released at 6" in b for b in sk.check(late, _sol(late, start)))
    assert any("the setup between them is 1" in b for b in sk.check(p, _sol(p, [11, 13, 13, 5])))


def test_checker_reports_a_re_entrant_job_overlapping_itself() -> None:
    p = JobShop.from_jobs([[(0, 2), (0, 2)]])
    assert sk.check(p, _sol(p, [0, 2])) == []
    assert any("precedence" in b for b in sk.check(p, _sol(p, [0, 1])))


def test_bad_extras_are_one_line_errors() -> None:
    jobs = [[(0, 2)], [(0, 3)]]
    for extras, needle in (
        (ShopExtras(release=[0, -1]), "release[1] = -1 < 0"),
        (ShopExtras(due=[1]), "due: shape (1,), expected (2,)"),
        (ShopExtras(setup=np.zeros((1, 2, 2))), "setup: shape (1, 2, 2), expected (1, 3, 2)"),
        (ShopExtras(weight=["a", "b"]), "weight: integers expected"),
    ):
        with pytest.raises(sk.InvalidProblemError, match=re.escape(needle)):
            JobShop.from_jobs(jobs, extras=extras)


def test_objectives_by_hand() -> None:
    p = _tiny()
    s = _sol(p, [4, 6, 14, 8])  # job 0 ends 16 (due 10, w 2), job 1 ends 11 (due 9, w 1)
    expect = {
        "makespan": 16,
        "weighted_tardiness": 2 * 6 + 1 * 2,
        "max_lateness": 6,
        "weighted_completion": 2 * 16 + 11,
        "tardy_jobs": 2,
    }
    assert {o: p.evaluate(s, o) for o in OBJECTIVES} == expect
    assert p.objective_bound("weighted_completion") == 2 * 5 + 1 * 5  # release + work, setups ignored


def test_generator_extras() -> None:
    p = sk.generate("jssp", n=8, m=5, seed=4, due_tightness=1.5, weights=True, setups=True, releases=True)
    plain = sk.generate("jssp", n=8, m=5, seed=4)
    assert plain.extras is None
    assert np.array_equal(p.machine, plain.machine) and np.array_equal(p.duration, plain.duration)
    assert np.array_equal(p.due, p.release + np.floor(1.5 * p.job_lengths()).astype(np.int64))
    assert sorted(np.unique(p.weight).tolist()) == [1, 2, 4]
    assert p == sk.generate(
        "jssp", n=8, m=5, seed=4, due_tightness=1.5, weights=True, setups=True, releases=True
    )
    dur = np.full((8, 5), 0)
    assert triangle_violation(p.setup, dur) is None
    wild = sk.generate("jssp", n=8, m=5, seed=4, setups=True, triangle=False)
    assert triangle_violation(wild.setup, dur) is not None
    with pytest.raises(sk.InvalidParameterError, match="due_tightness"):
        sk.generate("jssp", n=3, m=2, due_tightness=-1)


def test_objective_option_is_validated() -> None:
    p = sk.generate("jssp", n=4, m=3, seed=2, due_tightness=1.3, setups=True)
    with pytest.raises(sk.InvalidParameterError, match="unknown objective 'tardiness' .*valid: makespan"):
        sk.solve(p, method="cpsat", objective="tardiness")
    plain = sk.generate("jssp", n=4, m=3, seed=2, due_tightness=1.3)
    for method in ("ts", "auto"):  # they take setups and every objective (test_jssp_search_extras.py)
        r = sk.solve(plain, method=method, objective="weighted_tardiness", time_limit=1, workers=2)
        assert r.objective_name == "weighted_tardiness" and sk.check(plain, r.solution) == []
    with pytest.raises(sk.InvalidParameterError, match="needs due dates"):
        sk.solve(sk.generate("jssp", n=4, m=3, seed=2), method="cpsat", objective="max_lateness")
    with pytest.raises(sk.InvalidParameterError, match="rule:edd needs due dates"):
        sk.solve(sk.generate("jssp", n=4, m=3, seed=2), method="rule:edd")
    r = sk.solve(plain, method="ts", time_limit=0.5, seed=0)  # due dates alone: makespan methods run
    assert r.objective_name == "makespan"
    r = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=20, workers=2)
    assert r.objective_name == "weighted_tardiness"


def _instances() -> list[JobShop]:
    """Small instances with every extra: generated ones and a re-entrant one."""
    out = [
        sk.generate(
            "jssp", n=4, m=3, seed=s, high=20, due_tightness=t, weights=True, setups=True, releases=True
        )
        for s, t in ((1, 1.3), (2, 1.6), (5, 1.0))
    ]
    rng = np.random.default_rng(9)
    jobs = [[(int(rng.integers(0, 3)), int(rng.integers(1, 9))) for _ in range(4)] for _ in range(4)]
    work = np.array([sum(d for _, d in job) for job in jobs])
    pts = rng.integers(0, 5, size=(3, 5, 2))
    setup = np.abs(pts[:, :, None, :] - pts[:, None, :4, :]).sum(axis=3)  # Manhattan: triangle holds
    extras = ShopExtras(
        release=rng.integers(0, 6, 4), due=(1.2 * work).astype(int) + 3, weight=[1, 2, 4, 1], setup=setup
    )
    out.append(JobShop.from_jobs(jobs, num_machines=3, name="reentrant", extras=extras))
    return out


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_cpsat_and_mip_agree_per_objective(objective: str) -> None:
    for p in _instances():
        values = {}
        for method in ("cpsat", "mip"):
            r = sk.solve(p, method=method, objective=objective, time_limit=60, workers=2, seed=0)
            assert r.status is sk.Status.OPTIMAL, (p.name, method, objective)
            assert sk.check(p, r.solution) == []
            assert r.objective == p.evaluate(r.solution, objective)
            values[method] = r.objective
        assert values["cpsat"] == values["mip"], (p.name, objective, values)


def test_plain_instances_keep_their_optima() -> None:
    for seed in (1, 2, 3):
        p = sk.generate("jssp", n=5, m=4, seed=seed, high=30)
        a = sk.solve(p, method="cpsat", time_limit=30, workers=2)
        b = sk.solve(p, method="mip", time_limit=30, workers=1)
        c = sk.solve(p, method="cpsat", objective="makespan", time_limit=30, workers=2)
        assert a.status is b.status is c.status is sk.Status.OPTIMAL
        assert a.objective == b.objective == c.objective


def test_mip_refuses_setups_without_the_triangle_inequality_and_cpsat_solves_them() -> None:
    p = sk.generate("jssp", n=4, m=3, seed=3, high=20, setups=True, triangle=False, due_tightness=1.3)
    with pytest.raises(sk.InvalidParameterError, match="triangle inequality"):
        sk.solve(p, method="mip", time_limit=10)
    r = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=30, workers=2)
    assert r.status is sk.Status.OPTIMAL and sk.check(p, r.solution) == []


def test_every_rule_is_feasible_with_every_extra_and_not_below_the_optimum() -> None:
    rules = [m.name for m in sk.methods("jssp") if m.name.startswith("rule:")]
    wild = sk.generate(
        "jssp", n=6, m=4, seed=8, setups=True, triangle=False, releases=True, due_tightness=1.2
    )
    for p in [*_instances(), wild]:
        opt = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=30, workers=2)
        assert opt.status is sk.Status.OPTIMAL
        for name in rules:
            r = sk.solve(p, method=name, objective="weighted_tardiness", seed=1)
            assert sk.check(p, r.solution) == [], (p.name, name)
            assert r.objective >= opt.objective, (p.name, name)


def test_extended_kernel_equals_its_python_source() -> None:
    py = jobshop_sgs.schedule_full.py_func
    p = _instances()[0]
    for rule in (*jobshop_rules.KEYS, *jobshop_rules.EXTRA_KEYS):
        for scheme in ("active", "nondelay"):
            compiled = jobshop_rules.dispatch(p, rule, scheme, seed=3)
            jobshop_rules.schedule_full, saved = py, jobshop_rules.schedule_full
            try:
                pure = jobshop_rules.dispatch(p, rule, scheme, seed=3)
            finally:
                jobshop_rules.schedule_full = saved
            assert np.array_equal(compiled, pure), (rule, scheme)


def test_json_form_round_trips_every_extra(tmp_path) -> None:
    for p in _instances():
        path = tmp_path / f"{p.name}.json"
        sk.write(p, path, format="jssp-json")
        back = sk.read(path)  # the sniffer finds the format
        assert back == p and back.name == p.name
    plain = sk.generate("jssp", n=3, m=2, seed=1)
    sk.write(plain, tmp_path / "plain.json", format="jssp-json")
    assert sk.read(tmp_path / "plain.json").extras is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '{"format": "schedkit-jssp", "machines": 2, "jobs": [{"operations": [[2, 1]]}]}',
            "machine 2 out of range",
        ),
        (
            '{"format": "schedkit-jssp", "machines": 1, "jobs": [{"operations": [[0, 1]], "due": 3}, '
            '{"operations": [[0, 1]]}]}',
            "jobs[1] has no 'due'",
        ),
        (
            '{"format": "schedkit-jssp", "machines": 1, "jobs": [{"operations": [[0, -1]]}]}',
            "duration must be >= 0",
        ),
        (
            '{"format": "schedkit-jssp", "machines": 1, "jobs": [{"operations": [[0, 1]]}], '
            '"setups": [{"initial": [1, 2]}]}',
            "setups[0].initial has 2 entries, expected 1",
        ),
        ('{"format": "schedkit-jssp", "machines": 1,\n "jobs": [}', "bad.json:2: malformed JSON"),
    ],
)
def test_json_form_errors_are_one_line(tmp_path, text: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(sk.ParseError) as err:
        sk.read(path)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_plain_formats_refuse_extras() -> None:
    p = _instances()[0]
    for fmt in ("jssp", "taillard"):
        with pytest.raises(sk.ParseError, match="use format jssp-json"):
            sk.write(p, format=fmt)


def test_cli_solve_names_the_objective(tmp_path, capsys) -> None:
    from schedkit.cli import main

    path = tmp_path / "shop.json"
    sk.write(_instances()[0], path, format="jssp-json")
    assert (
        main(["solve", str(path), "-m", "cpsat", "--objective", "max_lateness", "-t", "20", "-w", "2"]) == 0
    )
    out = capsys.readouterr().out
    assert "status OPTIMAL" in out and "max_lateness " in out
    assert main(["solve", str(path), "-m", "ts", "-t", "1", "-w", "2"]) == 0  # setups: ts takes them
    assert "makespan" in capsys.readouterr().out


def test_rescheduling_refuses_the_extras_and_fjsp_conversion_keeps_them() -> None:
    from schedkit.problems.flexible import FlexibleJobShop

    p = _instances()[0]
    old = sk.solve(p, method="rule:edd").solution
    with pytest.raises(sk.InvalidParameterError, match="rescheduling does not handle release dates, setups"):
        sk.reschedule(p, old, [], at=0)
    as_fjsp = FlexibleJobShop.from_jobshop(p)  # the FJSP holds the extras too
    assert as_fjsp.extras.same_as(p.extras)
    with pytest.raises(sk.InvalidParameterError, match="rescheduling does not handle release dates, setups"):
        sk.reschedule(as_fjsp, sk.solve(as_fjsp, method="rule:edd+ect").solution, [], at=0)


def test_generator_adds_extras_to_a_base_instance() -> None:
    base = sk.generate("jssp", n=5, m=3, seed=2)
    p = sk.generate("jssp", base=base, due_tightness=1.3, weights=True, seed=4)
    assert np.array_equal(p.machine, base.machine) and np.array_equal(p.duration, base.duration)
    assert np.array_equal(p.due, np.floor(1.3 * base.job_lengths()).astype(np.int64))
    with pytest.raises(sk.InvalidParameterError, match="drop n"):
        sk.generate("jssp", base=base, n=3, due_tightness=1.3)


@pytest.mark.parametrize("seed", [2, 4, 6, 8])
def test_zero_durations_hold_no_machine_and_need_no_setup(seed: int) -> None:
    # the checker lets a zero-duration operation sit anywhere on its machine: cpsat, mip and
    # the rules must agree with it (before: cpsat and mip each blocked them in their own way)
    plain = sk.generate("jssp", n=4, m=3, seed=seed, low=0, high=5)
    extra = sk.generate(
        "jssp", n=4, m=3, seed=seed, low=0, high=5, setups=True, setup_max=6, due_tightness=1.2, releases=True
    )
    for p, objective in ((plain, "makespan"), (extra, "weighted_tardiness"), (extra, "weighted_completion")):
        a = sk.solve(p, method="cpsat", objective=objective, time_limit=30, workers=2)
        b = sk.solve(p, method="mip", objective=objective, time_limit=30, workers=1)
        assert a.status is b.status is sk.Status.OPTIMAL
        assert a.objective == b.objective, (seed, objective)
        rules = ("rule:atc/active", "rule:ssp", "rule:mwkr/active", "rule:fifo")
        for name in rules if p.due is not None else rules[1:]:
            r = sk.solve(p, method=name, objective=objective)
            assert sk.check(p, r.solution) == [] and r.objective >= a.objective


def test_auto_agrees_with_cpsat_on_zero_durations() -> None:
    p = sk.generate("jssp", n=4, m=3, seed=4, low=0, high=5)  # auto claimed 12 OPTIMAL, 11 exists
    a = sk.solve(p, method="cpsat", time_limit=30, workers=2)
    b = sk.solve(p, method="auto", time_limit=10, workers=2)
    assert a.status is b.status is sk.Status.OPTIMAL and a.objective == b.objective
