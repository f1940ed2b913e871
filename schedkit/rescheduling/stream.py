"""Event streams: events with the time they are revealed, read from JSON or generated.

A stream file is a JSON list (or ``{"events": [...]}``) of the event records of
:mod:`~schedkit.rescheduling.events`, each with one more field ``"at"``: the time the event
becomes known (and a simulator reschedules). ``"at"`` may be left out of a breakdown (revealed
at its ``start``) and of an arrival (revealed at its ``time``); the other types need it.
A breakdown is revealed at or before its start; an arrival exactly at its time (a job
announced earlier would need its release carried through later reschedules, which the
effective problems do not hold). Example::

    [{"type": "breakdown", "machine": 3, "start": 212, "end": 301},
     {"type": "arrival", "time": 240, "job": [[1, 20], [0, 35]]},
     {"type": "duration_change", "at": 250, "job": 2, "op": 3, "new_duration": 40}]

Arrivals are numbered as jobs after the instance's own in stream order (by ``at``, ties in
file order): the first is job ``num_jobs``. Events referring to a job (duration change,
cancel, rush) may name an arrival revealed at the same time or earlier.

:func:`generate_stream` draws the usual breakdown model: per machine, alternating exponential
up-times (mean ``mtbf``) and repair times (mean ``mttr``), each rounded to an integer (a
repair lasts at least 1), from time 0 to ``horizon``; optionally a Poisson stream of job
arrivals (mean gap ``arrival_gap``; a job-shop arrival visits every machine in random order
with durations drawn from the instance's, a flexible job-shop one copies randomly drawn
operations of the instance, as many as a randomly drawn job of it has) and of duration changes
(mean gap ``change_gap``; a random operation of the instance runs longer by a factor drawn
uniformly in ``[1, change_factor]``, on every eligible machine). The three parts, and the
breakdowns of each machine, draw from independent generators seeded from ``seed``: adding
arrivals does not change the breakdowns, and a longer horizon only adds events after the
shorter one's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError, ParseError
from schedkit.problems.base import Problem
from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.jobshop import JobShop
from schedkit.rescheduling.events import (
    Arrival,
    Breakdown,
    Cancel,
    DurationChange,
    Event,
    Rush,
    alternatives,
    event_to_json,
    parse_record,
    read_json,
    type_name,
)

#: horizon of a generated stream when none is given: this many times the instance's lower bound
HORIZON_FACTOR = 4  # the trivial bound is often far below what a disrupted schedule takes
Rng = np.random.Generator


@dataclass(frozen=True)
class Revealed:
    """``event`` becomes known at time ``at``."""

    at: int
    event: Event


def parse_stream(data: Any, source: str = "<stream>") -> list[Revealed]:
    """A stream from JSON data (see the module doc), sorted by ``at`` (ties keep file order)."""
    if isinstance(data, dict) and set(data) == {"events"}:
        data = data["events"]
    if not isinstance(data, list):
        got = type(data).__name__
        raise ParseError(f'expected a list of events or {{"events": [...]}}, got {got}', source)
    out: list[Revealed] = []
    for i, record in enumerate(data):
        if isinstance(record, dict) and "at" in record:
            at = record["at"]
            record = {k: v for k, v in record.items() if k != "at"}
        else:
            at = None
        event = parse_record(record, i, source)
        out.append(Revealed(_reveal_time(event, at, i, source), event))
    return sorted(out, key=lambda r: r.at)  # stable


def _reveal_time(event: Event, at: Any, index: int, source: str) -> int:
    where = f"event {index} ({type_name(event)})"
    if at is None:
        if isinstance(event, Breakdown):
            return event.start
        if isinstance(event, Arrival):
            return event.time
        raise ParseError(f"{where}: missing field 'at' (the time it is revealed)", source)
    if isinstance(at, bool) or not isinstance(at, int) or at < 0:
        raise ParseError(f"{where}: at must be an integer >= 0, got {at!r}", source)
    if isinstance(event, Breakdown) and at > event.start:
        raise ParseError(
            f"{where}: at {at} is after its start {event.start} (revealed then at the latest)", source
        )
    if isinstance(event, Arrival) and at != event.time:
        raise ParseError(f"{where}: at {at} must equal its time {event.time} (revealed on arrival)", source)
    return int(at)


def read_stream(path: str | os.PathLike[str]) -> list[Revealed]:
    """A stream from a JSON file; ParseError naming the file, the event and the field."""
    return parse_stream(read_json(path, "an event stream"), os.fspath(path))


def stream_to_json(stream: Iterable[Revealed]) -> list[dict[str, Any]]:
    """The JSON records of ``stream`` (what :func:`parse_stream` reads back)."""
    return [{**event_to_json(r.event), "at": r.at} for r in stream]


def write_stream(stream: Iterable[Revealed], path: str | os.PathLike[str]) -> None:
    """Save ``stream`` as JSON, one event per line."""
    records = stream_to_json(stream)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")


def check_stream(problem: Problem, stream: Sequence[Revealed], source: str = "<stream>") -> None:
    """What needs the instance: machine, job and operation numbers exist when revealed; a
    job-shop arrival has one machine per operation. ParseError naming the event otherwise."""
    m = problem.num_machines
    flexible = isinstance(problem, FlexibleJobShop)
    lengths = [len(problem.operations(j)) for j in range(problem.num_jobs)]
    eligible: list[list[set[int]]] = []
    for job in problem.jobs():
        eligible.append([{mm for mm, _ in op} if flexible else {op[0]} for op in job])
    for i, r in enumerate(stream):
        ev = r.event
        where = f"event {i} ({type_name(ev)}, at {r.at})"
        if isinstance(ev, Breakdown) and not 0 <= ev.machine < m:
            raise ParseError(f"{where}: machine {ev.machine} out of range 0..{m - 1}", source)
        if isinstance(ev, Arrival):
            ops = [alternatives(op) for op in ev.job]
            for k, alts in enumerate(ops):
                if not flexible and len(alts) > 1:
                    raise ParseError(f"{where}: job-shop job operation {k} has {len(alts)} machines", source)
                bad = [mm for mm, _ in alts if not 0 <= mm < m]
                if bad:
                    message = f"job operation {k}: machine {bad[0]} out of range 0..{m - 1}"
                    raise ParseError(f"{where}: {message}", source)
            lengths.append(len(ops))
            eligible.append([{mm for mm, _ in alts} for alts in ops])
        if isinstance(ev, DurationChange | Cancel | Rush) and not 0 <= ev.job < len(lengths):
            message = f"job {ev.job} does not exist (yet): jobs 0..{len(lengths) - 1}"
            raise ParseError(f"{where}: {message}", source)
        if isinstance(ev, DurationChange):
            if not 0 <= ev.op < lengths[ev.job]:
                message = f"op {ev.op} out of range 0..{lengths[ev.job] - 1} for job {ev.job}"
                raise ParseError(f"{where}: {message}", source)
            if ev.machine is not None and ev.machine not in eligible[ev.job][ev.op]:
                message = f"machine {ev.machine} is not eligible for job {ev.job}, op {ev.op}"
                raise ParseError(f"{where}: {message}", source)


def mean_duration(problem: Problem) -> float:
    """The mean operation duration (flexible job-shop: of each operation's mean over its machines)."""
    if isinstance(problem, FlexibleJobShop):
        per_op = np.add.reduceat(problem.alt_duration, problem.alt_start[:-1]) / np.diff(problem.alt_start)
        return float(per_op.mean())
    if isinstance(problem, JobShop):
        return float(problem.duration.mean())
    raise InvalidParameterError(f"event streams are for jssp and fjsp problems, not {problem.kind}")


def _positive(name: str, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
        raise InvalidParameterError(f"{name} must be a number > 0, got {value!r}")


def generate_stream(
    problem: Problem,
    mtbf: float | None = None,
    mttr: float | None = None,
    *,
    horizon: int | None = None,
    seed: int = 0,
    arrival_gap: float | None = None,
    change_gap: float | None = None,
    change_factor: float = 1.5,
) -> list[Revealed]:
    """A seeded random stream over ``[0, horizon)`` (default: :data:`HORIZON_FACTOR` x the
    instance's lower bound): breakdowns when ``mtbf`` and ``mttr`` are given, arrivals with
    ``arrival_gap``, duration changes with ``change_gap`` (see the module doc)."""
    if not isinstance(problem, JobShop | FlexibleJobShop):
        raise InvalidParameterError(f"event streams are for jssp and fjsp problems, not {problem.kind}")
    if (mtbf is None) != (mttr is None):
        raise InvalidParameterError("breakdowns need both mtbf and mttr")
    _positive("mtbf", mtbf)
    _positive("mttr", mttr)
    _positive("arrival_gap", arrival_gap)
    _positive("change_gap", change_gap)
    if (
        isinstance(change_factor, bool)
        or not isinstance(change_factor, int | float)
        or not change_factor >= 1.0
    ):
        raise InvalidParameterError(f"change_factor must be a number >= 1, got {change_factor!r}")
    if horizon is None:
        horizon = HORIZON_FACTOR * max(1, int(problem.lower_bound()))
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise InvalidParameterError(f"horizon must be an integer >= 1, got {horizon!r}")
    horizon = int(horizon)
    out: list[Revealed] = []
    if mtbf is not None and mttr is not None:
        out += _breakdowns(problem.num_machines, mtbf, mttr, horizon, seed)
    if arrival_gap is not None:
        out += _arrivals(problem, arrival_gap, horizon, np.random.default_rng([seed, 1]))
    if change_gap is not None:
        out += _changes(problem, change_gap, change_factor, horizon, np.random.default_rng([seed, 2]))
    return sorted(out, key=lambda r: r.at)


def _breakdowns(machines: int, mtbf: float, mttr: float, horizon: int, seed: int) -> list[Revealed]:
    out = []
    for m in range(machines):
        rng = np.random.default_rng([seed, 0, m])  # one generator per machine
        t = 0
        while True:
            start = t + int(round(rng.exponential(mtbf)))
            if start >= horizon:
                break
            end = start + max(1, int(round(rng.exponential(mttr))))
            out.append(Revealed(start, Breakdown(m, start, end)))
            t = end
    return out


def _poisson_times(gap: float, horizon: int, rng: np.random.Generator) -> Iterator[int]:
    """Event times with exponential gaps; lazy, so that what the caller draws for each event
    comes between the gaps (a longer horizon then only adds events at the end)."""
    t = 0.0
    while True:
        t += rng.exponential(gap)
        if int(round(t)) >= horizon:
            return
        yield int(round(t))


def _arrivals(problem: Problem, gap: float, horizon: int, rng: np.random.Generator) -> list[Revealed]:
    out = []
    for t in _poisson_times(gap, horizon, rng):
        if isinstance(problem, FlexibleJobShop):
            jobs = problem.jobs()
            n_ops = len(jobs[int(rng.integers(len(jobs)))])
            pool = [op for job in jobs for op in job]
            job: tuple[Any, ...] = tuple(tuple(pool[int(rng.integers(len(pool)))]) for _ in range(n_ops))
        else:
            assert isinstance(problem, JobShop)
            order = rng.permutation(problem.num_machines)
            durations = rng.choice(problem.duration, size=len(order))
            job = tuple((int(m), int(d)) for m, d in zip(order, durations, strict=True))
        out.append(Revealed(t, Arrival(job, t)))
    return out


def _changes(problem: Problem, gap: float, factor: float, horizon: int, rng: Rng) -> list[Revealed]:
    out = []
    jobs = problem.jobs()
    for t in _poisson_times(gap, horizon, rng):
        o = int(rng.integers(problem.num_operations))
        j, k = int(problem.job_of[o]), int(problem.rank[o])
        f = float(rng.uniform(1.0, factor))
        if isinstance(problem, FlexibleJobShop):
            for m, d in jobs[j][k]:
                out.append(Revealed(t, DurationChange(j, k, max(1, int(round(d * f))), int(m))))
        else:
            d = int(jobs[j][k][1])
            out.append(Revealed(t, DurationChange(j, k, max(1, int(round(d * f))))))
    return out
