"""Single-machine total (weighted) tardiness: 1||ΣT_j and 1||Σw_jT_j.

``n`` jobs, all available at time 0, are processed one at a time on one machine without
preemption and without idle time; job ``j`` takes ``p[j]`` time units, is due at ``d[j]`` and
has weight ``w[j]`` (1 for the unweighted problem). A solution is a sequence (a permutation
of the jobs); job ``j`` completes at ``C_j``, the sum of the processing times up to and
including it. The objective is ``Σ w_j max(0, C_j - d_j)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError, SolutionFormatError
from schedkit.problems.base import GanttBar, Problem, Solution
from schedkit.problems.operations import report
from schedkit.problems.validation import freeze, int_array, nonnegative, same_length


@dataclass(eq=False)
class TardinessSolution(Solution):
    """A job sequence: ``sequence[k]`` is the job processed k-th (jobs numbered from 0)."""

    sequence: np.ndarray

    def __post_init__(self) -> None:
        self.sequence = np.asarray(self.sequence, dtype=np.int64).ravel()

    def to_dict(self) -> dict[str, Any]:
        return {"sequence": [int(j) for j in self.sequence]}


@dataclass(eq=False)
class Tardiness(Problem):
    """A single-machine tardiness instance; minimise the total (weighted) tardiness.

    Parameters
    ----------
    p, d
        Processing times (>= 0) and due dates (>= 0), one per job.
    w
        Weights (>= 0); ``None`` for the unweighted problem (all weights 1).
    name
        Instance name.
    """

    kind: ClassVar[str] = "smtt"
    title: ClassVar[str] = "single-machine total tardiness"
    solution_type: ClassVar[type[Solution]] = TardinessSolution

    p: np.ndarray
    d: np.ndarray
    w: np.ndarray | None = None
    name: str = "smtt"
    weighted: bool = field(init=False)

    def __post_init__(self) -> None:
        self.p = int_array("p", self.p, ndim=None)
        self.d = int_array("d", self.d, ndim=None)
        n = len(self.p)
        if n < 1:
            raise InvalidProblemError("p: expected at least one job (processing time), got []")
        same_length("due dates", self.d, n, "processing times")
        self.weighted = self.w is not None
        self.w = np.ones(n, dtype=np.int64) if self.w is None else int_array("w", self.w, ndim=None)
        same_length("weights", self.w, n, "processing times")
        for label, arr in (("processing time", self.p), ("due date", self.d), ("weight", self.w)):
            nonnegative(arr, label, _job)
        freeze(self.p, self.d, self.w)

    # sizes -------------------------------------------------------------------------------
    @property
    def num_jobs(self) -> int:
        return len(self.p)

    @property
    def unit_weights(self) -> bool:
        """True when every weight is 1 (the unweighted problem 1||ΣT)."""
        return bool((self.w == 1).all())

    @property
    def objective_name(self) -> str:  # type: ignore[override]
        """The objective's name: total tardiness for unit weights, total weighted tardiness otherwise."""
        return "total tardiness" if self.unit_weights else "total weighted tardiness"

    def __eq__(self, other: object) -> bool:
        """Same data (the name is not compared)."""
        if not isinstance(other, Tardiness):
            return NotImplemented
        return (
            np.array_equal(self.p, other.p)
            and np.array_equal(self.d, other.d)
            and np.array_equal(self.w, other.w)
        )

    __hash__ = None  # type: ignore[assignment]

    # evaluation ----------------------------------------------------------------------------
    def completion_times(self, sequence: Sequence[int] | np.ndarray) -> np.ndarray:
        """Completion time per position of a valid sequence."""
        return np.cumsum(self.p[np.asarray(sequence, dtype=np.int64)])

    def tardiness_of(self, sequence: Sequence[int] | np.ndarray) -> int:
        """Objective of a valid sequence (no checking)."""
        seq = np.asarray(sequence, dtype=np.int64)
        c = np.cumsum(self.p[seq])
        return int((self.w[seq] * np.maximum(0, c - self.d[seq])).sum())

    def objective(self, solution: TardinessSolution) -> int:
        return self.tardiness_of(solution.sequence)

    def violations(self, solution: TardinessSolution) -> list[str]:
        """Unknown, repeated and missing jobs in the sequence; [] for a permutation."""
        if not isinstance(solution, TardinessSolution):
            return [f"expected a TardinessSolution, got {type(solution).__name__}"]
        seq = np.asarray(solution.sequence)
        if seq.ndim != 1:
            return ["the sequence must be one-dimensional"]
        if seq.dtype.kind not in "iu":
            return [f"the sequence must hold integer job numbers, got dtype {seq.dtype}"]
        seq = seq.astype(np.int64)
        n = self.num_jobs
        out: list[str] = []
        unknown = np.flatnonzero((seq < 0) | (seq >= n))
        report(out, unknown, lambda k: f"position {k}: unknown job {seq[k]} (jobs are 0..{n - 1})")
        known = seq[(seq >= 0) & (seq < n)]
        counts = np.bincount(known, minlength=n)
        report(out, np.flatnonzero(counts > 1), lambda j: f"job {j} sequenced {counts[j]} times")
        report(out, np.flatnonzero(counts == 0), lambda j: f"job {j} missing from the sequence")
        return out

    def lower_bound(self) -> int:
        """Σ max(0, C_k - d_(k)) with SPT completion times and due dates both sorted, times min w.

        Valid because in any sequence the k-th completion time is at least the k-th SPT
        completion time, and pairing sorted values minimises a sum of convex terms.
        """
        c = np.cumsum(np.sort(self.p))
        return int(self.w.min()) * int(np.maximum(0, c - np.sort(self.d)).sum())

    def summary(self) -> dict[str, Any]:
        total = int(self.p.sum())
        return {
            "problem": (
                "single-machine total weighted tardiness (1||ΣwT)"
                if self.weighted
                else "single-machine total tardiness (1||ΣT)"
            ),
            "jobs": self.num_jobs,
            "total processing time": total,
            **(
                {"min weight": int(self.w.min()), "max weight": int(self.w.max())}
                if self.weighted
                else {"weights": "unit"}
            ),
            "min due date": int(self.d.min()),
            "max due date": int(self.d.max()),
            "jobs due before their own length": int((self.d < self.p).sum()),
            "trivial lower bound": self.lower_bound(),
        }

    def solution_from_dict(self, data: dict[str, Any]) -> TardinessSolution:
        seq = data.get("sequence") if isinstance(data, dict) else None
        if not isinstance(seq, list):
            raise SolutionFormatError("solution needs a 'sequence' list of job numbers")
        for k, v in enumerate(seq):
            if isinstance(v, bool) or not isinstance(v, int):
                raise SolutionFormatError(f"sequence entry {k} must be an integer job number, got {v!r}")
        return TardinessSolution(np.array(seq, dtype=np.int64))

    def gantt(self, solution: TardinessSolution) -> list[GanttBar]:
        seq = np.asarray(solution.sequence, dtype=np.int64)
        end = np.cumsum(self.p[seq])
        bars = []
        for j, e in zip(seq, end, strict=True):
            late = "late" if e > self.d[j] else "on time"
            bars.append(GanttBar("machine", int(e - self.p[j]), int(e), int(j), f"{j} ({late})"))
        return bars


def _job(j: int) -> str:
    return f"job {j}"
