"""Flexible job shops with release dates, due dates, weights, setups and re-entrant routes: the
checker, the objectives, the JSON form, the generator, CP-SAT vs MIP per objective, the rules."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import schedkit as sk
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.problems.jobshop import JobShopSolution
from schedkit.problems.shop_extras import OBJECTIVES, ShopExtras, triangle_violation
from schedkit.structure.flexible import shortest_on_machine

MK = Path("/work/shared/instances/fjsp/brandimarte")


def _tiny() -> FlexibleJobShop:
    """Job 0 visits machine 0 twice (re-entrant); job 1 may run on machine 0 or 1."""
    setup = np.zeros((2, 3, 2), dtype=np.int64)
    setup[0] = [[1, 2], [3, 0], [4, 5]]  # from job 0, from job 1, initial
    setup[1] = [[0, 1], [1, 0], [0, 0]]
    extras = ShopExtras(release=[0, 2], due=[10, 9], weight=[2, 1], setup=setup)
    jobs = [[[(0, 2), (1, 3)], [(1, 1)], [(0, 2)]], [[(0, 3), (1, 2)]]]
    return FlexibleJobShop.from_jobs(jobs, extras=extras)


def _sol(p: FlexibleJobShop, machine: list[int], start: list[int]) -> FlexibleSolution:
    return FlexibleSolution.from_assignment(p, machine, start)


# machine 0: initial 4, (0, 0) [4, 6), setup 0 -> 1 = 2, (1, 0) [8, 11), setup 1 -> 0 = 3, (0, 2) [14, 16)
ALL_ON_0 = ([0, 1, 0, 0], [4, 6, 14, 8])
# machine 1: (1, 0) [2, 4), setup 1 -> 0 = 1, (0, 1) [6, 7);
# machine 0: (0, 0) [4, 6), setup 0 -> 0 = 1, (0, 2) [7, 9)
SPLIT = ([0, 1, 0, 1], [4, 6, 7, 2])


def test_checker_accepts_schedules_with_every_setup_and_release_kept() -> None:
    p = _tiny()
    assert sk.check(p, _sol(p, *ALL_ON_0)) == []
    assert sk.check(p, _sol(p, *SPLIT)) == []


@pytest.mark.parametrize(
    ("machine", "start", "needle"),
    [
        ([0, 1, 0, 0], [3, 6, 14, 8], "initial setup is 4"),  # first on machine 0 before its setup
        ([0, 1, 0, 0], [4, 6, 14, 7], "the setup between them is 2"),  # job 1 one short after job 0
        ([0, 1, 0, 0], [4, 6, 13, 8], "the setup between them is 3"),  # job 0 again one short after job 1
        ([0, 1, 0, 1], [4, 6, 6, 2], "the setup between them is 1"),  # re-entrant: 0 -> 0 on machine 0
        ([0, 1, 0, 1], [4, 6, 7, 1], "job released at 2"),  # job 1 before its release
        ([0, 1, 0, 1], [4, 4, 7, 2], "on machine 1, (job 1, op 0) ends at 4"),  # setup on the chosen machine
    ],
)
def test_checker_reports_each_kind_of_violation(machine: list[int], start: list[int], needle: str) -> None:
    p = _tiny()
    bad = sk.check(p, _sol(p, machine, start))
    assert any(needle in b for b in bad), bad


def test_setups_are_those_of_the_chosen_machine() -> None:
    p = _tiny()
    # job 1 at [4, 6) on machine 1, then job 0 op 1 at [6, 7): machine 1's setup 1 -> 0 is 1, one
    # short there; machine 0's setups (0 -> 0 is 1 between (0, 0) and (0, 2)) are kept
    bad = sk.check(p, _sol(p, [0, 1, 0, 1], [4, 6, 7, 4]))
    assert bad and all("machine 1" in b for b in bad), bad


def test_checker_reports_a_re_entrant_job_overlapping_itself() -> None:
    p = FlexibleJobShop.from_jobs([[[(0, 2), (1, 2)], [(0, 2)]]])
    assert sk.check(p, _sol(p, [0, 0], [0, 2])) == []
    bad = sk.check(p, _sol(p, [0, 0], [0, 1]))
    assert any("precedence" in b for b in bad) and any("overlaps" in b for b in bad), bad


def test_zero_durations_need_no_setup() -> None:
    setup = np.full((1, 3, 2), 5, dtype=np.int64)
    p = FlexibleJobShop.from_jobs(
        [[[(0, 0)], [(0, 2)]], [[(0, 3)]]], extras=ShopExtras(setup=setup)
    )  # job 0's first operation lasts 0: it holds no machine and needs no setup
    assert sk.check(p, _sol(p, [0, 0, 0], [0, 5, 12])) == []
    assert any("initial setup is 5" in b for b in sk.check(p, _sol(p, [0, 0, 0], [0, 4, 12])))
    for method in ("cpsat", "mip"):
        r = sk.solve(p, method=method, time_limit=20, workers=2)
        assert r.status is sk.Status.OPTIMAL and r.objective == 15, method


def test_objectives_by_hand() -> None:
    p = _tiny()
    a, b = _sol(p, *ALL_ON_0), _sol(p, *SPLIT)  # job ends (16, 11) and (9, 4); due (10, 9), w (2, 1)
    expected = {
        "makespan": (16, 9),
        "weighted_tardiness": (2 * 6 + 2, 0),
        "max_lateness": (6, -1),
        "weighted_completion": (2 * 16 + 11, 2 * 9 + 4),
        "tardy_jobs": (2, 0),
    }
    for objective, (va, vb) in expected.items():
        assert (p.evaluate(a, objective), p.evaluate(b, objective)) == (va, vb), objective
    assert p.objectives() == OBJECTIVES
    assert p.lower_bound() == 5  # job 0's shortest work (job 1: release 2 + 2)
    assert p.objective_bound("weighted_completion") == 2 * 5 + 4


def test_bad_extras_are_one_line_errors() -> None:
    jobs = [[[(0, 2)]], [[(0, 3), (1, 1)]]]
    for extras, needle in (
        (ShopExtras(release=[0, -1]), "release[1] = -1 < 0"),
        (ShopExtras(due=[1]), "due: shape (1,), expected (2,)"),
        (ShopExtras(setup=np.zeros((1, 3, 2))), "setup: shape (1, 3, 2), expected (2, 3, 2)"),
    ):
        with pytest.raises(sk.InvalidProblemError, match=re.escape(needle)):
            FlexibleJobShop.from_jobs(jobs, extras=extras)


def test_objectives_needing_due_dates_are_refused_without_them() -> None:
    plain = sk.generate("fjsp", n=4, m=3, seed=2, due_tightness=1.3)
    with pytest.raises(sk.InvalidParameterError, match="needs due dates"):
        sk.solve(sk.generate("fjsp", n=4, m=3, seed=2), method="cpsat", objective="tardy_jobs")
    with pytest.raises(sk.InvalidParameterError, match="rule:atc needs due dates"):
        sk.solve(sk.generate("fjsp", n=4, m=3, seed=2), method="rule:atc+ect")
    r = sk.solve(plain, method="ts", time_limit=0.5, seed=0)  # due dates alone: makespan methods run
    assert r.objective_name == "makespan"


def _instances(setups: bool) -> list[FlexibleJobShop]:
    """Small FJSPs with due dates, weights and releases (and triangle setups), some re-entrant."""
    out = [
        sk.generate(
            "fjsp",
            n=4,
            m=3,
            ops=[2, 4],
            seed=s,
            high=12,
            due_tightness=t,
            weights=True,
            setups=setups,
            setup_max=8,
            releases=True,
        )
        for s, t in ((1, 1.3), (2, 1.6), (3, 1.0))
    ]
    assert any(_re_entrant(p) for p in out)
    return out


def _re_entrant(p: FlexibleJobShop) -> bool:
    """Some job has two operations sharing an eligible machine."""
    for j in range(p.num_jobs):
        machines = [int(m) for o in p.operations(j) for m in p.alt_machine[p.alternatives(o)]]
        if len(machines) != len(set(machines)):
            return True
    return False


@pytest.mark.parametrize("setups", [False, True], ids=["no-setups", "setups"])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_cpsat_and_mip_agree_per_objective(objective: str, setups: bool) -> None:
    for p in _instances(setups):
        values = {}
        for method in ("cpsat", "mip"):
            r = sk.solve(p, method=method, objective=objective, time_limit=60, workers=2, seed=0)
            assert r.status is sk.Status.OPTIMAL, (p.name, method, objective)
            assert sk.check(p, r.solution) == []
            assert r.objective == p.evaluate(r.solution, objective) and r.objective_name == objective
            values[method] = r.objective
        assert values["cpsat"] == values["mip"], (p.name, objective, values)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_auto_takes_every_extra_and_agrees_with_cpsat(objective: str) -> None:
    """auto on the extras: feasible, never worse than the best rule, and where both prove
    optimality the same value as cpsat; without a time limit too."""
    from schedkit.solvers.rules.flexible import best_of_rules

    for p in _instances(setups=True):
        cp = sk.solve(p, method="cpsat", objective=objective, time_limit=60, workers=2, seed=0)
        auto = sk.solve(p, method="auto", objective=objective, time_limit=10, workers=2, seed=0)
        assert sk.check(p, auto.solution) == [] and auto.objective_name == objective
        rule = best_of_rules(p, 0, 0.0, objective=objective)
        assert auto.objective <= p.evaluate(rule, objective)
        assert auto.lower_bound <= cp.objective and cp.lower_bound <= auto.objective
        if auto.status is cp.status is sk.Status.OPTIMAL:
            assert auto.objective == cp.objective, (p.name, objective)
    untimed = sk.solve(_instances(setups=True)[0], method="auto", objective=objective, workers=1)
    assert untimed.solution is not None


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_ts_takes_every_extra_never_worse_than_the_rule_nor_below_the_optimum(objective: str) -> None:
    """ts on the extras (sequence rounds and machine moves): feasible, at most the best rule's
    value, at least cpsat's proven optimum; without a time limit it ends by itself."""
    from schedkit.solvers.rules.flexible import best_of_rules

    for p in _instances(setups=True):
        cp = sk.solve(p, method="cpsat", objective=objective, time_limit=60, workers=2, seed=0)
        ts = sk.solve(p, method="ts", objective=objective, time_limit=2, workers=2, seed=0)
        assert sk.check(p, ts.solution) == [] and ts.objective_name == objective
        assert ts.objective == p.evaluate(ts.solution, objective)
        assert ts.objective <= p.evaluate(best_of_rules(p, 0, 0.0, objective=objective), objective)
        if cp.status is sk.Status.OPTIMAL:
            assert ts.objective >= cp.objective, (p.name, objective)
    untimed = sk.solve(_instances(setups=True)[0], method="ts", objective=objective, workers=1)
    assert sk.check(_instances(setups=True)[0], untimed.solution) == []


