"""Priority rules for single-machine total (weighted) tardiness.

Every rule returns a job sequence (numpy array). Ties are broken by the smaller processing
time, then the smaller job number, so results are deterministic.

* ``edd``  earliest due date (Jackson): sort by ``d``.
* ``spt``  shortest processing time: sort by ``p``.
* ``wspt`` weighted shortest processing time (Smith): sort by ``p / w``.
* ``mdd``  modified due date (Baker & Bertrand 1982), built forwards: at time ``t`` take the
  job with the smallest ``max(p_j, d_j - t) / w_j`` (for unit weights, the smallest modified
  due date ``max(t + p_j, d_j)``; the weighted form is Kanet & Li's WMDD).
* ``atc``  apparent tardiness cost (Vepsalainen & Morton 1987): at time ``t`` take the job with
  the largest ``(w_j / p_j) exp(-max(d_j - p_j - t, 0) / (k p̄))``; option ``k`` (default 2).
* ``wi``   Wilkerson & Irwin (1971): jobs in EDD order pass one by one against a *pivot*; a
  job that should go before the pivot (by the adjacent-pair test below) is moved back
  through the already scheduled list as far as the pair test says, the jobs it passes
  going back to the unscheduled list. The adjacent-pair test puts ``i`` before ``j`` when
  starting at ``t`` this order costs no more than ``j`` then ``i`` — the local optimality
  condition the rule is built on (Nyirenda 2001 shows MDD meets the same condition).

The two rules of arXiv 2510.24013 (EDD Challenger, MDD Challenger) are not included: their
definition could not be retrieved, and no rule is shipped under a guessed definition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status


def edd(problem: Tardiness) -> np.ndarray:
    """Earliest due date first (ties: shorter job, then lower number)."""
    return np.lexsort((np.arange(problem.num_jobs), problem.p, problem.d))


def spt(problem: Tardiness) -> np.ndarray:
    """Shortest processing time first (ties: earlier due date, then lower number)."""
    return np.lexsort((np.arange(problem.num_jobs), problem.d, problem.p))


def wspt(problem: Tardiness) -> np.ndarray:
    """Smallest ``p / w`` first (zero weights last; ties: earlier due date, lower number)."""
    w = problem.w.astype(np.float64)
    ratio = np.where(w > 0, problem.p / np.where(w > 0, w, 1.0), np.inf)
    return np.lexsort((np.arange(problem.num_jobs), problem.d, ratio))


def mdd(problem: Tardiness) -> np.ndarray:
    """Modified due date, forwards (weighted: smallest ``max(p, d - t) / w``)."""
    p, d = problem.p, problem.d
    w = problem.w.astype(np.float64)
    n = problem.num_jobs
    left = np.ones(n, dtype=bool)
    out = np.empty(n, dtype=np.int64)
    t = 0
    idx = np.arange(n)
    for k in range(n):
        key = np.maximum(p, d - t) / np.where(w > 0, w, 1e-12)
        cand = idx[left]
        kc = key[cand]
        best = cand[kc == kc.min()]
        j = int(best[np.lexsort((best, p[best]))[0]])
        out[k] = j
        left[j] = False
        t += int(p[j])
    return out


def atc(problem: Tardiness, k: float = 2.0) -> np.ndarray:
    """Apparent tardiness cost with look-ahead parameter ``k`` (> 0)."""
    if isinstance(k, bool) or not isinstance(k, int | float) or not k > 0:
        raise InvalidParameterError(f"ATC parameter k must be a number > 0, got {k!r}")
    p = problem.p.astype(np.float64)
    d = problem.d.astype(np.float64)
    w = problem.w.astype(np.float64)
    n = problem.num_jobs
    pbar = max(float(p.mean()), 1e-9)
    ratio = w / np.where(p > 0, p, 1.0)
    left = np.ones(n, dtype=bool)
    idx = np.arange(n)
    out = np.empty(n, dtype=np.int64)
    t = 0.0
    for pos in range(n):
        cand = idx[left]
        slack = np.maximum(d[cand] - p[cand] - t, 0.0)
        score = np.where(p[cand] > 0, ratio[cand] * np.exp(-slack / (k * pbar)), np.inf)  # empty jobs first
        best = cand[score == score.max()]
        j = int(best[np.lexsort((best, p[best]))[0]])
        out[pos] = j
        left[j] = False
        t += p[j]
    return out


def _pair_first(problem: Tardiness, i: int, j: int, t: int) -> bool:
    """True if ``i`` then ``j`` starting at ``t`` costs no more than ``j`` then ``i``."""
    p, d, w = problem.p, problem.d, problem.w
    both = t + int(p[i]) + int(p[j])
    ij = w[i] * max(0, t + int(p[i]) - d[i]) + w[j] * max(0, both - d[j])
    ji = w[j] * max(0, t + int(p[j]) - d[j]) + w[i] * max(0, both - d[i])
    return bool(ij <= ji)


def wilkerson_irwin(problem: Tardiness) -> np.ndarray:
    """Wilkerson & Irwin's pivot procedure over the EDD list (see the module docstring)."""
    p = problem.p
    n = problem.num_jobs
    gamma = deque(int(j) for j in edd(problem))
    alpha: list[int] = []
    t_alpha = 0  # completion time of the scheduled list
    beta = gamma.popleft()
    budget = 4 * n * n + 16  # the pair test may send jobs back; cap the work
    while gamma and budget > 0:
        budget -= 1
        f = gamma[0]
        if _pair_first(problem, beta, f, t_alpha):
            alpha.append(beta)
            t_alpha += int(p[beta])
            beta = gamma.popleft()
            continue
        gamma.popleft()
        passed: list[int] = []
        while alpha and not _pair_first(problem, alpha[-1], f, t_alpha - int(p[alpha[-1]])):
            last = alpha.pop()
            t_alpha -= int(p[last])
            passed.append(last)
        alpha.append(f)
        t_alpha += int(p[f])
        gamma.extendleft(passed)  # passed jobs return in their old order
    seq = alpha + [beta] + list(gamma)
    return np.array(seq, dtype=np.int64)


