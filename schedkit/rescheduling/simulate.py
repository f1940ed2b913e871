"""Online simulation: a rescheduling policy run through an event stream, with a hindsight bound.

:func:`simulate` starts from a schedule of the instance (solved first, or given), then walks
through time: at each time some events are revealed (:mod:`~schedkit.rescheduling.stream`) it
calls :func:`~schedkit.rescheduling.api.reschedule` with the policy's method, at that time,
on the schedule being executed (what started before stays as it ran). Between events the
schedule runs as planned; after the last one it runs to the end: that is the **executed
schedule**, whose makespan is the simulation's result.

Each call gets the effective problem and schedule of the previous one, the events revealed
now (translated to that problem's job numbering) and the events that still matter:
breakdowns not yet over (unless an operation resumed across one already holds its machine
then) and every rush's due date and weight. How events that no longer apply are treated
(``Simulation.moot``, with the reason): events at or after the end of the schedule (except
arrivals, which extend it); a duration change of an operation that finished before it was
revealed, or that runs on another machine than the one named; cancels and rushes of a job
that is gone. A duration change of a running operation that would already have ended is
taken to end now. Arrivals take job numbers in stream order, after the instance's.

Checked along the way, on top of the checkers every reschedule passes: at each event,
against the schedule before it, every operation that started before the event keeps its
machine and start (and its end, unless cut or changed now), a restarted one and every other
starts at or after the event; at the end, the executed schedule against the original
instance and every event that took effect (:mod:`~schedkit.rescheduling.executed`).
A violation is a :class:`~schedkit.errors.SolverBugError`.

The stability cost is summed over the events: operations moved and total start shift of
each reschedule against the schedule it repaired. Compute time per event is the wall time of
each :func:`reschedule` call. The hindsight bound is :mod:`~schedkit.rescheduling.hindsight`.

Paired measurement (``pair``): at each event, every method named there is also run on the
very call the policy got (same schedule, frozen prefix, events, time, limit, stability weight
and measure); its answer passes the same checkers and is recorded in ``Step.paired`` (makespan,
combined objective, moved, shift, wall time, status), then dropped: the trajectory is the
policy's. This compares methods event by event from one situation, which separate trajectories
cannot (they diverge after the first event).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from schedkit.errors import InvalidParameterError, SolverBugError
from schedkit.problems.base import Problem, Solution
from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.jobshop import JobShop
from schedkit.rescheduling import executed as executed_check
from schedkit.rescheduling import hindsight as hindsight_solve
from schedkit.rescheduling.api import method_info, reschedule
from schedkit.rescheduling.events import (
    Arrival,
    Breakdown,
    Cancel,
    DurationChange,
    Event,
    Rush,
    alternatives,
    type_name,
)
from schedkit.rescheduling.hindsight import Hindsight
from schedkit.rescheduling.situation import INTERRUPTED
from schedkit.rescheduling.stream import Revealed, check_stream, parse_stream, read_stream, stream_to_json
from schedkit.result import Result

#: one executed operation or cut run: (job, op, machine, start, end), jobs in the stream's numbering
Run = tuple[int, int, int, int, int]
RUN_FIELDS = ("job", "op", "machine", "start", "end")
Plan = dict[tuple[int, int], tuple[int, int, int]]


@dataclass
class Step:
    """One reschedule: at ``at``, after ``events`` revealed events (``applied`` took effect)."""

    at: int
    events: int
    applied: int
    runtime: float
    makespan: int
    moved: int
    shift: int
    cut: int
    status: str
    objective: float = 0
    paired: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "runtime": round(self.runtime, 3)}


@dataclass
class Simulation:
    """What :func:`simulate` reports (see the module doc)."""

    problem: Problem
    policy: str
    interrupted: str
    initial: Solution
    initial_makespan: int
    steps: list[Step]
    executed: list[Run]
    cut_runs: list[Run]
    applied: list[Revealed]
    moot: list[tuple[Revealed, str]]
    tardiness: int
    violations: list[str]
    hindsight: Hindsight | None = None
    final_problem: Any = None
    final_solution: Any = None
    job_ids: list[int] = field(default_factory=list)

    @property
    def makespan(self) -> int:
        """Makespan of the executed schedule."""
        return max((e for *_, e in self.executed), default=0)

    @property
    def moved(self) -> int:
        return sum(s.moved for s in self.steps)

    @property
    def shift(self) -> int:
        return sum(s.shift for s in self.steps)

    @property
    def time_mean(self) -> float:
        return statistics.mean(s.runtime for s in self.steps) if self.steps else 0.0

    @property
    def time_max(self) -> float:
        return max((s.runtime for s in self.steps), default=0.0)

    def breakdowns(self) -> list[tuple[int, int, int]]:
        """Every breakdown that took effect as ``(machine, start, end)`` (for charts)."""
        events = (r.event for r in self.applied)
        return [(e.machine, e.start, e.end) for e in events if isinstance(e, Breakdown)]

    def summary(self) -> dict[str, Any]:
        """The headline figures (what the CLI prints and the benchmark stores)."""
        hs = self.hindsight
        return {
            "instance": self.problem.name,
            "policy": self.policy,
            "interrupted": self.interrupted,
            "events": len(self.applied) + len(self.moot),
            "applied": len(self.applied),
            "reschedules": len(self.steps),
            "initial_makespan": self.initial_makespan,
            "makespan": self.makespan,
            "tardiness": self.tardiness,
            "hindsight_makespan": None if hs is None else hs.makespan,
            "hindsight_bound": None if hs is None else hs.bound,
            "moved": self.moved,
            "shift": self.shift,
            "time_mean": round(self.time_mean, 3),
            "time_max": round(self.time_max, 3),
            "final_check": "ok" if not self.violations else self.violations[0],
        }

    def to_json(self) -> dict[str, Any]:
        """The whole report: summary, hindsight, steps, moot events, executed schedule."""
        return {
            "summary": self.summary(),
            "hindsight": None if self.hindsight is None else self.hindsight.to_json(),
            "steps": [s.to_json() for s in self.steps],
            "moot": [{**stream_to_json([r])[0], "reason": why} for r, why in self.moot],
            "applied": stream_to_json(self.applied),
            "executed": [dict(zip(RUN_FIELDS, run, strict=True)) for run in self.executed],
            "cut_runs": [dict(zip(RUN_FIELDS, run, strict=True)) for run in self.cut_runs],
        }


def as_stream(stream: Any) -> list[Revealed]:
    """A stream given as Revealed items, JSON records or a file path."""
    if isinstance(stream, str | os.PathLike):
        return read_stream(stream)
    items = list(stream)
    if all(isinstance(r, Revealed) for r in items):
        return sorted(items, key=lambda r: r.at)
    return parse_stream(items)


class _Run:
    """The state of a simulation between reschedules, in the stream's job numbering."""

    def __init__(self, problem: Problem, initial: Solution, interrupted: str):
        self.problem: Any = problem
        self.solution: Any = initial
        self.ids = list(range(problem.num_jobs))  # stream job of each job of self.problem
        self.next_id = problem.num_jobs
        self.interrupted = interrupted
        self.jobs: list[list[dict[int, int]]] = [
            [dict(op) if isinstance(problem, FlexibleJobShop) else {int(op[0]): int(op[1])} for op in job]
            for job in problem.jobs()
        ]
        self.cancelled: set[int] = set()
        self.breakdowns: list[Breakdown] = []
        self.due: dict[int, int] = {}
        self.weight: dict[int, int] = {}
        self.applied: list[Revealed] = []
        self.moot: list[tuple[Revealed, str]] = []
        self.cut_runs: list[Run] = []

    def plan(self) -> Plan:
        """(stream job, op) -> (machine, start, end) of the schedule being executed."""
        s, ids = self.solution, self.ids
        return {
            (ids[int(j)], int(k)): (int(m), int(a), int(b))
            for j, k, m, a, b in zip(s.job, s.op, s.machine, s.start, s.end, strict=True)
        }

    def translate(self, batch: Sequence[Revealed], plan: Plan) -> tuple[list[Event], list[int], set]:
        """The batch's events in the current numbering; the stream ids of its arrivals; the
        operations whose duration changes now."""
        local = {gj: i for i, gj in enumerate(self.ids)}
        events: list[Event] = []
        arrivals: list[int] = []
        changed: set[tuple[int, int]] = set()
        for r in batch:
            ev = r.event
            if isinstance(ev, Arrival):
                local[self.next_id] = len(self.ids) + len(arrivals)
                arrivals.append(self.next_id)
                self.jobs.append([dict(a) for a in _alts(ev)])
                self.next_id += 1
                events.append(ev)
            elif isinstance(ev, Breakdown):
                self.breakdowns.append(ev)
                events.append(ev)
            elif ev.job in self.cancelled or ev.job not in local:
                self.moot.append((r, f"job {ev.job} is cancelled"))
                continue
            elif isinstance(ev, Cancel):
                self.cancelled.add(ev.job)
                events.append(Cancel(local[ev.job]))
            elif isinstance(ev, Rush):
                if ev.due_date is not None:
                    self.due[ev.job] = ev.due_date
                else:
                    self.due.setdefault(ev.job, r.at)  # a weight alone: due when revealed
                if ev.weight is not None:
                    self.weight[ev.job] = ev.weight
            elif isinstance(ev, DurationChange):
                change = self._change(r, ev, plan, local)
                if change is None:
                    continue
                events.append(change)
                changed.add((ev.job, ev.op))
                continue
            self.applied.append(r)
        return events, arrivals, changed

    def _change(self, r: Revealed, ev: DurationChange, plan: Plan, local: dict[int, int]) -> Event | None:
        cur = plan.get((ev.job, ev.op))
        new = ev.new_duration
        extra = 0
        if cur is not None and cur[1] < r.at:
            m, s, e = cur
            if e <= r.at:
                self.moot.append((r, f"job {ev.job}, op {ev.op} finished at {e}"))
                return None
            if ev.machine is not None and ev.machine != m:
                self.moot.append((r, f"job {ev.job}, op {ev.op} runs on machine {m}"))
                return None
            new = max(new, r.at - s)  # it would have ended already: it ends now
            extra = (e - s) - self.jobs[ev.job][ev.op][m]  # downtime it pauses for (resumed)
        for m in self.jobs[ev.job][ev.op]:
            if ev.machine is None or ev.machine == m:
                self.jobs[ev.job][ev.op][m] = new
        self.applied.append(Revealed(r.at, DurationChange(ev.job, ev.op, new, ev.machine)))
        return DurationChange(local[ev.job], ev.op, new + extra, ev.machine)

    def standing(self, at: int, plan: Plan, local: dict[int, int]) -> tuple[list[Event], list[Event]]:
        """Breakdowns revealed before that still matter, and the rushes, in the current numbering."""
        busy: dict[int, list[tuple[int, int]]] = {}
        for m, s, e in plan.values():
            if e > s:
                busy.setdefault(m, []).append((s, e))
        down = [
            b
            for b in self.breakdowns
            if b.end > at and not any(s < b.end and e > b.start for s, e in busy.get(b.machine, []))
        ]
        rushes: list[Event] = [
            Rush(local[j], due, self.weight.get(j))
            for j, due in self.due.items()
            if j in local and j not in self.cancelled
        ]
        return list(down), rushes


