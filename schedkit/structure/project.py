"""Project scheduling logic the methods share: the horizon, start-time windows and the
infeasibility proofs that need no search.

The horizon. Let ``T0`` be the latest release date or end of an unavailability period and
``w_i = max(1, longest duration of i, max over arcs i -> j of lag (+ longest duration of i
for finish-to-start arcs))``. If the instance is feasible, it has an optimal schedule ending
by ``H = T0 + sum of w_i``: in a schedule ending later, some interval ``[a, b)`` after
``T0`` is covered by no ``[S_i, S_i + w_i)``; every activity starts before ``a`` (and ends,
with its lags spent, by ``a``) or at ``b`` or later, and shifting the later ones left by
``b - a`` keeps every lag (arcs into the shifted block had their lag spent by ``a``; arcs out
of it have negative lags), the resources (capacities are constant after ``T0`` and the block
no longer meets the earlier activities), release dates and deadlines, and shortens the
schedule. Restricting starts to finish by ``H`` therefore loses no optimum and no
feasibility, which is what makes a proof of "no schedule within ``H``" a proof of
infeasibility. The same holds with only the modes :func:`kept_modes` keeps (an optimal
schedule uses only them), so ``H`` and the windows use their durations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedkit.problems.project import NO_DEADLINE, Project, longest_paths


@dataclass
class Windows:
    """Start-time windows ``[earliest, latest]`` per activity, within ``horizon``, and the
    modes worth keeping (``keep``, one flag per mode); ``proof`` says why no schedule exists
    (then the rest is meaningless)."""

    earliest: np.ndarray
    latest: np.ndarray
    horizon: int
    keep: np.ndarray
    proof: str | None = None


def kept_modes(problem: Project) -> np.ndarray:
    """Per mode: whether some optimal schedule (if any) may use it. Dropped are modes of
    positive duration demanding more than a capacity, modes whose consumption plus the
    cheapest of every other activity exceeds a budget, and modes dominated by another mode of
    the same activity (no longer, no more demand or consumption anywhere; of equal modes the
    first is kept). Swapping a dominated mode for its dominating one keeps every constraint,
    since a duration only ever bounds later starts and finishes from below."""
    p = problem
    keep = p.usable_modes().copy()
    n = p.num_activities
    if n == 0:
        return keep
    for r in range(p.num_nonrenewable):
        cheapest = np.minimum.reduceat(p.consumption[:, r], p.mode_ptr[:-1])
        others = int(cheapest.sum()) - cheapest[p.mode_owner]
        keep &= p.consumption[:, r] + others <= p.budget[r]
    profile = np.concatenate([p.duration[:, None], p.demand, p.consumption], axis=1)
    for j in range(n):
        ms = [m for m in p.modes(j) if keep[m]]
        for m in ms:
            for q in ms:
                if q == m or not keep[q] or not (profile[q] <= profile[m]).all():
                    continue
                if (profile[q] < profile[m]).any() or q < m:
                    keep[m] = False
                    break
    return keep


def horizon(problem: Project, keep: np.ndarray | None = None) -> int:
    """``H`` of the module docstring (with the longest of the ``keep`` modes, all by
    default): some optimal schedule (if any) ends by it."""
    p = problem
    n = p.num_activities
    if n == 0:
        return 0
    t0 = max(int(p.release.max()), int(p.off_end.max()) if len(p.off_end) else 0)
    dur = p.duration if keep is None else np.where(keep, p.duration, -1)
    longest = np.maximum(np.maximum.reduceat(dur, p.mode_ptr[:-1]), 0)
    width = np.maximum(longest, 1)
    reach = p.arc_lag + np.where(p.arc_fs, longest[p.arc_from], 0)
    np.maximum.at(width, p.arc_from, reach)
    return t0 + int(width.sum())


def windows(problem: Project, limit: int | None = None) -> Windows:
    """The kept modes (:func:`kept_modes`), earliest starts (release dates and lags forward,
    shortest kept durations), latest starts (deadlines and the horizon backward); a proof of
    infeasibility when the cheapest modes exceed a budget, an activity has no mode that fits
    the capacities, the lags hold a cycle of positive length, or a window is empty.

    ``limit`` (the makespan of a known schedule) lowers the horizon to it: the windows then
    hold every schedule ending by ``limit`` that uses only kept modes, and an empty one is no
    proof of infeasibility (``proof`` is then only meaningful without ``limit``)."""
    p = problem
    n = p.num_activities
    empty = np.zeros(n, dtype=np.int64)
    keep = np.zeros(p.num_modes, dtype=bool)
    for r in range(p.num_nonrenewable):
        least = int(np.minimum.reduceat(p.consumption[:, r], p.mode_ptr[:-1]).sum()) if n else 0
        if least > p.budget[r]:
            proof = f"non-renewable resource N{r + 1}: the cheapest modes need {least} > {p.budget[r]}"
            return Windows(empty, empty, 0, keep, proof)
    keep = kept_modes(p)
    stuck = np.flatnonzero(~np.logical_or.reduceat(keep, p.mode_ptr[:-1])) if n else []
    if len(stuck):
        proof = f"{p.activity_label(int(stuck[0]))}: every mode demands more than a capacity"
        return Windows(empty, empty, 0, keep, proof)
    h = horizon(p, keep)
    if limit is not None:
        h = min(h, int(limit))
    big = np.iinfo(np.int64).max
    shortest = np.minimum.reduceat(np.where(keep, p.duration, big), p.mode_ptr[:-1]) if n else empty
    weight = p.arc_lag + np.where(p.arc_fs, shortest[p.arc_from], 0)
    es, cycle = longest_paths(p.release, p.arc_from, p.arc_to, weight)
    if es is None:
        return Windows(empty, empty, h, keep, _cycle_proof(p, cycle))
    finish = np.where(p.deadline != NO_DEADLINE, np.minimum(p.deadline, h), h)
    neg_ls, _ = longest_paths(-(finish - shortest), p.arc_to, p.arc_from, weight)
    assert neg_ls is not None  # the same arcs reversed: no positive cycle either
    ls = -neg_ls
    bad = np.flatnonzero(es > ls)
    if len(bad):
        j = int(bad[0])
        proof = (
            f"{p.activity_label(j)} must start by {ls[j]} (deadlines or the horizon {h}, through the "
            f"time lags) but cannot start before {es[j]} (release dates and time lags)"
        )
        return Windows(es, ls, h, keep, proof)
    return Windows(es, ls, h, keep)


def _cycle_proof(p: Project, cycle: list[int] | None) -> str:
    if not cycle:
        return "the time lags hold a cycle of positive length"
    path = " -> ".join(str(j + p.number_from) for j in [*cycle, cycle[0]])
    return f"the time lags hold a cycle of positive length: activities {path}"
