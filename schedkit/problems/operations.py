"""Shared by the shop problems (JSSP, FJSP): the JSON form of scheduled operations, their
Gantt bars, and capped violation lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from schedkit.errors import SolutionFormatError
from schedkit.problems.base import GanttBar

MAX_REPORTED = 50  # violations listed per kind before summarising
_FIELDS = ("job", "op", "machine", "start", "end")


def report(out: list[str], items: np.ndarray, message: Callable[[int], str]) -> None:
    """Append ``message(i)`` for the first MAX_REPORTED items, then a count of the rest."""
    for i in items[:MAX_REPORTED]:
        out.append(message(int(i)))
    if len(items) > MAX_REPORTED:
        out.append(f"... and {len(items) - MAX_REPORTED} more of the same kind")


def records_to_dict(
    job: np.ndarray, op: np.ndarray, machine: np.ndarray, start: np.ndarray, end: np.ndarray
) -> dict[str, Any]:
    """``{"operations": [{"job", "op", "machine", "start", "end"}, ...]}``."""
    return {
        "operations": [
            {"job": int(j), "op": int(k), "machine": int(m), "start": int(s), "end": int(e)}
            for j, k, m, s, e in zip(job, op, machine, start, end, strict=True)
        ]
    }


def records_from_dict(data: Any, machine_required: bool = True) -> tuple[np.ndarray, ...]:
    """The five int64 arrays (job, op, machine, start, end) of a solution's JSON form;
    a missing machine becomes -1 unless required. SolutionFormatError on malformed data."""
    ops = data.get("operations") if isinstance(data, dict) else None
    if not isinstance(ops, list):
        raise SolutionFormatError("solution needs an 'operations' list")
    cols: dict[str, list[int]] = {k: [] for k in _FIELDS}
    for i, rec in enumerate(ops):
        if not isinstance(rec, dict):
            raise SolutionFormatError(f"operation entry {i} is not an object")
        for k in _FIELDS:
            v = rec.get(k)
            if k == "machine" and v is None and not machine_required:
                v = -1
            if isinstance(v, bool) or not isinstance(v, int):
                raise SolutionFormatError(f"operation entry {i}: {k!r} must be an integer, got {v!r}")
            cols[k].append(v)
    return tuple(np.array(cols[k], dtype=np.int64) for k in _FIELDS)


def machine_bars(job: np.ndarray, machine: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[GanttBar]:
    """One bar per operation on its machine's row, coloured by job."""
    return [
        GanttBar(f"M{m}", int(s), int(e), int(j), f"{j}")
        for j, m, s, e in zip(job, machine, start, end, strict=True)
    ]
