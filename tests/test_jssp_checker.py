"""The job-shop checker: each kind of hand-broken schedule is rejected, valid ones accepted."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.problems.jobshop import JobShop, JobShopSolution

# 2 jobs, 2 machines: job 0 = M0 for 3 then M1 for 2; job 1 = M1 for 4 then M0 for 1
TOY = JobShop.from_jobs([[(0, 3), (1, 2)], [(1, 4), (0, 1)]], name="toy")
#            job op machine start end
VALID = [(0, 0, 0, 0, 3), (0, 1, 1, 4, 6), (1, 0, 1, 0, 4), (1, 1, 0, 4, 5)]


def sol(rows: list[tuple[int, int, int, int, int]]) -> JobShopSolution:
    cols = np.array(rows, dtype=np.int64).reshape(-1, 5).T
    return JobShopSolution(*cols)


def edit(row: int, **changes: int) -> list[tuple[int, int, int, int, int]]:
    rows = [list(r) for r in VALID]
    names = ("job", "op", "machine", "start", "end")
    for k, v in changes.items():
        rows[row][names.index(k)] = v
    return [tuple(r) for r in rows]


def test_valid_schedule_accepted() -> None:
    assert TOY.violations(sol(VALID)) == []
    assert TOY.objective(sol(VALID)) == 6
    assert sk.check(TOY, sol(VALID), objective=6) == []
    # entries in any order are the same schedule
    assert TOY.violations(sol(VALID[::-1])) == []
    # idle time is allowed
    assert TOY.violations(sol(edit(1, start=10, end=12))) == []


def test_precedence_violation() -> None:
    # job 1's second operation starts at 3, before its first ends at 4 (machine 0 is free from 3)
    bad = TOY.violations(sol(edit(3, start=3, end=4)))
    assert len(bad) == 1 and bad[0].startswith("precedence") and "(job 1, op 1)" in bad[0]


def test_machine_overlap() -> None:
    # job 0's second operation on machine 1 at [3, 5) overlaps job 1's [0, 4) there
    bad = TOY.violations(sol(edit(1, start=3, end=5)))
    assert any("machine 1" in b and "overlaps" in b for b in bad)
    only_overlap = [(0, 0, 0, 0, 3), (0, 1, 1, 3, 5), (1, 0, 1, 0, 4), (1, 1, 0, 5, 6)]
    bad = TOY.violations(sol(only_overlap))
    assert len(bad) == 1 and "overlaps" in bad[0]


def test_wrong_duration() -> None:
    bad = TOY.violations(sol(edit(0, end=2)))
    assert any("lasts 2, duration is 3" in b for b in bad)
    assert len(bad) == 1


def test_missing_operation() -> None:
    bad = TOY.violations(sol(VALID[:3]))
    assert bad == ["operation (job 1, op 1) missing"]


def test_unknown_operation() -> None:
    for row in ((5, 0, 0, 10, 11), (0, 2, 0, 10, 11), (-1, 0, 0, 10, 11)):
        bad = TOY.violations(sol([*VALID, row]))
        assert any(b.startswith("unknown operation") for b in bad), bad


def test_duplicated_operation() -> None:
    bad = TOY.violations(sol([*VALID, (0, 0, 0, 20, 23)]))
    assert any("(job 0, op 0) scheduled 2 times" in b for b in bad)


def test_wrong_machine() -> None:
    bad = TOY.violations(sol(edit(3, machine=1)))
    assert any("on machine 1, must be on 0" in b for b in bad)


def test_negative_start() -> None:
    shifted = [(j, o, m, s - 5, e - 5) for j, o, m, s, e in VALID]
    assert any("< 0" in b for b in TOY.violations(sol(shifted)))


def test_objective_mismatch() -> None:
    bad = sk.check(TOY, sol(VALID), objective=5)
    assert bad == ["objective mismatch: stated 5, schedule gives 6"]


def test_many_violations_are_summarised() -> None:
    p = sk.generate("jssp", n=20, m=10, seed=3)
    zero = np.zeros(p.num_operations, dtype=np.int64)
    s = JobShopSolution(p.job_of, p.rank, p.machine, zero, p.duration.copy())
    bad = p.violations(s)
    assert any(b.startswith("... and") for b in bad)
    assert any(b.startswith("precedence") for b in bad)


def test_real_schedules_accepted_and_perturbations_rejected() -> None:
    p = sk.read(shared_path("jssp", "ft", "ft10.txt"))
    r = sk.solve(p, method="rule:mwkr")
    s = r.solution
    assert p.violations(s) == []
    rng = np.random.default_rng(0)
    for _ in range(20):
        o = int(rng.integers(p.num_operations))
        delta = int(rng.integers(1, 30))
        moved = JobShopSolution(s.job, s.op, s.machine, s.start.copy(), s.end.copy())
        moved.start[o] -= delta
        moved.end[o] -= delta
        # moving an operation earlier into a packed schedule: either it is still feasible
        # (then the independent recomputation below agrees) or it is reported
        bad = p.violations(moved)
        assert bad == [] or any(("precedence" in b) or ("overlaps" in b) or ("< 0" in b) for b in bad)
        if not bad:
            assert _feasible(p, moved)
        else:
            assert not _feasible(p, moved)


def _feasible(p: JobShop, s: JobShopSolution) -> bool:
    """Plain-Python reference check for complete schedules (no vectorisation)."""
    start = {
        (int(j), int(k)): (int(a), int(b), int(m))
        for j, k, m, a, b in zip(s.job, s.op, s.machine, s.start, s.end, strict=True)
    }
    by_machine: dict[int, list[tuple[int, int]]] = {}
    for j in range(p.num_jobs):
        prev_end = 0
        for k, o in enumerate(p.operations(j)):
            a, b, m = start[(j, k)]
            if a < prev_end or a < 0 or b - a != p.duration[o] or m != p.machine[o]:
                return False
            prev_end = b
            by_machine.setdefault(m, []).append((a, b))
    for spans in by_machine.values():
        spans.sort()
        if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
            return False
    return True


@pytest.mark.parametrize("kind", ["missing", "duplicate"])
def test_solve_recheck_rejects_a_broken_method(kind: str, monkeypatch) -> None:
    # solve() re-checks every schedule: a method returning a broken one is a SolverBugError
    from schedkit.solvers.rules import jobshop as jobshop_rules

    real = jobshop_rules.dispatch

    def broken(problem, rule, scheme, seed=0):
        start = real(problem, rule, scheme, seed)
        if kind == "duplicate":
            start = start.copy()
            start[1] = start[0]
        else:
            start = start.copy()
            start[-1] = start[-1] - 10**6
        return start

    monkeypatch.setattr(jobshop_rules, "dispatch", broken)
    with pytest.raises(sk.SolverBugError):
        sk.solve(sk.generate("jssp", n=5, m=4, seed=9), method="rule:spt")
