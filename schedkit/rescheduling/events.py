"""Disruptions as data: the events a reschedule reacts to, and their JSON form.

An events file is a JSON list of records (or an object ``{"events": [...]}``), each with a
``"type"`` and the fields of that type; every number is an integer, times and durations in
the instance's time unit, machines, jobs and operations numbered from 0:

``{"type": "breakdown", "machine": M, "start": S, "end": E}``
    machine ``M`` is down during ``[S, E)`` (``0 <= S < E``). A breakdown that ended at or
    before the reschedule time is history and ignored.
``{"type": "arrival", "time": T, "job": [...]}``
    a new job released at ``T`` (its operations start at ``max(T, at)`` or later), in the
    problem's own operation form: job-shop ``[[machine, duration], ...]``, flexible job-shop
    one list of ``[machine, duration]`` alternatives per operation (``[m, d]`` pairs are
    accepted there too: one eligible machine). Arrivals are numbered as jobs after the
    problem's own, in the order they appear in the list: the first is job ``num_jobs``.
``{"type": "duration_change", "job": J, "op": K, "new_duration": D}``
    operation ``K`` (rank in its job) of job ``J`` now takes ``D >= 1``; an optional
    ``"machine"`` limits the change to that alternative (flexible job-shop). An operation that
    started before the reschedule time must still be running then (it "runs long" or short).
``{"type": "cancel", "job": J}``
    job ``J``'s operations that did not start before the reschedule time are dropped.
``{"type": "rush", "job": J, "due_date": D, "weight": W}``
    job ``J`` gets a due date and/or a weight (integer >= 1, default 1); with a weight only it
    is due at the reschedule time. The objective then adds its weighted tardiness.

Example::

    [{"type": "breakdown", "machine": 0, "start": 230, "end": 380},
     {"type": "arrival", "time": 240, "job": [[1, 20], [0, 35], [2, 10]]},
     {"type": "rush", "job": 3, "due_date": 600, "weight": 5}]

:func:`parse_events` and :func:`read_events` check the records on their own (types, fields,
signs, ``start < end``); checks that need the instance (machine and job numbers, whether an
operation already ran) are made when a :class:`~schedkit.rescheduling.situation.Situation` is
built. Every error is a :class:`~schedkit.errors.ParseError` naming the file, the event index
and the bad field.
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from schedkit.errors import ParseError


@dataclass(frozen=True)
class Breakdown:
    """Machine ``machine`` is unavailable during ``[start, end)``."""

    machine: int
    start: int
    end: int


@dataclass(frozen=True)
class Arrival:
    """A new job released at ``time``; ``job`` holds its operations, each a ``(machine,
    duration)`` pair (job-shop) or a tuple of such alternatives (flexible job-shop)."""

    job: tuple[Any, ...]
    time: int


@dataclass(frozen=True)
class DurationChange:
    """Operation ``op`` of job ``job`` now lasts ``new_duration`` (on ``machine`` only, if given)."""

    job: int
    op: int
    new_duration: int
    machine: int | None = None


@dataclass(frozen=True)
class Cancel:
    """Job ``job``'s operations that have not started are dropped."""

    job: int


@dataclass(frozen=True)
class Rush:
    """Job ``job`` gets a due date and/or a tardiness weight."""

    job: int
    due_date: int | None = None
    weight: int | None = None


Event = Union[Breakdown, Arrival, DurationChange, Cancel, Rush]  # noqa: UP007 (a runtime alias)

#: JSON type name -> (class, required fields, optional fields)
TYPES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "breakdown": (Breakdown, ("machine", "start", "end"), ()),
    "arrival": (Arrival, ("job", "time"), ()),
    "duration_change": (DurationChange, ("job", "op", "new_duration"), ("machine",)),
    "cancel": (Cancel, ("job",), ()),
    "rush": (Rush, ("job",), ("due_date", "weight")),
}
_NAMES = {cls: name for name, (cls, _, _) in TYPES.items()}


def type_name(event: Event) -> str:
    """The JSON ``"type"`` of ``event``."""
    return _NAMES[type(event)]


def alternatives(operation: Any) -> list[tuple[int, int]]:
    """An arrival's operation as its list of ``(machine, duration)`` alternatives."""
    if len(operation) and _is_int(operation[0]):
        return [(int(operation[0]), int(operation[1]))]
    return [(int(m), int(d)) for m, d in operation]