def test_machine_moves_only_improve_and_semi_active_keeps_a_schedule_feasible() -> None:
    from schedkit.problems.flexible import FlexibleSolution
    from schedkit.solvers.rules.flexible import best_of_rules
    from schedkit.solvers.search.flexible_extras import machine_step, semi_active

    for p in _instances(setups=True):
        rule = best_of_rules(p, 0, 0.0, objective="weighted_tardiness")
        before = p.evaluate(rule, "weighted_tardiness")
        machine = rule.machines(p)
        start = semi_active(p, machine, rule.starts(p), "weighted_tardiness")
        again = FlexibleSolution.from_assignment(p, machine, start)
        assert sk.check(p, again) == [] and p.evaluate(again, "weighted_tardiness") <= before
        moved, value = machine_step(p, rule, "weighted_tardiness", None)
        assert sk.check(p, moved) == [] and value == p.evaluate(moved, "weighted_tardiness") <= before


def test_the_assigned_job_shop_holds_the_schedule_and_its_value() -> None:
    from schedkit.solvers.search.flexible_extras import assigned_jobshop

    for p in _instances(setups=True):
        r = sk.solve(p, method="rule:atc+ect", objective="weighted_tardiness")
        shop, start = assigned_jobshop(p, r.solution)
        js = JobShopSolution.from_starts(shop, start)
        assert shop.violations(js) == []
        for objective in OBJECTIVES:
            assert shop.evaluate(js, objective) == p.evaluate(r.solution, objective)


