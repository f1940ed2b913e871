"""The events an RCPSP reschedule reacts to, and their JSON form.

An RCPSP events file is a JSON list of records (or ``{"events": [...]}``), each with a
``"type"``; every number is an integer. Activities and resources are numbered from 1, as in
PSPLIB files and the RCPSP checker's messages (activity 1 is PSPLIB job 1, resource 1 is R1):

``{"type": "breakdown", "resource": R, "start": S, "end": E, "amount": A}``
    ``A`` units of resource ``R`` are unavailable during ``[S, E)`` (``amount`` optional:
    the whole capacity). Only the part from the reschedule time on counts; a breakdown that
    ended by then is history and ignored. Breakdowns of one resource must together leave a
    capacity >= 0.
``{"type": "duration_change", "activity": J, "new_duration": D}``
    activity ``J`` now takes ``D >= 0``. One that started before the reschedule time must
    still be running then, and ``D`` must keep it running past that time.
``{"type": "cancel", "activity": J}``
    activity ``J``, not started before the reschedule time, is dropped: it keeps its place
    in the numbering with duration 0 and no demand, so its predecessors still precede its
    successors.

Job-shop events (``arrival``, ``rush``, a breakdown of a ``machine``) have no RCPSP meaning
here and are refused with a one-line error, as is any other type or field.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from typing import Any, Union

from schedkit.errors import ParseError
from schedkit.rescheduling.events import read_json


@dataclass(frozen=True)
class ResourceBreakdown:
    """``amount`` units (``None``: all) of resource ``resource`` (0-based) are unavailable
    during ``[start, end)``."""

    resource: int
    start: int
    end: int
    amount: int | None = None


@dataclass(frozen=True)
class ActivityDurationChange:
    """Activity ``activity`` (0-based) now lasts ``new_duration``."""

    activity: int
    new_duration: int


@dataclass(frozen=True)
class ActivityCancel:
    """Activity ``activity`` (0-based) is dropped (duration 0, no demand)."""

    activity: int


RcpspEvent = Union[ResourceBreakdown, ActivityDurationChange, ActivityCancel]  # noqa: UP007

#: JSON type name -> (class, required fields, optional fields)
TYPES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "breakdown": (ResourceBreakdown, ("resource", "start", "end"), ("amount",)),
    "duration_change": (ActivityDurationChange, ("activity", "new_duration"), ()),
    "cancel": (ActivityCancel, ("activity",), ()),
}
_NAMES = {cls: name for name, (cls, _, _) in TYPES.items()}
_REFUSED = ("arrival", "rush")


def type_name(event: RcpspEvent) -> str:
    """The JSON ``"type"`` of ``event``."""
    return _NAMES[type(event)]


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_record(data: Any, index: int, source: str = "<events>") -> RcpspEvent:
    """One RCPSP event from its JSON record; ParseError naming ``source`` and ``index``."""
    where = f"event {index}"

    def fail(message: str) -> None:
        raise ParseError(f"{where}: {message}", source)

    if not isinstance(data, dict):
        fail(f"expected an object with a 'type', got {_short(data)}")
    kind = data.get("type")
    if kind in _REFUSED:
        fail(f"{kind} is not supported for RCPSP (types: {', '.join(TYPES)})")
    if kind not in TYPES:
        fail(f"unknown type {_short(kind)} (RCPSP types: {', '.join(TYPES)})")
    where = f"event {index} ({kind})"
    _, required, optional = TYPES[kind]
    for key in data:
        if key != "type" and key not in required + optional:
            fail(f"unknown field {key!r} (RCPSP fields: {', '.join(required + optional)})")
    for key in required:
        if key not in data:
            fail(f"missing field {key!r}")

    def integer(key: str, minimum: int) -> Any:
        value = data.get(key)
        if value is None and key in optional:
            return None
        if not _is_int(value):
            fail(f"{key} must be an integer, got {_short(value)}")
        if value < minimum:
            fail(f"{key} must be >= {minimum}, got {value}")
        return int(value)

    if kind == "breakdown":
        r, s, e, a = integer("resource", 1), integer("start", 0), integer("end", 0), integer("amount", 1)
        if e <= s:
            fail(f"end {e} must be > start {s}")
        return ResourceBreakdown(r - 1, s, e, a)
    if kind == "duration_change":
        return ActivityDurationChange(integer("activity", 1) - 1, integer("new_duration", 0))
    return ActivityCancel(integer("activity", 1) - 1)


def parse_events(data: Any, source: str = "<events>") -> list[RcpspEvent]:
    """RCPSP events from JSON data: a list of records or ``{"events": [...]}``."""
    if isinstance(data, dict) and set(data) == {"events"}:
        data = data["events"]
    if not isinstance(data, list):
        raise ParseError(f'expected a list of events or {{"events": [...]}}, got {_short(data)}', source)
    return [parse_record(rec, i, source) for i, rec in enumerate(data)]


def read_events(path: str | os.PathLike[str]) -> list[RcpspEvent]:
    """RCPSP events from a JSON file; ParseError naming the file on any problem."""
    return parse_events(read_json(path, "an events file"), os.fspath(path))


def as_events(events: Any, source: str = "<events>") -> list[RcpspEvent]:
    """``events`` given as event objects and/or JSON records, checked as :func:`parse_events` does."""
    if isinstance(events, str | bytes | dict) or not isinstance(events, list | tuple):
        return parse_events(events, source)
    records = [event_to_json(e) if isinstance(e, tuple(_NAMES)) else e for e in events]
    return parse_events(records, source)


def event_to_json(event: RcpspEvent) -> dict[str, Any]:
    """The JSON record of ``event`` (numbered from 1; an unset amount left out)."""
    out: dict[str, Any] = {"type": type_name(event)}
    if isinstance(event, ResourceBreakdown):
        out.update(resource=event.resource + 1, start=event.start, end=event.end)
        if event.amount is not None:
            out["amount"] = event.amount
    elif isinstance(event, ActivityDurationChange):
        out.update(activity=event.activity + 1, new_duration=event.new_duration)
    else:
        out["activity"] = event.activity + 1
    return out
