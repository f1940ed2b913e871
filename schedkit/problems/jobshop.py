"""Job-shop scheduling (JSSP): jobs are chains of operations, each on one given machine.

Operations are stored flat: operation ``o`` of the problem belongs to job ``job_of[o]``,
is the ``rank[o]``-th of its job, runs on ``machine[o]`` for ``duration[o]``. The
operations of job ``j`` are ``job_start[j] .. job_start[j+1]-1`` in technological order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError
from schedkit.problems import validation as valid
from schedkit.problems.base import GanttBar, Problem, Solution
from schedkit.problems.operations import ScheduledOperations, machine_bars, records_from_dict, report
from schedkit.problems.shop_extras import ExtrasMixin, ShopExtras


@dataclass(eq=False)
class JobShopSolution(ScheduledOperations):
    """Scheduled operations (see :class:`ScheduledOperations`); solvers build it with
    :meth:`from_starts`."""

    @classmethod
    def from_starts(cls, problem: JobShop, start: Sequence[int] | np.ndarray) -> JobShopSolution:
        """Solution from one start time per operation (flat operation order)."""
        s = np.asarray(start, dtype=np.int64)
        return cls(problem.job_of, problem.rank, problem.machine, s, s + problem.duration)


@dataclass(eq=False)
class JobShop(ExtrasMixin, Problem):
    """A job-shop instance; minimise the makespan by default.

    ``extras`` (optional, see :mod:`schedkit.problems.shop_extras`) adds release dates, due
    dates, weights and sequence-dependent setups; a job may visit a machine several times.
    """

    kind: ClassVar[str] = "jssp"
    title: ClassVar[str] = "job-shop"
    objective_name: ClassVar[str] = "makespan"
    solution_type: ClassVar[type[Solution]] = JobShopSolution

    machine: np.ndarray
    duration: np.ndarray
    job_start: np.ndarray
    num_machines: int
    name: str = "jssp"
    extras: ShopExtras | None = None
    job_of: np.ndarray = field(init=False, repr=False)
    rank: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.machine = valid.int_array("machine", self.machine)
        self.duration = valid.int_array("duration", self.duration)
        self.job_start = valid.int_array("job_start", self.job_start)
        n_ops = len(self.machine)
        valid.same_length("durations", self.duration, n_ops, "machines")
        valid.segments("job_start", self.job_start, n_ops, item="job", empty="no operations")
        self.num_machines = valid.count("number of machines", self.num_machines, 1)
        self.job_of, self.rank = valid.segment_index(self.job_start)
        valid.in_range(self.machine, 0, self.num_machines - 1, "machine", self._where)
        valid.nonnegative(self.duration, "duration", self._where)
        valid.freeze(self.machine, self.duration, self.job_start, self.job_of, self.rank)
        if self.extras is not None:
            self.extras = self.extras.validated(self.num_jobs, self.num_machines)
            if self.extras.is_empty():
                self.extras = None

    # construction helpers -------------------------------------------------------------
    @classmethod
    def from_jobs(
        cls,
        jobs: Sequence[Sequence[tuple[int, int]]],
        num_machines: int | None = None,
        name: str = "jssp",
        extras: ShopExtras | None = None,
    ) -> JobShop:
        """Build from one list of ``(machine, duration)`` pairs per job, in technological order
        (a job may visit a machine more than once).

        Machines are numbered from 0; ``num_machines`` defaults to the largest one plus 1;
        ``extras``: release and due dates, weights, setups.
        Raises InvalidProblemError naming the job and operation of a bad entry.
        """
        machine: list[int] = []
        duration: list[int] = []
        lengths = []
        for j, job in enumerate(valid.entries("jobs", jobs, "job")):
            ops = valid.entries(f"job {j}", job, "(machine, duration) operation")
            lengths.append(len(ops))
            for k, op in enumerate(ops):
                m, d = valid.record(f"job {j}, operation {k}", op, ("machine", "duration"), minimum=0)
                machine.append(m)
                duration.append(d)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        if num_machines is None:
            num_machines = max(machine) + 1
        return cls(np.array(machine), np.array(duration), starts, num_machines, name, extras)

    @classmethod
    def from_matrices(cls, machines: np.ndarray, durations: np.ndarray, name: str = "jssp") -> JobShop:
        """Build from ``n x k`` matrices of machines and durations (k operations per job)."""
        machines = np.asarray(machines)
        durations = np.asarray(durations)
        if machines.shape != durations.shape or machines.ndim != 2:
            raise InvalidProblemError("machine and duration matrices must have the same 2-D shape")
        n, k = machines.shape
        m = int(machines.max()) + 1 if machines.size else 1
        return cls(machines.ravel(), durations.ravel(), np.arange(n + 1) * k, m, name)

    # sizes ---------------------------------------------------------------------------
    @property
    def num_jobs(self) -> int:
        return len(self.job_start) - 1

    @property
    def num_operations(self) -> int:
        return len(self.machine)

    def operations(self, job: int) -> range:
        """Flat indices of job ``job``'s operations in order."""
        return range(int(self.job_start[job]), int(self.job_start[job + 1]))

    def jobs(self) -> list[list[tuple[int, int]]]:
        """One list of ``(machine, duration)`` per job."""
        return [
            [(int(self.machine[o]), int(self.duration[o])) for o in self.operations(j)]
            for j in range(self.num_jobs)
        ]

    def is_rectangular(self) -> bool:
        """Every job visits every machine exactly once (the classic benchmark shape)."""
        n, m = self.num_jobs, self.num_machines
        if self.num_operations != n * m:
            return False
        grid = self.machine.reshape(n, m)
        return bool((np.sort(grid, axis=1) == np.arange(m)).all())

    def __eq__(self, other: object) -> bool:
        """Same data (the name is not compared)."""
        if not isinstance(other, JobShop):
            return NotImplemented
        return (
            self.num_machines == other.num_machines
            and np.array_equal(self.job_start, other.job_start)
            and np.array_equal(self.machine, other.machine)
            and np.array_equal(self.duration, other.duration)
            and (self.extras or ShopExtras()).same_as(other.extras or ShopExtras())
        )

    __hash__ = None  # type: ignore[assignment]

    # Problem contract ------------------------------------------------------------------
    def machine_loads(self) -> np.ndarray:
        return np.bincount(self.machine, weights=self.duration, minlength=self.num_machines).astype(np.int64)

    def job_lengths(self) -> np.ndarray:
        return np.add.reduceat(self.duration, self.job_start[:-1]).astype(np.int64)

    def lower_bound(self) -> int:
        """max(longest job, most loaded machine), releases counted."""
        return int(max((self.release + self.job_lengths()).max(), self.machine_loads().max()))

    def summary(self) -> dict[str, Any]:
        return {
            "problem": "job-shop (JSSP), minimise makespan",
            "jobs": self.num_jobs,
            "machines": self.num_machines,
            "operations": self.num_operations,
            "total work": int(self.duration.sum()),
            "longest job": int(self.job_lengths().max()),
            "max machine load": int(self.machine_loads().max()),
            "trivial lower bound": self.lower_bound(),
            **self.extras_summary(),
        }

    def objective(self, solution: JobShopSolution) -> int:
        return int(solution.end.max()) if len(solution.end) else 0

    def violations(self, solution: JobShopSolution) -> list[str]:
        """Unknown, missing or repeated operations, wrong machine or duration, precedence and
        machine overlaps: every one listed (after 50 of a kind, a count)."""
        out: list[str] = []
        s = solution
        job, op = np.asarray(s.job, dtype=np.int64), np.asarray(s.op, dtype=np.int64)
        start, end = np.asarray(s.start, dtype=np.int64), np.asarray(s.end, dtype=np.int64)
        mach = np.asarray(s.machine, dtype=np.int64)
        if not (len(job) == len(op) == len(start) == len(end) == len(mach)):
            return ["solution arrays differ in length"]
        n_ops_of = np.diff(self.job_start)
        known = (job >= 0) & (job < self.num_jobs)
        known[known] &= (op[known] >= 0) & (op[known] < n_ops_of[job[known]])
        report(out, np.flatnonzero(~known), lambda i: f"unknown operation (job {job[i]}, op {op[i]})")
        flat = np.full(len(job), -1, dtype=np.int64)
        flat[known] = self.job_start[job[known]] + op[known]
        counts = np.bincount(flat[known], minlength=self.num_operations)
        report(
            out,
            np.flatnonzero(counts > 1),
            lambda o: f"operation {self._name(o)} scheduled {counts[o]} times",
        )
        report(out, np.flatnonzero(counts == 0), lambda o: f"operation {self._name(o)} missing")
        idx = np.flatnonzero(known)
        fo = flat[idx]
        report(
            out,
            idx[mach[idx] != self.machine[fo]],
            lambda i: (
                f"operation {self._name(flat[i])} on machine {mach[i]}, must be on {self.machine[flat[i]]}"
            ),
        )
        report(
            out,
            idx[end[idx] - start[idx] != self.duration[fo]],
            lambda i: (
                f"operation {self._name(flat[i])} lasts {end[i] - start[i]}, "
                f"duration is {self.duration[flat[i]]}"
            ),
        )
        report(
            out,
            np.flatnonzero(start < 0),
            lambda i: f"operation (job {job[i]}, op {op[i]}) starts at {start[i]} < 0",
        )
        # precedence: only where both operations are present exactly once
        if (counts == 1).all() and known.all():
            st = np.empty(self.num_operations, dtype=np.int64)
            en = np.empty(self.num_operations, dtype=np.int64)
            st[flat] = start
            en[flat] = end
            nxt = np.flatnonzero(self.rank[1:] > 0) + 1  # operations with a predecessor
            bad = nxt[st[nxt] < en[nxt - 1]]
            report(
                out,
                bad,
                lambda o: (
                    f"precedence: {self._name(o)} starts at {st[o]} before "
                    f"{self._name(o - 1)} ends at {en[o - 1]}"
                ),
            )
        # machine overlap on the entries as given
        order = np.lexsort((start, mach))
        m_s, s_s, e_s = mach[order], start[order], end[order]
        same = m_s[1:] == m_s[:-1]
        clash = np.flatnonzero(same & (s_s[1:] < e_s[:-1]) & (e_s[:-1] > s_s[:-1]) & (e_s[1:] > s_s[1:]))
        report(
            out,
            clash,
            lambda i: (
                f"machine {m_s[i]}: (job {job[order[i]]}, op {op[order[i]]}) "
                f"[{s_s[i]}, {e_s[i]}) overlaps (job {job[order[i + 1]]}, op {op[order[i + 1]]}) "
                f"[{s_s[i + 1]}, {e_s[i + 1]})"
            ),
        )
        self.extras_violations(out, (job, op, mach, start, end), bool(clash.size))
        return out

    def _name(self, o: int) -> str:
        return f"(job {self.job_of[o]}, op {self.rank[o]})"

    def _where(self, o: int) -> str:
        return f"job {self.job_of[o]}, operation {self.rank[o]}"

    def solution_from_dict(self, data: dict[str, Any]) -> JobShopSolution:
        return JobShopSolution(*records_from_dict(data, machine_required=False))

    def gantt(self, solution: JobShopSolution) -> list[GanttBar]:
        return machine_bars(solution.job, solution.machine, solution.start, solution.end)
