"""The growing-constraints series of a project (schedkit.generators.project.growth): nested,
seeded, the same as ``schedkit generate project --base``, one-line errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.generators.project import constrain, growth
from schedkit.problems.project import NO_DEADLINE, Project

STEP = {"max_lags": 2, "periods": 1, "releases": 1, "deadlines": 1}


@pytest.fixture
def base() -> sk.Problem:
    return sk.generate("rcpsp", n=20, resources=3, seed=5)


def _arcs(p: Project) -> Counter:
    return Counter(
        zip(p.arc_from.tolist(), p.arc_to.tolist(), p.arc_lag.tolist(), p.arc_fs.tolist(), strict=True)
    )


def _periods(p: Project) -> list[tuple[int, ...]]:
    cols = (p.off_resource, p.off_start, p.off_end, p.off_amount)
    return list(zip(*(c.tolist() for c in cols), strict=True))


def test_each_step_holds_the_previous_constraints(base: sk.Problem) -> None:
    seq = growth(base, 6, slack=1.0, seed=3, **STEP)
    assert len(seq) == 7
    assert seq[0] == Project.from_rcpsp(base)
    for k, (before, after) in enumerate(zip(seq, seq[1:], strict=False)):
        assert not _arcs(before) - _arcs(after), k  # every arc of step k is still there
        assert sum(_arcs(after).values()) == sum(_arcs(before).values()) + STEP["max_lags"]
        assert _periods(after)[: len(_periods(before))] == _periods(before)
        assert (after.release >= before.release).all()
        had = before.deadline != NO_DEADLINE
        assert (after.deadline[had] != NO_DEADLINE).all()
        assert (after.deadline[had] <= before.deadline[had]).all()
        assert np.array_equal(after.duration, before.duration)
        assert np.array_equal(after.demand, before.demand)
    last = seq[-1]
    assert (last.arc_lag < 0).sum() == 6 * STEP["max_lags"]
    assert len(_periods(last)) >= 1 and (last.deadline != NO_DEADLINE).any() and last.release.any()


def test_a_schedule_of_a_later_step_is_one_of_every_earlier_step(base: sk.Problem) -> None:
    seq = growth(base, 4, max_lags=3, periods=2, slack=2.0, seed=1)
    solved = 0
    for k in range(len(seq) - 1, 0, -1):
        r = sk.solve(seq[k], "cpsat", time_limit=20, workers=1, seed=0)
        if r.solution is None:
            assert r.status is not sk.Status.FEASIBLE
            continue
        solved += 1
        for earlier in seq[:k]:
            assert earlier.violations(r.solution) == []
    assert solved  # periods and loose lags leave the late steps feasible here


def test_growth_is_seeded(base: sk.Problem) -> None:
    a = growth(base, 3, seed=7, **STEP)
    b = growth(base, 3, seed=7, **STEP)
    c = growth(base, 3, seed=8, **STEP)
    assert all(x == y for x, y in zip(a, b, strict=True))
    assert any(x != y for x, y in zip(a[1:], c[1:], strict=True))


def test_step_k_is_constrain_and_generate_with_base(base: sk.Problem) -> None:
    seq = growth(base, 3, seed=2, **STEP)
    counts = {k: 3 * v for k, v in STEP.items()}
    assert seq[3] == constrain(base, seed=2, **counts)
    assert seq[3] == sk.generate("project", base=base, seed=2, **counts)


def test_generate_base_from_the_cli(base: sk.Problem, tmp_path: Path) -> None:
    src = tmp_path / "base.sm"
    sk.write(base, str(src))
    out = tmp_path / "step2.json"
    args = ["generate", "project", "--base", str(src), "--max-lags", "4", "--deadlines", "2"]
    assert main([*args, "--seed", "9", "-o", str(out)]) == 0
    want = growth(sk.read(str(src)), 2, max_lags=2, deadlines=1, seed=9)[2]
    assert sk.read(str(out)) == want


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: growth(b, -1, max_lags=1), "steps must be an integer in [0, 10000], got -1"),
        (lambda b: growth(b, 3), "growth adds nothing"),
        (lambda b: growth(b, 3, max_lags=1, slack=3), "slack must be a number in [0, 2], got 3"),
        (lambda b: growth(b, 3, deadlines=-2), "deadlines must be an integer in [0, 100000], got -2"),
        (lambda b: growth(b, 3, periods=1, scale=0), "scale must be an integer"),
        (
            lambda b: growth(sk.generate("jssp", n=3, m=2), 2, max_lags=1),
            "base must be a project or an RCPSP",
        ),
        (lambda b: sk.generate("project", base=b, n=5), "n cannot be given with base"),
        (
            lambda b: growth(
                Project.from_lists([[(2, [0])], [(3, [0])]], [1], arcs=[(0, 1, 5), (1, 0, 1)]), 1, periods=1
            ),
            "cycle of positive length",
        ),
    ],
)
def test_bad_parameters_are_one_line_errors(base: sk.Problem, call, message: str) -> None:
    with pytest.raises(sk.InvalidParameterError) as err:
        call(base)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_cli_generate_with_a_missing_base_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "project", "--base", str(tmp_path / "none.sm"), "--max-lags", "2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "none.sm" in err[0]
