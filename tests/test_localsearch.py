"""Tabu search and hybrid for job shop and flexible job shop: moves, evaluation, results."""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.solvers.search import jobshop_kernel as K
from schedkit.solvers.search.graph import heads, tails
from schedkit.solvers.search.jobshop import TabuSearch, best_rule, graph_of
from tests.conftest import reference, shared_path


def _random_jobshop(n: int, m: int, seed: int) -> JobShop:
    rng = np.random.default_rng(seed)
    machines = np.array([rng.permutation(m) for _ in range(n)])
    durations = rng.integers(1, 20, size=(n, m))
    return JobShop.from_matrices(machines, durations, name=f"rand{seed}")


class _State:
    """Links, heads and tails of one solution, recomputed from scratch."""

    def __init__(self, g, seq):  # noqa: ANN001
        n = len(g.dur)
        self.seq = seq
        self.pos, self.mp, self.ms = (np.empty(n, dtype=np.int64) for _ in range(3))
        self.r, self.q, order = (np.empty(n, dtype=np.int64) for _ in range(3))
        K._links(g.mach, g.mstart, seq, self.pos, self.mp, self.ms)
        self.acyclic = heads(g.dur, g.jp, g.js, self.mp, self.ms, self.r, order, np.empty(n, np.int64),
                             np.empty(n, np.int64))  # fmt: skip
        if self.acyclic:
            tails(g.dur, g.js, self.ms, self.q, order)
        self.cmax = int((self.r + g.dur).max())


def _moves_of(g, st):  # noqa: ANN001
    n = len(g.dur)
    path = np.empty(n, dtype=np.int64)
    plen = K._critical_path(g.dur, g.jp, st.mp, st.r, st.cmax, path, np.flatnonzero(g.js < 0))
    mv = [np.empty(4 * n + 4, dtype=np.int64) for _ in range(3)]
    nmv = K._moves(st.ms, st.pos, path, plen, *mv)
    return [(int(mv[0][i]), int(mv[1][i]), bool(mv[2][i])) for i in range(nmv)]


def _cases():
    for seed in range(6):
        p = _random_jobshop(8 + seed, 5, seed)
        g = graph_of(p)
        start, _ = best_rule(p)
        seq = g.sequence(start)
        # also a solution some way into the search, with longer critical blocks
        ts = TabuSearch(g, seq, seed=seed)
        ts.step(50 * (seed + 1))
        yield p, g, seq
        yield p, g, ts.seq.copy()


def test_critical_path_is_critical() -> None:
    for _p, g, seq in _cases():
        st = _State(g, seq)
        n = len(g.dur)
        path = np.empty(n, dtype=np.int64)
        plen = K._critical_path(g.dur, g.jp, st.mp, st.r, st.cmax, path, np.flatnonzero(g.js < 0))
        length = sum(int(g.dur[o]) for o in path[:plen])
        assert length == st.cmax
        assert st.r[path[0]] == 0


def test_moves_never_create_a_cycle_and_estimates_hold() -> None:
    checked = swaps = 0
    for _p, g, seq in _cases():
        st = _State(g, seq)
        assert st.acyclic
        for a, b, fwd in _moves_of(g, st):
            if not K._feasible(g.dur, g.jp, g.js, g.mach, st.r, st.q, st.pos, seq, a, b, fwd):
                continue
            seg = np.empty(len(g.dur), dtype=np.int64)
            length = K.move_segment(seq, a, b, fwd, seg)
            m = g.mach[seq[a]]
            prev = seq[a - 1] if a > g.mstart[m] else -1
            nxt = seq[b + 1] if b < g.mstart[m + 1] - 1 else -1
            est = K.evaluate(g.dur, g.jp, g.js, st.r, st.q, seg, length, prev, nxt)
            new = seq.copy()
            new[a : b + 1] = seg[:length]
            st2 = _State(g, new)
            assert st2.acyclic, (a, b, fwd)  # the acyclicity condition holds
            through = max(int(st2.r[x] + g.dur[x] + st2.q[x]) for x in seg[:length])
            # the estimate never exceeds the new makespan (it is a longest path length in the new graph)
            assert est <= st2.cmax
            if length == 2:
                # swap of two adjacent critical operations: the estimate is exact for the paths
                # through them, and equals the new makespan when one of them stays critical
                swaps += 1
                assert est == through
                if through == st2.cmax:
                    assert est == st2.cmax
            checked += 1
    assert checked > 50 and swaps > 10


