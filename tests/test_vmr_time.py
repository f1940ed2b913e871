"""VM rescheduling under short time limits: the start rules stop with a feasible prefix, model
building stops at its deadline, and every timed method still returns a feasible plan."""

from __future__ import annotations

import time

import pytest

import schedkit as sk
from schedkit.solvers.rules.vmr import bestfit_moves, greedy_moves
from schedkit.structure import vmr_model
from schedkit.structure.vmr import aggregate


def medium() -> sk.Problem:
    """A generated 300-PM instance: 600 nodes, enough for the build to look at its clock."""
    return sk.generate("vmr", pms=300, seed=3, mnl=40, anti_affinity=5)


@pytest.mark.parametrize("rule", [greedy_moves, bestfit_moves])
def test_a_rule_past_its_deadline_returns_a_prefix_of_its_plan(rule) -> None:
    p = medium()
    full = rule(p).moves
    assert full  # the instance leaves the rules something to do
    assert rule(p, deadline=time.perf_counter() - 1.0).moves == []
    assert not p.violations(p.plan(full))


def test_greedy_with_a_step_limit_is_a_prefix_of_its_plan() -> None:
    p = medium()
    full = greedy_moves(p).moves
    k = max(1, len(full) // 2)
    assert greedy_moves(p, limit=k).moves == full[:k]


def test_building_the_count_model_stops_at_its_deadline() -> None:
    agg = aggregate(medium())
    assert vmr_model.build(agg, True, 40).variables  # without a deadline it is built
    with pytest.raises(vmr_model.BuildTimeout):
        vmr_model.build(agg, True, 40, deadline=time.perf_counter() - 1.0)


@pytest.mark.parametrize("method", ["cpsat", "mip", "auto"])
@pytest.mark.parametrize("limit", [0.0, 0.05])
def test_a_tiny_time_limit_still_returns_a_feasible_plan(method: str, limit: float) -> None:
    p = medium()
    r = sk.solve(p, method, time_limit=limit, workers=2, seed=0)
    assert r.solution is not None
    assert not sk.check(p, r.solution)
    assert r.objective <= p.current_fragment_rate() + 1e-12
