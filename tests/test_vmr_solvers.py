"""VM rescheduling methods: exact models agree, heuristics never beat them, plans are feasible."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.problems.vmr import VMRescheduling
from schedkit.structure import vmr_model
from schedkit.structure.vmr import aggregate, counts_of_moves, final_free_units, sequence

HEURISTICS = ("rule:greedy", "rule:bestfit")
# small generated instances: (seed, MNL, anti-affinity groups)
SMALL = [(0, 3, 0), (3, 8, 0), (5, 8, 0), (9, 3, 3), (11, 3, 3), (6, 8, 3)]


def small_instance(seed: int, mnl: int, groups: int) -> VMRescheduling:
    return sk.generate("vmr", pms=10, seed=seed, mnl=mnl, utilisation=0.85, anti_affinity=groups)


@pytest.mark.parametrize("seed, mnl, groups", SMALL)
def test_exact_methods_agree_and_heuristics_do_not_beat_them(seed: int, mnl: int, groups: int) -> None:
    p = small_instance(seed, mnl, groups)
    cp = sk.solve(p, "cpsat", time_limit=60, workers=2, seed=0)
    mip = sk.solve(p, "mip", time_limit=60, workers=2, seed=0)
    assert cp.status is sk.Status.OPTIMAL and mip.status is sk.Status.OPTIMAL
    assert cp.objective == pytest.approx(mip.objective, rel=1e-9)
    for r in (cp, mip):
        assert sk.check(p, r) == []
        assert len(r.solution) <= p.mnl
    for h in HEURISTICS:
        r = sk.solve(p, h)
        assert sk.check(p, r) == []
        assert r.objective >= cp.objective - 1e-12
    assert cp.objective <= p.current_fragment_rate()


def test_no_migration_allowed_is_optimal_at_once() -> None:
    p = small_instance(0, 0, 0)
    for m in ("cpsat", "mip", *HEURISTICS):
        r = sk.solve(p, m, time_limit=10, workers=1)
        assert r.status is sk.Status.OPTIMAL and len(r.solution) == 0
        assert r.objective == pytest.approx(p.current_fragment_rate())


def test_sequencing_resolves_a_cycle_by_parking() -> None:
    """x (8 cores) and y1, y2 (4 cores) must swap full nodes: only a parked VM breaks the cycle."""
    fill = [36, 36]
    p = VMRescheduling(
        pm_cpu=[[44, 44], [44, 44], [44, 44]],
        pm_mem=[[10**6] * 2] * 3,
        vm_cpu=[8, 4, 4, *fill, 44, 44],
        vm_mem=[8, 4, 4, *fill, 44, 44],
        vm_pm=[0, 1, 1, 0, 1, 0, 1],
        vm_numa=[0, 0, 0, 0, 0, 1, 1],
        migratable=[True, True, True, False, False, False, False],
        mnl=4,
    )
    agg = aggregate(p)
    target = counts_of_moves(agg, [(0, 0, 0, 1, 0), (1, 1, 0, 0, 0), (2, 1, 0, 0, 0)])
    moves = sequence(agg, target, p.mnl)
    assert moves is not None and len(moves) == 4
    plan = p.plan(moves)
    assert sk.check(p, plan) == []
    assert np.array_equal(final_free_units(agg, counts_of_moves(agg, moves)), final_free_units(agg, target))
    assert sequence(agg, target, 3) is None  # the parking move does not fit under MNL = 3


def test_methods_on_the_medium_instance() -> None:
    p = sk.read(shared_path("vmr2l", "reset_vm_pm0.json"), mnl=50)
    initial = p.current_fragment_rate()
    greedy = sk.solve(p, "rule:greedy")
    best = sk.solve(p, "rule:bestfit")
    for r in (greedy, best):
        assert sk.check(p, r) == []
        assert r.objective < initial and len(r.solution) <= 50
    cp = sk.solve(p, "cpsat", time_limit=4, workers=2, seed=0)
    assert sk.check(p, cp) == []
    assert cp.objective <= greedy.objective
    assert cp.lower_bound <= cp.objective


def test_hint_is_accepted() -> None:
    p = small_instance(3, 8, 0)
    g = sk.solve(p, "rule:greedy")
    r = sk.solve(p, "cpsat", time_limit=30, workers=1, hint=g)
    assert sk.check(p, r) == [] and r.objective <= g.objective


def _satisfied(cm: vmr_model.CountModel, values: dict[int, int]) -> list[str]:
    """Names of the bounds and constraints of ``cm`` that ``values`` (index -> value) violates."""
    bad = [v.name for i, v in enumerate(cm.variables) if not v.lb <= values[i] <= v.ub]
    for c in cm.constraints:
        lhs = sum(k * values[i] for k, i in c.terms)
        ok = {vmr_model.LE: lhs <= c.rhs, vmr_model.GE: lhs >= c.rhs, vmr_model.EQ: lhs == c.rhs}[c.sense]
        if not ok:
            bad.append(c.name)
    return bad


@pytest.mark.parametrize("seed, mnl, groups", SMALL)
def test_count_model_accepts_the_greedy_plan_at_its_fragment_rate(seed: int, mnl: int, groups: int) -> None:
    """The full model's start values for a feasible plan satisfy it, at the plan's residue sum."""
    p = small_instance(seed, mnl, groups)
    g = sk.solve(p, "rule:greedy")
    agg = aggregate(p)
    counts = counts_of_moves(agg, g.solution.moves())
    cm = vmr_model.build(agg, False, p.mnl)
    values = dict(cm.start_values(agg, counts))
    assert sorted(values) == list(range(len(cm.variables)))
    assert _satisfied(cm, values) == []
    objective = sum(k * values[i] for k, i in cm.objective) + cm.objective_constant
    assert objective == agg.residue_units(final_free_units(agg, counts))
    assert agg.fr_units(objective) == pytest.approx(g.objective)
    assert cm.counts(lambda i: values[i]) == counts


def test_structure_imports_no_solver() -> None:
    import ast
    from pathlib import Path

    import schedkit.structure

    for path in Path(schedkit.structure.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.startswith("schedkit.solvers") for n in names), path.name
