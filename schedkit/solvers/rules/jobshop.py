"""Dispatching rules for the job shop: ``rule:<name>[/active|/nondelay]``.

Rules (each a key per operation, the smallest is dispatched first):

========  ==============================================================
spt       shortest processing time of the operation
lpt       longest processing time of the operation
mwkr      most work remaining in the job (this operation included)
lwkr      least work remaining in the job (this operation included)
mopnr     most operations remaining in the job (this one included)
fifo      first in, first out: earliest time the operation became ready
random    uniform random choice (a random permutation of the operations
          drawn from ``seed``; equal seeds give equal schedules)
========  ==============================================================

Ties on the key go to the operation that can start first, then to the lowest job index, so
every rule is deterministic. For FIFO both schemes give the same schedule: on a machine the
operation that arrived first is also the one that can start first, and no operation that is
not yet a candidate can arrive before it. ``/active`` builds the schedule with Giffler & Thompson's active
scheme, ``/nondelay`` with the non-delay scheme (see :mod:`schedkit.solvers.rules.jobshop_sgs`); the
plain name uses the scheme in :data:`DEFAULT_SCHEME`, the one that gave the smaller mean gap
on ta01-ta60 (``benchmarks/jssp_rules.md``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import UnknownMethodError
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules import jobshop_sgs
from schedkit.solvers.rules.jobshop_sgs import schedule

SCHEMES = ("active", "nondelay")


def _remaining_work(p: JobShop) -> np.ndarray:
    cs = np.cumsum(p.duration)
    job_total = cs[p.job_start[1:] - 1]
    return job_total[p.job_of] - cs + p.duration


def _ops_remaining(p: JobShop) -> np.ndarray:
    return np.diff(p.job_start)[p.job_of] - p.rank


#: rule name -> key per operation (smaller first); None for the dynamic FIFO key
KEYS: dict[str, Callable[[JobShop, int], np.ndarray] | None] = {
    "spt": lambda p, seed: p.duration,
    "lpt": lambda p, seed: -p.duration,
    "mwkr": lambda p, seed: -_remaining_work(p),
    "lwkr": lambda p, seed: _remaining_work(p),
    "mopnr": lambda p, seed: -_ops_remaining(p),
    "fifo": None,
    "random": lambda p, seed: np.random.default_rng(seed).permutation(p.num_operations).astype(np.int64),
}

#: scheme used by the plain ``rule:<name>``: the better mean gap on ta01-ta60
DEFAULT_SCHEME: dict[str, str] = {
    "spt": "nondelay",
    "lpt": "nondelay",
    "mwkr": "nondelay",
    "lwkr": "nondelay",
    "mopnr": "nondelay",
    "fifo": "nondelay",
    "random": "nondelay",
}


def parse_method(method: str) -> tuple[str, str]:
    """``"rule:mwkr/active"`` -> ``("mwkr", "active")``; the default scheme when none is given."""
    body = method.removeprefix("rule:")
    rule, _, scheme = body.partition("/")
    if rule not in KEYS or (scheme and scheme not in SCHEMES):
        raise UnknownMethodError(f"unknown dispatching rule {method!r}")
    return rule, scheme or DEFAULT_SCHEME[rule]


def dispatch(problem: JobShop, rule: str, scheme: str, seed: int = 0) -> np.ndarray:
    """Start time per flat operation of the schedule ``rule`` builds with ``scheme``."""
    make_key = KEYS[rule]
    if make_key is None:
        key = np.zeros(problem.num_operations, dtype=np.int64)
    else:
        key = np.ascontiguousarray(make_key(problem, seed), dtype=np.int64)
    return schedule(
        problem.machine,
        problem.duration,
        problem.job_start,
        problem.num_machines,
        key,
        make_key is None,
        scheme == "active",
    )


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Method ``rule:<name>[/active|/nondelay]`` (the name is read from ``ctx.method``)."""
    rule, scheme = parse_method(ctx.method)
    start = dispatch(problem, rule, scheme, ctx.seed)
    solution = JobShopSolution.from_starts(problem, start)
    return Result(Status.FEASIBLE, None, None, solution, stats={"rule": rule, "scheme": scheme})


def warm_up() -> None:
    """Compile (or load from numba's cache) the schedule builder with the argument types real
    calls use, so that a timed solve() never pays for it (see :mod:`schedkit.warmup`)."""
    jobshop_sgs.warm_up()
    tiny = JobShop.from_jobs([[(0, 3), (1, 2)], [(1, 4), (0, 1)]], name="warm-up")
    for scheme in SCHEMES:
        dispatch(tiny, "mwkr", scheme)
        dispatch(tiny, "random", scheme, seed=1)