def test_a_job_shop_as_an_fjsp_keeps_its_optimum_with_every_extra() -> None:
    # the two classes' models are independent: the job shop's CP-SAT and the FJSP's must agree
    extras = {"due_tightness": 1.3, "weights": True, "setups": True, "releases": True}
    js = sk.generate("jssp", n=4, m=3, seed=5, high=15, **extras)
    fj = FlexibleJobShop.from_jobshop(js)
    for objective in ("makespan", "weighted_tardiness"):
        a = sk.solve(js, method="cpsat", objective=objective, time_limit=60, workers=2)
        b = sk.solve(fj, method="cpsat", objective=objective, time_limit=60, workers=2)
        assert a.status is b.status is sk.Status.OPTIMAL and a.objective == b.objective, objective


def test_mip_refuses_setups_without_the_triangle_inequality_and_cpsat_solves_them() -> None:
    p = sk.generate("fjsp", n=4, m=3, seed=4, setups=True, triangle=False, due_tightness=1.3)
    assert triangle_violation(p.setup, shortest_on_machine(p)) is not None
    with pytest.raises(sk.InvalidParameterError, match="mip needs setups with the triangle inequality"):
        sk.solve(p, method="mip", time_limit=5)
    r = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=60, workers=2)
    assert r.status is sk.Status.OPTIMAL and sk.check(p, r.solution) == []


