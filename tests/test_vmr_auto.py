"""VM rescheduling at scale: the LNS ``auto`` and the migration bound."""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit.context import SolveContext
from schedkit.problems.vmr import SLOT, VMRescheduling
from schedkit.solvers.hybrid.vmr_neighbourhood import Incumbent, PmIndex, close, restrict, restrict_current
from schedkit.solvers.rules.vmr import greedy_moves

# small generated instances CP-SAT proves: (PMs, seed, MNL, anti-affinity groups)
SMALL = [
    (8, 0, 2, 0),
    (8, 1, 4, 0),
    (10, 2, 3, 0),
    (10, 3, 6, 2),
    (12, 4, 1, 0),
    (12, 5, 5, 0),
    (10, 7, 8, 3),
]


def small(pms: int, seed: int, mnl: int, groups: int) -> VMRescheduling:
    return sk.generate("vmr", pms=pms, seed=seed, mnl=mnl, utilisation=0.85, anti_affinity=groups)


@pytest.mark.parametrize("pms, seed, mnl, groups", SMALL)
def test_bounds_never_exceed_the_exact_optimum(pms: int, seed: int, mnl: int, groups: int) -> None:
    p = small(pms, seed, mnl, groups)
    opt = sk.solve(p, "cpsat", time_limit=60, workers=2, seed=0)
    assert opt.status is sk.Status.OPTIMAL
    for bound in (p.migration_bound(), p.touched_bound(), p.lower_bound()):
        assert bound <= opt.objective + 1e-12


def test_migration_bound_by_hand() -> None:
    """Six nodes with 14 free cores (residue 14, sum 84) and two movable 2-core VMs, MNL 2: a
    migration lowers the residue sum by at most 14 + 2 = 16, so it ends at 84 - 32 = 52 or more
    (reached: both VMs leave their nodes, which drop to 0, for another node). The touched-nodes
    bound lets the 4 touched nodes drop to 0: 84 - 56 = 28, rounded up to 36 (= 84 mod 16)."""
    fixed = [(30, 30, q, j) for q in range(3) for j in (0, 1) if (q, j) not in ((0, 0), (1, 0))]
    p = VMRescheduling.from_lists(
        pms=[(44, 10**6)] * 3,
        vms=[(28, 28, 0, 0), (2, 2, 0, 0), (28, 28, 1, 0), (2, 2, 1, 0), *fixed],
        migratable=[False, True, False, True] + [False] * len(fixed),
        mnl=2,
    )
    assert (p.initial_free()[0] == 14).all() and p.free_cpu_total() == 84
    assert p.touched_bound() == pytest.approx(36 / 84)
    assert p.migration_bound() == pytest.approx(52 / 84)
    opt = sk.solve(p, "cpsat", time_limit=30, workers=1)
    assert opt.objective == pytest.approx(52 / 84)
    assert opt.status is sk.Status.OPTIMAL  # the bound meets the plan


def test_migration_bound_counts_capacity() -> None:
    """A 44-core double-NUMA VM fills a whole PM: moving it to an empty PM changes no residue
    (44 mod 16 = 12 leaves the source and the destination's 12 vanishes), so the bound is the
    current fragment rate and the empty plan is optimal."""
    p = VMRescheduling.from_lists(pms=[(44, 10**6)] * 2, vms=[(44, 44, 0, (0, 1))], mnl=3)
    assert p.migration_bound() == pytest.approx(p.current_fragment_rate())
    assert sk.solve(p, "auto", time_limit=5, workers=1).status is sk.Status.OPTIMAL


def test_migration_bound_is_stronger_at_scale() -> None:
    """The issue's 1200-PM instance at MNL 50: the touched-nodes bound 0.7125, the per-step one higher."""
    p = sk.generate("vmr", pms=1200, vms=4500, churn=0.2, mnl=50, seed=1)
    assert p.touched_bound() == pytest.approx(0.7125, abs=1e-4)
    assert p.migration_bound() > p.touched_bound() + 0.05
    assert p.potential_bound() > p.migration_bound()
    assert p.lower_bound() == max(p.migration_bound(), p.potential_bound())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auto_never_worse_than_its_start_and_feasible(seed: int) -> None:
    p = sk.generate("vmr", pms=60, seed=seed, mnl=12, churn=0.2, utilisation=0.9)
    start = min(sk.solve(p, m).objective for m in ("rule:greedy", "rule:bestfit"))
    r = sk.solve(p, "auto", workers=2, seed=seed, iterations=20, whole_pms=0)
    assert sk.check(p, r) == []
    assert len(r.solution) <= p.mnl
    assert r.objective <= start + 1e-12
    assert r.lower_bound <= r.objective + 1e-12