def test_kernel_makespan_matches_recomputation_and_checker() -> None:
    for p, g, seq in _cases():
        ts = TabuSearch(g, seq, seed=3)
        for _ in range(3):
            ts.step(200)
            cur = _State(g, ts.seq)
            assert cur.acyclic
            assert int(ts.state[K.S_CUR]) == cur.cmax
            best_start = g.starts(ts.best_seq)
            assert int((best_start + g.dur).max()) == ts.best
            assert p.violations(JobShopSolution.from_starts(p, best_start)) == []
        assert int(ts.state[K.S_CYCLES]) == 0


@pytest.mark.parametrize("method", ["ts", "auto"])
def test_jssp_methods_feasible_and_not_worse_than_rules(method: str) -> None:
    problems = [_random_jobshop(10, 6, 11), _random_jobshop(15, 8, 12)]
    path = shared_path("jssp", "la", "la01.txt")
    problems.append(sk.read(path))
    for p in problems:
        res = sk.solve(p, method=method, time_limit=1.5, workers=2, seed=1)
        assert res.solution is not None and not sk.check(p, res.solution)
        start, _ = best_rule(p)
        assert res.objective <= int((start + p.duration).max())
        if method == "auto":
            assert res.lower_bound is not None and res.lower_bound <= res.objective


def test_auto_proves_ft06() -> None:
    p = sk.read(shared_path("jssp", "ft", "ft06.txt"))
    res = sk.solve(p, method="auto", time_limit=20, workers=2, seed=0)
    assert int(reference("jssp", "ft")["ft06"]["ub"]) == 55
    assert res.objective == 55
    assert res.lower_bound == 55
    assert res.status is sk.Status.OPTIMAL


def test_ts_without_time_limit_stops() -> None:
    p = _random_jobshop(6, 4, 5)
    res = sk.solve(p, method="ts", iterations=2000)
    assert not sk.check(p, res.solution)


def _random_flexible(n: int, m: int, seed: int) -> FlexibleJobShop:
    rng = np.random.default_rng(seed)
    jobs = []
    for _ in range(n):
        ops = []
        for _ in range(int(rng.integers(2, m + 1))):
            k = int(rng.integers(1, m + 1))
            mach = rng.choice(m, size=k, replace=False)
            ops.append([(int(x), int(rng.integers(1, 15))) for x in mach])
        jobs.append(ops)
    return FlexibleJobShop.from_jobs(jobs, num_machines=m, name=f"frand{seed}")


@pytest.mark.parametrize("method", ["ts", "auto"])
def test_fjsp_methods_feasible_and_not_worse_than_rules(method: str) -> None:
    from schedkit.solvers.rules.flexible import best_of_rules

    for seed in (1, 2):
        p = _random_flexible(8, 4, seed)
        res = sk.solve(p, method=method, time_limit=1.5, workers=2, seed=seed)
        assert res.solution is not None and not sk.check(p, res.solution)
        rule = best_of_rules(p, seed, budget=0.0)
        assert res.objective <= p.objective(rule)


def test_fjsp_auto_proves_mk01() -> None:
    p = sk.read(shared_path("fjsp", "brandimarte", "mk01.fjs"))
    res = sk.solve(p, method="auto", time_limit=15, workers=2, seed=0)
    assert res.objective == 40 and res.lower_bound == 40
    assert res.status is sk.Status.OPTIMAL


def test_incremental_heads_and_tails_equal_full_recomputation() -> None:
    for k, (_p, g, seq) in enumerate(_cases()):
        assert K.check_incremental(g.dur, g.jp, g.js, g.mach, g.mstart, seq.copy(), 300, k) == 0


def test_hint_is_used_when_better() -> None:
    p = sk.read(shared_path("jssp", "ft", "ft06.txt"))
    good = sk.solve(p, method="auto", time_limit=10, workers=2).solution
    res = sk.solve(p, method="ts", time_limit=0.3, hint=good, iterations=10)
    assert res.objective == 55 and res.stats["seed_rule"] == "hint"


@pytest.mark.parametrize(
    ("kind", "params", "options"),
    [
        ("jssp", {"n": 15, "m": 10, "seed": 4}, {"iterations": 20000}),
        ("fjsp", {"n": 10, "m": 6, "seed": 4}, {"rounds": 30}),
    ],
)
def test_ts_without_time_limit_is_reproducible_from_its_seed(kind: str, params: dict, options: dict) -> None:
    """One worker, no time limit: the same seed gives the same schedule, another seed may not."""
    problem = sk.generate(kind, **params)
    runs = [sk.solve(problem, "ts", time_limit=None, workers=1, seed=s, **options) for s in (3, 3)]
    assert runs[0].objective == runs[1].objective
    assert runs[0].solution.to_dict() == runs[1].solution.to_dict()
