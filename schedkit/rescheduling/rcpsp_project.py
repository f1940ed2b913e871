"""A project from an earlier RCPSP reschedule as the input of the next one.

``sk.reschedule`` on an RCPSP returns a :class:`~schedkit.problems.project.Project`
(``result.problem``): one mode per activity, renewable resources, finish-to-start arcs without
lags, release dates (``at`` for the activities it rescheduled, the start for the frozen ones),
deadlines that pin the frozen activities, and unavailability periods (the breakdowns from
``at`` on, and the working pieces of a resumed activity, which then demands nothing).
:func:`from_project` turns such a project and a schedule of it back into an
:class:`~schedkit.problems.rcpsp.Rcpsp` and its schedule, plus what the RCPSP cannot hold
(:class:`Carried`): the release dates and the unavailability periods, which the next
situation keeps. Deadlines: one on an activity that started before the new ``at`` is the
previous freeze's pin (the new freeze pins it again, so it is dropped); one on an activity
starting at or after ``at`` is refused, as is any other project (several modes, non-renewable
resources, other arcs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.project import Project, ProjectSolution
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution


@dataclass(frozen=True)
class Carried:
    """What the next situation keeps of the input project: release date per activity and, per
    resource, unavailability periods ``(start, end, amount)``."""

    release: np.ndarray
    off: list[list[tuple[int, int, int]]]

    @staticmethod
    def none(problem: Rcpsp) -> Carried:
        """Nothing carried (the input is an RCPSP)."""
        n, k = problem.num_activities, problem.num_resources
        return Carried(np.zeros(n, dtype=np.int64), [[] for _ in range(k)])


def from_project(project: Project, old: ProjectSolution, at: int) -> tuple[Rcpsp, RcpspSolution, Carried]:
    """The RCPSP, schedule and carried constraints of ``project`` (see the module doc);
    InvalidParameterError naming what does not fit."""
    n, what = project.num_activities, None
    if not np.array_equal(project.mode_ptr, np.arange(n + 1)):
        what = "activities with several modes"
    elif project.num_nonrenewable:
        what = "non-renewable resources"
    elif not (bool(project.arc_fs.all()) and not project.arc_lag.any()):
        what = "time lags (arcs other than finish-to-start without lag)"
    if what is not None:
        raise InvalidParameterError(
            f"rescheduling a project needs the form sk.reschedule returns for an RCPSP "
            f"(one mode each, renewable resources, finish-to-start arcs); this one has {what}"
        )
    start = np.asarray(old.start, dtype=np.int64)
    late = np.flatnonzero((project.deadline >= 0) & (start >= at))
    if len(late):
        j = int(late[0])
        raise InvalidParameterError(
            f"{project.activity_label(j)} has a deadline ({int(project.deadline[j])}) and starts at "
            f"{int(start[j])}, not before at={at}: rescheduling keeps no deadlines"
        )
    successors: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(project.arc_from.tolist(), project.arc_to.tolist(), strict=True):
        successors[a].append(b)
    rcpsp = Rcpsp.from_lists(
        project.duration.tolist(),
        project.demand.tolist(),
        project.capacity.tolist(),
        successors,
        project.name,
    )
    off: list[list[tuple[int, int, int]]] = [[] for _ in range(project.num_resources)]
    for r, s, e, a in zip(
        project.off_resource.tolist(),
        project.off_start.tolist(),
        project.off_end.tolist(),
        project.off_amount.tolist(),
        strict=True,
    ):
        if e > at and a > 0:
            off[r].append((s, e, a))
    release = np.asarray(project.release, dtype=np.int64).copy()
    return rcpsp, RcpspSolution(start.copy()), Carried(release, off)


def capped(periods: list[tuple[int, int, int]], capacity: int) -> list[tuple[int, int, int]]:
    """``periods`` as they are when together they never remove more than ``capacity``; else the
    step function of what they remove, capped at ``capacity``, as disjoint periods."""
    times = sorted({s for s, _, _ in periods} | {e for _, e, _ in periods})
    steps = [(x, sum(a for s, e, a in periods if s <= x < e)) for x in times]
    if all(a <= capacity for _, a in steps):
        return list(periods)
    out: list[tuple[int, int, int]] = []
    for (x, a), (y, _) in zip(steps, steps[1:], strict=False):
        a = min(a, capacity)
        if a > 0:
            if out and out[-1][1] == x and out[-1][2] == a:
                out[-1] = (out[-1][0], y, a)
            else:
                out.append((x, y, a))
    return out