def test_every_rule_is_feasible_with_every_extra_and_not_below_the_optimum() -> None:
    rules = [m.name for m in sk.methods("fjsp") if m.name.startswith("rule:")]
    assert len(rules) == 33
    for p in _instances(True):
        opt = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=60, workers=2)
        assert opt.status is sk.Status.OPTIMAL
        for name in rules:
            r = sk.solve(p, method=name, objective="weighted_tardiness", seed=1)
            assert sk.check(p, r.solution) == [], name
            assert r.objective >= opt.objective, name


def test_json_form_round_trips_every_extra(tmp_path: Path) -> None:
    for p in [*_instances(True), _tiny()]:
        path = tmp_path / f"{p.name}.json"
        sk.write(p, path, format="fjsp-json")
        back = sk.read(path)  # the sniffer tells it from the job-shop JSON form
        assert isinstance(back, FlexibleJobShop) and back == p and back.name == p.name
    plain = sk.generate("fjsp", n=3, m=2, seed=1)
    sk.write(plain, tmp_path / "plain.json", format="fjsp-json")
    assert sk.read(tmp_path / "plain.json").extras is None
    with pytest.raises(sk.ParseError, match="use format fjsp-json"):
        sk.write(_tiny(), format="fjs")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '{"format": "schedkit-fjsp", "machines": 2, "jobs": [{"operations": [[[0, 1], [2, 1]]]}]}',
            "jobs[0].operations[0][1]: machine 2 out of range 0..1",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 1, "jobs": [{"operations": [[]]}]}',
            "jobs[0].operations[0] has no eligible machine",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 1, "jobs": [{"operations": [[[0, 1]]], "due": 3}, '
            '{"operations": [[[0, 1]]]}]}',
            "jobs[1] has no 'due'",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 1, "jobs": [{"operations": [[[0, -1]]]}]}',
            "jobs[0].operations[0][0] duration must be >= 0, got -1",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 2, "jobs": [{"operations": [[[0, 1], [0, 2]]]}]}',
            "machine 0 listed twice",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 1, "jobs": [{"operations": [[[0, 1]]], "weight": -2}]}',
            "jobs[0].weight must be >= 0, got -2",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 1, "jobs": [{"operations": [[[0, 1]]]}], '
            '"setups": [{"from": [[1, 2]]}]}',
            "setups[0].from[0] has 2 entries, expected 1",
        ),
        (
            '{"format": "schedkit-fjsp", "machines": 1, "jobs": [{"operations": [[[0, 1]]], "colour": 1}]}',
            "jobs[0]: unknown key 'colour'",
        ),
        ('{"format": "schedkit-fjsp", "machines": 1,\n "jobs": [}', "bad.json:2: malformed JSON"),
    ],
)
def test_json_form_errors_are_one_line(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(sk.ParseError) as err:
        sk.read(path)
    assert needle in str(err.value) and "bad.json" in str(err.value) and "\n" not in str(err.value)


def test_generator_extras() -> None:
    plain = sk.generate("fjsp", n=6, m=3, seed=4)
    p = sk.generate("fjsp", n=6, m=3, seed=4, due_tightness=1.5, weights=True, setups=True, releases=True)
    # the instance drawn is the same; the extras come after it from the same stream
    assert np.array_equal(p.alt_machine, plain.alt_machine)
    assert np.array_equal(p.alt_duration, plain.alt_duration)
    assert np.array_equal(p.due, p.release + np.floor(1.5 * p.job_lengths()).astype(np.int64))
    assert sorted(set(p.weight.tolist())) <= [1, 2, 4] and p.release.max() > 0
    assert triangle_violation(p.setup, shortest_on_machine(p)) is None
    wild = sk.generate("fjsp", n=8, m=3, seed=4, setups=True, triangle=False)
    assert triangle_violation(wild.setup, shortest_on_machine(wild)) is not None
    with pytest.raises(sk.InvalidParameterError, match="due_tightness"):
        sk.generate("fjsp", n=3, m=2, due_tightness=0)


def test_generator_adds_extras_to_a_base_instance() -> None:
    base = sk.generate("fjsp", n=5, m=3, seed=2)
    p = sk.generate("fjsp", base=base, due_tightness=1.3, setups=True, seed=4)
    assert np.array_equal(p.alt_duration, base.alt_duration) and p.name == base.name
    assert np.array_equal(p.due, np.floor(1.3 * base.job_lengths()).astype(np.int64))
    with pytest.raises(sk.InvalidParameterError, match="drop n"):
        sk.generate("fjsp", base=base, n=3, due_tightness=1.3)
    with pytest.raises(sk.InvalidParameterError, match="already has extras"):
        sk.generate("fjsp", base=p, due_tightness=1.3)
    js = sk.generate("fjsp", base=sk.generate("jssp", n=3, m=2, seed=1), weights=True)
    assert js.num_alternatives == js.num_operations and js.extras.weight is not None


def test_cli_generate_round_trips_through_the_json_form(tmp_path: Path) -> None:
    from schedkit.cli import main

    out = tmp_path / "shop.json"
    args = ["--n", "5", "--m", "3", "--seed", "7", "--due_tightness", "1.3", "--weights", "true"]
    args += ["--setups", "true", "--releases", "true", "--format", "fjsp-json"]
    assert main(["generate", "-o", str(out), "fjsp", *args]) == 0
    extras = {"due_tightness": 1.3, "weights": True, "setups": True, "releases": True}
    expected = sk.generate("fjsp", n=5, m=3, seed=7, **extras)
    assert sk.read(out) == expected
    if (MK / "mk01.fjs").exists():
        based = tmp_path / "mk01.json"
        base_args = ["--base", str(MK / "mk01.fjs"), "--due_tightness", "1.3", "--setups", "true"]
        assert main(["generate", "-o", str(based), "fjsp", *base_args, "--format", "fjsp-json"]) == 0
        p = sk.read(based)
        assert p.name == "mk01" and p.num_jobs == 10 and p.setup is not None
