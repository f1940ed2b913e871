"""Bad input never gives a traceback: one line naming file/line/value, exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from schedkit.cli import main

BAD_JSSP = {
    "truncated_job_line": ("2 2\n0 3 1\n", "bad.txt:2"),
    "missing_job_line": ("2 2\n0 3 1 2\n", "bad.txt:3"),
    "header_not_numbers": ("x y\n", "bad.txt:1"),
    "non_integer_duration": ("2 2\n0 3 1 2.5\n1 4 0 1\n", "bad.txt:2"),
    "negative_duration": ("2 2\n0 3 1 -2\n1 4 0 1\n", "bad.txt:2"),
    "machine_out_of_range": ("2 2\n0 3 1 2\n1 4 7 1\n", "bad.txt:3"),
    "machine_twice": ("2 2\n0 3 0 2\n1 4 0 1\n", "bad.txt:2"),
    "trailing_data": ("2 2\n0 3 1 2\n1 4 0 1\n5 5\n", "bad.txt:4"),
    "huge_number": ("2 2\n0 3 1 99999999999999999\n1 4 0 1\n", "bad.txt:2"),
    "taillard_short_machines": ("2 2\nTimes\n3 2\n4 1\nMachines\n1 2\n", "bad.txt"),
}


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", sorted(BAD_JSSP))
def test_bad_jssp_file(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, where = BAD_JSSP[case]
    path = tmp_path / "bad.txt"
    path.write_text(text)
    code, out, err = run_cli(["solve", str(path), "-t", "5"], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("schedkit: error: ")
    assert where in lines[0]
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x00\x01\x02binary", "binary"),
        (b"2 2\n\xff\xfe\n", "UTF-8"),
    ],
)
def test_unreadable_files(
    content: bytes, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(content)
    code, _, err = run_cli(["info", str(path)], capsys)
    assert code == 2 and message in err and str(path) in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["solve", str(tmp_path / "nope.txt")], capsys)
    assert code == 2 and "no such file" in err


def test_unknown_method(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["solve", str(demo), "--method", "magic"], capsys)
    assert code == 2 and "unknown method 'magic'" in err and "cpsat" in err


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--time-limit", "-1"),
        ("--workers", "0"),
        ("--seed", "-3"),
        ("--seed", "2147483648"),
        ("--time-limit", "abc"),
    ],
)
def test_bad_limits(demo: Path, flag: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["solve", str(demo), flag, value])
    assert exc.value.code == 2
    assert value in capsys.readouterr().err


def test_unknown_format_and_option(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["info", str(demo), "--format", "nope"], capsys)
    assert code == 2 and "unknown format 'nope'" in err
    code, _, err = run_cli(["info", str(demo), "--mnl", "5"], capsys)
    assert code == 2 and "'mnl'" in err
    code, _, err = run_cli(["solve", str(demo), "--option", "bogus=1"], capsys)
    assert code == 2 and "bogus" in err


def test_console_script_exit_status(tmp_path: Path) -> None:
    """The installed entry point behaves the same in a real process."""
    path = tmp_path / "bad.txt"
    path.write_text("2 2\n0 3 1\n")
    cp = subprocess.run(
        [sys.executable, "-c", "from schedkit.cli import entry; entry()", "solve", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cp.returncode == 2
    assert "Traceback" not in cp.stdout + cp.stderr
    assert f"{path}:2" in cp.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{missing}/sol.json"], "does not exist"),
        (["--out", "{tmp}"], "is a directory"),
        (["--gantt", "{tmp}/chart.txt"], "unknown image type"),
        (["--gantt", "{missing}/chart.png"], "does not exist"),
    ],
)
def test_output_paths_are_checked_before_solving(
    demo: Path, tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.format(tmp=tmp_path, missing=tmp_path / "missing") for a in args]
    code, out, err = run_cli(["solve", str(demo), "-m", "rule:spt", *args], capsys)
    assert code == 2 and message in err and err.count("\n") == 1
    assert "makespan" not in out  # refused before the solve, not after it


def test_bad_solution_files_are_one_line_errors(demo: Path, tmp_path: Path, capsys) -> None:
    sol = tmp_path / "sol.json"
    assert run_cli(["solve", str(demo), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    data = json.loads(sol.read_text())
    data["solution"]["operations"][0]["start"] = 10**30
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps(data))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + sol.read_bytes())
    for path, message in (
        (huge, "malformed solution"),
        (deep, "nested too deeply"),
        (tmp_path, "is a directory"),
    ):
        for cmd in (
            ["check", str(demo), str(path)],
            ["solve", str(demo), "-m", "rule:spt", "--hint", str(path)],
        ):
            code, _, err = run_cli(cmd, capsys)
            assert code == 2 and message in err and err.count("\n") == 1, (cmd, err)
    code, out, _ = run_cli(["check", str(demo), str(bom)], capsys)
    assert code == 0 and "feasible" in out


def test_generators_refuse_parameters_they_cannot_honour(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["generate", "vmr", "--pms", "3", "--vms", "1000"], capsys)
    assert code == 2 and "1000 VMs do not fit on 3 PMs" in err
    code, _, err = run_cli(["generate", "jssp", "--taillard", "ta01", "--n", "20"], capsys)
    assert code == 2 and "drop n" in err


def test_generator_parameters_missing_or_of_the_wrong_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["generate", "smtt"], capsys)
    assert code == 2 and "needs n, tf, rdd" in err
    code, _, err = run_cli(["generate", "fjsp", "--ops", "abc"], capsys)
    assert code == 2 and "bad parameter value" in err and err.count("\n") == 1


def test_argument_errors_are_one_line(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["solve", str(demo), "-t", "inf"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "schedkit solve --help" in err


def test_time_limit_none_runs_without_a_limit(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["solve", str(demo), "-m", "ts", "-t", "none", "--option", "iterations=500"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and "time limit none" in out


def test_check_notes_a_solution_saved_for_another_instance(tmp_path: Path, capsys) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for path, seed in ((a, 1), (b, 2)):
        assert (
            run_cli(
                ["generate", "jssp", "--n", "3", "--m", "2", "--seed", str(seed), "-o", str(path)], capsys
            )[0]
            == 0
        )
    sol = tmp_path / "sol.json"
    assert run_cli(["solve", str(a), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    _, _, err = run_cli(["check", str(b), str(sol)], capsys)
    assert "was saved for instance a, checked here against b" in err
    _, _, err = run_cli(["check", str(a), str(sol)], capsys)
    assert "saved for instance" not in err


def test_index_given_twice_must_agree(tmp_path: Path, capsys) -> None:
    path = tmp_path / "two.smtt"
    path.write_text("x")
    code, _, err = run_cli(["info", f"{path}#3", "--index", "4"], capsys)
    assert code == 2 and "names instance 3, but index=4" in err


def test_guessed_format_is_named_in_the_error(tmp_path: Path, capsys) -> None:
    """A .txt file no sniffer recognises is read as the extension's first format; the error says
    it was a guess and which formats --format could name instead."""
    path = tmp_path / "ta.txt"
    path.write_text("Nb of jobs, Nb of Machines\n15 15 x\n")
    code, _, err = run_cli(["info", str(path)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "(read as jssp, guessed" in err and "taillard" in err and "--format" in err
    code, _, err = run_cli(["info", str(path), "--format", "taillard"], capsys)
    assert code == 2 and "(read as" not in err


@pytest.mark.parametrize(
    ("kind", "params", "method", "what"),
    [
        ("jssp", {"n": 300, "m": 10, "seed": 1}, "mip", "ordering binaries"),
        ("fjsp", {"n": 150, "m": 10, "seed": 1}, "mip-cbc", "sequencing rows"),
        ("smtt", {"n": 600, "tf": 0.6, "rdd": 0.4, "seed": 1}, "mip", "position binaries"),
        (
            "smtt",
            {"n": 120, "tf": 0.6, "rdd": 0.4, "seed": 1},
            "mip --option formulation=lop",
            "transitivity",
        ),
    ],
)
def test_mip_refuses_models_too_large_for_memory(
    kind: str, params: dict, method: str, what: str, tmp_path: Path, capsys
) -> None:
    """A MIP that would need gigabytes is refused at once with one line naming the other methods,
    even without a time limit (it used to build until the memory ran out)."""
    import schedkit as sk

    path = tmp_path / f"big.{ {'jssp': 'txt', 'fjsp': 'fjs', 'smtt': 'smtt'}[kind] }"
    sk.write(sk.generate(kind, **params), path)
    name, *option = method.split(" ")
    code, out, err = run_cli(["solve", str(path), "-m", name, *option, "-t", "none"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert what in err and "limit 300,000" in err and "use " in err


def test_rcpsp_mip_refuses_a_long_horizon(tmp_path: Path, capsys) -> None:
    """300 activities of length 1-30 sharing one resource: a horizon of thousands of periods."""
    import numpy as np

    import schedkit as sk
    from schedkit.problems.rcpsp import Rcpsp

    rng = np.random.default_rng(1)
    n = 300
    problem = Rcpsp(
        duration=rng.integers(1, 31, n),
        demand=rng.integers(2, 4, (n, 1)),
        capacity=np.array([3]),
        succ_ptr=np.zeros(n + 1, dtype=np.int64),
        succ_idx=np.zeros(0, dtype=np.int64),
        name="wide",
    )
    path = tmp_path / "wide.sm"
    sk.write(problem, path)
    code, _, err = run_cli(["solve", str(path), "-m", "mip", "-t", "none"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "step binaries and precedence rows" in err and "use cpsat" in err


# solution files and hints saved for another instance (issue 14, item 2) -----------------------
def make_jssp(path: Path, n: int, m: int, seed: int) -> Path:
    import schedkit as sk

    sk.write(sk.generate("jssp", n=n, m=m, seed=seed), path)
    return path


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("schedkit: error: "), err
    return lines[0]


def test_hint_saved_for_an_instance_of_other_sizes_is_refused(tmp_path: Path, capsys) -> None:
    big, small = make_jssp(tmp_path / "big.txt", 6, 4, 1), make_jssp(tmp_path / "small.txt", 3, 2, 2)
    sol = tmp_path / "big.json"
    assert run_cli(["solve", str(big), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    code, out, err = run_cli(["solve", str(small), "-m", "cpsat", "--hint", str(sol)], capsys)
    line = one_error_line(err)
    assert code == 2 and "makespan" not in out
    assert "saved for instance big (6 jobs, 4 machines, 24 operations), not for small" in line


def test_hint_saved_under_another_name_is_refused_when_infeasible(tmp_path: Path, capsys) -> None:
    """Same sizes, other durations: the name differs and the schedule is infeasible here."""
    a, b = make_jssp(tmp_path / "a.txt", 4, 3, 1), make_jssp(tmp_path / "b.txt", 4, 3, 2)
    sol = tmp_path / "a.json"
    assert run_cli(["solve", str(a), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    code, _, err = run_cli(["solve", str(b), "-m", "rule:spt", "--hint", str(sol)], capsys)
    assert code == 2 and "saved for instance a, not for b: infeasible there" in one_error_line(err)


def test_hint_of_the_same_instance_still_works_even_renamed(tmp_path: Path, capsys) -> None:
    a = make_jssp(tmp_path / "a.txt", 4, 3, 1)
    copy = tmp_path / "renamed.txt"
    copy.write_text(a.read_text())
    sol = tmp_path / "a.json"
    assert run_cli(["solve", str(a), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    for path in (a, copy):
        code, out, err = run_cli(["solve", str(path), "-m", "cpsat", "-t", "5", "--hint", str(sol)], capsys)
        assert code == 0 and "makespan" in out and "error" not in err


def test_file_without_recorded_sizes_is_refused_when_it_does_not_fit(tmp_path: Path, capsys) -> None:
    """Files written before sizes were recorded: the solution itself shows it is too large."""
    big, small = make_jssp(tmp_path / "big.txt", 6, 4, 1), make_jssp(tmp_path / "small.txt", 3, 2, 2)
    sol = tmp_path / "big.json"
    assert run_cli(["solve", str(big), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    data = json.loads(sol.read_text())
    del data["size"]
    sol.write_text(json.dumps(data))
    code, _, err = run_cli(["solve", str(small), "-m", "rule:spt", "--hint", str(sol)], capsys)
    line = one_error_line(err)
    assert code == 2 and "does not fit small" in line and "18 of its 24 operations" in line


def test_check_lists_at_most_20_violations(tmp_path: Path, capsys) -> None:
    big, small = make_jssp(tmp_path / "big.txt", 10, 6, 1), make_jssp(tmp_path / "small.txt", 3, 2, 2)
    sol = tmp_path / "big.json"
    assert run_cli(["solve", str(big), "-m", "rule:spt", "--out", str(sol)], capsys)[0] == 0
    code, out, err = run_cli(["check", str(small), str(sol)], capsys)
    lines = out.strip().splitlines()
    total = int(lines[0].split()[1])  # "infeasible: M violations"
    assert code == 1 and total > 20 and "was saved for instance big" in err
    assert sum(line.startswith("  - ") for line in lines) == 20
    assert lines[-1] == f"  ... and {total - 20} more ({total} violations in all)"


# method names, --index and --format (issue 14, item 7) ----------------------------------------
def test_unknown_method_suggests_close_names(demo: Path, capsys) -> None:
    code, _, err = run_cli(["solve", str(demo), "-m", "cpsta"], capsys)
    line = one_error_line(err)
    assert code == 2 and "unknown method 'cpsta'" in line and "did you mean cpsat?" in line


@pytest.mark.parametrize(("typed", "registered"), [("CPSAT", "cpsat"), ("Rule:MWKR", "rule:mwkr")])
def test_method_names_ignore_case(demo: Path, typed: str, registered: str, capsys) -> None:
    code, out, _ = run_cli(["solve", str(demo), "-m", typed, "-t", "5"], capsys)
    assert code == 0 and f"method {registered}," in out


def test_index_on_a_single_instance_format_is_not_called_an_option(capsys) -> None:
    path = Path(__file__).resolve().parents[1] / "instances" / "jssp_10x10.txt"
    code, _, err = run_cli(["solve", str(path), "--index", "2"], capsys)
    line = one_error_line(err)
    assert code == 2 and "does not apply to format jssp" in line and "option" not in line


def test_wrong_format_names_the_format_the_content_looks_like(capsys) -> None:
    path = Path(__file__).resolve().parents[1] / "instances" / "jssp_10x10.txt"
    code, _, err = run_cli(["info", str(path), "--format", "fjs"], capsys)
    assert code == 2 and one_error_line(err).endswith("(the content looks like format jssp)")