def test_auto_with_the_whole_instance_phase_matches_cpsat_on_small_instances() -> None:
    p = small(10, 3, 6, 2)
    cp = sk.solve(p, "cpsat", time_limit=60, workers=2)
    r = sk.solve(p, "auto", workers=2, iterations=5)
    assert sk.check(p, r) == [] and r.objective == pytest.approx(cp.objective)


def test_auto_iteration_and_stall_options_end_the_search() -> None:
    p = sk.generate("vmr", pms=40, seed=3, mnl=10, utilisation=0.9)
    r = sk.solve(p, "auto", workers=1, iterations=7, whole_pms=0)
    assert r.stats["iterations"] == 7
    r = sk.solve(p, "auto", workers=1, iterations=1000, stall=4, whole_pms=0)
    assert r.stats["iterations"] <= 1000 and r.stats["iterations"] >= 4
    with pytest.raises(sk.SchedkitError, match="iterations"):
        sk.solve(p, "auto", iterations=-1)


def test_auto_respects_the_budget_when_the_rules_use_it_all() -> None:
    p = sk.generate("vmr", pms=80, seed=4, mnl=3, utilisation=0.9)
    r = sk.solve(p, "auto", workers=2, iterations=15, whole_pms=0)
    assert sk.check(p, r) == [] and len(r.solution) <= 3


def _state(seed: int) -> tuple[VMRescheduling, Incumbent, PmIndex]:
    p = sk.generate("vmr", pms=50, seed=seed, mnl=15, churn=0.2, utilisation=0.9)
    moves = greedy_moves(p).moves
    return p, Incumbent(p, moves), PmIndex(p)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_sub_plan_on_a_closed_set_combines_into_a_feasible_plan(seed: int) -> None:
    p, inc, index = _state(seed)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        pms = close({int(x) for x in rng.choice(p.num_pms, size=8, replace=False)}, inc.moves)
        for _, a, _, c, _ in inc.moves:
            assert (a in pms) == (c in pms)
        sub = restrict(p, index, pms, inc.moves)
        assert sk.check(sub.problem, sub.problem.plan(sub.hint)) == []  # the steps inside, alone
        assert sub.problem.mnl == p.mnl - sum(1 for m in inc.moves if m[1] not in pms)
        # any feasible sub plan (here the greedy one from scratch) replaces the steps inside
        own = greedy_moves(sub.problem).moves
        trial = Incumbent(p, inc.moves)
        trial.replace(pms, True, sub.to_original(own))
        assert sk.check(p, p.plan(trial.moves)) == []
        free = p.pm_cpu - p.load(trial.pos_pm, trial.pos_numa)[0]
        assert (free == trial.free).all()
        assert trial.residue() == int((free[p.pm_active] % SLOT).sum())


def test_a_sub_plan_after_the_plan_appends_feasibly_and_merges_double_moves() -> None:
    p, inc, _ = _state(2)
    rng = np.random.default_rng(5)
    for _ in range(5):
        pms = {int(x) for x in rng.choice(p.num_pms, size=10, replace=False)}
        sub = restrict_current(p, inc, pms)
        assert sub.problem.mnl == p.mnl - len(inc.moves)
        extra = greedy_moves(sub.problem).moves
        trial = Incumbent(p, inc.moves)
        trial.replace(pms, False, sub.to_original(extra))
        assert sk.check(p, p.plan(trial.moves)) == []
        before = p.objective(p.plan(trial.moves))
        trial.compress()
        assert sk.check(p, p.plan(trial.moves)) == []
        assert p.objective(p.plan(trial.moves)) == pytest.approx(before)
        assert len({m[0] for m in trial.moves}) <= len(trial.moves)


def test_auto_returns_its_start_when_the_time_is_up_at_once() -> None:
    p = sk.generate("vmr", pms=40, seed=3, mnl=10, utilisation=0.9)
    ctx = SolveContext(method="auto", time_limit=0.0)
    from schedkit.solvers.hybrid.vmr import solve

    r = solve(p, ctx)
    assert r.stats["iterations"] == 0
    assert sk.check(p, r.solution) == []
