"""Shared by the shop problems (JSSP, FJSP): the JSON form of scheduled operations and their
Gantt bars; shared by every class's checker: capped violation lists (:func:`report`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from schedkit.errors import SolutionFormatError
from schedkit.problems.base import GanttBar, Solution


class ShopLike(Protocol):
    job_start: np.ndarray

    @property
    def num_jobs(self) -> int: ...

    @property
    def num_operations(self) -> int: ...


@dataclass(eq=False)
class ScheduledOperations(Solution):
    """Scheduled operations as parallel arrays, one entry per scheduled operation
    (job, rank in the job, machine, start, end). A solution read from a file may hold
    missing, unknown or repeated operations: the problem's checker reports them."""

    job: np.ndarray
    op: np.ndarray
    machine: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def per_operation(self, problem: ShopLike, values: np.ndarray) -> np.ndarray:
        """``values`` rearranged per flat operation of ``problem`` (-1 where missing;
        unknown operations are ignored)."""
        out = np.full(problem.num_operations, -1, dtype=np.int64)
        job, op = np.asarray(self.job, dtype=np.int64), np.asarray(self.op, dtype=np.int64)
        ok = (job >= 0) & (job < problem.num_jobs)
        ok[ok] &= (op[ok] >= 0) & (op[ok] < np.diff(problem.job_start)[job[ok]])
        out[problem.job_start[job[ok]] + op[ok]] = np.asarray(values, dtype=np.int64)[ok]
        return out

    def starts(self, problem: ShopLike) -> np.ndarray:
        """Start time per flat operation of ``problem`` (-1 where missing)."""
        return self.per_operation(problem, self.start)

    def machines(self, problem: ShopLike) -> np.ndarray:
        """Machine per flat operation of ``problem`` (-1 where missing)."""
        return self.per_operation(problem, self.machine)

    def to_dict(self) -> dict[str, Any]:
        return records_to_dict(self.job, self.op, self.machine, self.start, self.end)


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
