"""Priority pod placement: problem, independent checker, JSON format, generator, CLI."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.errors import InvalidProblemError, ParseError
from schedkit.formats.pods import read, sniff, write
from schedkit.problems.pods import UNPLACED, PodAssignment, PodPlacement


def small() -> PodPlacement:
    """Two nodes (4000m/8192Mi each; n1 tainted, n0 in zone a). Pods: r0 (2000m, priority 10,
    on n0, unmovable), r1 (2000m, priority 0, on n0), r2 (1000m, priority 0, on n1, tolerates the
    taint); pending q3 (2000m, priority 10, zone a), q4 (1000m, priority 0, tolerates the taint)."""
    return PodPlacement(
        node_cpu=[4000, 4000],
        node_mem=[8192, 8192],
        pod_cpu=[2000, 2000, 1000, 2000, 1000],
        pod_mem=[1024, 1024, 1024, 1024, 7000],
        pod_priority=[10, 0, 0, 10, 0],
        pod_node=[0, 0, 1, UNPLACED, UNPLACED],
        pod_movable=[False, True, True, True, True],
        node_labels=({"zone": "a"}, {"zone": "b"}),
        node_taints=((), ("dedicated=batch:NoSchedule",)),
        pod_selector=({}, {}, {}, {"zone": "a"}, {}),
        pod_tolerations=((), (), ("dedicated",), (), ("dedicated=batch:NoSchedule",)),
        node_names=("n0", "n1"),
        pod_names=("r0", "r1", "r2", "q3", "q4"),
        name="small",
    )


def place(p: PodPlacement, pairs: list[tuple[int, int]]) -> PodAssignment:
    return PodAssignment([a for a, _ in pairs], [b for _, b in pairs], (p.pod_names, p.node_names))


# checker --------------------------------------------------------------------------------------
def test_feasible_solution_and_objective_by_hand() -> None:
    p = small()
    stay = place(p, [(0, 0), (1, 0), (2, 1)])  # nothing pending placed
    assert sk.check(p, stay) == []
    assert p.objective_tuple(stay) == (1, 1, 0)  # q3 unplaced at 10, q4 at 0, no disruption
    # q3 needs r1's room on n0 (the only zone-a node; r1 does not tolerate n1's taint): r1
    # evicted; q4 placed on n1 with r2
    better = place(p, [(0, 0), (3, 0), (2, 1), (4, 1)])
    assert sk.check(p, better) == []
    assert p.objective_tuple(better) == (0, 1, 1)
    assert p.objective(better) < p.objective(stay)
    # weights: R = 2 movable running pods, w_0 = 3, w_10 = 3 * (3 + 1) = 12
    assert p.weights == (12, 3)
    assert p.objective(stay) == 12 + 3 and p.objective(better) == 3 + 1
    assert p.objective_detail(better) == "placed per priority 10: 2/2, 0: 2/3; moves 0, evictions 1"


def test_scalar_objective_is_lexicographic() -> None:
    p = sk.generate("pods", nodes=4, seed=3)
    levels = len(p.levels)
    worst_below = (0, *p.level_size[1:].tolist(), int((p.running & p.pod_movable).sum()))
    one_more_on_top = (1,) + (0,) * levels
    assert p.scalar(one_more_on_top) > p.scalar(worst_below)
    rng = np.random.default_rng(0)
    keys = [tuple(int(rng.integers(0, 3)) for _ in range(levels + 1)) for _ in range(200)]
    for a, b in itertools.combinations(keys[:40], 2):
        assert (a < b) == (p.scalar(a) < p.scalar(b))


@pytest.mark.parametrize(
    ("pairs", "needle"),
    [
        ([(0, 0), (1, 0), (2, 1), (1, 1)], "placed a second time"),
        ([(0, 0), (1, 0), (2, 1), (9, 1)], "unknown pod"),
        ([(0, 0), (1, 0), (2, 7)], "unknown node"),
        ([(0, 0), (1, 0), (2, 1), (3, 0)], "CPU: requests 6000 > capacity 4000"),
        ([(0, 0), (2, 1), (4, 1), (1, 1)], "memory: requests 9048 > capacity 8192"),
        ([(0, 0), (1, 0), (2, 1), (3, 1)], "the pod selects zone=a, the node has label zone=b"),
        ([(0, 0), (2, 0), (1, 1)], "taint 'dedicated=batch:NoSchedule'"),
        ([(1, 0), (2, 1)], "r0 is unmovable on node n0; the solution leaves it unplaced"),
        ([(0, 1), (1, 0)], "r0 is unmovable on node n0; the solution puts it on n1"),
    ],
)
def test_checker_names_each_violation(pairs: list[tuple[int, int]], needle: str) -> None:
    p = small()
    bad = sk.check(p, place(p, pairs))
    assert any(needle in b for b in bad), bad


def test_problem_refuses_bad_data() -> None:
    base = small()
    kw = {
        "node_cpu": base.node_cpu,
        "node_mem": base.node_mem,
        "pod_cpu": base.pod_cpu,
        "pod_mem": base.pod_mem,
        "pod_priority": base.pod_priority,
        "pod_node": base.pod_node,
    }
    with pytest.raises(InvalidProblemError, match="overload node node0 CPU: requests 5000 > capacity 4000"):
        PodPlacement(**{**kw, "pod_cpu": [3000, 2000, 1000, 3000, 1000]})
    with pytest.raises(InvalidProblemError, match="pod pod1: negative CPU request -5"):
        PodPlacement(**{**kw, "pod_cpu": [2000, -5, 1000, 3000, 1000]})
    with pytest.raises(InvalidProblemError, match="running pod r2 on node node1: the node has taint"):
        PodPlacement(
            **{**kw, "node_taints": ((), ("dedicated=batch:NoSchedule",)), "pod_names": small().pod_names}
        )


# format ---------------------------------------------------------------------------------------
def test_json_round_trip_and_sniffer(tmp_path: Path) -> None:
    p = small()
    text = write(p)
    assert sniff(text)
    q = read(text, "x.json")
    assert q.name == "small" and q.node_names == p.node_names and q.pod_names == p.pod_names
    for a in ("node_cpu", "node_mem", "pod_cpu", "pod_mem", "pod_priority", "pod_node", "pod_movable"):
        assert np.array_equal(getattr(p, a), getattr(q, a)), a
    assert q.node_labels == p.node_labels and q.pod_tolerations == p.pod_tolerations
    path = tmp_path / "cluster.json"
    path.write_text(text)
    assert sk.read(path).kind == "pods"  # sniffed among the JSON formats
    g = sk.generate("pods", nodes=5, seed=2)
    assert write(read(write(g), "g.json")) == write(g)


DOC = {
    "format": "schedkit-pods",
    "nodes": [{"name": "n0", "cpu": 4000, "memory": 8192}],
    "pods": [
        {"name": "a", "cpu": 1000, "memory": 512, "priority": 5, "node": "n0"},
        {"cpu": 500, "memory": 256},
    ],
}


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("pods", 0, "cpu"), -1, "pods[0].cpu must be >= 0, got -1"),
        (("pods", 1, "memory"), "lots", "pods[1].memory must be an integer, got 'lots'"),
        (("pods", 0, "node"), "n9", "pods[0].node: no node is named 'n9'"),
        (("pods", 1, "name"), "a", "pods[1].name: 'a' is also the name of entry 0"),
        (("pods", 0, "movable"), "no", "pods[0].movable must be true or false"),
        (("pods", 0, "colour"), "red", "pods[0]: unknown key 'colour'"),
        (("pods", 1, "node_selector"), {"zone": 3}, "pods[1].node_selector.zone must be a non-empty string"),
        (("nodes", 0, "taints"), "x", "nodes[0].taints must be a list"),
        (("nodes", 0, "cpu"), 500, "the running pods overload node n0 CPU: requests 1000 > capacity 500"),
        (("format",), "other", "format must be 'schedkit-pods'"),
    ],
)
def test_reader_errors_are_one_line(path: tuple, value: object, needle: str, tmp_path: Path) -> None:
    doc = json.loads(json.dumps(DOC))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(ParseError) as err:
        sk.read(f, format="pods-json")
    msg = str(err.value)
    assert needle in msg and "\n" not in msg and msg.startswith(str(f))


def test_reader_refuses_malformed_json_and_missing_keys(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{"nodes": [{"cpu": 1}], "pods": [}')
    with pytest.raises(ParseError, match=r"bad.json:1: malformed JSON"):
        sk.read(f, format="pods-json")
    f.write_text('{"nodes": [{"cpu": 1}], "pods": []}')
    with pytest.raises(ParseError, match=r"nodes\[0\]: missing key 'memory'"):
        sk.read(f, format="pods-json")
    f.write_text('{"nodes": [], "pods": []}')
    with pytest.raises(ParseError, match="nodes is empty"):
        sk.read(f, format="pods-json")


# generator ------------------------------------------------------------------------------------
def test_generator_is_seeded_and_default_leaves_pods_pending() -> None:
    assert write(sk.generate("pods", nodes=20, seed=4)) == write(sk.generate("pods", nodes=20, seed=4))
    assert write(sk.generate("pods", nodes=20, seed=4)) != write(sk.generate("pods", nodes=20, seed=5))
    left = []
    for seed in range(5):
        p = sk.generate("pods", nodes=20, seed=seed)
        assert len(p.levels) == 3 and (~p.running).any() and (p.running & ~p.pod_movable).any()
        res = sk.solve(p, "rule:default")
        left.append(res.stats["objective_tuple"][:-1])
    assert all(sum(u) > 0 for u in left)  # the setting: the default heuristic leaves pods pending
    with pytest.raises(sk.InvalidParameterError, match="levels must be an integer in"):
        sk.generate("pods", levels=9)


# methods --------------------------------------------------------------------------------------
def _brute_force(p: PodPlacement) -> tuple[int, ...]:
    """The lexicographic optimum by enumerating every placement (tiny instances only)."""
    best = None
    for nodes in itertools.product(range(UNPLACED, p.num_nodes), repeat=p.num_pods):
        sol = p.assignment(np.array(nodes))
        if not p.violations(sol):
            key = p.objective_tuple(sol)
            best = key if best is None or key < best else best
    assert best is not None
    return best


def test_exact_methods_match_enumeration_on_the_small_instance() -> None:
    p = small()
    opt = _brute_force(p)
    assert opt == (0, 1, 1)
    for method in ("cpsat", "mip"):
        res = sk.solve(p, method, time_limit=20, workers=1)
        assert res.status is sk.Status.OPTIMAL, method
        assert p.objective_tuple(res.solution) == opt
        assert res.lower_bound == res.objective == p.scalar(opt)


@pytest.mark.parametrize("seed", range(6))
def test_cpsat_and_mip_agree_on_small_generated_clusters(seed: int) -> None:
    p = sk.generate("pods", nodes=3 + seed % 3, seed=seed, workloads=5)
    a = sk.solve(p, "cpsat", time_limit=30, workers=2)
    b = sk.solve(p, "mip", time_limit=30, workers=2)
    assert a.status is sk.Status.OPTIMAL and b.status is sk.Status.OPTIMAL, (a.stats, b.stats)
    assert p.objective_tuple(a.solution) == p.objective_tuple(b.solution)
    assert a.objective == b.objective
    for rule in ("rule:default", "rule:bfd", "rule:preempt"):
        r = sk.solve(p, rule)
        assert sk.check(p, r) == [] and p.objective_tuple(r.solution) >= p.objective_tuple(a.solution)


def test_enumeration_agrees_on_random_tiny_clusters() -> None:
    rng = np.random.default_rng(7)
    for trial in range(8):
        n_pods = 5
        node_of = np.full(n_pods, UNPLACED)
        node_of[:2] = rng.integers(0, 2, size=2)
        cpu = rng.integers(1, 4, size=n_pods) * 1000
        cpu[:2] = rng.integers(1, 3, size=2) * 1000  # two running pods fit on any node
        p = PodPlacement(
            node_cpu=[4000, int(rng.choice([3000, 4000]))] if node_of[:2].max() == 0 else [4000, 4000],
            node_mem=[100, 100],
            pod_cpu=cpu,
            pod_mem=[10] * n_pods,
            pod_priority=rng.integers(0, 3, size=n_pods) * 100,
            pod_node=node_of,
            pod_movable=rng.random(n_pods) < 0.7,
        )
        opt = _brute_force(p)
        res = sk.solve(p, "cpsat", time_limit=20, workers=1)
        assert res.status is sk.Status.OPTIMAL and p.objective_tuple(res.solution) == opt, trial


# command line ---------------------------------------------------------------------------------
def test_cli_generate_solve_check_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst, sol = tmp_path / "c.json", tmp_path / "sol.json"
    assert main(["generate", "pods", "--nodes", "4", "--seed", "1", "-o", str(inst)]) == 0
    assert main(["info", str(inst)]) == 0
    out = capsys.readouterr().out
    assert "nodes" in out and "pending pods" in out
    assert main(["solve", str(inst), "--method", "rule:default", "-t", "5", "--out", str(sol)]) == 0
    out = capsys.readouterr().out
    assert "lexicographic cost" in out and "placed per priority" in out
    assert main(["check", str(inst), str(sol)]) == 0
    assert "feasible" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"nodes": [{"cpu": 1, "memory": 1}], "pods": [{"cpu": -1, "memory": 1}]}))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "pods[0].cpu must be >= 0" in err and "Traceback" not in err


def test_polish_and_preempt_never_worsen_a_placement() -> None:
    from schedkit.solvers.rules.pods import default_placement, polish, preempt_placement

    for seed in range(4):
        p = sk.generate("pods", nodes=8, seed=seed)
        base = default_placement(p)
        pre = preempt_placement(p, base)
        assert sk.check(p, p.assignment(pre)) == [] and p.tuple_of(pre) <= p.tuple_of(base)
        # evict every movable running pod: polish places pods again, higher priorities first,
        # the evicted ones at home when there is room: never worse than the running placement
        scrambled = np.where(p.running & p.pod_movable, UNPLACED, p.pod_node)
        back = polish(p, scrambled)
        assert sk.check(p, p.assignment(back)) == [] and p.tuple_of(back) <= p.tuple_of(p.pod_node)
        assert p.tuple_of(back) < p.tuple_of(scrambled)
