"""One RCPSP rescheduling situation: the problem, the schedule being executed, events, the time.

:class:`RcpspSituation` applies the events (:mod:`~schedkit.rescheduling.rcpsp_events`) and
splits the old schedule at ``at``:

* an activity that started before ``at`` keeps its start (**frozen**); a duration change of
  one still running moves its end. One that is running at ``at`` and demands a resource with
  a breakdown overlapping the rest of its run is **cut**: with ``interrupted="restart"`` it
  runs again in full from ``at`` on, like an unstarted activity; with ``"resume"`` it keeps
  its start, holds no resource while any resource it demands is broken down, and finishes
  its remaining work after (its end moves right by the downtime it spans);
* every other activity starts at ``at`` or later.

The **effective problem** (:attr:`RcpspSituation.effective`) is a
:class:`~schedkit.problems.project.Project` on the same activity numbering: one mode per
activity (durations after the changes, a cancelled activity with duration 0 and no demand),
the precedences as finish-to-start arcs, release date ``at`` for every unfrozen activity, and
for a frozen one release date = start and deadline = start + span, which pins it. The
breakdowns from ``at`` on are unavailability periods; a resumed activity has demand 0 and its
working pieces after ``at`` are unavailability periods of its demand (its span is its mode's
duration). A rescheduled schedule is an ordinary solution of that problem.

That project can be rescheduled again (:mod:`~schedkit.rescheduling.rcpsp_project`): given as
the problem, it is read back as an RCPSP, and its release dates (for the activities that now
start at or after ``at``) and unavailability periods (those ending after ``at``; together with
the new breakdowns capped at the capacity) carry into the new effective problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from schedkit.errors import ParseError
from schedkit.problems.project import NO_DEADLINE, Project, ProjectSolution
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.rescheduling.rcpsp_events import (
    ActivityCancel,
    ActivityDurationChange,
    ResourceBreakdown,
    as_events,
    type_name,
)
from schedkit.rescheduling.rcpsp_project import Carried, capped, from_project
from schedkit.rescheduling.situation import check_inputs, merge, resumed_end


def working_pieces(start: int, end: int, downtime: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` less the merged ``downtime`` intervals."""
    out, pos = [], start
    for bs, be in downtime:
        if be <= pos or bs >= end:
            continue
        if bs > pos:
            out.append((pos, bs))
        pos = max(pos, be)
    if pos < end:
        out.append((pos, end))
    return out