RULES: dict[str, Callable[..., np.ndarray]] = {
    "edd": edd,
    "spt": spt,
    "wspt": wspt,
    "mdd": mdd,
    "atc": atc,
    "wi": wilkerson_irwin,
}


#: seconds the Wilkerson-Irwin rule takes per n^2 (13 s at n = 5000); the other rules are O(n log n)
WI_SECONDS_PER_N2 = 6e-7


def best_rule(problem: Tardiness, budget: float | None = None) -> tuple[str, np.ndarray, int]:
    """The rule whose sequence has the smallest objective: ``(name, sequence, value)``.

    With a ``budget`` in seconds, the quadratic Wilkerson-Irwin rule is left out when its
    estimated time exceeds it."""
    best: tuple[str, np.ndarray, int] | None = None
    for name, fn in RULES.items():
        if name == "wi" and budget is not None and WI_SECONDS_PER_N2 * problem.num_jobs**2 > budget:
            continue
        seq = fn(problem)
        val = problem.tardiness_of(seq)
        if best is None or val < best[2]:
            best = (name, seq, val)
    assert best is not None
    return best


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Method ``rule:<name>``: one sequence from the rule named after the colon."""
    name = ctx.method.partition(":")[2]
    if name not in RULES:
        raise InvalidParameterError(f"unknown tardiness rule {name!r} (known: {', '.join(RULES)})")
    kwargs = {"k": ctx.float_option("k", 2.0, 1e-6, 1e6)} if name == "atc" else {}
    seq = RULES[name](problem, **kwargs)
    return Result(Status.FEASIBLE, None, None, TardinessSolution(seq), stats={"rule": name})
