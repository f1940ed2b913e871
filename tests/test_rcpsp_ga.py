"""RCPSP activity-list GA (method ``ga``) and its compiled kernels: decoded schedules pass the
checker, FBI never lengthens a schedule, one seed gives one result, the GA is never worse than
the best rule with FBI and reaches the reference optimum on a few j30 instances."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.solvers.search import rcpsp_kernel as kern

J30_SAMPLE = slice(3, None, 60)  # 8 of the 480 files, spread over the parameter groups
OPTIMUM_SAMPLE = ("j301_1", "j3013_1", "j3029_3", "j3041_5", "j3046_2")


def j30_problems() -> list[Rcpsp]:
    files = sorted(shared_path("rcpsp", "j30").glob("*.sm"))[J30_SAMPLE]
    return [sk.read(f) for f in files]


def generated() -> list[Rcpsp]:
    return [sk.generate("rcpsp", n=30, seed=k) for k in range(6)]


def is_precedence_feasible(p: Rcpsp, alist: np.ndarray) -> bool:
    pos = np.empty(p.num_activities, dtype=np.int64)
    pos[alist] = np.arange(p.num_activities)
    return sorted(alist.tolist()) == list(range(p.num_activities)) and bool(
        np.all(pos[p.edge_from] < pos[p.edge_to])
    )


def random_lists(p: Rcpsp, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    return [
        kern.priority_list(rng.random(p.num_activities), p.pred_ptr, p.succ_ptr, p.succ_idx)
        for _ in range(count)
    ]


def kernel_args(p: Rcpsp) -> tuple:
    rank = np.empty(p.num_activities, dtype=np.int64)
    rank[p.topo_order] = np.arange(p.num_activities)
    usage = np.zeros((int(p.duration.sum()) + 1, p.num_resources), dtype=np.int64)
    return rank, usage


def check_decoding(p: Rcpsp, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rank, usage = kernel_args(p)
    for alist in random_lists(p, rng, 20):
        assert is_precedence_feasible(p, alist)
        start = kern.decode(alist, p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx, usage)
        assert p.violations(RcpspSolution(start)) == []
        assert not usage.any()  # the workspace is left zeroed
        improved, passes = kern.justify(
            start, p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx, p.succ_ptr, p.succ_idx,
            rank, usage, 50,
        )  # fmt: skip
        assert passes >= 2
        assert p.violations(RcpspSolution(improved)) == []
        assert p.objective(RcpspSolution(improved)) <= p.objective(RcpspSolution(start))
        child = alist.copy()
        full, _ = kern.evaluate(
            child, p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx, p.succ_ptr, p.succ_idx,
            rank, usage, 50,
        )  # fmt: skip
        assert is_precedence_feasible(p, child)
        assert np.array_equal(full, improved)
        # the re-encoded list decodes to a schedule no longer than the justified one
        again = kern.decode(child, p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx, usage)
        assert p.objective(RcpspSolution(again)) <= p.objective(RcpspSolution(improved))


def test_decoded_and_justified_schedules_pass_the_checker_j30():
    for k, p in enumerate(j30_problems()):
        check_decoding(p, k)


def test_decoded_and_justified_schedules_pass_the_checker_generated():
    for k, p in enumerate(generated()):
        check_decoding(p, k)


def test_crossover_and_shift_keep_precedences():
    rng = np.random.default_rng(3)
    for p in [*generated()[:3], *j30_problems()[:3]]:
        n = p.num_activities
        lists = random_lists(p, rng, 10)
        child = np.empty(n, dtype=np.int64)
        for a, b in zip(lists, lists[1:], strict=False):
            q1, q2 = sorted(rng.integers(0, n + 1, size=2).tolist())
            kern.crossover(a, b, q1, q2, child)
            assert is_precedence_feasible(p, child)
            assert np.array_equal(child[:q1], a[:q1])
            for _ in range(20):
                kern.shift(
                    child,
                    int(rng.integers(n)),
                    float(rng.random()),
                    p.pred_ptr,
                    p.pred_idx,
                    p.succ_ptr,
                    p.succ_idx,
                )
                assert is_precedence_feasible(p, child)


def test_ga_is_feasible_and_never_worse_than_the_best_rule_with_fbi():
    rules = [m.name for m in sk.methods("rcpsp") if m.name.startswith("rule:") and m.name.endswith("+fbi")]
    for p in [*generated(), *j30_problems()]:
        r = sk.solve(p, "ga", seed=0, generations=20)
        assert sk.check(p, r.solution) == []
        best_rule = min(sk.solve(p, name, seed=0).objective for name in rules)
        assert r.objective <= best_rule
        assert r.lower_bound <= r.objective
        assert r.stats["schedules"] > 0


def test_same_seed_same_result_without_time_limit():
    p = sk.generate("rcpsp", n=30, seed=11)
    a = sk.solve(p, "ga", seed=5, generations=30)
    b = sk.solve(p, "ga", seed=5, generations=30)
    assert a.objective == b.objective
    assert np.array_equal(a.solution.start, b.solution.start)
    assert a.stats["schedules"] == b.stats["schedules"]


def test_hint_is_a_population_member():
    p = sk.read(shared_path("rcpsp", "j30", "j3041_5.sm"))
    good = sk.solve(p, "ga", seed=0, population=20)
    plain = sk.solve(p, "ga", seed=0, generations=0, population=20)
    hinted = sk.solve(p, "ga", seed=0, generations=0, population=20, hint=good.solution)
    assert good.objective < plain.objective  # the hint matters on this instance
    assert hinted.objective == good.objective


@pytest.mark.parametrize("name", OPTIMUM_SAMPLE)
def test_ga_reaches_reference_optimum_on_j30(name: str):
    row = reference("rcpsp", "j30")[name]
    assert row["optimal"] == "true"
    p = sk.read(shared_path("rcpsp", "j30", f"{name}.sm"))
    r = sk.solve(p, "ga", seed=0)  # 200 generations: deterministic, about half a second
    assert sk.check(p, r.solution) == []
    assert r.objective == int(row["ub"])


def test_time_limit_is_honoured_and_bound_reached_gives_optimal():
    p = sk.read(shared_path("rcpsp", "j120", "j12016_1.sm"))  # open: the GA cannot reach its bound
    r = sk.solve(p, "ga", seed=0, time_limit=0.5, generations=10**9)
    assert sk.check(p, r.solution) == []
    assert r.status == sk.Status.FEASIBLE  # stopped by the clock, not by running out of generations
    assert 0 < r.stats["generations"] < 10**9
    easy = Rcpsp.from_lists([0, 3, 2, 0], [[0], [1], [1], [0]], [2], [[1, 2], [3], [3], []])
    r = sk.solve(easy, "ga", seed=0)
    assert r.status == sk.Status.OPTIMAL and r.objective == 3


def test_bad_option_is_a_one_line_error():
    p = sk.generate("rcpsp", n=10, seed=0)
    with pytest.raises(sk.InvalidParameterError, match="population"):
        sk.solve(p, "ga", population=1)
