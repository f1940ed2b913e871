"""Schedule-generation schemes for the RCPSP: serial and parallel SGS with priority rules,
and forward-backward improvement (justification).

Method names: ``rule:<rule>`` (serial SGS), ``rule:<rule>/parallel`` (parallel SGS), with
``+fbi`` appended for forward-backward improvement; ``<rule>`` is one of ``lft``, ``lst``,
``mts``, ``grpw``, ``mslk``, ``random``. Ties are broken by the lower activity number. The
schemes run on a time-indexed resource profile compiled with numba.
"""

from __future__ import annotations

import numba
import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError, InvalidProblemError
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules.rcpsp_kernel import decode, earliest_fit, justify, priority_list

RULES = ("lft", "lst", "mts", "grpw", "mslk", "random")
SCHEMES = ("serial", "parallel")
_MAX_PROFILE_CELLS = 100_000_000  # horizon x resources of the time-indexed profile
_MAX_FBI_PASSES = 50


# compiled kernels ---------------------------------------------------------------------------------
@numba.njit(cache=True)
def _parallel_sgs(
    dur: np.ndarray,
    dem: np.ndarray,
    cap: np.ndarray,
    pred_ptr: np.ndarray,
    pred_idx: np.ndarray,
    prio: np.ndarray,
    horizon: int,
) -> np.ndarray:
    n = dur.shape[0]
    usage = np.zeros((horizon + 1, cap.shape[0]), dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    order = np.argsort(prio, kind="mergesort")  # stable: ties by activity number
    done = 0
    t = 0
    while done < n:
        changed = True
        while changed:  # repeat at t while zero-duration activities release successors
            changed = False
            for q in range(n):
                j = order[q]
                if start[j] >= 0:
                    continue
                ready = True
                for p in range(pred_ptr[j], pred_ptr[j + 1]):
                    i = pred_idx[p]
                    if start[i] < 0 or start[i] + dur[i] > t:
                        ready = False
                        break
                if not ready or earliest_fit(usage, dem, cap, j, t, dur[j]) != t:
                    continue
                for tau in range(t, t + dur[j]):
                    for r in range(cap.shape[0]):
                        usage[tau, r] += dem[j, r]
                start[j] = t
                done += 1
                if dur[j] == 0:
                    changed = True
        nxt = horizon + 1
        for j in range(n):
            if start[j] >= 0 and t < start[j] + dur[j] < nxt:
                nxt = start[j] + dur[j]
        if nxt > horizon:  # cannot happen for valid data; never loop forever
            break
        t = nxt
    return start


# priorities ---------------------------------------------------------------------------------------
def priorities(problem: Rcpsp, rule: str, seed: int = 0) -> np.ndarray:
    """Priority value per activity for ``rule``: the SGS picks the smallest first."""
    es = problem.earliest_starts().astype(np.float64)
    tail = problem.tails().astype(np.float64)
    horizon = float(problem.critical_path_length())
    ls = horizon - tail
    if rule == "lft":
        return ls + problem.duration
    if rule == "lst":
        return ls
    if rule == "mslk":
        return ls - es
    if rule == "grpw":
        w = problem.duration.astype(np.float64).copy()
        np.add.at(w, problem.edge_from, problem.duration[problem.edge_to])
        return -w
    if rule == "mts":
        return -_total_successors(problem).astype(np.float64)
    if rule == "random":
        return np.random.default_rng(seed).random(problem.num_activities)
    raise InvalidParameterError(f"unknown priority rule {rule!r} (known: {', '.join(RULES)})")


def _total_successors(problem: Rcpsp) -> np.ndarray:
    reach = [0] * problem.num_activities  # bitsets of transitive successors
    for j in problem.topo_order[::-1]:
        bits = 0
        for s in problem.successors(int(j)):
            bits |= reach[int(s)] | (1 << int(s))
        reach[int(j)] = bits
    return np.array([b.bit_count() for b in reach], dtype=np.int64)


# schemes -------------------------------------------------------------------------------------------
def _horizon(problem: Rcpsp) -> int:
    h = int(problem.duration.sum()) + 1
    if h * max(1, problem.num_resources) > _MAX_PROFILE_CELLS:
        raise InvalidProblemError(
            f"total duration {h - 1} is too long for the time-indexed schedule-generation scheme"
        )
    return h


def serial_sgs(problem: Rcpsp, prio: np.ndarray) -> np.ndarray:
    """Start times of the serial SGS: the eligible activity of least ``prio`` is scheduled next,
    at its earliest precedence- and resource-feasible time."""
    p = problem
    alist = priority_list(np.asarray(prio, dtype=np.float64), p.pred_ptr, p.succ_ptr, p.succ_idx)
    return decode(alist, p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx, _workspace(p))


def _workspace(problem: Rcpsp) -> np.ndarray:
    """A zeroed time-indexed resource profile for the SGS kernels."""
    return np.zeros((_horizon(problem) + 1, problem.num_resources), dtype=np.int64)


def parallel_sgs(problem: Rcpsp, prio: np.ndarray) -> np.ndarray:
    """Start times of the parallel SGS: at each decision time, start the eligible activities in
    ``prio`` order while resources allow, then advance to the next finish time."""
    p = problem
    return _parallel_sgs(
        p.duration,
        p.demand,
        p.capacity,
        p.pred_ptr,
        p.pred_idx,
        np.asarray(prio, dtype=np.float64),
        _horizon(p),
    )


def _makespan(problem: Rcpsp, start: np.ndarray) -> int:
    return int((start + problem.duration).max()) if len(start) else 0


def forward_backward(problem: Rcpsp, start: np.ndarray, max_passes: int = _MAX_FBI_PASSES) -> np.ndarray:
    """Forward-backward improvement: alternately right-justify (serial SGS on the reversed
    network, latest finish first) and left-justify (serial SGS by the right-justified starts)
    until the makespan stops improving. Never worse than ``start``."""
    p = problem
    if p.num_activities == 0:
        return start
    rank = np.empty(p.num_activities, dtype=np.int64)
    rank[p.topo_order] = np.arange(p.num_activities)
    best, _ = justify(
        np.asarray(start, dtype=np.int64), p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx,
        p.succ_ptr, p.succ_idx, rank, _workspace(p), max_passes,
    )  # fmt: skip
    return best


def schedule(
    problem: Rcpsp, rule: str = "lft", scheme: str = "serial", fbi: bool = False, seed: int = 0
) -> np.ndarray:
    """Start times from one SGS run with a priority rule, optionally improved by FBI."""
    if scheme not in SCHEMES:
        raise InvalidParameterError(f"unknown scheme {scheme!r} (known: {', '.join(SCHEMES)})")
    prio = priorities(problem, rule, seed)
    start = serial_sgs(problem, prio) if scheme == "serial" else parallel_sgs(problem, prio)
    if fbi:
        start = forward_backward(problem, start)
    return start


def best_schedule(problem: Rcpsp, seed: int = 0) -> np.ndarray:
    """Best of every deterministic rule x scheme with FBI: a quick upper bound for exact methods."""
    best: np.ndarray | None = None
    for rule in RULES:
        for scheme in SCHEMES:
            s = schedule(problem, rule, scheme, fbi=True, seed=seed)
            if best is None or _makespan(problem, s) < _makespan(problem, best):
                best = s
    assert best is not None
    return best


def parse_method(name: str) -> tuple[str, str, bool]:
    """``"rule:lft/parallel+fbi"`` -> ``("lft", "parallel", True)``."""
    body = name.removeprefix("rule:")
    fbi = body.endswith("+fbi")
    body = body.removesuffix("+fbi")
    rule, _, scheme = body.partition("/")
    scheme = scheme or "serial"
    if rule not in RULES or scheme not in SCHEMES:
        raise InvalidParameterError(f"unknown RCPSP rule method {name!r}")
    return rule, scheme, fbi


def solve(problem: Rcpsp, ctx: SolveContext) -> Result:
    """Registered as every ``rule:...`` method; the name picks rule, scheme and FBI."""
    rule, scheme, fbi = parse_method(ctx.method)
    start = schedule(problem, rule, scheme, fbi, seed=ctx.seed)
    return Result(Status.FEASIBLE, None, None, RcpspSolution(start))


def warm_up() -> None:
    """Compile (or load from numba's cache) with the argument types real calls use, so that a
    timed solve() never pays for it (see :mod:`schedkit.warmup`)."""
    tiny = Rcpsp.from_lists(
        durations=[0, 2, 3, 1, 0],
        demands=[[0], [2], [1], [2], [0]],
        capacities=[3],
        successors=[[1, 2], [3], [3], [4], []],
        name="warm-up",
    )
    for scheme in SCHEMES:
        schedule(tiny, "lft", scheme, fbi=True)
