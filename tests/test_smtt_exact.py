"""Method ``exact`` (1||ΣT): Emmons' relations and the split, checked against brute force."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

import schedkit as sk
from schedkit.problems.tardiness import Tardiness
from schedkit.solvers.exact.tardiness_emmons import blocks, first_condition_blocks, relations
from schedkit.solvers.exact.tardiness_search import search


def cost(seq, p, d, t: int) -> int:
    c, total = t, 0
    for j in seq:
        c += p[j]
        total += max(0, c - d[j])
    return total


def best(jobs, p, d, t: int) -> int:
    return min(cost(q, p, d, t) for q in itertools.permutations(jobs))


def small_case(rng: np.random.Generator, it: int, top: int = 8) -> tuple[np.ndarray, np.ndarray, int]:
    """Jobs in EDD order (ties: shorter first), zero lengths, tied due dates, start times."""
    m = int(rng.integers(2, top))
    p = rng.integers(0 if it % 5 == 0 else 1, int(rng.choice([4, 10, 50])), m)
    total = int(p.sum())
    t = int(rng.integers(0, max(1, total // 2))) if it % 2 else 0
    d = rng.integers(0, total + t + 3, m)
    if it % 3 == 0:
        d = d // 4 * 4
    order = np.lexsort((np.arange(m), p, d))
    return p[order].astype(np.int64), d[order].astype(np.int64), t


def first_condition_closure(p: np.ndarray, d: np.ndarray, t: int) -> np.ndarray:
    """Emmons' first condition to a fixed point with explicit transitive closure (slow, plain)."""
    m = len(p)
    rank = np.empty(m, dtype=np.int64)
    rank[np.argsort(p, kind="mergesort")] = np.arange(m)
    rel = np.zeros((m, m), dtype=bool)
    changed = True
    while changed:
        changed = False
        for j, i in itertools.permutations(range(m), 2):
            due_by = max(d[j], t + int(p[rel[:, j]].sum()) + p[j])
            if rank[i] < rank[j] and not rel[i, j] and d[i] <= due_by:
                rel[i, j] = changed = True
        for k, a, b in itertools.product(range(m), repeat=3):
            if rel[a, k] and rel[k, b] and not rel[a, b]:
                rel[a, b] = changed = True
    return rel


def test_relations_hold_in_an_optimal_sequence() -> None:
    """All relations together: some optimal sequence satisfies every one of them."""
    rng = np.random.default_rng(5)
    related = 0
    for it in range(400):
        p, d, t = small_case(rng, it, top=7)
        m = len(p)
        rel, cnt = relations(p, d, t)
        assert not (rel & rel.T).any() and not rel.diagonal().any()
        assert (cnt == rel.sum(0) + rel.sum(1)).all()
        for a, b in zip(*np.nonzero(rel), strict=True):
            assert (rel[b] <= rel[a]).all()  # transitively closed
        related += int(rel.sum())
        pairs = list(zip(*np.nonzero(rel), strict=True))
        constrained = []
        for q in itertools.permutations(range(m)):
            pos = np.empty(m, dtype=np.int64)
            pos[list(q)] = np.arange(m)
            if all(pos[a] < pos[b] for a, b in pairs):
                constrained.append(cost(q, p, d, t))
        assert min(constrained) == best(range(m), p, d, t), (p.tolist(), d.tolist(), t)
    assert related > 1500  # the conditions do fire


def test_first_condition_blocks_match_the_closure() -> None:
    rng = np.random.default_rng(6)
    splits = 0
    for it in range(500):
        p, d, t = small_case(rng, it, top=10)
        m = len(p)
        keys = first_condition_blocks(p, d, t)
        if m < 3:
            assert not keys.any()
            continue
        rel = first_condition_closure(p, d, t)
        split = rel.sum(0) + rel.sum(1) == m - 1
        expected = np.zeros(m, dtype=np.int64)
        if split.any():
            for x in range(m):
                c = int(sum(rel[s, x] for s in range(m) if split[s]))
                expected[x] = 2 * c + 1 if split[x] else 2 * c
        assert (keys == expected).all(), (p.tolist(), d.tolist(), t)
        splits += bool(split.any())
    assert splits > 100


