"""Single-machine tardiness methods: exact ones agree with brute force, heuristics never below."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import reference, shared_path

import schedkit as sk
from schedkit.errors import InvalidParameterError
from schedkit.problems.tardiness import Tardiness
from schedkit.solvers.exact.tardiness_search import search


def brute_force(problem: Tardiness) -> int:
    return min(problem.tardiness_of(perm) for perm in itertools.permutations(range(problem.num_jobs)))


def random_instance(seed: int, weighted: bool) -> Tardiness:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    p = rng.integers(1, int(rng.choice([5, 30])), n)
    d = rng.integers(0, int(p.sum()) + 1, n)
    w = rng.integers(1, 6, n) if weighted else None
    return Tardiness(p, d, w, name=f"r{seed}")


EXACT = [
    ("mip", {}),
    ("mip", {"formulation": "lop"}),
    ("mip", {"formulation": "time"}),
    ("cpsat", {}),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_exact_methods_match_brute_force(seed: int, weighted: bool) -> None:
    pr = random_instance(100 * seed + weighted, weighted)
    opt = brute_force(pr)
    methods = EXACT + ([] if weighted else [("exact", {})])
    for name, opts in methods:
        r = sk.solve(pr, name, time_limit=30, workers=1, **opts)
        assert r.status is sk.Status.OPTIMAL, (name, opts)
        assert r.objective == opt and r.lower_bound == opt, (name, opts)
    for m in sk.methods("smtt"):
        if m.family in ("rule", "ls"):
            r = sk.solve(pr, m.name, time_limit=1)
            assert r.objective >= opt and sk.check(pr, r) == []


def test_exact_search_many_small_instances() -> None:
    """The decomposition and elimination rules, including ties and zero lengths."""
    rng = np.random.default_rng(7)
    for it in range(400):
        n = int(rng.integers(1, 8))
        p = rng.integers(0 if it % 4 == 0 else 1, int(rng.choice([3, 10, 100])), n)
        d = rng.integers(0, int(p.sum()) + 2, n)
        if it % 3 == 0:
            d = d // 3 * 3
        pr = Tardiness(p, d)
        seq, bound, proven, _ = search(pr.p, pr.d, np.argsort(-pr.p), None)
        assert proven and sorted(seq.tolist()) == list(range(n))
        assert pr.tardiness_of(seq) == bound == brute_force(pr)


def test_exact_refuses_weights_and_honours_time_limit() -> None:
    with pytest.raises(InvalidParameterError, match="unweighted"):
        sk.solve(sk.generate("smtt", n=10, tf=0.6, rdd=0.2, weighted=True, seed=1), "exact")
    pr = sk.generate("smtt", n=500, tf=0.6, rdd=0.4, seed=11)
    r = sk.solve(pr, "exact", time_limit=0.5)
    assert sk.check(pr, r) == []
    assert r.lower_bound <= r.objective
    if r.status is not sk.Status.OPTIMAL:
        assert r.lower_bound < r.objective


def test_exact_proves_medium_instances() -> None:
    for tf, rdd in ((0.4, 0.6), (0.8, 0.8), (1.0, 0.2)):
        pr = sk.generate("smtt", n=100, tf=tf, rdd=rdd, seed=3)
        r = sk.solve(pr, "exact", time_limit=60)
        assert r.status is sk.Status.OPTIMAL
        ls = sk.solve(pr, "ls", time_limit=0.5)
        assert ls.objective >= r.objective


def test_ls_reaches_wt40_optima() -> None:
    ref = reference("smtwt", "wt40")
    path = shared_path("smtwt", "wt40", "wt40.txt")
    for k in (50, 100):
        pr = sk.read(path, index=k)
        assert ref[pr.name]["optimal"] == "true"
        r = sk.solve(pr, "ls", time_limit=2, seed=1)
        assert r.objective == int(ref[pr.name]["ub"])


@pytest.mark.parametrize(("method", "k"), [("mip", 77), ("mip", 30), ("cpsat", 3), ("cpsat", 30)])
def test_mip_and_cpsat_reach_wt40_reference(method: str, k: int) -> None:
    ref = reference("smtwt", "wt40")
    pr = sk.read(shared_path("smtwt", "wt40", "wt40.txt"), index=k)
    r = sk.solve(pr, method, time_limit=20, workers=2)
    assert sk.check(pr, r) == []
    assert r.objective == int(ref[pr.name]["ub"])
    assert r.lower_bound <= r.objective


def test_time_indexed_refuses_huge_models() -> None:
    pr = sk.generate("smtt", n=300, tf=0.6, rdd=0.2, seed=1)
    with pytest.raises(InvalidParameterError, match="time-indexed"):
        sk.solve(pr, "mip", time_limit=5, formulation="time")
    with pytest.raises(InvalidParameterError, match="formulation must be one of"):
        sk.solve(pr, "mip", time_limit=5, formulation="nope")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reduced_dominance_pairs_imply_every_pair(seed: int) -> None:
    """The transitive reduction used by the models keeps exactly the relation's closure."""
    import networkx as nx

    from schedkit.structure.tardiness import dominance_pairs

    problem = sk.generate("smtt", n=60, tf=0.4, rdd=0.4, weighted=seed == 2, seed=seed)
    full = set(dominance_pairs(problem))
    reduced = dominance_pairs(problem, reduced=True)
    assert set(reduced) <= full and len(reduced) < len(full)
    closure = nx.transitive_closure_dag(nx.DiGraph(reduced))
    assert set(closure.edges) == full