class RcpspSituation:
    """The RCPSP problem, old schedule and events at time ``at`` (see the module doc)."""

    def __init__(
        self,
        problem: Rcpsp | Project,
        old: RcpspSolution | ProjectSolution,
        events: Iterable[Any],
        at: int,
        interrupted: str = "restart",
        source: str = "<events>",
    ):
        check_inputs(problem, old, at, interrupted)
        #: the problem and schedule as given (an RCPSP, or a project from an earlier reschedule)
        self.input_problem, self.input_old = problem, old
        if isinstance(problem, Project):
            problem, old, self.carried = from_project(problem, old, int(at))
        else:
            self.carried = Carried.none(problem)
        self.problem = problem
        self.old = old
        self.at = int(at)
        self.interrupted = interrupted
        self.source = source
        self.events = as_events(list(events), source)
        self._apply()
        self._split()
        self.effective = self._effective()

    # events ---------------------------------------------------------------------------------
    def _fail(self, index: int, message: str) -> None:
        raise ParseError(f"event {index} ({type_name(self.events[index])}): {message}", self.source)

    def _apply(self) -> None:
        p, t = self.problem, self.at
        n, k = p.num_activities, p.num_resources
        start = self.old.start
        self.duration = p.duration.copy()
        self.demand = p.demand.copy()
        self.cancelled: set[int] = set()
        #: per resource, breakdowns from ``at`` on as (start, end, amount)
        self.down: list[list[tuple[int, int, int]]] = [[] for _ in range(k)]
        for i, ev in enumerate(self.events):
            if isinstance(ev, ResourceBreakdown):
                if ev.resource >= k:
                    self._fail(i, f"resource {ev.resource + 1} does not exist (resources are 1..{k})")
                cap = int(p.capacity[ev.resource])
                amount = cap if ev.amount is None else ev.amount
                if amount > cap:
                    self._fail(i, f"amount {amount} exceeds the capacity {cap} of R{ev.resource + 1}")
                if ev.end > t and amount > 0:
                    self.down[ev.resource].append((max(ev.start, t), ev.end, amount))
                continue
            j = ev.activity
            if j >= n:
                self._fail(i, f"activity {j + 1} does not exist (activities are 1..{n})")
            s, e = int(start[j]), int(start[j] + p.duration[j])
            if isinstance(ev, ActivityCancel):
                if s < t:
                    self._fail(i, f"activity {j + 1} started at {s}, before at={t}: it cannot be cancelled")
                self.cancelled.add(j)
            elif isinstance(ev, ActivityDurationChange):
                if s < t and e <= t:
                    self._fail(
                        i, f"activity {j + 1} ran in [{s}, {e}), before at={t}: its duration is history"
                    )
                if s < t and s + ev.new_duration <= t:
                    self._fail(
                        i,
                        f"activity {j + 1} started at {s} and runs at at={t}: "
                        f"new duration {ev.new_duration} would have ended it by then",
                    )
                self.duration[j] = ev.new_duration
        for j in self.cancelled:
            self.duration[j] = 0
            self.demand[j] = 0
        for r in range(k):
            self._check_capacity(r)

    def _check_capacity(self, r: int) -> None:
        cap = int(self.problem.capacity[r])
        times = sorted({s for s, _, _ in self.down[r]})
        for x in times:
            off = sum(a for s, e, a in self.down[r] if s <= x < e)
            if off > cap:
                raise ParseError(
                    f"breakdowns of resource {r + 1} remove {off} units at time {x}, capacity is {cap}",
                    self.source,
                )

    def downtime(self, j: int) -> list[tuple[int, int]]:
        """Merged breakdown intervals (from ``at`` on) of the resources activity ``j`` demands."""
        used = np.flatnonzero(self.demand[j] > 0).tolist()
        return merge((s, e) for r in used for s, e, _ in self.down[r])

    def pauses(self, j: int) -> list[tuple[int, int]]:
        """Where a resumed activity ``j`` holds nothing: its :meth:`downtime` and, from ``at`` on,
        the carried unavailability of the resources it demands (which alone never cut it)."""
        used = np.flatnonzero(self.demand[j] > 0).tolist()
        carried = [(max(s, self.at), e) for r in used for s, e, _ in self.carried.off[r]]
        return merge([*((s, e) for r in used for s, e, _ in self.down[r]), *carried])

    # the split at ``at`` ----------------------------------------------------------------------
    def _split(self) -> None:
        t, n = self.at, self.problem.num_activities
        self.old_start = self.old.start.astype(np.int64).copy()
        self.is_frozen = np.zeros(n, dtype=bool)
        self.span = self.duration.copy()  # frozen: end - start (downtime included when resumed)
        self.resumed: list[int] = []
        self.cut: list[int] = []
        for j in range(n):
            s = int(self.old_start[j])
            if s >= t:
                continue
            end = s + int(self.duration[j])
            down = self.downtime(j) if end > t else []
            if any(bs < end and be > t for bs, be in down):
                self.cut.append(j)
                if self.interrupted == "restart":
                    continue
                self.resumed.append(j)
                self.span[j] = resumed_end(s, int(self.duration[j]), self.pauses(j)) - s
            self.is_frozen[j] = True
        self.fixed_start = np.where(self.is_frozen, self.old_start, -1)

    def _effective(self) -> Project:
        p, t, n = self.problem, self.at, self.problem.num_activities
        demand = self.demand.copy()
        off: list[tuple[int, int, int, int]] = [
            (r, s, e, a)
            for r in range(p.num_resources)
            for s, e, a in capped(self.down[r] + self.carried.off[r], int(p.capacity[r]))
        ]
        for j in self.resumed:
            s = int(self.old_start[j])
            pieces = working_pieces(max(s, t), s + int(self.span[j]), self.pauses(j))
            for r in np.flatnonzero(demand[j] > 0).tolist():
                off += [(r, ps, pe, int(demand[j, r])) for ps, pe in pieces]
            demand[j] = 0
        release = np.where(self.is_frozen, self.old_start, np.maximum(t, self.carried.release))
        release = release.astype(np.int64)
        deadline = np.where(self.is_frozen, self.old_start + self.span, NO_DEADLINE).astype(np.int64)
        cols = (
            [np.array(c, dtype=np.int64) for c in zip(*off, strict=True)]
            if off
            else [np.zeros(0, np.int64)] * 4
        )
        e = len(p.edge_to)
        return Project(
            np.arange(n + 1),
            self.span.copy(),
            demand,
            np.zeros((n, 0), dtype=np.int64),
            p.capacity.copy(),
            np.zeros(0, dtype=np.int64),
            p.edge_from.copy(),
            p.edge_to.copy(),
            np.zeros(e, dtype=np.int64),
            np.ones(e, dtype=bool),
            release,
            deadline,
            *cols,
            name=p.name,
            number_from=1,
        )

    # what methods and reports use ----------------------------------------------------------------
    def solution(self, start: np.ndarray) -> ProjectSolution:
        """The effective problem's solution with these starts (frozen ones are pinned anyway)."""
        start = np.where(self.is_frozen, self.old_start, np.asarray(start, dtype=np.int64))
        return ProjectSolution(np.zeros(len(start), dtype=np.int64), start)

    def makespan_bound(self) -> int:
        """The effective problem's lower bound (longest path from the pinned and released
        starts, energy) and the end of every frozen activity."""
        frozen_end = self.old_start[self.is_frozen] + self.span[self.is_frozen]
        return max(self.effective.lower_bound(), int(frozen_end.max(initial=0)))

    def breakdowns(self) -> list[tuple[int, int, int]]:
        """Nothing to draw on activity rows: RCPSP breakdowns remove resource capacity."""
        return []

    def summary(self) -> dict[str, int]:
        """Counts for reports: frozen, cut, cancelled activities, activities to schedule."""
        return {
            "frozen": int(self.is_frozen.sum()),
            "cut": len(self.cut),
            "cancelled activities": len(self.cancelled),
            "to schedule": int((~self.is_frozen).sum()),
        }