def _alts(ev: Arrival) -> list[list[tuple[int, int]]]:
    return [alternatives(op) for op in ev.job]


def prefix_violations(before: Plan, after: Plan, at: int, cut: set, changed: set, restart: bool) -> list[str]:
    """What a reschedule at ``at`` changed that it must not (see the module doc)."""
    out = []
    for key, (m, s, e) in before.items():
        new = after.get(key)
        name = f"job {key[0]}, op {key[1]}"
        if new is None:
            if s < at and not (restart and key in cut):
                out.append(f"{name} started at {s} before t={at} but is gone")
            continue
        if s < at and not (restart and key in cut):
            if new[:2] != (m, s):
                out.append(f"{name} started at {s} on machine {m} before t={at}, now at {new[1]} on {new[0]}")
            elif new[2] != e and key not in changed and key not in cut:
                out.append(f"{name} started before t={at}: its end moved from {e} to {new[2]}")
        elif new[1] < at:
            out.append(f"{name} now starts at {new[1]}, before t={at}")
    for key, new in after.items():
        if key not in before and new[1] < at:
            out.append(f"job {key[0]}, op {key[1]} (arrived) starts at {new[1]}, before t={at}")
    return out


def simulate(
    problem: Problem,
    stream: Any,
    policy: str = "cpsat",
    *,
    time_limit: float | None = 5.0,
    stability: float = 0.0,
    solution: Any = None,
    initial_method: str = "cpsat",
    initial_time: float | None = 10.0,
    hindsight_time: float | None = 10.0,
    workers: int | None = None,
    seed: int = 0,
    interrupted: str = "restart",
    progress: Callable[[str], None] | None = None,
    observer: Callable[[int, Plan, Plan], None] | None = None,
    pair: Sequence[str] = (),
    **options: Any,
) -> Simulation:
    """Run ``policy`` (a :func:`reschedule` method) through ``stream`` (see the module doc).

    ``stream``: Revealed items, stream JSON records, or a stream file's path. ``solution``: the
    schedule to start from (else ``initial_method`` solves the instance in ``initial_time``
    seconds). ``time_limit``, ``stability``, ``interrupted`` and ``**options`` go to every
    reschedule call. ``hindsight_time``: seconds for the hindsight solve (None: no limit; 0:
    no hindsight solve). ``progress`` receives one line per reschedule; ``observer(at, before,
    after)`` the schedule before and after each reschedule, each as (stream job, op) ->
    (machine, start, end). ``pair``: methods also run at each event on the policy's call (see
    the module doc; they get the ``stability_measure`` option only).
    """
    from schedkit.api import default_workers, solve

    if not isinstance(problem, JobShop | FlexibleJobShop):
        raise InvalidParameterError(f"simulation supports jssp and fjsp problems, not {problem.kind}")
    if interrupted not in INTERRUPTED:
        known = ", ".join(INTERRUPTED)
        raise InvalidParameterError(f"interrupted must be one of {known}, got {interrupted!r}")
    policy, _ = method_info(policy)
    pair = [method_info(m)[0] for m in pair]
    items = as_stream(stream)
    check_stream(problem, items, os.fspath(stream) if isinstance(stream, str | os.PathLike) else "<stream>")
    workers = default_workers() if workers is None else workers
    if solution is None:
        first = solve(problem, initial_method, time_limit=initial_time, workers=workers, seed=seed)
        solution = first.solution
    elif isinstance(solution, Result):
        solution = solution.solution
    if not isinstance(solution, problem.solution_type) or problem.violations(solution):
        raise InvalidParameterError("the initial schedule is not a feasible schedule of the instance")
    run = _Run(problem, solution, interrupted)
    steps: list[Step] = []
    batches = [(at, list(group)) for at, group in groupby(items, key=lambda r: r.at)]
    for i, (at, batch) in enumerate(batches):
        plan = run.plan()
        end = max((e for _, _, e in plan.values()), default=0)
        if at >= end and not any(isinstance(r.event, Arrival) for r in batch):
            run.moot += [(r, f"revealed at {at}, after the schedule ended at {end}") for r in batch]
            continue
        n_applied = len(run.applied)
        events, arrivals, changed = run.translate(batch, plan)
        if not events and len(run.applied) == n_applied:
            continue
        local = {gj: j for j, gj in enumerate(run.ids)}
        down, rushes = run.standing(at, plan, local)
        batch_down = [e for e in events if isinstance(e, Breakdown)]
        call = [*(b for b in down if b not in batch_down), *events, *rushes]
        t0 = time.perf_counter()
        r = reschedule(
            run.problem,
            run.solution,
            call,
            at=at,
            method=policy,
            stability=stability,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            interrupted=interrupted,
            **options,
        )
        runtime = time.perf_counter() - t0
        paired = {}
        for other in pair:
            extra = {k: v for k, v in options.items() if k == "stability_measure"}
            t1 = time.perf_counter()
            o = reschedule(
                run.problem,
                run.solution,
                call,
                at=at,
                method=other,
                stability=stability,
                time_limit=time_limit,
                workers=workers,
                seed=seed,
                interrupted=interrupted,
                **extra,
            )
            paired[other] = {
                "makespan": o.stats["makespan"],
                "objective": o.objective,
                "moved": o.stats["moved"],
                "shift": o.stats["shift"],
                "runtime": round(time.perf_counter() - t1, 3),
                "status": str(o.status),
            }
        sit = r.situation
        ext = run.ids + arrivals
        cut = {(ext[j], k) for j, k in sit.cut}
        if interrupted == "restart":
            run.cut_runs += [(j, k, plan[(j, k)][0], plan[(j, k)][1], at) for j, k in sorted(cut)]
        run.problem, run.solution, run.ids = r.problem, r.solution, [ext[j] for j in sit.job_origin]
        after = run.plan()
        bad = prefix_violations(plan, after, at, cut, changed, interrupted == "restart")
        if bad:
            raise SolverBugError(f"reschedule at t={at} ({policy}) broke the executed part: {bad[0]}")
        if observer is not None:
            observer(at, plan, after)
        st = r.stats
        n_new = len(run.applied) - n_applied
        step = Step(
            at,
            len(batch),
            n_new,
            runtime,
            st["makespan"],
            st["moved"],
            st["shift"],
            len(cut),
            str(r.status),
            r.objective,
            paired,
        )
        steps.append(step)
        if progress is not None:
            kinds = ", ".join(sorted({type_name(x.event) for x in batch}))
            progress(
                f"[{i + 1}/{len(batches)}] t={at} {kinds}: {policy} makespan {step.makespan}, "
                f"moved {step.moved}, shift {step.shift}, {runtime:.2f}s"
            )
    plan = run.plan()
    executed = sorted((j, k, m, s, e) for (j, k), (m, s, e) in plan.items())
    bad = executed_check.violations(problem, run.applied, executed, run.cut_runs, interrupted)
    tardiness = 0
    for j, due in run.due.items():
        if j not in run.cancelled:
            last = max((e for (jj, _), (_, _, e) in plan.items() if jj == j), default=due)
            tardiness += run.weight.get(j, 1) * max(0, last - due)
    sim = Simulation(
        problem,
        policy,
        interrupted,
        solution,
        int(problem.objective(solution)),
        steps,
        executed,
        run.cut_runs,
        run.applied,
        run.moot,
        tardiness,
        bad,
        final_problem=run.problem,
        final_solution=run.solution,
        job_ids=run.ids,
    )
    if bad:
        more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SolverBugError(f"the executed schedule fails the final check: {bad[0]}{more}")
    if hindsight_time is None or hindsight_time > 0:
        if progress is not None:
            progress(f"hindsight solve ({'no limit' if hindsight_time is None else f'{hindsight_time:g}s'})")
        sim.hindsight = hindsight_solve.solve(
            problem, solution, run.applied, executed, interrupted, hindsight_time, workers, seed
        )
        if interrupted == "restart" and sim.hindsight.makespan > sim.makespan:
            raise SolverBugError(
                f"hindsight makespan {sim.hindsight.makespan} above the executed {sim.makespan}"
            )
    return sim
