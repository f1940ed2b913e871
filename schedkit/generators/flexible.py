"""Random flexible job-shop instances.

Every job has ``ops`` operations (a number, or a range ``(lo, hi)`` drawn per job). Operation
``o`` gets ``k_o = 1 + Binomial(m - 1, (flexibility - 1) / (m - 1))`` eligible machines, so
``flexibility`` is the expected number of eligible machines per operation (1: a job-shop
with random routes, ``m``: every machine eligible). The eligible machines are drawn without
replacement, and each gets its own duration, uniform in ``low..high``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.flexible import FlexibleJobShop


def _int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"in {low}..{high}"
        raise InvalidParameterError(f"{name} must be {rng}, got {value}")
    return int(value)


def generate(
    n: int = 10,
    m: int = 5,
    ops: int | tuple[int, int] | list[int] | None = None,
    flexibility: float = 2.0,
    low: int = 1,
    high: int = 20,
    seed: int = 0,
    name: str | None = None,
) -> FlexibleJobShop:
    """A random FJSP instance.

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
    """
    n = _int("n (jobs)", n, 1, 100_000)
    m = _int("m (machines)", m, 1, 10_000)
    seed = _int("seed", seed, 0)
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
    return FlexibleJobShop(job_start, alt_start, machines, durations, m, name)
