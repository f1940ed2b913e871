"""FJSP problem class, checker, .fjs format, generator and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.cli import main
from schedkit.formats import fjs
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.problems.jobshop import JobShop

TOY = "2 2 1.33\n2 2 1 5 2 3 1 2 2\n1 1 1 4\n"  # the README's example


def toy() -> FlexibleJobShop:
    return fjs.read(TOY, "toy.fjs")


def test_toy_data_and_bound() -> None:
    p = toy()
    assert (p.num_jobs, p.num_machines, p.num_operations, p.num_alternatives) == (2, 2, 3, 4)
    assert p.jobs() == [[[(0, 5), (1, 3)], [(1, 2)]], [[(0, 4)]]]
    # longest job 3 + 2 = 5; total shortest work 9 over 2 machines -> 5; fixed loads M0 4, M1 2
    assert p.lower_bound() == 5
    assert p.summary()["machines per operation"] == pytest.approx(4 / 3, abs=1e-3)


def good_solution(p: FlexibleJobShop) -> FlexibleSolution:
    # job 0: op 0 on M1 [0,3), op 1 on M1 [3,5); job 1: op 0 on M0 [0,4)
    return FlexibleSolution.from_assignment(p, [1, 1, 0], [0, 3, 0])


def test_checker_accepts_and_objective() -> None:
    p = toy()
    sol = good_solution(p)
    assert p.violations(sol) == []
    assert p.objective(sol) == 5
    assert [b.resource for b in p.gantt(sol)] == ["M1", "M1", "M0"]


def _mutate(sol: FlexibleSolution, **changes: list[int]) -> FlexibleSolution:
    arrays = {k: np.array(getattr(sol, k)) for k in ("job", "op", "machine", "start", "end")}
    for k, v in changes.items():
        arrays[k] = np.array(v, dtype=np.int64)
    return FlexibleSolution(**arrays)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"machine": [0, 0, 0], "end": [3, 5, 4]}, "not eligible"),  # op (0,1) on M0
        ({"end": [4, 5, 4]}, "lasts 4 on machine 1, duration there is 3"),
        ({"start": [0, 2, 0], "end": [3, 4, 4]}, "precedence"),
        ({"machine": [1, 1, 1], "end": [3, 5, 4]}, "not eligible"),
        ({"machine": [7, 1, 0]}, "out of range"),
        ({"start": [-1, 3, 0], "end": [2, 5, 4]}, "< 0"),
    ],
)
def test_checker_rejects(changes: dict[str, list[int]], message: str) -> None:
    p = toy()
    bad = p.violations(_mutate(good_solution(p), **changes))
    assert any(message in v for v in bad), bad


def test_checker_machine_overlap_and_set_errors() -> None:
    p = FlexibleJobShop.from_jobs([[[(0, 3), (1, 3)]], [[(0, 2)]], [[(0, 1)]]])
    sol = FlexibleSolution.from_assignment(p, [0, 0, 0], [0, 2, 3])
    assert any("overlaps" in v for v in p.violations(sol))
    # a zero-length entry between two overlapping ones must not hide the overlap
    q = FlexibleJobShop.from_jobs([[[(0, 5)]], [[(0, 0)]], [[(0, 2)]]])
    bad = q.violations(FlexibleSolution.from_assignment(q, [0, 0, 0], [0, 1, 2]))
    assert len(bad) == 1 and "overlaps" in bad[0]
    sol = FlexibleSolution.from_assignment(p, [1, 0, 0], [0, 0, 2])
    assert p.violations(sol) == []
    dup = _mutate(sol, job=[0, 0, 2], op=[0, 0, 0])
    msgs = p.violations(dup)
    assert any("scheduled 2 times" in v for v in msgs) and any("missing" in v for v in msgs)
    unknown = _mutate(sol, job=[0, 5, 2])
    assert any("unknown operation" in v for v in p.violations(unknown))


def test_solution_json_round_trip(tmp_path: Path) -> None:
    p = toy()
    path = tmp_path / "sol.json"
    sk.save_solution(p, good_solution(p), path)
    sol, stated = sk.load_solution(p, path)
    assert stated == 5 and p.violations(sol) == []
    data = json.loads(path.read_text())
    data["solution"]["operations"][0]["machine"] = "x"
    path.write_text(json.dumps(data))
    with pytest.raises(sk.SolutionFormatError):
        sk.load_solution(p, path)


def test_invalid_problem_data() -> None:
    with pytest.raises(sk.InvalidProblemError, match="no eligible machine"):
        FlexibleJobShop(np.array([0, 1]), np.array([0, 0]), np.array([]), np.array([]), 2)
    with pytest.raises(sk.InvalidProblemError, match="listed twice"):
        FlexibleJobShop.from_jobs([[[(0, 1), (0, 2)]]])
    with pytest.raises(sk.InvalidProblemError, match="out of range"):
        FlexibleJobShop.from_jobs([[[(3, 1)]]], num_machines=2)


def test_from_jobshop() -> None:
    js = JobShop.from_jobs([[(0, 3), (1, 2)], [(1, 4), (0, 1)]])
    p = FlexibleJobShop.from_jobshop(js)
    assert p.jobs() == [[[(0, 3)], [(1, 2)]], [[(1, 4)], [(0, 1)]]]
    assert p.lower_bound() == js.lower_bound()


def test_write_read_round_trip(tmp_path: Path) -> None:
    p = sk.generate("fjsp", n=6, m=4, ops=[2, 5], flexibility=2.5, seed=7)
    path = tmp_path / "g.fjs"
    sk.write(p, path)
    q = sk.read(path)
    assert q == p and q.kind == "fjsp"
    assert fjs.read(fjs.write(q), "again.fjs") == p


def test_round_trip_shared() -> None:
    path = shared_path("fjsp", "brandimarte", "mk10.fjs")
    p = sk.read(path)
    assert fjs.read(fjs.write(p), "mk10.fjs") == p
    assert (p.num_jobs, p.num_machines) == (20, 15)


def test_generator() -> None:
    a = sk.generate("fjsp", n=30, m=8, flexibility=3.0, seed=1)
    b = sk.generate("fjsp", n=30, m=8, flexibility=3.0, seed=1)
    assert a == b and a != sk.generate("fjsp", n=30, m=8, flexibility=3.0, seed=2)
    assert a.num_operations == 30 * 8
    assert 2.6 < a.flexibility() < 3.4
    assert sk.generate("fjsp", n=5, m=4, flexibility=1, seed=0).flexibility() == 1
    assert sk.generate("fjsp", n=5, m=4, flexibility=4, seed=0).flexibility() == 4
    for bad in ({"flexibility": 9}, {"n": 0}, {"low": 5, "high": 2}, {"ops": [3]}, {"seed": -1}):
        with pytest.raises(sk.InvalidParameterError):
            sk.generate("fjsp", **bad)


def test_sniffer() -> None:
    assert fjs.sniff(TOY)
    assert fjs.sniff("2 2\n2 1 1 5\n")  # damaged, but still for the .fjs parser to explain
    assert not fjs.sniff("Nb of jobs, Nb of Machines\n2 2\nTimes\n")
    assert not fjs.sniff("2 2\n0 3 1\n")  # no operations: not a job line
    # without the .fjs extension a plain job-shop file is still read as JSSP
    assert sk.read(shared_path("jssp", "ft", "ft06.txt")).kind == "jssp"


def test_detected_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "kacem.txt"
    path.write_text(TOY)
    assert sk.read(path) == toy()


BAD_FJS = {
    "no_eligible_machine": ("2 2\n2 0 1 1 2 2\n1 1 1 4\n", 2, "no eligible machine"),
    "machine_out_of_range": ("2 2\n2 2 1 5 3 3 1 2 2\n1 1 1 4\n", 2, "machine 3 out of range 1..2"),
    "machine_zero": ("2 2\n1 1 0 5\n1 1 1 4\n", 2, "machine 0 out of range"),
    "count_too_small": ("2 2\n1 1 1 5 2 3\n1 1 1 4\n", 2, "does not match"),
    "count_too_large": ("2 2\n2 2 1 5 2 3\n1 1 1 4\n", 2, "line ends after"),
    "pairs_truncated": ("2 2\n2 2 1 5 2\n1 1 1 4\n", 2, "truncated line"),
    "ops_count_too_large": ("2 2\n3 2 1 5 2 3 1 2 2\n1 1 1 4\n", 2, "line ends after 2 of 3 operations"),
    "negative_duration": ("2 2\n1 1 1 -5\n1 1 1 4\n", 2, "negative duration"),
    "non_integer_duration": ("2 2\n1 1 1 2.5\n1 1 1 4\n", 2, "not an integer"),
    "missing_job_line": ("3 2\n1 1 1 5\n1 1 1 4\n", 4, "expected the line of job 3"),
    "trailing_garbage": ("2 2\n1 1 1 5\n1 1 1 4\nxyz 1\n", 4, "unexpected data"),
    "bad_header": ("2\n1 1 1 5\n", 1, "header"),
    "zero_operations": ("1 2\n0\n", 2, "number of operations must be >= 1"),
    "machine_twice": ("1 2\n1 2 1 5 1 3\n", 2, "listed twice"),
}


@pytest.mark.parametrize("case", sorted(BAD_FJS))
def test_bad_fjs(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, line, message = BAD_FJS[case]
    path = tmp_path / "bad.fjs"
    path.write_text(text)
    with pytest.raises(sk.ParseError) as info:
        sk.read(path)
    assert info.value.line == line and message in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")
    code = main(["solve", str(path), "-t", "5"])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and f"bad.fjs:{line}" in lines[0]
    assert "Traceback" not in out + err


def test_cli_verbs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst = tmp_path / "g.fjs"
    assert main(["generate", "-o", str(inst), "fjsp", "--n", "4", "--m", "3", "--flexibility", "2"]) == 0
    assert main(["info", str(inst)]) == 0
    assert "machines per operation" in capsys.readouterr().out
    sol = tmp_path / "sol.json"
    chart = tmp_path / "chart.png"
    code = main(["solve", str(inst), "-m", "rule:mopnr+ll", "-o", str(sol), "--gantt", str(chart)])
    assert code == 0 and chart.stat().st_size > 0
    assert main(["check", str(inst), str(sol)]) == 0
    code = main(["solve", str(inst), "-t", "10", "-w", "2", "--hint", str(sol)])
    assert code == 0 and "status OPTIMAL" in capsys.readouterr().out
    assert main(["methods", "fjsp"]) == 0
    listed = capsys.readouterr().out
    assert "rule:mwkr+ect" in listed and "mip-cbc" in listed
    assert main(["solve", str(inst), "-m", "rule:lpt+ect"]) == 2
