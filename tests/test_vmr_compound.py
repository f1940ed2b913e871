"""VM rescheduling: compound moves (exact gains, never worse, deterministic) and the potential bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import schedkit as sk
from schedkit.problems.vmr import BOTH, SLOT, VMRescheduling
from schedkit.solvers.hybrid import vmr_compound as vc
from schedkit.solvers.rules.vmr import MappingState, greedy_moves
from schedkit.solvers.rules.vmr_pairs import pair_greedy_moves


def residue_sum(st: MappingState) -> int:
    return int((st.free_c[st.p.pm_active] % SLOT).sum())


def random_instance(seed: int, mnl: int = 6) -> VMRescheduling:
    """PMs of 20-48 cores per node and VMs of 1-12, 16 or 32 cores (a third double-NUMA),
    placed at random where they fit: odd sizes, sizes above 8 and tight nodes included."""
    rng = np.random.default_rng(seed)
    n_pm = int(rng.integers(4, 9))
    cap = int(rng.choice([20, 24, 32, 44, 48]))
    free = np.full((n_pm, 2), cap)
    vms = []
    for _ in range(int(rng.integers(6, 30))):
        c = int(rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 32]))
        double = rng.random() < 0.35
        for _ in range(10):
            q = int(rng.integers(n_pm))
            j = int(rng.integers(2))
            nodes = (0, 1) if double else (j,)
            if all(free[q, k] >= c for k in nodes):
                for k in nodes:
                    free[q, k] -= c
                vms.append((c, c, q, (0, 1) if double else j))
                break
    return VMRescheduling.from_lists(pms=[(cap, cap)] * n_pm, vms=vms, mnl=mnl)


def random_moves(p: VMRescheduling, st: MappingState, rng: np.random.Generator, n: int) -> None:
    """Apply up to ``n`` random feasible migrations to ``st``."""
    for _ in range(n):
        v = int(rng.integers(p.num_vms))
        dp = int(rng.integers(p.num_pms))
        dn = BOTH if p.vm_numa[v] == BOTH else int(rng.integers(2))
        if vc.move_gain(st, v, dp, dn) is not None:
            st.move(v, dp, dn)


def at_state(p: VMRescheduling, st: MappingState) -> VMRescheduling:
    """The instance whose initial mapping is ``st``'s."""
    return replace(p, vm_pm=st.pos_pm.copy(), vm_numa=st.pos_numa.copy())


@pytest.mark.parametrize("seed", range(12))
def test_move_gain_is_the_exact_residue_change_and_obeys_the_potential_lemma(seed: int) -> None:
    """Every feasible single move: ``move_gain`` equals the recomputed change of the residue
    sum, and (where the potential bound applies) decrease <= 16 + 16 (H before - H after)."""
    p = random_instance(seed)
    rng = np.random.default_rng(seed + 100)
    st = MappingState(p)
    random_moves(p, st, rng, 4)
    checked = 0
    for v in range(p.num_vms):
        for dp in range(p.num_pms):
            for dn in (BOTH,) if p.vm_numa[v] == BOTH else (0, 1):
                g = vc.move_gain(st, v, dp, dn)
                fits = not at_state(p, st).violations(
                    p.plan([(v, int(st.pos_pm[v]), int(st.pos_numa[v]), dp, dn)])
                )
                assert (g is not None) == fits
                if g is None:
                    continue
                before, h0 = residue_sum(st), at_state(p, st).perfect_sources()
                st.move(v, dp, dn)
                after, h1 = residue_sum(st), at_state(p, st).perfect_sources()
                st.undo()
                assert g == before - after
                assert g % SLOT == 0
                if h0 is not None:
                    assert g <= SLOT + SLOT * (h0 - h1)
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("seed", range(8))
def test_materialised_compounds_and_dropped_steps_change_the_residue_by_their_stated_amount(
    seed: int,
) -> None:
    p = sk.generate("vmr", pms=30, seed=seed, mnl=12, churn=0.2, utilisation=0.9)
    st = greedy_moves(p)
    idx = np.flatnonzero(st.movable)
    tb = vc._Tables(st, idx)
    scan = vc._PairScan(st, tb)
    tried = 0
    for cand in scan.candidates(-(10**6))[:60]:
        before = residue_sum(st)
        res = vc._materialise(st, scan, cand)
        if res is None:
            continue
        gain, steps, _ = res
        assert before - residue_sum(st) == gain
        for _ in range(steps):
            st.undo()
        assert residue_sum(st) == before
        tried += 1
    assert tried > 0
    for loss, i, _, _ in vc._removals(st):
        trial = MappingState(p)
        for k, (v, _, _, dp, dn) in enumerate(st.moves):
            if k != i:
                trial.move(v, dp, dn)
        assert residue_sum(trial) - residue_sum(st) == loss


@pytest.mark.parametrize("seed", range(6))
def test_improve_pairs_never_worse_feasible_and_deterministic(seed: int) -> None:
    p = sk.generate("vmr", pms=60, seed=seed, mnl=8 + 4 * seed, churn=0.2, utilisation=0.9)
    for start in (greedy_moves(p).moves, pair_greedy_moves(p).moves):
        plan, _ = vc.improve_pairs(p, start)
        assert sk.check(p, p.plan(plan)) == []
        assert p.objective(p.plan(plan)) <= p.objective(p.plan(start)) + 1e-12
        assert vc.improve_pairs(p, start)[0] == plan


@pytest.mark.parametrize("seed", range(6))
def test_potential_bound_never_exceeds_the_exact_optimum(seed: int) -> None:
    p = random_instance(seed + 50, mnl=2 + seed % 3)
    opt = sk.solve(p, "cpsat", time_limit=30, workers=2, seed=0)
    assert opt.status is sk.Status.OPTIMAL
    assert p.potential_bound() <= opt.objective + 1e-12


def test_potential_bound_proves_greedy_optimal_on_the_5000_pm_instance() -> None:
    """H = 7 PMs can start a 32-step double move; greedy makes those 7 and then 16-steps, which
    meets R0 - 16 (MNL + H) at MNL 50 (0.4667): nothing beats greedy there."""
    p = sk.generate("vmr", pms=5000, seed=1, mnl=50)
    assert p.perfect_sources() == 7
    g = sk.solve(p, "rule:greedy")
    assert g.status is sk.Status.OPTIMAL
    assert g.objective == pytest.approx(p.potential_bound())


def test_compounds_reach_the_issue_floor_on_the_1200_pm_instance() -> None:
    """Without a time limit, from greedy with pairs: at most cpsat's 60 s value 0.8370."""
    p = sk.generate("vmr", pms=1200, vms=4500, churn=0.2, mnl=50, seed=1)
    start = pair_greedy_moves(p).moves
    plan, stats = vc.improve_pairs(p, start)
    assert sk.check(p, p.plan(plan)) == []
    assert p.objective(p.plan(plan)) <= 0.8370 + 1e-4 < p.objective(p.plan(start))
    assert stats["pair_compounds"] >= 1
