"""RCPSP problem class, checker, PSPLIB/Patterson formats, generator, CLI, resource profile."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

import schedkit as sk
from schedkit.cli import main
from schedkit.formats.psplib import read_rcp, read_sm, write_rcp, write_sm
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution


def toy() -> Rcpsp:
    """The README sketch: jobs 2 and 3 cannot overlap, optimum 5."""
    return Rcpsp.from_lists([0, 3, 2, 0], [[0], [2], [1], [0]], [2], [[1, 2], [3], [3], []], name="toy")


def brute_force_ok(problem: Rcpsp, start: np.ndarray) -> bool:
    """Feasibility by plain loops over every time unit (a second, naive checker)."""
    end = start + problem.duration
    if (start < 0).any():
        return False
    for a, b in zip(problem.edge_from, problem.edge_to, strict=True):
        if start[b] < end[a]:
            return False
    for t in range(int(end.max(initial=0))):
        running = (start <= t) & (t < end)
        if (problem.demand[running].sum(axis=0) > problem.capacity).any():
            return False
    return True


# problem and checker ---------------------------------------------------------------------------------
def test_toy_bounds_and_summary():
    p = toy()
    assert p.critical_path_length() == 3
    assert p.energy_bound() == 4  # (3*2 + 2*1) / 2
    assert p.lower_bound() == 4  # the larger of the two
    s = p.summary()
    assert s["critical-path bound"] == 3 and s["activities"] == 4 and s["dummy activities"] == 2


def test_checker_accepts_feasible_and_names_each_violation():
    p = toy()
    assert p.violations(RcpspSolution([0, 0, 3, 5])) == []
    assert p.objective(RcpspSolution([0, 0, 3, 5])) == 5
    over = p.violations(RcpspSolution([0, 0, 0, 3]))
    assert any("R1 overloaded at time 0" in v and "usage 3 > capacity 2" in v for v in over)
    prec = p.violations(RcpspSolution([0, 0, 3, 4]))
    assert prec == ["precedence: activity 4 starts at 4 before activity 3 ends at 5"]
    assert "activity 2 starts at -1 < 0" in p.violations(RcpspSolution([0, -1, 3, 5]))
    assert "activity 4 missing" in p.violations(RcpspSolution([0, 0, 3]))
    missing = p.solution_from_dict({"start": [0, None, 3, 5]})
    assert "activity 2 missing" in p.violations(missing)
    assert any("5 start times" in v for v in p.violations(RcpspSolution([0, 0, 3, 5, 9])))


def test_checker_touching_intervals_are_not_overlaps():
    p = toy()
    # job 3 ends at 2 exactly when job 2 starts: no overload
    assert p.violations(RcpspSolution([0, 2, 0, 5])) == []


def test_objective_mismatch_reported_by_api_check():
    p = toy()
    sol = RcpspSolution([0, 0, 3, 5])
    assert sk.check(p, sol, objective=5) == []
    assert any("objective mismatch" in v for v in sk.check(p, sol, objective=4))


def test_solution_dict_round_trip_and_bad_entries():
    p = toy()
    sol = RcpspSolution([0, 0, 3, 5])
    again = p.solution_from_dict(sol.to_dict())
    assert np.array_equal(again.start, sol.start)
    with pytest.raises(sk.SolutionFormatError):
        p.solution_from_dict({"start": [0, "x", 3, 5]})
    with pytest.raises(sk.SolutionFormatError):
        p.solution_from_dict({"starts": []})


def test_invalid_problems_rejected():
    with pytest.raises(sk.InvalidProblemError, match="cycle"):
        Rcpsp.from_lists([1, 1], [[0], [0]], [1], [[1], [0]])
    with pytest.raises(sk.InvalidProblemError, match="capacity"):
        Rcpsp.from_lists([1], [[3]], [2], [[]])
    with pytest.raises(sk.InvalidProblemError, match="does not exist"):
        Rcpsp.from_lists([1], [[0]], [1], [[5]])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.integers(-3, 3), which=st.integers(0, 11))
def test_checker_agrees_with_brute_force(seed: int, shift: int, which: int):
    p = sk.generate("rcpsp", n=10, resources=2, rs=0.3, seed=seed)
    start = sk.solve(p, "rule:lft").solution.start.copy()
    assert p.violations(RcpspSolution(start)) == [] and brute_force_ok(p, start)
    start[which % p.num_activities] += shift
    assert (p.violations(RcpspSolution(start)) == []) == brute_force_ok(p, start)


# formats ---------------------------------------------------------------------------------------------
def test_sm_round_trip_toy_and_patterson():
    p = toy()
    assert read_sm(write_sm(p), "toy.sm") == p
    assert read_rcp(write_rcp(p), "toy.rcp") == p
    assert sk.solve(read_sm(write_sm(p), "toy.sm"), "cpsat", workers=1).objective == 5


def test_psplib_files_round_trip_and_critical_path_is_mpm_time(tmp_path):
    folder = shared_path("rcpsp", "j30")
    for f in sorted(folder.glob("*.sm"))[::12]:
        p = sk.read(f)
        text = f.read_text()
        mpm = int(re.search(r"PROJECT INFORMATION:\s*\n.*\n\s*(\d+(?:\s+\d+){5})", text).group(1).split()[-1])
        assert p.critical_path_length() == mpm, f.name
        for fmt, ext in (("psplib-sm", ".sm"), ("patterson", ".rcp")):
            out = tmp_path / (p.name + ext)
            sk.write(p, out, format=fmt)
            again = sk.read(out)
            assert again == p and again.name == p.name


def test_all_psplib_files_parse():
    for group in ("j30", "j60", "j120"):
        folder = shared_path("rcpsp", group)
        files = sorted(folder.glob("*.sm"))
        assert len(files) in (480, 600)
        for f in files[::5]:
            p = sk.read(f)
            assert p.num_activities == int(group[1:]) + 2 and p.num_resources == 4


GOOD_SM = write_sm(toy())
GOOD_RCP = write_rcp(toy())


def _line_of(text: str, pattern: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if re.search(pattern, line):
            return i
    raise AssertionError(pattern)


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


def _sm_cases() -> list[tuple[str, str, int, str]]:
    """(case, text, expected line, message fragment) for the .sm reader."""
    prec2 = _line_of(GOOD_SM, r"^\s+2\s+1\s+1\s+4$")
    prec1 = _line_of(GOOD_SM, r"^\s+1\s+1\s+2\s+2\s+3$")
    prec4 = _line_of(GOOD_SM, r"^\s+4\s+1\s+0$")
    req2 = _line_of(GOOD_SM, r"^\s+2\s+1\s+3\s+2$")
    req3 = _line_of(GOOD_SM, r"^\s+3\s+1\s+2\s+1$")
    cycle = _replace_line(GOOD_SM, prec4, "    4        1         1        2")
    lines = GOOD_SM.splitlines()
    truncated = "\n".join(lines[: req3 - 1]) + "\n"
    cut_prec = "\n".join(lines[:prec2]) + "\n"
    return [
        ("cycle", cycle, prec2, "precedence cycle"),
        ("demand", _replace_line(GOOD_SM, req2, "    2    1     3     3"), req2, "above its capacity"),
        (
            "successor",
            _replace_line(GOOD_SM, prec1, "    1        1         2     2   9"),
            prec1,
            "does not exist",
        ),
        ("truncated", truncated, req3, "REQUESTS/DURATIONS block ends after 2 of 4 rows: truncated"),
        ("truncated_prec", cut_prec, prec2 + 1, "PRECEDENCE RELATIONS block ends after 2 of 4 rows"),
        ("modes", _replace_line(GOOD_SM, prec2, "    2        2         1     4"), prec2, "modes"),
        ("columns", _replace_line(GOOD_SM, req2, "    2    1     3     2   7"), req2, "demands"),
    ]


def _rcp_cases() -> list[tuple[str, str, int, str]]:
    rows = GOOD_RCP.splitlines()
    return [
        ("cycle", _replace_line(GOOD_RCP, 6, "0 0 1 2"), 4, "precedence cycle"),
        ("demand", _replace_line(GOOD_RCP, 4, "3 3 1 4"), 4, "above its capacity"),
        ("successor", _replace_line(GOOD_RCP, 3, "0 0 2 2 9"), 3, "does not exist"),
        ("truncated", "\n".join(rows[:4]) + "\n", 5, "truncated"),
        ("columns", _replace_line(GOOD_RCP, 4, "3 2 7 1 4"), 4, "demand columns"),
    ]


@pytest.mark.parametrize("case", _sm_cases(), ids=lambda c: c[0])
def test_sm_bad_input_one_line_error_with_line(case, tmp_path):
    name, text, line, fragment = case
    path = tmp_path / f"bad_{name}.sm"
    path.write_text(text)
    with pytest.raises(sk.ParseError) as info:
        sk.read(path)
    msg = str(info.value)
    assert "\n" not in msg and fragment in msg, msg
    assert msg.startswith(f"{path}:{line}:"), msg


@pytest.mark.parametrize("case", _rcp_cases(), ids=lambda c: c[0])
def test_rcp_bad_input_one_line_error_with_line(case, tmp_path):
    name, text, line, fragment = case
    path = tmp_path / f"bad_{name}.rcp"
    path.write_text(text)
    with pytest.raises(sk.ParseError) as info:
        sk.read(path)
    msg = str(info.value)
    assert "\n" not in msg and fragment in msg, msg
    assert msg.startswith(f"{path}:{line}:"), msg


CLI = [sys.executable, "-c", "from schedkit.cli import entry; entry()"]


@pytest.mark.parametrize("case", _sm_cases() + _rcp_cases(), ids=lambda c: c[0])
def test_cli_exit_2_one_line(case, tmp_path, capsys):
    name, text, line, _ = case
    ext = ".rcp" if text.lstrip()[0].isdigit() else ".sm"
    path = tmp_path / f"bad_{name}{ext}"
    path.write_text(text)
    assert main(["solve", str(path), "-t", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path}:{line}:" in err[0]


def test_cli_process_exit_2_without_traceback(tmp_path):
    name, text, line, _ = _sm_cases()[0]
    path = tmp_path / "bad.sm"
    path.write_text(text)
    proc = subprocess.run([*CLI, "info", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and f"{path}:{line}:" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_info_solve_check_generate(tmp_path):
    inst = tmp_path / "toy.sm"
    inst.write_text(GOOD_SM)
    run = CLI
    info = subprocess.run([*run, "info", str(inst)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0 and "critical-path bound" in info.stdout
    sol = tmp_path / "sol.json"
    solved = subprocess.run(
        [*run, "solve", str(inst), "-m", "rule:lft+fbi", "-o", str(sol)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert solved.returncode == 0 and "makespan 5" in solved.stdout
    checked = subprocess.run([*run, "check", str(inst), str(sol)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    out = tmp_path / "gen.sm"
    gen = subprocess.run(
        [*run, "generate", "rcpsp", "--n", "12", "--seed", "4", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gen.returncode == 0 and sk.read(out).num_activities == 14


# generator -------------------------------------------------------------------------------------------
def test_generator_seeded_and_reproducible():
    a = sk.generate("rcpsp", n=40, resources=3, nc=1.8, rf=0.75, rs=0.25, seed=7)
    b = sk.generate("rcpsp", n=40, resources=3, nc=1.8, rf=0.75, rs=0.25, seed=7)
    c = sk.generate("rcpsp", n=40, resources=3, nc=1.8, rf=0.75, rs=0.25, seed=8)
    assert a == b and sk.write(a) == sk.write(b)
    assert a != c
    assert a.num_activities == 42 and a.num_resources == 3
    assert 1.6 <= len(a.edge_to) / a.num_activities <= 2.0  # network complexity close to 1.8
    uses = (a.demand[1:-1] > 0).mean()
    assert 0.55 <= uses <= 0.95  # resource factor 0.75
    assert (a.demand.max(axis=0) <= a.capacity).all()


def test_generator_resource_strength_orders_capacity():
    tight = sk.generate("rcpsp", n=30, rs=0.0, seed=1)
    loose = sk.generate("rcpsp", n=30, rs=1.0, seed=1)
    assert np.array_equal(tight.capacity, np.maximum(1, tight.demand.max(axis=0)))
    assert (loose.capacity >= tight.capacity).all()
    # with rs = 1 the earliest-start schedule is feasible: the optimum is the critical path
    assert sk.solve(loose, "cpsat", time_limit=10, workers=1).objective == loose.critical_path_length()


@pytest.mark.parametrize("bad", [{"n": 0}, {"rs": 1.5}, {"rf": -0.1}, {"seed": -1}, {"n": 2.5}])
def test_generator_rejects_bad_parameters(bad):
    with pytest.raises(sk.InvalidParameterError):
        sk.generate("rcpsp", **bad)


# resource profile -----------------------------------------------------------------------------------
def test_resource_profile_chart(tmp_path):
    from schedkit.plot.profile import resource_profile, usage_profile

    p = sk.generate("rcpsp", n=15, seed=2)
    sol = sk.solve(p, "rule:lst/parallel").solution
    times, usage = usage_profile(p, sol)
    end = sol.start + p.duration
    for i, t in enumerate(times):
        running = (sol.start <= t) & (t < end)
        assert np.array_equal(usage[i], p.demand[running].sum(axis=0))
    path = tmp_path / "profile.png"
    resource_profile(p, sol, path)
    assert path.stat().st_size > 1000


# derived facts used by the exact methods ------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_precedence_energy_and_cliques_hold_in_feasible_schedules(seed: int):
    p = sk.generate("rcpsp", n=30, resources=3, rf=0.8, rs=0.1, seed=seed)
    head, tail = p.precedence_energy()
    assert (head >= 0).all() and (tail >= 0).all() and tail.max() > 0
    cliques = p.disjunctive_cliques()
    for clique in cliques:
        assert len(clique) >= 3
        for i in clique:
            for j in clique:
                if i != j:
                    assert ((p.demand[i] + p.demand[j]) > p.capacity).any()
    for name in ("rule:lft", "rule:grpw/parallel+fbi", "cpsat"):
        s = sk.solve(p, name, time_limit=1, workers=1).solution
        span = p.objective(s)
        assert (s.start >= head).all()
        assert (s.start + p.duration + tail <= span).all()
        for clique in cliques:
            order = sorted(clique, key=lambda j: s.start[j])
            for a, b in zip(order, order[1:], strict=False):
                assert s.start[b] >= s.start[a] + p.duration[a]
