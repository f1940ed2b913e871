"""The common interface: solve's checks, solution files, format detection, CLI verbs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import schedkit as sk
from schedkit import registry
from schedkit.cli import main
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status

TOY = JobShop.from_jobs([[(0, 3), (1, 2)], [(1, 4), (0, 1)]], name="toy")


def test_solve_validates_parameters() -> None:
    for kwargs in (
        {"time_limit": -1},
        {"time_limit": float("nan")},
        {"workers": 0},
        {"seed": -1},
        {"seed": 2**31},
        {"time_limit": "5"},
    ):
        with pytest.raises(sk.InvalidParameterError):
            sk.solve(TOY, "cpsat", **kwargs)
    with pytest.raises(sk.UnknownMethodError, match="unknown method 'nope'"):
        sk.solve(TOY, "nope")
    with pytest.raises(sk.InvalidParameterError, match="no option 'bogus'"):
        sk.solve(TOY, "cpsat", bogus=1)


@pytest.mark.parametrize(
    ("method", "options", "message"),
    [
        ("ts", {"stall": float("nan")}, "option stall must be an integer >= 1"),
        ("ts", {"iterations": "abc"}, "option iterations must be an integer"),
        ("ts", {"tenure_lo": 20, "tenure_hi": 5}, "option tenure_hi must be an integer >= 20"),
        ("auto", {"cp_first": 2}, r"option cp_first must be a number in \[0, 1\]"),
        ("auto", {"cp_first": "abc"}, "option cp_first must be a number"),
    ],
)
def test_bad_option_values_are_one_line_errors(method: str, options: dict, message: str) -> None:
    with pytest.raises(sk.InvalidParameterError, match=message):
        sk.solve(TOY, method, time_limit=1, **options)


def test_boolean_and_choice_options_are_checked() -> None:
    rcpsp = sk.generate("rcpsp", n=10, seed=1)
    with pytest.raises(sk.InvalidParameterError, match="option cliques must be true or false"):
        sk.solve(rcpsp, "cpsat", time_limit=1, cliques="maybe")
    assert sk.solve(rcpsp, "cpsat", time_limit=5, cliques="no").solution is not None
    with pytest.raises(sk.InvalidParameterError, match="option precedence must be one of"):
        sk.solve(rcpsp, "mip", time_limit=1, precedence="both")


def test_solve_rechecks_and_reports_bugs() -> None:
    def broken(problem: JobShop, ctx: object) -> Result:
        return Result(
            Status.FEASIBLE, None, None, JobShopSolution.from_starts(problem, np.zeros(4, dtype=int))
        )

    def lying(problem: JobShop, ctx: object) -> Result:
        sol = JobShopSolution.from_starts(problem, [0, 4, 0, 4])
        return Result(Status.FEASIBLE, None, 99, sol)

    registry.register_method("jssp", "test:broken", broken, "test only", family="rule")  # type: ignore[arg-type]
    registry.register_method("jssp", "test:lying", lying, "test only", family="rule")  # type: ignore[arg-type]
    try:
        with pytest.raises(sk.SolverBugError, match="infeasible"):
            sk.solve(TOY, "test:broken")
        with pytest.raises(sk.SolverBugError, match="lower bound 99"):
            sk.solve(TOY, "test:lying")
    finally:
        del registry.kind_info("jssp").methods["test:broken"]
        del registry.kind_info("jssp").methods["test:lying"]


def test_cpsat_result_fields(demo: Path) -> None:
    p = sk.read(demo)
    r = sk.solve(p, "cpsat", time_limit=20, workers=2, seed=0)
    assert r.status is Status.OPTIMAL and r.objective == r.lower_bound
    assert r.method == "cpsat" and r.problem_kind == "jssp" and r.runtime > 0
    assert sk.check(p, r) == [] and r.gap == 0
    # time limit 0 still returns a result object, never an exception
    r0 = sk.solve(p, "cpsat", time_limit=0, workers=1)
    assert r0.status in (Status.UNKNOWN, Status.FEASIBLE, Status.OPTIMAL)


def test_solution_file_round_trip_and_mismatch(tmp_path: Path, demo: Path) -> None:
    p = sk.read(demo)
    r = sk.solve(p, "cpsat", time_limit=20, workers=2)
    path = tmp_path / "sol.json"
    sk.save_solution(p, r, path)
    sol, stated = sk.load_solution(p, path)
    assert stated == r.objective and sk.check(p, sol, stated) == []
    assert np.array_equal(sol.starts(p), r.solution.starts(p))
    data = json.loads(path.read_text())
    data["objective"] = r.objective - 1
    path.write_text(json.dumps(data))
    sol, stated = sk.load_solution(p, path)
    assert any("objective mismatch" in v for v in sk.check(p, sol, stated))
    path.write_text("{not json")
    with pytest.raises(sk.SolutionFormatError, match="not a JSON"):
        sk.load_solution(p, path)


def test_format_detection(tmp_path: Path) -> None:
    plain = tmp_path / "a.txt"
    sk.write(TOY, plain)
    taillard = tmp_path / "b.txt"
    sk.write(TOY, taillard, format="taillard")
    assert "Times" in taillard.read_text()
    assert sk.read(plain) == TOY and sk.read(taillard) == TOY
    assert sk.read(taillard, format="taillard") == TOY
    with pytest.raises(sk.ParseError):
        sk.read(plain, format="taillard")


def test_cli_solve_check_info(tmp_path: Path, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sol, chart = tmp_path / "s.json", tmp_path / "g.png"
    assert main(["solve", str(demo), "-t", "20", "-w", "2", "--out", str(sol), "--gantt", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "status OPTIMAL" in out and "makespan" in out and "lower bound" in out and "time" in out
    assert chart.stat().st_size > 1000
    assert main(["check", str(demo), str(sol)]) == 0
    assert "feasible: makespan" in capsys.readouterr().out
    data = json.loads(sol.read_text())
    ops = data["solution"]["operations"]
    ops[1]["start"] = ops[0]["start"]  # break precedence / duration consistency
    ops.pop()  # and lose an operation
    sol.write_text(json.dumps(data))
    assert main(["check", str(demo), str(sol)]) == 1
    out = capsys.readouterr().out
    assert "infeasible" in out and "missing" in out
    assert main(["info", str(demo)]) == 0
    assert "trivial lower bound" in capsys.readouterr().out
    assert main(["methods", "jssp"]) == 0 and "cpsat" in capsys.readouterr().out
    assert main(["formats"]) == 0 and "taillard" in capsys.readouterr().out


def test_cli_resource_profile(tmp_path: Path, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst = tmp_path / "p.sm"
    sk.write(sk.generate("rcpsp", n=8, seed=3), inst)
    chart = tmp_path / "profile.png"
    assert main(["solve", str(inst), "-m", "rule:lft+fbi", "--profile", str(chart)]) == 0
    assert chart.stat().st_size > 1000
    assert main(["solve", str(demo), "--profile", str(chart)]) == 2
    assert "RCPSP" in capsys.readouterr().err


def test_hint_with_unknown_operations_is_harmless(tmp_path: Path, demo: Path) -> None:
    p = sk.read(demo)
    r = sk.solve(p, "rule:mwkr")
    data = r.solution.to_dict()
    data["operations"].append({"job": 0, "op": 99, "machine": 0, "start": 0, "end": 1})
    data["operations"].append({"job": 99, "op": 0, "machine": 0, "start": 0, "end": 1})
    hint = p.solution_from_dict(data)
    assert any("unknown operation" in v for v in sk.check(p, hint))
    out = sk.solve(p, "cpsat", time_limit=10, workers=1, hint=hint)
    assert sk.check(p, out) == [] and out.objective <= r.objective


def test_cli_info_json_keeps_numbers_and_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rcpsp = tmp_path / "p.sm"
    sk.write(sk.generate("rcpsp", n=8, resources=3, seed=3), rcpsp)
    assert main(["info", str(rcpsp), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["capacities"] == [int(c) for c in sk.read(rcpsp).capacity]
    smtt = tmp_path / "w.smtt"
    problem = sk.generate("smtt", n=6, tf=0.5, rdd=0.5, weighted=True, seed=1)
    sk.write(problem, smtt)
    assert main(["info", str(smtt), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["min due date"] == int(problem.d.min()) and facts["max weight"] == int(problem.w.max())
    assert main(["info", str(rcpsp)]) == 0
    assert " ".join(str(c) for c in sk.read(rcpsp).capacity) in capsys.readouterr().out


def test_load_solution_refuses_a_file_of_another_instance(tmp_path: Path, demo: Path) -> None:
    big, small = sk.read(demo), TOY
    path = tmp_path / "sol.json"
    sk.save_solution(big, sk.solve(big, "rule:spt"), path)
    with pytest.raises(sk.SolutionFormatError, match="saved for instance jssp_demo_8x5 .*not for toy"):
        sk.load_solution(small, path)
    solution, _ = sk.load_solution(small, path, any_instance=True)  # what 'schedkit check' reads
    assert sk.check(small, solution) != []


def test_solve_refuses_a_hint_that_does_not_fit(demo: Path) -> None:
    big = sk.read(demo)
    with pytest.raises(sk.InvalidParameterError, match="hint does not fit instance toy"):
        sk.solve(TOY, "cpsat", time_limit=5, hint=sk.solve(big, "rule:spt"))
    with pytest.raises(sk.InvalidParameterError, match="it covers 4 of the instance's"):
        sk.solve(big, "rule:spt", hint=sk.solve(TOY, "rule:spt"))


def test_result_method_is_the_registered_name() -> None:
    assert sk.solve(TOY, "Rule:MWKR").method == "rule:mwkr"
    assert registry.method_info("jssp", "CPSAT").name == "cpsat"


def test_bench_methods_are_matched_ignoring_case() -> None:
    from schedkit.bench import parse_methods

    assert parse_methods("CPSAT,cpsat, Rule:MWKR") == ["cpsat", "rule:mwkr"]
