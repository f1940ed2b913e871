"""Single-machine tardiness: problem, checker, formats, generator, rules."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.cli import main
from schedkit.errors import InvalidParameterError, InvalidProblemError, ParseError
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.solvers.rules import tardiness as rules


def brute_force(problem: Tardiness) -> int:
    return min(problem.tardiness_of(perm) for perm in itertools.permutations(range(problem.num_jobs)))


# problem and checker ----------------------------------------------------------------------
def test_objective_and_checker() -> None:
    pr = Tardiness([4, 2, 6], [5, 2, 9], [1, 3, 2])
    sol = TardinessSolution([1, 0, 2])  # C = 2, 6, 12 -> T = 0, 1, 3 -> 1*1 + 2*3
    assert sk.check(pr, sol) == []
    assert pr.objective(sol) == 7
    assert sk.check(pr, sol, objective=7) == []
    assert "objective mismatch" in sk.check(pr, sol, objective=6)[0]
    bad = sk.check(pr, TardinessSolution([1, 1, 5]))
    assert any("unknown job 5" in m for m in bad)
    assert any("job 1 sequenced 2 times" in m for m in bad)
    assert any("job 0 missing" in m for m in bad) and any("job 2 missing" in m for m in bad)
    assert sk.check(pr, TardinessSolution([0, 1])) == ["job 2 missing from the sequence"]


def test_lower_bound_is_valid() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(1, 7))
        p = rng.integers(1, 20, n)
        pr = Tardiness(p, rng.integers(0, int(p.sum()) + 1, n), rng.integers(1, 5, n))
        assert pr.lower_bound() <= brute_force(pr)


def test_invalid_data() -> None:
    with pytest.raises(InvalidProblemError, match="negative processing time"):
        Tardiness([3, -1], [2, 2])
    with pytest.raises(InvalidProblemError, match="2 processing times but 1 due dates"):
        Tardiness([3, 1], [2])


# formats --------------------------------------------------------------------------------------
def test_orlib_reference_instance() -> None:
    path = shared_path("smtwt", "wt40", "wt40.txt")
    pr = sk.read(f"{path}#1")
    assert pr.name == "wt40_001" and pr.num_jobs == 40 and pr.weighted
    assert pr.p[:3].tolist() == [26, 24, 79] and pr.w[:2].tolist() == [1, 10]
    assert sk.read(path, index=125).name == "wt40_125"
    wt50 = sk.read(shared_path("smtwt", "wt50", "wt50.txt"), index=7)  # 20/20/10 numbers per line
    assert wt50.name == "wt50_007" and wt50.num_jobs == 50
    with pytest.raises(ParseError, match="out of range 1..125"):
        sk.read(path, index=126)
    with pytest.raises(ParseError, match="holds 125 instances"):
        sk.read(path)


def test_orlib_errors(tmp_path: Path) -> None:
    f = tmp_path / "wt3.txt"
    f.write_text("4 2 6\n1 3 2\n5 2\n")
    with pytest.raises(ParseError, match="8 numbers is not a multiple of 3 x 3"):
        sk.read(f)
    f.write_text("4 2 6 1 3 2 5 2 9\n")
    pr = sk.read(f)
    assert pr.p.tolist() == [4, 2, 6] and pr.w.tolist() == [1, 3, 2] and pr.d.tolist() == [5, 2, 9]
    g = tmp_path / "mine.txt"
    g.write_text("4 2 6 1 3 2 5 2 9\n4 2 6 1 3 2 5 2 9\n")
    assert sk.read(g, format="orlib-wt", n=3, index=2).d.tolist() == [5, 2, 9]
    with pytest.raises(ParseError, match="n=<jobs>"):
        sk.read(g, format="orlib-wt")


def test_text_and_json_round_trip(tmp_path: Path) -> None:
    for weighted in (False, True):
        pr = sk.generate("smtt", n=12, tf=0.6, rdd=0.4, weighted=weighted, seed=5)
        for ext, fmt in ((".smtt", "smtt"), (".json", "smtt-json")):
            path = tmp_path / f"x{ext}"
            sk.write(pr, path, format=fmt)
            back = sk.read(path)
            assert back == pr and back.weighted == weighted
        assert sk.read(tmp_path / "x.smtt").name == "x"


def test_text_detected_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("# my jobs\nsmtt 2\n3 4\n5 1\n")
    pr = sk.read(path)
    assert pr.p.tolist() == [3, 5] and pr.d.tolist() == [4, 1] and not pr.weighted


BAD_FILES = {
    "negative_p": ("bad.smtt", "smtt 2\n3 4\n-5 1\n", "bad.smtt:3", "negative processing time"),
    "missing_due_date": ("bad.smtt", "smtt 2\n3 4\n5\n", "bad.smtt:3", "expected 2 numbers"),
    "too_few_jobs": ("bad.smtt", "smtt 3\n3 4\n5 1\n", "bad.smtt:4", "file ends early"),
    "too_many_jobs": ("bad.smtt", "smtt 1\n3 4\n5 1\n", "bad.smtt:3", "unexpected data"),
    "bad_header": ("bad.smtt", "smtt two\n3 4\n", "bad.smtt:1", "not an integer"),
    "weight_missing": ("bad.smtt", "smtt 1 weighted\n3 4\n", "bad.smtt:2", "expected 3 numbers"),
    "orlib_count": ("wt2.txt", "1 2 3\n4 5 6\n7\n", "wt2.txt", "7 numbers is not a multiple of 3 x 2"),
    "orlib_negative": ("wt2.txt", "1 2 3\n4 -5 6\n", "wt2.txt:2", "job 0: negative due date -5"),
    "json_no_d": ("bad.json", '{"p": [1, 2]}', "bad.json", "missing list 'd'"),
    "json_counts": ("bad.json", '{"p": [1, 2], "d": [3]}', "bad.json", "2 processing times but 1"),
    "json_negative": ("bad.json", '{"p": [1, -2], "d": [3, 3]}', "bad.json", "negative processing time"),
    "json_syntax": ("bad.json", '{"p": [1, 2], "d": [3, 3]', "bad.json:1", "invalid JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_cli(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, text, where, what = BAD_FILES[case]
    path = tmp_path / name
    path.write_text(text)
    fmt = {"json_no_d": ["--format", "smtt-json"], "orlib_negative": ["--format", "orlib-wt"]}.get(case, [])
    code = main(["solve", str(path), "-t", "1", *fmt])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert where in lines[0] and what in lines[0]


def test_cli_solve_and_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "g.smtt"
    assert main(["generate", "smtt", "--n", "9", "--tf", "0.6", "--rdd", "0.2", "-o", str(out_file)]) == 0
    assert main(["solve", str(out_file), "-m", "exact", "-t", "10"]) == 0
    out, _ = capsys.readouterr()
    assert "OPTIMAL" in out


# generator -------------------------------------------------------------------------------------
def test_generator_scheme() -> None:
    a = sk.generate("smtt", n=200, tf=0.6, rdd=0.4, seed=3)
    assert a == sk.generate("smtt", n=200, tf=0.6, rdd=0.4, seed=3)
    assert a != sk.generate("smtt", n=200, tf=0.6, rdd=0.4, seed=4)
    total = int(a.p.sum())
    assert a.p.min() >= 1 and a.p.max() <= 100 and not a.weighted
    assert a.d.min() >= np.ceil(total * (1 - 0.6 - 0.2)) and a.d.max() <= total * (1 - 0.6 + 0.2)
    b = sk.generate("smtt", n=50, tf=1.0, rdd=1.0, weighted=True, seed=1)
    assert b.weighted and b.w.min() >= 1 and b.w.max() <= 10 and b.d.min() == 0
    with pytest.raises(InvalidParameterError):
        sk.generate("smtt", n=0, tf=0.2, rdd=0.2)
    with pytest.raises(InvalidParameterError):
        sk.generate("smtt", n=5, tf=-1, rdd=0.2)


# rules -----------------------------------------------------------------------------------------
HAND = Tardiness([4, 2, 6, 3], [5, 2, 9, 12], [1, 3, 2, 1])


def test_rules_hand_computed() -> None:
    assert rules.edd(HAND).tolist() == [1, 0, 2, 3]
    assert rules.spt(HAND).tolist() == [1, 3, 0, 2]
    # p/w = 4, 2/3, 3, 3: job 2 before job 3 on the earlier due date
    assert rules.wspt(HAND).tolist() == [1, 2, 3, 0]
    unweighted = Tardiness(HAND.p, HAND.d)
    # MDD: t=0 max(t+p,d) = 5,2,9,12 -> 1; t=2: 6,-,9,12 -> 0; t=6: -,-,12,12 tie -> shorter job 3
    assert rules.mdd(unweighted).tolist() == [1, 0, 3, 2]
    # ATC (k=2, pbar=3.75): t=0 scores .219 .5 .112 .100 -> 1; t=2: .25 .146 .131 -> 0; t=6: .167 .223 -> 3
    assert rules.atc(unweighted).tolist() == [1, 0, 3, 2]


def test_wilkerson_irwin_hand_computed() -> None:
    # EDD list 0,1,2; pivot 0; 0 before 1 (cost 2 vs 4) -> scheduled [0], pivot 1;
    # at t=1: 1 then 2 costs 5, 2 then 1 costs 4 -> 2 moves back, 0 before 2 (0 vs 0) stays first.
    pr = Tardiness([1, 5, 2], [3, 4, 5])
    assert rules.wilkerson_irwin(pr).tolist() == [0, 2, 1]
    assert pr.tardiness_of([0, 2, 1]) == 4 < pr.tardiness_of(rules.edd(pr)) == 5


def test_atc_option_and_unknown_rule() -> None:
    pr = sk.generate("smtt", n=30, tf=0.6, rdd=0.6, weighted=True, seed=2)
    a = sk.solve(pr, "rule:atc", k=0.5)
    assert sk.check(pr, a) == []
    with pytest.raises(InvalidParameterError):
        sk.solve(pr, "rule:atc", k=-1)


def test_edd_optimal_when_all_can_be_on_time() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(2, 8))
        p = rng.integers(1, 30, n)
        order = rng.permutation(n)
        c = np.cumsum(p[order])
        d = np.empty(n, dtype=np.int64)
        d[order] = c + rng.integers(0, 10, n)  # some sequence is on time
        pr = Tardiness(p, d)
        r = sk.solve(pr, "rule:edd")
        assert r.objective == brute_force(pr) == 0


def test_spt_optimal_when_all_late() -> None:
    rng = np.random.default_rng(12)
    for _ in range(20):
        n = int(rng.integers(2, 8))
        p = rng.integers(5, 30, n)
        pr = Tardiness(p, rng.integers(0, 5, n))  # every job late wherever it stands
        assert sk.solve(pr, "rule:spt").objective == brute_force(pr)


def test_rules_on_wt40_never_beat_reference() -> None:
    ref = reference("smtwt", "wt40")
    path = shared_path("smtwt", "wt40", "wt40.txt")
    for k in (1, 19, 50):
        pr = sk.read(path, index=k)
        opt = int(ref[pr.name]["ub"])
        for m in sk.methods("smtt"):
            if m.family == "rule":
                r = sk.solve(pr, m.name)
                assert r.objective >= opt and sk.check(pr, r) == []


def test_save_and_check_solution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pr = sk.generate("smtt", n=15, tf=0.6, rdd=0.4, seed=9)
    inst = tmp_path / "i.smtt"
    sk.write(pr, inst)
    r = sk.solve(pr, "rule:mdd")
    sol = tmp_path / "s.json"
    sk.save_solution(pr, r, sol)
    assert main(["check", str(inst), str(sol)]) == 0
    data = json.loads(sol.read_text())
    data["solution"]["sequence"][0] = data["solution"]["sequence"][1]
    sol.write_text(json.dumps(data))
    assert main(["check", str(inst), str(sol)]) != 0
    capsys.readouterr()
