"""Random flexible job-shop instances.

Every job has ``ops`` operations (a number, or a range ``(lo, hi)`` drawn per job). Operation
``o`` gets ``k_o = 1 + Binomial(m - 1, (flexibility - 1) / (m - 1))`` eligible machines, so
``flexibility`` is the expected number of eligible machines per operation (1: a job-shop
with random routes, ``m``: every machine eligible). The eligible machines are drawn without
replacement, and each gets its own duration, uniform in ``low..high``.

The extras (release and due dates, weights, setups) are drawn as for the job shop
(:func:`schedkit.generators.jobshop.draw_extras`), a job's work being the sum of its
operations' shortest durations; ``base`` adds them to a given instance instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.generators.jobshop import draw_extras
from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.jobshop import JobShop


def _int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"in {low}..{high}"
        raise InvalidParameterError(f"{name} must be {rng}, got {value}")
    return int(value)


def generate(
    n: int | None = None,
    m: int | None = None,
    ops: int | tuple[int, int] | list[int] | None = None,
    flexibility: float | None = None,
    low: int | None = None,
    high: int | None = None,
    seed: int = 0,
    name: str | None = None,
    due_tightness: float | None = None,
    weights: bool | str = False,
    setups: bool = False,
    setup_max: int = 20,
    triangle: bool = True,
    releases: bool = False,
    base: FlexibleJobShop | JobShop | None = None,
) -> FlexibleJobShop:
    """A random FJSP instance (or ``base`` with extras added).

    Parameters
    ----------
    n, m
        Jobs and machines.
    ops
        Operations per job: an integer, or ``[lo, hi]`` drawn uniformly per job; default ``m``.
    flexibility
        Expected eligible machines per operation, ``1 .. m`` (default 2).
    low, high
        Duration range, inclusive (default 1..20).
    seed
        Random seed (numpy's PCG64); equal parameters and seed give the same instance.
    name
        Instance name; by default ``fjsp_<n>x<m>_f<flexibility>_s<seed>``.
    due_tightness, weights, setups, setup_max, triangle, releases
        The extras, as for the job shop (:func:`schedkit.generators.jobshop.add_extras`): due
        date ``r_j + floor(f x shortest work of job j)``, weights 4/2/1 for 20/60/20 % of the
        jobs, per-machine setups (triangle inequality or not), releases.
    base
        An instance (``schedkit generate fjsp --base mk01.fjs``; a job shop is taken as an FJSP
        with one machine per operation) to add the extras to, drawn from ``seed``; n, m, ops,
        flexibility, low and high do not apply.
    """
    seed = _int("seed", seed, 0)
    extras = {
        "due_tightness": due_tightness,
        "weights": weights,
        "setups": setups,
        "setup_max": setup_max,
        "triangle": triangle,
        "releases": releases,
    }
    if base is not None:
        own = (("n", n), ("m", m), ("ops", ops), ("flexibility", flexibility), ("low", low), ("high", high))
        given = [k for k, v in own if v is not None]
        if given:
            raise InvalidParameterError(f"base sets the jobs and machines itself; drop {', '.join(given)}")
        if isinstance(base, JobShop):
            base = FlexibleJobShop.from_jobshop(base)
        if not isinstance(base, FlexibleJobShop):
            kind = type(base).__name__
            raise InvalidParameterError(f"base must be an FJSP or job-shop instance, got {kind}")
        if base.extras is not None:
            raise InvalidParameterError(f"base {base.name} already has extras")
        return _with_extras(base, np.random.default_rng(seed), name or base.name, extras)
    n = 10 if n is None else n
    m = 5 if m is None else m
    flexibility = 2.0 if flexibility is None else flexibility
    low = 1 if low is None else low
    high = 20 if high is None else high
    n = _int("n (jobs)", n, 1, 100_000)
    m = _int("m (machines)", m, 1, 10_000)
    low = _int("low", low, 0)
    high = _int("high", high, low)
    if isinstance(ops, str):
        ops = [int(x) for x in ops.replace("..", ",").split(",")] if ops.strip() else None
    if ops is None:
        lo_ops = hi_ops = m
    elif isinstance(ops, list | tuple):
        if len(ops) != 2:
            raise InvalidParameterError(f"ops must be an integer or a [lo, hi] pair, got {ops!r}")
        lo_ops = _int("ops (low)", ops[0], 1)
        hi_ops = _int("ops (high)", ops[1], lo_ops)
    else:
        lo_ops = hi_ops = _int("ops", ops, 1)
    if hi_ops > 10_000:
        raise InvalidParameterError(f"ops must be <= 10000, got {hi_ops}")
    if isinstance(flexibility, bool) or not isinstance(flexibility, int | float):
        raise InvalidParameterError(f"flexibility must be a number, got {flexibility!r}")
    if not math.isfinite(flexibility) or not 1 <= flexibility <= m:
        raise InvalidParameterError(f"flexibility must be in 1..{m} (machines), got {flexibility}")
    rng = np.random.default_rng(seed)
    n_ops = rng.integers(lo_ops, hi_ops + 1, size=n)
    total = int(n_ops.sum())
    p = 0.0 if m == 1 else (flexibility - 1) / (m - 1)
    k = 1 + rng.binomial(m - 1, p, size=total)
    # k distinct machines per operation: the first k of a random permutation
    perm = np.argsort(rng.random((total, m)), axis=1)
    take = np.arange(m)[None, :] < k[:, None]
    machines = perm[take]  # row-major: operation by operation
    durations = rng.integers(low, high + 1, size=len(machines))
    job_start = np.concatenate([[0], np.cumsum(n_ops)])
    alt_start = np.concatenate([[0], np.cumsum(k)])
    if name is None:
        name = f"fjsp_{n}x{m}_f{flexibility:g}_s{seed}"
    problem = FlexibleJobShop(job_start, alt_start, machines, durations, m, name)
    if due_tightness is None and not (weights or setups or releases):
        return problem
    return _with_extras(problem, rng, name, extras)


def _with_extras(
    problem: FlexibleJobShop, rng: np.random.Generator, name: str, extras: dict[str, Any]
) -> FlexibleJobShop:
    """``problem`` named ``name`` with the extras drawn from ``rng``."""
    drawn = draw_extras(rng, problem.num_machines, problem.job_lengths(), **extras)
    p = problem
    m = p.num_machines
    return FlexibleJobShop(p.job_start, p.alt_start, p.alt_machine, p.alt_duration, m, name, drawn)
