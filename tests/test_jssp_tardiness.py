"""The weighted-tardiness job-shop construction of the literature and the CP-SAT bounds for the
sum objectives (issue 19)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import schedkit as sk
from schedkit.generators.jobshop import literature_weights, weighted_tardiness_instance
from schedkit.problems.jobshop import JobShop
from schedkit.problems.shop_extras import ShopExtras
from schedkit.solvers.cpsat.jobshop_bounds import BOUNDED, machine_bound, one_machine_bound


@pytest.mark.parametrize(("n", "fours", "twos"), [(10, 2, 6), (15, 3, 9), (20, 4, 12), (5, 1, 3)])
def test_literature_weights_go_by_job_index(n: int, fours: int, twos: int) -> None:
    w = literature_weights(n)
    assert w.tolist() == [4] * fours + [2] * twos + [1] * (n - fours - twos)


def test_literature_instance_is_deterministic_and_uses_floor_of_f_times_work() -> None:
    base = sk.generate("jssp", n=10, m=4, seed=3)
    p = weighted_tardiness_instance(base, 1.3)
    assert np.array_equal(p.due, np.floor(1.3 * base.job_lengths()).astype(np.int64))
    assert p.weight.tolist() == literature_weights(10).tolist()
    assert not p.release.any()
    q = sk.generate("jssp", base=base, due_tightness=1.3, weights="literature", seed=99)
    assert np.array_equal(q.due, p.due) and np.array_equal(q.weight, p.weight)
    seeded = sk.generate("jssp", base=base, due_tightness=1.3, weights="seeded", seed=1)
    assert sorted(seeded.weight.tolist()) == sorted(p.weight.tolist())


def test_weights_option_rejects_other_words() -> None:
    base = sk.generate("jssp", n=4, m=2, seed=3)
    with pytest.raises(sk.InvalidParameterError, match="literature"):
        sk.generate("jssp", base=base, due_tightness=1.3, weights="random")


def _small() -> list[JobShop]:
    """Small instances with due dates: generated (with setups and releases) and a re-entrant one."""
    out = [
        sk.generate(
            "jssp", n=5, m=3, seed=s, high=20, due_tightness=t, weights=True, setups=True, releases=True
        )
        for s, t in ((3, 1.0), (7, 1.2), (11, 0.8))
    ]
    rng = np.random.default_rng(21)
    jobs = [[(int(rng.integers(0, 2)), int(rng.integers(1, 9))) for _ in range(4)] for _ in range(4)]
    work = np.array([sum(d for _, d in job) for job in jobs])
    extras = ShopExtras(release=rng.integers(0, 4, 4), due=work // 2 + 2, weight=[3, 1, 2, 1])
    out.append(JobShop.from_jobs(jobs, num_machines=2, name="reentrant", extras=extras))
    return out


@pytest.mark.parametrize("objective", sorted(BOUNDED))
def test_one_machine_bounds_are_valid_and_cpsat_optima_do_not_move(objective: str) -> None:
    for p in _small():
        plain = sk.solve(
            p, method="cpsat", objective=objective, time_limit=60, workers=2, machine_bounds=False
        )
        assert plain.status is sk.Status.OPTIMAL, p.name
        for m in range(p.num_machines):
            b, proven = machine_bound(p, objective, m, 10.0)
            assert proven and b is not None and b <= plain.objective, (p.name, m, b, plain.objective)
        lb = one_machine_bound(p, objective, 10.0)
        bounded = sk.solve(p, method="cpsat", objective=objective, time_limit=60, workers=2)
        assert bounded.status is sk.Status.OPTIMAL and bounded.objective == plain.objective, p.name
        assert bounded.stats["one_machine_bound"] == lb
        assert sk.check(p, bounded.solution) == []


def test_one_machine_bound_is_tight_on_a_single_machine() -> None:
    # one machine: the relaxation is the problem itself
    jobs = [[(0, d)] for d in (4, 2, 6, 3)]
    p = JobShop.from_jobs(jobs, extras=ShopExtras(due=np.array([5, 3, 9, 4]), weight=np.array([1, 3, 2, 2])))
    opt = sk.solve(p, method="cpsat", objective="weighted_tardiness", time_limit=30, machine_bounds=False)
    assert opt.status is sk.Status.OPTIMAL
    assert one_machine_bound(p, "weighted_tardiness", 10.0) == opt.objective
    assert one_machine_bound(p, "makespan", 10.0) is None


def test_summary_names_the_objective() -> None:
    p = weighted_tardiness_instance(sk.generate("jssp", n=4, m=3, seed=5), 1.0)
    r = sk.solve(p, method="rule:edd", objective="weighted_tardiness")
    assert r.summary().startswith(f"FEASIBLE weighted_tardiness {r.objective} lower bound")
    assert " makespan " in sk.solve(p, method="rule:edd").summary()


def test_cli_solve_refuses_a_bad_objective_before_any_header(tmp_path, capsys) -> None:
    from schedkit.cli import main

    plain = tmp_path / "plain.txt"
    sk.write(sk.generate("jssp", n=4, m=3, seed=5), str(plain))
    assert main(["solve", str(plain), "--objective", "weighted_tardiness", "-t", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "needs due dates" in err and len(err.strip().splitlines()) == 1
    assert main(["solve", str(plain), "--objective", "lateness", "-t", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "unknown objective 'lateness'" in err


def test_cli_check_reports_the_objective_of_the_solution_file(tmp_path, capsys) -> None:
    from schedkit.cli import main

    p = weighted_tardiness_instance(sk.generate("jssp", n=5, m=3, seed=5), 1.0)
    inst, sol = tmp_path / "p.json", tmp_path / "s.json"
    sk.write(p, str(inst), format="jssp-json")
    assert (
        main(["solve", str(inst), "-m", "rule:atc", "--objective", "weighted_tardiness", "-o", str(sol)]) == 0
    )
    r = sk.solve(p, method="rule:atc", objective="weighted_tardiness")
    capsys.readouterr()
    assert main(["check", str(inst), str(sol)]) == 0
    assert capsys.readouterr().out.strip() == f"feasible: weighted_tardiness {r.objective}"
    assert main(["check", str(inst), str(sol), "--objective", "makespan"]) == 0
    assert capsys.readouterr().out.strip() == f"feasible: makespan {p.objective(r.solution)}"
    data = json.loads(sol.read_text())
    data["objective"] = r.objective + 1
    sol.write_text(json.dumps(data))
    assert main(["check", str(inst), str(sol)]) == 1
    assert "objective mismatch: stated weighted_tardiness" in capsys.readouterr().out
    assert main(["check", str(inst), str(sol), "--objective", "tardy"]) == 2


def test_gantt_marks_tardy_jobs_and_due_dates(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from schedkit.plot.gantt import gantt, title_for

    p = weighted_tardiness_instance(sk.generate("jssp", n=5, m=3, seed=5), 1.0)
    r = sk.solve(p, method="rule:fifo", objective="weighted_tardiness")
    end = p.to_frame(r.solution).groupby("job")["end"].max()
    tardy = int(sum(end.to_numpy() > p.due))
    assert tardy > 0
    title = title_for(p, r.solution, "weighted_tardiness")
    assert title == f"{p.name}: weighted_tardiness {r.objective}, {tardy} of 5 jobs tardy"
    fig = gantt(p, r.solution, tmp_path / "g.png", title=title)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "due dates"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"tardy job ({tardy})" in labels and "due date" in labels
    assert (tmp_path / "g.png").stat().st_size > 0


def test_factory_example_file_is_its_script_output_and_cpsat_and_mip_agree() -> None:
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "examples"
    spec = importlib.util.spec_from_file_location("make_factory", root / "make_factory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    p = sk.read(str(root / "factory.json"))
    assert p == module.factory()
    values = set()
    for method in ("cpsat", "mip"):
        r = sk.solve(p, method=method, objective="weighted_tardiness", time_limit=60, workers=2)
        assert r.status is sk.Status.OPTIMAL and sk.check(p, r.solution) == []
        values.add(r.objective)
    assert len(values) == 1
