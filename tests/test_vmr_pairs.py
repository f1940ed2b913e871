"""The two-step lookahead after greedy (:mod:`schedkit.solvers.rules.vmr_pairs`)."""

from __future__ import annotations

import pytest

import schedkit as sk
from schedkit.problems.vmr import VMRescheduling
from schedkit.solvers.rules.vmr import greedy_moves
from schedkit.solvers.rules.vmr_pairs import pair_greedy_moves


def needs_a_pair() -> VMRescheduling:
    """Node pm0/0 has 14 free cores and hosts two movable 1-core VMs: one leaving raises its
    residue (14 -> 15), both leaving clear it (16); pm1/0 and pm2/0 have 17 free (residue 1) and
    each takes one of them. No single move helps (gain 0), the pair clears every residue."""
    pms = [(32, 100)] * 3
    vms = [
        (16, 1, 0, 0), (1, 1, 0, 0), (1, 1, 0, 0), (16, 1, 0, 1), (16, 1, 0, 1),
        (15, 1, 1, 0), (16, 1, 1, 1), (16, 1, 1, 1),
        (15, 1, 2, 0), (16, 1, 2, 1), (16, 1, 2, 1),
    ]  # fmt: skip
    movable = [v in (1, 2) for v in range(len(vms))]
    return VMRescheduling.from_lists(pms, vms, mnl=4, migratable=movable)


def test_a_pair_that_no_single_move_finds() -> None:
    p = needs_a_pair()
    assert greedy_moves(p).moves == []
    plan = p.plan(pair_greedy_moves(p).moves)
    assert not p.violations(plan)
    assert len(plan) == 2
    assert p.objective(plan) == 0.0


def test_no_pair_within_a_budget_of_one() -> None:
    p = needs_a_pair()
    p.mnl = 1
    assert pair_greedy_moves(p).moves == []


@pytest.mark.parametrize("seed", range(6))
def test_pairs_are_feasible_and_never_worse_than_greedy(seed: int) -> None:
    p = sk.generate("vmr", pms=40 + 10 * seed, seed=seed, mnl=20, utilisation=0.85, anti_affinity=seed)
    greedy = p.objective(p.plan(greedy_moves(p).moves))
    plan = p.plan(pair_greedy_moves(p).moves)
    assert not p.violations(plan)
    assert p.objective(plan) <= greedy + 1e-12
