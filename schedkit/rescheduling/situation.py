"""One rescheduling situation: a shop problem, the schedule being executed, events, and the time.

A :class:`Situation` applies the events to the problem and splits the old schedule at ``at``:

* an operation that started before ``at`` keeps its machine, start and end (**frozen**); a
  duration change of one still running moves its end. One that a breakdown of its machine
  cuts (it runs into downtime that lasts past ``at``) is, with ``interrupted="restart"``,
  abandoned at ``at`` and runs again in full like an unstarted operation; with ``"resume"``
  it keeps its start and machine, stops for the downtime and finishes the remaining work
  after it (its end moves right by the downtime it spans);
* every other operation starts at or after ``at`` (and its job's release), after its job
  predecessor, outside the downtime of its machine, on an eligible machine.

The **effective problem** (:attr:`Situation.effective`) is an ordinary JobShop or
FlexibleJobShop of what remains: the problem's jobs, then the arrivals; durations after the
changes; a frozen operation with its own span (``end - start``, downtime included for a resumed
one) on its machine only; a cancelled job keeps only its frozen operations, and disappears when
it has none. The rescheduled schedule is a normal solution of it. :attr:`Situation.job_origin`
names, per effective job, its job in the events' numbering (problem jobs first, then arrivals
in list order). Per effective operation the situation holds what every method needs:
frozen values, earliest start, old start and machine (stability), and per machine the busy
time after ``at`` an unfrozen operation must avoid (downtime and frozen operations).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError, ParseError
from schedkit.problems.base import Problem, Solution
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.rescheduling.events import (
    Arrival,
    Breakdown,
    Cancel,
    DurationChange,
    Event,
    Rush,
    alternatives,
    as_events,
    type_name,
)

INTERRUPTED = ("restart", "resume")
Alts = list[tuple[int, int]]


def merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of half-open intervals (empty ones dropped)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(i for i in intervals if i[1] > i[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def resumed_end(start: int, work: int, downtime: list[tuple[int, int]]) -> int:
    """End of ``work`` units processed from ``start`` that pause during ``downtime`` (merged)."""
    pos, left = start, work
    for bs, be in downtime:
        if be <= pos:
            continue
        if bs >= pos + left:
            break
        left -= max(0, bs - pos)
        pos = be
    return pos + left


def fit(busy: list[tuple[int, int]], start: int, duration: int) -> int:
    """Earliest start >= ``start`` where ``duration`` units overlap none of ``busy`` (merged)."""
    if duration <= 0:
        return start
    for bs, be in busy:
        if start < be and start + duration > bs:
            start = be
    return start


def check_inputs(problem: Problem, old: Solution, at: Any, interrupted: str) -> None:
    """InvalidParameterError unless ``old`` is a feasible schedule of ``problem`` (of its
    solution type), ``at`` an integer time >= 0 and ``interrupted`` a known mode."""
    if not isinstance(old, problem.solution_type):
        raise InvalidParameterError(
            f"the schedule to repair must be a {problem.solution_type.__name__}, got {type(old).__name__}"
        )
    bad = problem.violations(old)
    if bad:
        more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
        raise InvalidParameterError(f"the schedule to repair is infeasible: {bad[0]}{more}")
    if isinstance(at, bool) or not isinstance(at, int | np.integer) or at < 0:
        raise InvalidParameterError(f"at must be an integer time >= 0, got {at!r}")
    if interrupted not in INTERRUPTED:
        raise InvalidParameterError(
            f"interrupted must be one of {', '.join(INTERRUPTED)}, got {interrupted!r}"
        )


class Situation:
    """The problem, old schedule and events at time ``at`` (see the module doc)."""

    def __init__(
        self,
        problem: Problem,
        old: Solution,
        events: Iterable[Any],
        at: int,
        interrupted: str = "restart",
        source: str = "<events>",
    ):
        if not isinstance(problem, JobShop | FlexibleJobShop):
            kind = getattr(problem, "kind", type(problem).__name__)
            raise InvalidParameterError(
                f"rescheduling supports jssp and fjsp problems, and rcpsp; not {kind}"
            )
        if problem.features():  # e.g. setups: the effective problem would drop them
            missing = ", ".join(sorted(problem.features()))
            raise InvalidParameterError(f"rescheduling does not handle {missing} (yet)")
        check_inputs(problem, old, at, interrupted)
        self.problem = problem
        self.old = old
        self.at = int(at)
        self.interrupted = interrupted
        self.source = source
        self.events: list[Event] = as_events(events, source)
        self.flexible = isinstance(problem, FlexibleJobShop)
        self._extend()
        self._apply()
        self._freeze()
        self._build_effective()

    # the jobs in the events' numbering --------------------------------------------------------
    def _fail(self, index: int, message: str) -> None:
        raise ParseError(f"event {index} ({type_name(self.events[index])}): {message}", self.source)

    def _extend(self) -> None:
        p, m = self.problem, self.problem.num_machines
        if self.flexible:
            jobs: list[list[Alts]] = p.jobs()
        else:
            jobs = [[[op] for op in job] for job in p.jobs()]
        self.release = [0] * p.num_jobs
        for i, ev in enumerate(self.events):
            if not isinstance(ev, Arrival):
                continue
            ops = [alternatives(op) for op in ev.job]
            for k, alts in enumerate(ops):
                if not self.flexible and len(alts) > 1:
                    self._fail(i, f"job-shop job operation {k} has {len(alts)} machines, needs one")
                for mm, _ in alts:
                    if not 0 <= mm < m:
                        self._fail(i, f"job operation {k}: machine {mm} out of range 0..{m - 1}")
            jobs.append(ops)
            self.release.append(ev.time)
        self.jobs = jobs
        self.num_original_jobs = p.num_jobs
        old_start, old_end = self.old.starts(p), self.old.per_operation(p, self.old.end)
        old_mach = self.old.machines(p)
        self.old_of: dict[tuple[int, int], tuple[int, int, int]] = {
            (int(p.job_of[o]), int(p.rank[o])): (int(old_mach[o]), int(old_start[o]), int(old_end[o]))
            for o in range(p.num_operations)
        }

    def _job(self, index: int, job: int) -> None:
        if not 0 <= job < len(self.jobs):
            self._fail(index, f"job {job} out of range 0..{len(self.jobs) - 1}")

    def _apply(self) -> None:
        t, m = self.at, self.problem.num_machines
        downtime: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        self.cancelled: set[int] = set()
        self.due: dict[int, int | None] = {}
        self.weight: dict[int, int] = {}
        for i, ev in enumerate(self.events):
            if isinstance(ev, Breakdown):
                if not 0 <= ev.machine < m:
                    self._fail(i, f"machine {ev.machine} out of range 0..{m - 1}")
                if ev.end > t:
                    downtime[ev.machine].append((ev.start, ev.end))
            elif isinstance(ev, DurationChange):
                self._change(i, ev)
            elif isinstance(ev, Cancel):
                self._job(i, ev.job)
                self.cancelled.add(ev.job)
            elif isinstance(ev, Rush):
                self._job(i, ev.job)
                if ev.due_date is not None:
                    self.due[ev.job] = ev.due_date
                else:
                    self.due.setdefault(ev.job, None)
                if ev.weight is not None:
                    self.weight[ev.job] = ev.weight
        for j, d in list(self.due.items()):
            self.due[j] = t if d is None else d
        #: per machine, the breakdowns that last past ``at`` (merged, not clipped)
        self.downtime = [merge(d) for d in downtime]

    def _change(self, i: int, ev: DurationChange) -> None:
        self._job(i, ev.job)
        ops = self.jobs[ev.job]
        if not 0 <= ev.op < len(ops):
            self._fail(i, f"op {ev.op} out of range 0..{len(ops) - 1} for job {ev.job}")
        alts = ops[ev.op]
        if ev.machine is not None and ev.machine not in [mm for mm, _ in alts]:
            self._fail(i, f"machine {ev.machine} is not eligible for job {ev.job}, op {ev.op}")
        old = self.old_of.get((ev.job, ev.op))
        if old is not None and old[1] < self.at and ev.machine in (None, old[0]):
            mm, s, e = old
            if e < self.at:
                self._fail(i, f"job {ev.job}, op {ev.op} finished at {e}, before at={self.at}")
            if s + ev.new_duration < self.at:
                self._fail(
                    i,
                    f"new_duration {ev.new_duration} ends job {ev.job}, op {ev.op} at "
                    f"{s + ev.new_duration}, but it is still running at at={self.at}",
                )
        ops[ev.op] = [(mm, ev.new_duration if ev.machine in (None, mm) else d) for mm, d in alts]

    # what is frozen ---------------------------------------------------------------------------
    def _freeze(self) -> None:
        t = self.at
        #: (job, op) -> (machine, start, end) of the frozen operations, events' numbering
        self.frozen: dict[tuple[int, int], tuple[int, int, int]] = {}
        #: (job, op) of the operations a breakdown cut (restarted or resumed)
        self.cut: list[tuple[int, int]] = []
        for (j, k), (mm, s, _) in self.old_of.items():
            if s >= t:
                continue
            d = dict(self.jobs[j][k])[mm]
            e = s + d
            if e > t and any(bs < e and be > s for bs, be in self.downtime[mm]):
                self.cut.append((j, k))
                if self.interrupted == "restart":
                    continue
                e = resumed_end(s, d, self.downtime[mm])
            self.frozen[(j, k)] = (mm, s, e)

    def _build_effective(self) -> None:
        t = self.at
        rows: list[list[Any]] = []
        self.job_origin: list[int] = []
        self.origin: list[tuple[int, int]] = []  # per effective operation, its (job, op)
        frozen, old_start, old_end, old_mach, earliest = [], [], [], [], []
        for j, ops in enumerate(self.jobs):
            keep = [k for k in range(len(ops)) if j not in self.cancelled or (j, k) in self.frozen]
            if not keep:
                continue
            self.job_origin.append(j)
            row: list[Any] = []
            for k in keep:
                fz = self.frozen.get((j, k))
                alts = [(fz[0], fz[2] - fz[1])] if fz is not None else ops[k]
                row.append(alts if self.flexible else alts[0])
                frozen.append(fz if fz is not None else (-1, -1, -1))
                old = self.old_of.get((j, k), (-1, -1, -1))
                old_mach.append(old[0])
                old_start.append(old[1])
                old_end.append(old[2])
                earliest.append(max(t, self.release[j]))
                self.origin.append((j, k))
            rows.append(row)
        if not rows:
            raise InvalidParameterError("nothing left to schedule: every job is cancelled and none started")
        build = FlexibleJobShop.from_jobs if self.flexible else JobShop.from_jobs
        self.effective: JobShop | FlexibleJobShop = build(
            rows, num_machines=self.problem.num_machines, name=self.problem.name
        )
        fz = np.array(frozen, dtype=np.int64).reshape(-1, 3)
        #: per effective operation: machine, start, end when frozen (-1 otherwise)
        self.fixed_machine, self.fixed_start, self.fixed_end = fz[:, 0], fz[:, 1], fz[:, 2]
        self.is_frozen = self.fixed_start >= 0
        #: per effective operation: start, end and machine in the old schedule (-1 for arrivals)
        self.old_start = np.array(old_start, dtype=np.int64)
        self.old_end = np.array(old_end, dtype=np.int64)
        self.old_machine = np.array(old_mach, dtype=np.int64)
        #: per effective operation: earliest start when not frozen, max(at, release)
        self.earliest = np.array(earliest, dtype=np.int64)
        eff = self.effective
        #: per effective operation: its (machine, duration) alternatives
        self.alts: list[Alts] = (
            [alts for job in eff.jobs() for alts in job]
            if self.flexible
            else [[(int(eff.machine[o]), int(eff.duration[o]))] for o in range(eff.num_operations)]
        )
        n_jobs = eff.num_jobs
        #: per effective job: due date (-1: none) and tardiness weight
        self.due_date = np.full(n_jobs, -1, dtype=np.int64)
        self.job_weight = np.ones(n_jobs, dtype=np.int64)
        for je, j in enumerate(self.job_origin):
            if j in self.due and j not in self.cancelled:
                self.due_date[je] = self.due[j]
                self.job_weight[je] = self.weight.get(j, 1)
        busy: list[list[tuple[int, int]]] = [[(max(s, t), e) for s, e in d] for d in self.downtime]
        for o in np.flatnonzero(self.is_frozen & (self.fixed_end > t)).tolist():
            busy[int(self.fixed_machine[o])].append(
                (max(t, int(self.fixed_start[o])), int(self.fixed_end[o]))
            )
        #: per machine, merged time after ``at`` an unfrozen operation must not overlap
        self.busy = [merge(b) for b in busy]

    # what the methods use ---------------------------------------------------------------------
    @property
    def has_due_dates(self) -> bool:
        return bool((self.due_date >= 0).any())

    def solution(self, machine: np.ndarray, start: np.ndarray) -> JobShopSolution | FlexibleSolution:
        """The effective problem's solution with one machine and start per operation."""
        if self.flexible:
            return FlexibleSolution.from_assignment(self.effective, machine, start)
        return JobShopSolution.from_starts(self.effective, start)

    def makespan_bound(self) -> int:
        """A lower bound on the makespan: per job, the end of its frozen part (or its earliest
        start) plus its remaining shortest work; the end of every frozen operation."""
        eff = self.effective
        best = int(self.fixed_end.max(initial=0))
        for je in range(eff.num_jobs):
            ops = eff.operations(je)
            ready = 0
            for o in ops:
                if self.is_frozen[o]:
                    ready = int(self.fixed_end[o])
                else:
                    ready = max(ready, int(self.earliest[o])) + min(d for _, d in self.alts[o])
            best = max(best, ready)
        return best

    def breakdowns(self) -> list[tuple[int, int, int]]:
        """Every breakdown event as ``(machine, start, end)`` (for charts)."""
        return [(e.machine, e.start, e.end) for e in self.events if isinstance(e, Breakdown)]

    def summary(self) -> dict[str, int]:
        """Counts for reports: frozen, cut, cancelled and arrived operations."""
        eff = self.effective
        dropped = sum(len(self.jobs[j]) for j in range(len(self.jobs))) - eff.num_operations
        return {
            "frozen": int(self.is_frozen.sum()),
            "cut": len(self.cut),
            "cancelled operations": int(dropped),
            "arrived operations": int((self.old_start < 0).sum()),
            "to schedule": int((~self.is_frozen).sum()),
        }
