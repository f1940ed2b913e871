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
ssp       shortest setup + processing time (the setup from the job last on
          the machine; SPT without setups)
edd       earliest due date of the job (needs due dates)
slack     least slack: due date minus work remaining (needs due dates; at
          one decision time the same order as due date - time - work)
sopn      least slack per remaining operation, (d - t - work) / operations
          remaining (needs due dates)
cr        critical ratio (d - t) / work remaining, smallest first (needs
          due dates)
atc       apparent tardiness cost (Vepsalainen & Morton 1987), the largest
          ``w / (p + setup) * exp(-max(0, d - t - work) / (k p_mean))``
          first, ``k`` = 2 (needs due dates)
========  ==============================================================

Dynamic keys (ssp, sopn, cr, atc) are evaluated at the operation's earliest start ``t``. Release
dates and setups are respected by every rule (:mod:`schedkit.solvers.rules.jobshop_sgs`).

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
from schedkit.errors import InvalidParameterError, UnknownMethodError
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules import jobshop_sgs
from schedkit.solvers.rules.jobshop_sgs import DYNAMIC, schedule, schedule_full

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
#: the rules for setups and due dates: static keys, or None for the kernel's dynamic ones
EXTRA_KEYS: dict[str, Callable[[JobShop, int], np.ndarray] | None] = {
    "edd": lambda p, seed: p.due[p.job_of],
    "slack": lambda p, seed: p.due[p.job_of] - _remaining_work(p),
    **{name: None for name in DYNAMIC},
}
#: the rules that read due dates
NEED_DUE = frozenset({"edd", "slack", "sopn", "cr", "atc"})
ATC_K = 2.0

#: scheme used by the plain ``rule:<name>``: the better mean gap on ta01-ta60
DEFAULT_SCHEME: dict[str, str] = {
    "spt": "nondelay",
    "lpt": "nondelay",
    "mwkr": "nondelay",
    "lwkr": "nondelay",
    "mopnr": "nondelay",
    "fifo": "nondelay",
    "random": "nondelay",
    "ssp": "nondelay",
    "edd": "nondelay",
    "slack": "nondelay",
    "sopn": "nondelay",
    "cr": "nondelay",
    "atc": "nondelay",
}


def parse_method(method: str) -> tuple[str, str]:
    """``"rule:mwkr/active"`` -> ``("mwkr", "active")``; the default scheme when none is given."""
    body = method.removeprefix("rule:")
    rule, _, scheme = body.partition("/")
    if (rule not in KEYS and rule not in EXTRA_KEYS) or (scheme and scheme not in SCHEMES):
        raise UnknownMethodError(f"unknown dispatching rule {method!r}")
    return rule, scheme or DEFAULT_SCHEME[rule]


def _readonly(a: np.ndarray, dtype: type = np.int64) -> np.ndarray:
    """A read-only contiguous copy: the argument type the kernel is warmed up with."""
    out = np.ascontiguousarray(a, dtype=dtype).copy()
    out.setflags(write=False)
    return out


_NO_SETUP = _readonly(np.zeros((1, 1, 1)))


def dispatch(problem: JobShop, rule: str, scheme: str, seed: int = 0) -> np.ndarray:
    """Start time per flat operation of the schedule ``rule`` builds with ``scheme``."""
    if rule in NEED_DUE and problem.due is None:
        raise InvalidParameterError(f"rule:{rule} needs due dates, and instance {problem.name} has none")
    make_key = KEYS[rule] if rule in KEYS else EXTRA_KEYS[rule]
    dyn = DYNAMIC.get(rule, 0)
    if make_key is None:
        key = np.zeros(problem.num_operations, dtype=np.int64)
    else:
        key = np.ascontiguousarray(make_key(problem, seed), dtype=np.int64)
    if problem.extras is None and rule in KEYS:  # the plain job shop: the kernel as it always was
        return schedule(
            problem.machine,
            problem.duration,
            problem.job_start,
            problem.num_machines,
            key,
            make_key is None,
            scheme == "active",
        )
    n = problem.num_jobs
    due = _readonly(problem.due if problem.due is not None else np.zeros(n))
    kpbar = ATC_K * max(float(problem.duration.mean()) if problem.num_operations else 1.0, 1e-9)
    return schedule_full(
        problem.machine,
        problem.duration,
        problem.job_start,
        problem.num_machines,
        key,
        rule == "fifo",
        scheme == "active",
        _readonly(problem.release),
        _NO_SETUP if problem.setup is None else problem.setup,
        problem.setup is not None,
        dyn,
        due,
        _readonly(problem.weight),
        _readonly(_remaining_work(problem)),
        _readonly(_ops_remaining(problem)),
        kpbar,
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