@pytest.mark.parametrize("split", [blocks, first_condition_blocks])
def test_split_pieces_keep_the_optimum(split) -> None:
    rng = np.random.default_rng(7)
    for it in range(500):
        p, d, t = small_case(rng, it)
        keys = split(p, d, t)
        total, start = 0, t
        for key in sorted(set(keys.tolist())):
            piece = np.flatnonzero(keys == key).tolist()
            total += best(piece, p, d, start)
            start += int(p[piece].sum())
        assert total == best(range(len(p)), p, d, t), (p.tolist(), d.tolist(), t)


def test_search_with_splits_everywhere_matches_brute_force() -> None:
    rng = np.random.default_rng(8)
    for it in range(200):
        n = int(rng.integers(1, 8))
        p = rng.integers(0 if it % 4 == 0 else 1, int(rng.choice([3, 10, 100])), n)
        d = rng.integers(0, int(p.sum()) + 2, n)
        pr = Tardiness(p, d)
        for split_min in (3, 10**9):
            seq, bound, proven, _ = search(pr.p, pr.d, np.arange(n), None, split_min=split_min)
            assert proven and sorted(seq.tolist()) == list(range(n))
            assert pr.tardiness_of(seq) == bound == best(range(n), p, d, 0)


def test_split_agrees_with_plain_search_on_medium_instances() -> None:
    """n = 25..120 (beyond brute force): split at the root only, on subproblems too, or never:
    the same optimum."""
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(25, 121))
        tf, rdd = [(0.4, 0.2), (0.6, 0.2), (0.8, 0.2), (0.6, 0.6), (0.4, 1.0), (1.0, 0.2)][seed % 6]
        pr = sk.generate("smtt", n=n, tf=tf, rdd=rdd, seed=seed)
        runs = [search(pr.p, pr.d, np.arange(n), None, split_min=k) for k in (None, 20, 10**9)]
        assert all(r[2] for r in runs)
        assert len({r[1] for r in runs} | {pr.tardiness_of(r[0]) for r in runs}) == 1


def test_search_stops_on_the_stop_event() -> None:
    pr = sk.generate("smtt", n=500, tf=0.6, rdd=0.2, seed=11)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    start = time.perf_counter()
    seq, bound, proven, _ = search(pr.p, pr.d, np.arange(500), None, stop)
    assert time.perf_counter() - start < 5
    assert not proven and bound <= pr.tardiness_of(seq)


def test_exact_proves_n200_clustered_due_dates() -> None:
    pr = sk.generate("smtt", n=200, tf=0.6, rdd=0.2, seed=1)
    r = sk.solve(pr, "exact", time_limit=60)
    assert r.status is sk.Status.OPTIMAL and sk.check(pr, r) == []
    assert sk.solve(pr, "ls", time_limit=0.3).objective >= r.objective


def test_compiled_and_python_searches_agree() -> None:
    """The compiled search (with and without the split of subproblems) and the Python
    reference find the same optimum on medium instances."""
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        n = int(rng.integers(20, 81))
        tf, rdd = [(0.4, 0.2), (0.6, 0.2), (0.8, 0.2), (0.6, 0.6)][seed % 4]
        pr = sk.generate("smtt", n=n, tf=tf, rdd=rdd, seed=seed)
        runs = [
            search(pr.p, pr.d, np.arange(n), None),
            search(pr.p, pr.d, np.arange(n), None, split_min=8),
            search(pr.p, pr.d, np.arange(n), None, compiled=False),
        ]
        assert all(r[2] for r in runs)
        assert all(sorted(r[0].tolist()) == list(range(n)) for r in runs)
        assert len({r[1] for r in runs} | {pr.tardiness_of(r[0]) for r in runs}) == 1


def test_python_reference_search_matches_brute_force() -> None:
    rng = np.random.default_rng(9)
    for _ in range(100):
        n = int(rng.integers(1, 8))
        p = rng.integers(1, int(rng.choice([3, 10, 100])), n)
        d = rng.integers(0, int(p.sum()) + 2, n)
        pr = Tardiness(p, d)
        seq, bound, proven, _ = search(pr.p, pr.d, np.arange(n), None, compiled=False)
        assert proven and pr.tardiness_of(seq) == bound == best(range(n), p, d, 0)


def test_search_stops_at_the_deadline() -> None:
    pr = sk.generate("smtt", n=500, tf=0.6, rdd=0.2, seed=11)
    start = time.perf_counter()
    seq, bound, proven, stats = search(pr.p, pr.d, np.arange(500), start + 0.3)
    assert time.perf_counter() - start < 5
    assert not proven and stats["subproblems"] > 0
    assert sorted(seq.tolist()) == list(range(500)) and bound <= pr.tardiness_of(seq)
