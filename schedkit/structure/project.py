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
infeasibility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedkit.problems.project import NO_DEADLINE, Project, longest_paths


@dataclass
class Windows:
    """Start-time windows ``[earliest, latest]`` per activity, within ``horizon``; ``proof``
    says why no schedule exists (then the windows are meaningless)."""

    earliest: np.ndarray
    latest: np.ndarray
    horizon: int
    proof: str | None = None


def horizon(problem: Project) -> int:
    """``H`` of the module docstring: some optimal schedule (if any) ends by it."""
    p = problem
    n = p.num_activities
    if n == 0:
        return 0
    t0 = max(int(p.release.max()), int(p.off_end.max()) if len(p.off_end) else 0)
    longest = p.max_durations()
    width = np.maximum(longest, 1)
    reach = p.arc_lag + np.where(p.arc_fs, longest[p.arc_from], 0)
    np.maximum.at(width, p.arc_from, reach)
    return t0 + int(width.sum())


def windows(problem: Project) -> Windows:
    """Earliest starts (release dates and lags forward, shortest durations), latest starts
    (deadlines and the horizon backward); a proof of infeasibility when the lags hold a cycle
    of positive length, a window is empty, an activity has no mode that fits the capacities,
    or the cheapest modes exceed a budget."""
    p = problem
    n = p.num_activities
    h = horizon(p)
    empty = np.zeros(n, dtype=np.int64)
    shortest = p.min_durations()
    weight = p.min_lags()
    es, cycle = longest_paths(p.release, p.arc_from, p.arc_to, weight)
    if es is None:
        return Windows(empty, empty, h, _cycle_proof(p, cycle))
    finish = np.where(p.deadline != NO_DEADLINE, np.minimum(p.deadline, h), h)
    neg_ls, cycle = longest_paths(-(finish - shortest), p.arc_to, p.arc_from, weight)
    assert neg_ls is not None  # the same arcs reversed: no positive cycle either
    ls = -neg_ls
    bad = np.flatnonzero(es > ls)
    if len(bad):
        j = int(bad[0])
        return Windows(
            es,
            ls,
            h,
            f"{p.activity_label(j)} must start by {ls[j]} (deadlines or the horizon {h}, through the "
            f"time lags) but cannot start before {es[j]} (release dates and time lags)",
        )
    usable = p.usable_modes()
    stuck = np.flatnonzero(~np.logical_or.reduceat(usable, p.mode_ptr[:-1])) if n else []
    if len(stuck):
        return Windows(
            es, ls, h, f"{p.activity_label(int(stuck[0]))}: every mode demands more than a capacity"
        )
    for r in range(p.num_nonrenewable):
        least = int(np.minimum.reduceat(p.consumption[:, r], p.mode_ptr[:-1]).sum()) if n else 0
        if least > p.budget[r]:
            return Windows(
                es, ls, h, f"non-renewable resource N{r + 1}: the cheapest modes need {least} > {p.budget[r]}"
            )
    return Windows(es, ls, h)


def _cycle_proof(p: Project, cycle: list[int] | None) -> str:
    if not cycle:
        return "the time lags hold a cycle of positive length"
    path = " -> ".join(str(j + p.number_from) for j in [*cycle, cycle[0]])
    return f"the time lags hold a cycle of positive length: activities {path}"