class _Record:
    """Reads the fields of event ``index`` and names it in every error."""

    def __init__(self, data: Any, index: int, source: str):
        self.source = source
        self.where = f"event {index}"
        if not isinstance(data, dict):
            self.fail(f"expected an object with a 'type', got {_short(data)}")
        kind = data.get("type")
        if kind not in TYPES:
            known = ", ".join(TYPES)
            self.fail(f"unknown type {_short(kind)} (types: {known})")
        self.where = f"event {index} ({kind})"
        self.data = data
        _, required, optional = TYPES[kind]
        for key in data:
            if key != "type" and key not in required + optional:
                self.fail(f"unknown field {key!r} (fields: {', '.join(required + optional)})")
        for key in required:
            if key not in data:
                self.fail(f"missing field {key!r}")

    def fail(self, message: str) -> None:
        raise ParseError(f"{self.where}: {message}", self.source)

    def integer(self, key: str, minimum: int = 0, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not _is_int(value):
            self.fail(f"{key} must be an integer, got {_short(value)}")
        if value < minimum:
            self.fail(f"{key} must be >= {minimum}, got {value}")
        return int(value)

    def job_operations(self) -> tuple[Any, ...]:
        ops = self.data["job"]
        if not isinstance(ops, list | tuple) or not ops:
            self.fail(f"job must be a non-empty list of operations, got {_short(ops)}")
        out: list[Any] = []
        for k, op in enumerate(ops):
            if _is_pair(op):
                out.append(self._pair(op, f"operation {k}"))
                continue
            if not isinstance(op, list | tuple) or not op or not all(_is_pair(a) for a in op):
                self.fail(
                    f"job operation {k} must be [machine, duration] or a non-empty list of them, "
                    f"got {_short(op)}"
                )
            alts = tuple(self._pair(a, f"operation {k}, alternative {i}") for i, a in enumerate(op))
            machines = [m for m, _ in alts]
            if len(set(machines)) < len(machines):
                self.fail(f"job operation {k} lists a machine twice: {_short(op)}")
            out.append(alts)
        return tuple(out)

    def _pair(self, pair: list[Any], where: str) -> tuple[int, int]:
        for label, v in zip(("machine", "duration"), pair, strict=True):
            if not _is_int(v) or v < 0:
                self.fail(f"job {where}: {label} must be an integer >= 0, got {_short(v)}")
        return int(pair[0]), int(pair[1])


def _is_pair(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == 2
        and not any(isinstance(v, list | tuple) for v in value)
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_record(data: Any, index: int, source: str = "<events>") -> Event:
    """One event from its JSON record; ParseError naming ``source`` and ``index`` if malformed."""
    rec = _Record(data, index, source)
    kind = data["type"]
    if kind == "breakdown":
        machine, start, end = rec.integer("machine"), rec.integer("start"), rec.integer("end")
        if end <= start:
            rec.fail(f"end {end} must be > start {start}")
        return Breakdown(machine, start, end)
    if kind == "arrival":
        return Arrival(rec.job_operations(), rec.integer("time"))
    if kind == "duration_change":
        return DurationChange(
            rec.integer("job"),
            rec.integer("op"),
            rec.integer("new_duration", minimum=1),
            rec.integer("machine", optional=True),
        )
    if kind == "cancel":
        return Cancel(rec.integer("job"))
    due, weight = rec.integer("due_date", optional=True), rec.integer("weight", minimum=1, optional=True)
    if due is None and weight is None:
        rec.fail("needs a due_date or a weight")
    return Rush(rec.integer("job"), due, weight)


def parse_events(data: Any, source: str = "<events>") -> list[Event]:
    """Events from JSON data: a list of records or ``{"events": [...]}`` (see the module doc)."""
    if isinstance(data, dict) and set(data) == {"events"}:
        data = data["events"]
    if not isinstance(data, list):
        raise ParseError(f'expected a list of events or {{"events": [...]}}, got {_short(data)}', source)
    return [parse_record(rec, i, source) for i, rec in enumerate(data)]


def read_events(path: str | os.PathLike[str]) -> list[Event]:
    """Events from a JSON file (see the module doc); ParseError naming the file on any problem."""
    return parse_events(read_json(path, "an events file"), os.fspath(path))


def read_json(path: str | os.PathLike[str], what: str = "an events file") -> Any:
    """The JSON data of the file ``path`` (``what`` it should be names it in errors); ParseError
    naming the file (and the line of a JSON error) on any problem."""
    spath = os.fspath(path)
    try:
        with open(spath, encoding="utf-8-sig") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise ParseError("no such file", spath) from None
    except IsADirectoryError:
        raise ParseError(f"is a directory, not {what}", spath) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot read ({getattr(exc, 'strerror', None) or exc})", spath) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg}", spath, exc.lineno) from None
    except RecursionError:
        raise ParseError(f"JSON nested too deeply for {what}", spath) from None
    return data


def as_events(events: Iterable[Any], source: str = "<events>") -> list[Event]:
    """``events`` given as Event objects and/or JSON records, checked as :func:`parse_events` does."""
    if isinstance(events, str | bytes | dict) or not isinstance(events, Iterable):
        return parse_events(events, source)
    records = [event_to_json(e) if isinstance(e, tuple(_NAMES)) else e for e in events]
    return parse_events(records, source)


def event_to_json(event: Event) -> dict[str, Any]:
    """The JSON record of ``event`` (optional fields left out when unset)."""
    out: dict[str, Any] = {"type": type_name(event)}
    if isinstance(event, Arrival):
        out["time"] = event.time
        out["job"] = [_listed(op) for op in event.job]
        return out
    for key, value in vars(event).items():
        if value is not None:
            out[key] = value
    return out


def events_to_json(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The JSON records of ``events`` (what :func:`parse_events` reads back)."""
    return [event_to_json(e) for e in events]


def _listed(op: Any) -> list[Any]:
    if len(op) and _is_int(op[0]):
        return [int(op[0]), int(op[1])]
    return [[int(m), int(d)] for m, d in op]
