"""JSSP methods: exact ones prove the reference optima; every rule is feasible and never beats
a proven optimum; hints, solution files and format round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import INSTANCES, reference, shared_path

import schedkit as sk
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.solvers.rules import jobshop as jobshop_rules
from schedkit.solvers.rules import jobshop_sgs

RULES = list(jobshop_rules.KEYS)
RULE_METHODS = [f"rule:{r}{s}" for r in RULES for s in ("", "/active", "/nondelay")]


def _instances() -> list[tuple[str, Path]]:
    root = shared_path("jssp")
    return [(f"{p.parent.name}/{p.stem}", p) for p in sorted(root.glob("*/*.txt"))]


def _optima() -> dict[str, int]:
    """Proven optima (reference lb where optimal is true), by instance name."""
    out: dict[str, int] = {}
    for folder in sorted(shared_path("jssp").iterdir()):
        if (folder / "reference.csv").exists():
            for name, row in reference("jssp", folder.name).items():
                if row["optimal"].strip().lower() == "true":
                    out[name] = int(row["lb"])
    return out


# exact methods -----------------------------------------------------------------------------
@pytest.mark.parametrize("name,folder", [("ft06", "ft"), ("la01", "la")])
def test_cpsat_proves_reference_optimum(name: str, folder: str) -> None:
    row = reference("jssp", folder)[name]
    assert row["optimal"] == "true"
    p = sk.read(shared_path("jssp", folder, f"{name}.txt"))
    r = sk.solve(p, method="cpsat", time_limit=30, workers=2, seed=0)
    assert r.status is sk.Status.OPTIMAL
    assert r.objective == r.lower_bound == int(row["lb"])
    assert sk.check(p, r.solution) == []


@pytest.mark.parametrize("method", ["mip", "mip-cbc"])
def test_mip_proves_ft06(method: str) -> None:
    opt = int(reference("jssp", "ft")["ft06"]["lb"])
    p = sk.read(shared_path("jssp", "ft", "ft06.txt"))
    r = sk.solve(p, method=method, time_limit=60, workers=2)
    assert r.status is sk.Status.OPTIMAL
    assert r.objective == r.lower_bound == opt
    assert sk.check(p, r.solution) == []


def test_mip_and_cpsat_agree_on_small_random_instances() -> None:
    for seed in (1, 2, 3):
        p = sk.generate("jssp", n=4, m=3, seed=seed)
        a = sk.solve(p, method="mip", time_limit=30, workers=1)
        b = sk.solve(p, method="cpsat", time_limit=30, workers=1)
        assert a.status is b.status is sk.Status.OPTIMAL
        assert a.objective == b.objective


# 4 jobs x 3 machines with durations mixing 1-3 and 10^4 (HiGHS's default 1e-4 relative gap
# stopped 2 units above the optimum) or 10^8 (the solvers' tolerances exceed a time unit)
_MIXED_SCALE = {
    20004: "4 3\n2 1 1 10000 0 10000\n1 1 2 1 0 10000\n0 1 1 2 2 10007\n0 3 1 2 2 1\n",
    300000019: (
        "4 3\n1 1 2 3 0 2\n0 3 1 100000007 2 2\n1 100000007 0 2 2 100000000\n0 100000007 1 3 2 100000007\n"
    ),
}


@pytest.mark.parametrize("method", ["mip", "mip-cbc"])
@pytest.mark.parametrize("optimum", sorted(_MIXED_SCALE))
def test_mip_claims_no_false_optimum_on_mixed_scale_durations(method: str, optimum: int, tmp_path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(_MIXED_SCALE[optimum])
    p = sk.read(path)
    exact = sk.solve(p, method="cpsat", time_limit=30, workers=1)
    assert exact.status is sk.Status.OPTIMAL and exact.objective == optimum
    r = sk.solve(p, method=method, time_limit=30, workers=1)
    assert r.lower_bound <= optimum <= r.objective
    assert r.status is not sk.Status.OPTIMAL or r.objective == optimum


def test_mip_returns_a_schedule_and_valid_bound_when_time_is_short() -> None:
    p = sk.read(shared_path("jssp", "ft", "ft10.txt"))
    opt = int(reference("jssp", "ft")["ft10"]["lb"])
    r = sk.solve(p, method="mip", time_limit=2, workers=1)
    assert r.solution is not None and sk.check(p, r.solution) == []
    assert r.lower_bound <= opt <= r.objective


def test_mip_stops_building_a_huge_model_at_the_time_limit() -> None:
    p = sk.generate("jssp", taillard="ta71")  # 99,000 binaries: more than a second to build
    r = sk.solve(p, method="mip", time_limit=1, workers=1)
    assert r.stats.get("stopped", "").startswith("time limit")
    assert r.status is sk.Status.FEASIBLE and sk.check(p, r.solution) == []
    assert r.lower_bound >= p.lower_bound()


def test_mip_handles_jobs_revisiting_a_machine() -> None:
    p = JobShop.from_jobs([[(0, 2), (1, 3), (0, 2)], [(1, 2), (0, 4)], [(0, 1)]])
    a = sk.solve(p, method="mip", time_limit=30, workers=1)
    b = sk.solve(p, method="cpsat", time_limit=30, workers=1)
    assert a.status is sk.Status.OPTIMAL and a.objective == b.objective


# hints -------------------------------------------------------------------------------------
def test_cpsat_accepts_a_rule_result_as_hint() -> None:
    p = sk.read(shared_path("jssp", "ft", "ft10.txt"))
    rule = sk.solve(p, method="rule:mwkr")
    r = sk.solve(p, method="cpsat", hint=rule, time_limit=2, workers=2, seed=0)
    assert sk.check(p, r.solution) == []
    assert r.objective <= rule.objective


def test_mip_accepts_a_hint_and_returns_no_worse() -> None:
    p = sk.read(shared_path("jssp", "la", "la16.txt"))
    hint = sk.solve(p, method="cpsat", time_limit=3, workers=2, seed=0)
    r = sk.solve(p, method="mip", hint=hint.solution, time_limit=2, workers=1)
    assert sk.check(p, r.solution) == []
    assert r.objective <= hint.objective


# dispatching rules -------------------------------------------------------------------------
def test_every_rule_feasible_on_every_instance_and_never_beats_an_optimum() -> None:
    optima = _optima()
    checked = 0
    for name, path in _instances():
        p = sk.read(path)
        lb = p.lower_bound()
        for method in RULE_METHODS:
            r = sk.solve(p, method=method, seed=1)  # solve() re-checks with the checker
            assert sk.check(p, r.solution) == [], (name, method)
            assert r.objective >= lb
            if p.name in optima:
                assert r.objective >= optima[p.name], (name, method)
            checked += 1
    assert checked >= len(RULE_METHODS)


def test_plain_rule_names_use_the_documented_scheme() -> None:
    p = sk.read(shared_path("jssp", "ta", "ta01.txt"))
    for rule in RULES:
        plain = sk.solve(p, method=f"rule:{rule}")
        explicit = sk.solve(p, method=f"rule:{rule}/{jobshop_rules.DEFAULT_SCHEME[rule]}")
        assert np.array_equal(plain.solution.start, explicit.solution.start)
        assert plain.stats == {"rule": rule, "scheme": jobshop_rules.DEFAULT_SCHEME[rule]}


def _ready_times(p: JobShop, start: np.ndarray) -> np.ndarray:
    ready = np.zeros(p.num_operations, dtype=np.int64)
    has_pred = p.rank > 0
    ready[has_pred] = (start + p.duration)[np.flatnonzero(has_pred) - 1]
    return ready


def _busy(p: JobShop, start: np.ndarray, m: int) -> list[tuple[int, int]]:
    ops = np.flatnonzero(p.machine == m)
    return sorted((int(start[o]), int(start[o] + p.duration[o])) for o in ops)


def _is_non_delay(p: JobShop, start: np.ndarray) -> bool:
    """No operation waits while its machine is idle: between ready time and start the
    machine is busy the whole time."""
    ready = _ready_times(p, start)
    for m in range(p.num_machines):
        spans = _busy(p, start, m)
        for o in np.flatnonzero(p.machine == m):
            t = int(ready[o])
            for a, b in spans:  # walk the busy intervals from the ready time
                if b <= t or a > t:
                    continue
                t = b
            if t < start[o]:
                return False
    return True


def _is_active(p: JobShop, start: np.ndarray) -> bool:
    """No operation fits into an idle gap before it on its machine (no left shift)."""
    ready = _ready_times(p, start)
    for m in range(p.num_machines):
        spans = _busy(p, start, m)
        for o in np.flatnonzero(p.machine == m):
            prev_end = 0
            for a, b in spans:
                if a >= start[o]:
                    break
                if max(prev_end, int(ready[o])) + p.duration[o] <= a:
                    return False
                prev_end = b
    return True


def _small_instances() -> list[JobShop]:
    out = [sk.generate("jssp", n=n, m=m, seed=s) for n, m, s in ((6, 4, 1), (10, 5, 2), (8, 8, 3))]
    for parts in (("ft", "ft06.txt"), ("la", "la21.txt")):  # when the shared set is there
        path = INSTANCES.joinpath("jssp", *parts)
        out.append(sk.read(path) if path.exists() else sk.generate("jssp", n=15, m=10, seed=len(out)))
    return out


@pytest.mark.parametrize("rule", RULES)
def test_schemes_build_active_and_non_delay_schedules(rule: str) -> None:
    for p in _small_instances():
        act = jobshop_rules.dispatch(p, rule, "active", seed=5)
        nd = jobshop_rules.dispatch(p, rule, "nondelay", seed=5)
        assert _is_active(p, act), (p.name, rule)
        assert _is_non_delay(p, nd), (p.name, rule)
        assert _is_active(p, nd), (p.name, rule)  # every non-delay schedule is active


def test_schedule_property_checks_can_fail() -> None:
    p = _small_instances()[-1]
    act = jobshop_rules.dispatch(p, "mwkr", "active")
    assert not _is_non_delay(p, act)  # the active scheme may keep a machine idle on purpose
    late = act.copy()
    first = int(np.argmin(np.where(p.rank == 0, act, np.iinfo(np.int64).max)))
    shift = int((act + p.duration).max())
    late[p.operations(int(p.job_of[first]))] += shift  # one job pushed behind everything
    assert sk.check(p, JobShopSolution.from_starts(p, late)) == []
    assert not _is_active(p, late)


def test_fifo_gives_the_same_schedule_in_both_schemes() -> None:
    for p in _small_instances():
        assert np.array_equal(
            jobshop_rules.dispatch(p, "fifo", "active"), jobshop_rules.dispatch(p, "fifo", "nondelay")
        )


def test_compiled_kernel_equals_its_python_source() -> None:
    py = jobshop_sgs.schedule.py_func
    for p in _small_instances():
        for rule, make_key in jobshop_rules.KEYS.items():
            key = np.zeros(p.num_operations, np.int64) if make_key is None else make_key(p, 3)
            key = np.ascontiguousarray(key, dtype=np.int64)
            for active in (True, False):
                args = (p.machine, p.duration, p.job_start, p.num_machines, key, make_key is None, active)
                assert np.array_equal(jobshop_sgs.schedule(*args), py(*args)), (p.name, rule, active)


def test_rules_follow_their_priority_on_a_single_machine() -> None:
    # one machine, all jobs ready at 0: the sequence is the rule's order, ties by job index
    p = JobShop.from_jobs([[(0, 5)], [(0, 2)], [(0, 9)], [(0, 2)]])
    order = {
        "spt": [1, 3, 0, 2],
        "lpt": [2, 0, 1, 3],
        "mwkr": [2, 0, 1, 3],
        "lwkr": [1, 3, 0, 2],
        "fifo": [0, 1, 2, 3],
        "mopnr": [0, 1, 2, 3],
    }
    for rule, expected in order.items():
        for scheme in ("active", "nondelay"):
            start = sk.solve(p, method=f"rule:{rule}/{scheme}").solution.starts(p)
            assert list(np.argsort(start, kind="stable")) == expected, (rule, scheme)


def test_mwkr_prefers_the_job_with_more_work_left() -> None:
    # both jobs start on machine 0; job 1 has more work behind its first operation
    p = JobShop.from_jobs([[(0, 3), (1, 1)], [(0, 3), (1, 8)]])
    start = sk.solve(p, method="rule:mwkr").solution.starts(p)
    assert start[2] == 0 and start[0] == 3
    start = sk.solve(p, method="rule:lwkr").solution.starts(p)
    assert start[0] == 0 and start[2] == 3


def test_random_rule_is_seeded() -> None:
    p = sk.read(shared_path("jssp", "ta", "ta11.txt"))
    a = sk.solve(p, method="rule:random", seed=3)
    b = sk.solve(p, method="rule:random", seed=3)
    c = sk.solve(p, method="rule:random", seed=4)
    assert np.array_equal(a.solution.start, b.solution.start)
    assert not np.array_equal(a.solution.start, c.solution.start)
    det = [sk.solve(p, method="rule:mwkr", seed=s).objective for s in (0, 1, 2)]
    assert len(set(det)) == 1  # the other rules do not depend on the seed


def test_rules_handle_zero_durations_and_uneven_jobs() -> None:
    p = JobShop.from_jobs(
        [[(0, 0), (1, 3), (0, 0)], [(1, 0)], [(0, 2), (1, 0), (2, 4), (1, 2)]], num_machines=3
    )
    for method in RULE_METHODS:
        r = sk.solve(p, method=method)
        assert sk.check(p, r.solution) == [], method


@pytest.mark.parametrize("method", ["rule:nope", "rule:mwkr/sideways", "rule:"])
def test_unknown_rule_is_a_clean_error(method: str) -> None:
    with pytest.raises(sk.UnknownMethodError):
        sk.solve(sk.generate("jssp", n=3, m=3), method=method)


def test_rule_on_a_large_instance() -> None:
    p = sk.generate("jssp", taillard="ta71")
    r = sk.solve(p, method="rule:mwkr")
    assert r.status is sk.Status.FEASIBLE
    assert sk.check(p, r.solution) == []
    assert r.objective >= p.lower_bound()


# files ---------------------------------------------------------------------------------------
def test_solution_json_round_trip(tmp_path) -> None:
    p = sk.read(shared_path("jssp", "la", "la05.txt"))
    r = sk.solve(p, method="rule:mopnr")
    path = tmp_path / "sol.json"
    sk.save_solution(p, r, path)
    loaded, stated = sk.load_solution(p, path)
    assert stated == r.objective
    for field in ("job", "op", "machine", "start", "end"):
        assert np.array_equal(getattr(loaded, field), getattr(r.solution, field))
    assert sk.check(p, loaded, objective=stated) == []
    # a bare solution round trips too
    sk.save_solution(p, r.solution, path)
    again, stated = sk.load_solution(p, path)
    assert stated == r.objective and np.array_equal(again.start, r.solution.start)


@pytest.mark.parametrize("fmt", ["jssp", "taillard"])
def test_read_write_read_round_trip(fmt: str, tmp_path) -> None:
    for path in (shared_path("jssp", "ft", "ft06.txt"), shared_path("jssp", "ta", "ta21.txt")):
        p = sk.read(path)
        out = tmp_path / f"{p.name}.{fmt}.txt"
        sk.write(p, out, format=fmt)
        q = sk.read(out)  # the format is detected
        assert q == p
        assert sk.read(out, format=fmt) == p
        assert sk.write(q, format=fmt) == out.read_text()
    g = sk.generate("jssp", n=12, m=7, seed=99)
    out = tmp_path / f"gen.{fmt}.txt"
    sk.write(g, out, format=fmt)
    assert sk.read(out) == g
