"""Random single-machine tardiness instances (Potts & Van Wassenhove 1982 / OR-Library scheme).

``p_j ~ U[1, 100]``, ``w_j ~ U[1, 10]`` (weighted instances only), ``P = Σ p_j`` and
``d_j ~ U[P(1 - TF - RDD/2), P(1 - TF + RDD/2)]`` (integers), due dates below 0 set to 0.
TF (tardiness factor) and RDD (relative range of due dates) are usually taken from
{0.2, 0.4, 0.6, 0.8, 1.0}. Seeded with numpy's PCG64: equal arguments give equal instances.
"""

from __future__ import annotations

import math

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.tardiness import Tardiness


def generate(n: int, tf: float, rdd: float, weighted: bool = False, seed: int = 0) -> Tardiness:
    """A Potts–Van Wassenhove instance with ``n`` jobs.

    Parameters
    ----------
    n
        Number of jobs (>= 1).
    tf, rdd
        Tardiness factor and relative range of due dates (both >= 0).
    weighted
        Draw weights ``U[1, 10]``; otherwise the unweighted problem.
    seed
        Random seed (>= 0).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidParameterError(f"n must be an integer >= 1, got {n!r}")
    for label, v in (("tf", tf), ("rdd", rdd)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise InvalidParameterError(f"{label} must be a number >= 0, got {v!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidParameterError(f"seed must be an integer >= 0, got {seed!r}")
    if not isinstance(weighted, bool):
        raise InvalidParameterError(f"weighted must be true or false, got {weighted!r}")
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 101, size=n, dtype=np.int64)
    w = rng.integers(1, 11, size=n, dtype=np.int64) if weighted else None
    total = int(p.sum())
    lo = math.ceil(total * (1 - tf - rdd / 2))
    hi = math.floor(total * (1 - tf + rdd / 2))
    hi = max(hi, lo)
    d = rng.integers(lo, hi + 1, size=n, dtype=np.int64)
    d = np.maximum(d, 0)
    tag = "w" if weighted else ""
    name = f"smtt{tag}_n{n}_tf{tf:g}_rdd{rdd:g}_s{seed}"
    return Tardiness(p, d, w, name=name)
