"""Flexible job-shop scheduling (FJSP): each operation runs on one of several eligible machines.

Operations are stored flat as in :mod:`schedkit.problems.jobshop`: operation ``o`` belongs
to job ``job_of[o]`` and is the ``rank[o]``-th of its job; the operations of job ``j`` are
``job_start[j] .. job_start[j+1]-1`` in technological order. The alternatives (eligible
machines) of operation ``o`` are ``alt_start[o] .. alt_start[o+1]-1`` in the arrays
``alt_machine`` / ``alt_duration``. Machines are numbered from 0 inside schedkit (the
``.fjs`` files number them from 1).

``extras`` (optional, see :mod:`schedkit.problems.shop_extras`) adds release dates, due dates,
weights and sequence-dependent setups per machine, the same as for the job shop: a setup is
that of the machine the operation runs on; a job may visit a machine several times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError
from schedkit.problems import validation as valid
from schedkit.problems.base import GanttBar, Problem, Solution
from schedkit.problems.operations import ScheduledOperations, machine_bars, records_from_dict, report
from schedkit.problems.shop_extras import ExtrasMixin, ShopExtras

if TYPE_CHECKING:
    from schedkit.problems.jobshop import JobShop


@dataclass(eq=False)
class FlexibleSolution(ScheduledOperations):
    """Scheduled operations (see :class:`ScheduledOperations`); ``machine`` is the chosen
    machine. Solvers build it with :meth:`from_assignment`."""

    @classmethod
    def from_assignment(
        cls,
        problem: FlexibleJobShop,
        machine: Sequence[int] | np.ndarray,
        start: Sequence[int] | np.ndarray,
    ) -> FlexibleSolution:
        """Solution from one machine and one start per operation (flat operation order).

        The end is the start plus the operation's duration on that machine; a machine that
        is not eligible raises ``ValueError`` (a solver bug, never user input).
        """
        mach = np.asarray(machine, dtype=np.int64)
        s = np.asarray(start, dtype=np.int64)
        dur = problem.durations_of(mach)
        if (dur < 0).any():
            o = int(np.flatnonzero(dur < 0)[0])
            raise ValueError(f"operation {o}: machine {mach[o]} is not eligible")
        return cls(problem.job_of.copy(), problem.rank.copy(), mach, s, s + dur)


@dataclass(eq=False)
class FlexibleJobShop(ExtrasMixin, Problem):
    """A flexible job-shop instance; minimise the makespan by default (``extras``: release and
    due dates, weights, setups; the other objectives of :mod:`schedkit.problems.shop_extras`)."""

    kind: ClassVar[str] = "fjsp"
    title: ClassVar[str] = "flexible job-shop"
    objective_name: ClassVar[str] = "makespan"
    solution_type: ClassVar[type[Solution]] = FlexibleSolution

    job_start: np.ndarray
    alt_start: np.ndarray
    alt_machine: np.ndarray
    alt_duration: np.ndarray
    num_machines: int
    name: str = "fjsp"
    extras: ShopExtras | None = None
    job_of: np.ndarray = field(init=False, repr=False)
    rank: np.ndarray = field(init=False, repr=False)
    alt_op: np.ndarray = field(init=False, repr=False)
    min_duration: np.ndarray = field(init=False, repr=False)
    _keys: np.ndarray = field(init=False, repr=False)
    _key_duration: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.job_start = valid.int_array("job_start", self.job_start)
        self.alt_start = valid.int_array("alt_start", self.alt_start)
        self.alt_machine = valid.int_array("alt_machine", self.alt_machine)
        self.alt_duration = valid.int_array("alt_duration", self.alt_duration)
        n_alts = len(self.alt_machine)
        valid.same_length("alternative durations", self.alt_duration, n_alts, "alternative machines")
        valid.segments("alt_start", self.alt_start, n_alts, item="operation", empty="no eligible machine")
        n_ops = len(self.alt_start) - 1
        valid.segments("job_start", self.job_start, n_ops, item="job", empty="no operations")
        self.num_machines = m = valid.count("number of machines", self.num_machines, 1)
        self.job_of, self.rank = valid.segment_index(self.job_start)
        self.alt_op, _ = valid.segment_index(self.alt_start)
        where = self._where_alt
        valid.in_range(self.alt_machine, 0, m - 1, "machine", where)
        valid.nonnegative(self.alt_duration, "duration", where)
        keys = self.alt_op * m + self.alt_machine
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        dup = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
        if len(dup):
            k = int(sorted_keys[dup[0]])
            raise InvalidProblemError(f"{self._where(k // m)}: machine {k % m} listed twice")
        self._keys = sorted_keys
        self._key_duration = self.alt_duration[order]
        self.min_duration = np.minimum.reduceat(self.alt_duration, self.alt_start[:-1]).astype(np.int64)
        valid.freeze(
            self.job_start,
            self.alt_start,
            self.alt_machine,
            self.alt_duration,
            self.job_of,
            self.rank,
            self.alt_op,
            self.min_duration,
            self._keys,
            self._key_duration,
        )
        if self.extras is not None:
            self.extras = self.extras.validated(self.num_jobs, m)
            if self.extras.is_empty():
                self.extras = None

    # construction helpers -------------------------------------------------------------
    @classmethod
    def from_jobs(
        cls,
        jobs: Sequence[Sequence[Sequence[tuple[int, int]]]],
        num_machines: int | None = None,
        name: str = "fjsp",
        extras: ShopExtras | None = None,
    ) -> FlexibleJobShop:
        """Build from jobs given as lists of operations, each a list of ``(machine, duration)``
        alternatives (its eligible machines).

        Machines are numbered from 0; ``num_machines`` defaults to the largest one plus 1;
        ``extras``: release and due dates, weights, setups (a job may visit a machine again).
        Raises InvalidProblemError naming the job, operation and alternative of a bad entry.
        """
        machine: list[int] = []
        duration: list[int] = []
        job_lengths: list[int] = []
        alt_lengths: list[int] = []
        for j, job in enumerate(valid.entries("jobs", jobs, "job")):
            ops = valid.entries(f"job {j}", job, "operation")
            job_lengths.append(len(ops))
            for k, alts in enumerate(ops):
                where = f"job {j}, operation {k}"
                alts = valid.entries(where, alts, "(machine, duration) alternative")
                alt_lengths.append(len(alts))
                for i, alt in enumerate(alts):
                    fields = ("machine", "duration")
                    m, d = valid.record(f"{where}, alternative {i}", alt, fields, minimum=0)
                    machine.append(m)
                    duration.append(d)
        job_start = np.concatenate([[0], np.cumsum(job_lengths)])
        alt_start = np.concatenate([[0], np.cumsum(alt_lengths)])
        if num_machines is None:
            num_machines = max(machine) + 1
        return cls(job_start, alt_start, np.array(machine), np.array(duration), num_machines, name, extras)

    @classmethod
    def from_jobshop(cls, problem: JobShop) -> FlexibleJobShop:
        """The job-shop ``problem`` as an FJSP with one eligible machine per operation, its
        extras (release and due dates, weights, setups) kept."""
        n_ops = problem.num_operations
        return cls(
            problem.job_start.copy(),
            np.arange(n_ops + 1),
            problem.machine.copy(),
            problem.duration.copy(),
            problem.num_machines,
            problem.name,
            problem.extras,
        )

    # sizes and lookups ---------------------------------------------------------------
    @property
    def num_jobs(self) -> int:
        return len(self.job_start) - 1

    @property
    def num_operations(self) -> int:
        return len(self.alt_start) - 1

    @property
    def num_alternatives(self) -> int:
        return len(self.alt_machine)

    def operations(self, job: int) -> range:
        """Flat indices of job ``job``'s operations in order."""
        return range(int(self.job_start[job]), int(self.job_start[job + 1]))

    def alternatives(self, op: int) -> range:
        """Indices into ``alt_machine``/``alt_duration`` of operation ``op``'s alternatives."""
        return range(int(self.alt_start[op]), int(self.alt_start[op + 1]))

    def jobs(self) -> list[list[list[tuple[int, int]]]]:
        """Per job, per operation, the ``(machine, duration)`` alternatives."""
        return [
            [
                [(int(self.alt_machine[a]), int(self.alt_duration[a])) for a in self.alternatives(o)]
                for o in self.operations(j)
            ]
            for j in range(self.num_jobs)
        ]

    def durations_of(self, machine: np.ndarray, ops: np.ndarray | None = None) -> np.ndarray:
        """Duration of each operation in ``ops`` (default: all, in order) on ``machine``;
        -1 where the machine is not eligible (or out of range)."""
        mach = np.asarray(machine, dtype=np.int64)
        o = np.arange(self.num_operations) if ops is None else np.asarray(ops, dtype=np.int64)
        m = self.num_machines
        valid = (mach >= 0) & (mach < m) & (o >= 0) & (o < self.num_operations)
        keys = np.where(valid, o * m + mach, -1)
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        found = valid & (self._keys[pos] == keys)
        return np.where(found, self._key_duration[pos], -1)

    def flexibility(self) -> float:
        """Average number of eligible machines per operation."""
        return self.num_alternatives / self.num_operations

    def __eq__(self, other: object) -> bool:
        """Same data, alternatives compared as sets (the name is not compared)."""
        if not isinstance(other, FlexibleJobShop):
            return NotImplemented
        return (
            self.num_machines == other.num_machines
            and np.array_equal(self.job_start, other.job_start)
            and np.array_equal(self.alt_start, other.alt_start)
            and np.array_equal(self._keys, other._keys)
            and np.array_equal(self._key_duration, other._key_duration)
            and (self.extras or ShopExtras()).same_as(other.extras or ShopExtras())
        )

    __hash__ = None  # type: ignore[assignment]

    # Problem contract ------------------------------------------------------------------
    def job_lengths(self) -> np.ndarray:
        """Per job, the sum of its operations' shortest durations."""
        return np.add.reduceat(self.min_duration, self.job_start[:-1]).astype(np.int64)

    def fixed_loads(self) -> np.ndarray:
        """Per machine, the work of the operations that can run on that machine only."""
        single = np.flatnonzero(np.diff(self.alt_start) == 1)
        a = self.alt_start[single]
        return np.bincount(
            self.alt_machine[a], weights=self.alt_duration[a], minlength=self.num_machines
        ).astype(np.int64)

    def lower_bound(self) -> int:
        """max(longest job with shortest durations after its release, total shortest work /
        machines rounded up, work of the operations fixed to one machine)."""
        total = int(self.min_duration.sum())
        longest = (self.release + self.job_lengths()).max()
        return int(max(longest, -(-total // self.num_machines), self.fixed_loads().max(initial=0)))

    def summary(self) -> dict[str, Any]:
        return {
            "problem": "flexible job-shop (FJSP), minimise makespan",
            "jobs": self.num_jobs,
            "machines": self.num_machines,
            "operations": self.num_operations,
            "alternatives": self.num_alternatives,
            "machines per operation": round(self.flexibility(), 3),
            "total shortest work": int(self.min_duration.sum()),
            "longest job (shortest durations)": int(self.job_lengths().max()),
            "max fixed machine load": int(self.fixed_loads().max(initial=0)),
            "trivial lower bound": self.lower_bound(),
            **self.extras_summary(),
        }

    def objective(self, solution: FlexibleSolution) -> int:
        return int(np.max(solution.end)) if len(solution.end) else 0

    def violations(self, solution: FlexibleSolution) -> list[str]:
        """Unknown, missing or repeated operations, ineligible machines, wrong durations,
        negative starts, precedence, machine overlaps, starts before the release and setups
        too short on the chosen machine (after 50 of a kind, a count)."""
        out: list[str] = []
        s = solution
        try:
            job, op = np.asarray(s.job, dtype=np.int64), np.asarray(s.op, dtype=np.int64)
            mach = np.asarray(s.machine, dtype=np.int64)
            start, end = np.asarray(s.start, dtype=np.int64), np.asarray(s.end, dtype=np.int64)
        except (TypeError, ValueError):
            return ["solution arrays are not integer arrays"]
        if not (job.ndim == op.ndim == mach.ndim == start.ndim == end.ndim == 1):
            return ["solution arrays must be one-dimensional"]
        if not (len(job) == len(op) == len(mach) == len(start) == len(end)):
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
        m = self.num_machines
        in_range = (mach >= 0) & (mach < m)
        report(
            out,
            np.flatnonzero(~in_range),
            lambda i: f"operation (job {job[i]}, op {op[i]}): machine {mach[i]} out of range 0..{m - 1}",
        )
        # eligibility and duration via a sorted (operation, machine) key lookup
        idx = np.flatnonzero(known & in_range)
        keys = flat[idx] * m + mach[idx]
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        eligible = self._keys[pos] == keys
        report(
            out,
            idx[~eligible],
            lambda i: f"operation {self._name(flat[i])} on machine {mach[i]}, which is not eligible for it",
        )
        ok_idx, ok_dur = idx[eligible], self._key_duration[pos[eligible]]
        wrong = end[ok_idx] - start[ok_idx] != ok_dur
        wrong_dur = dict(zip(ok_idx[wrong].tolist(), ok_dur[wrong].tolist(), strict=True))
        report(
            out,
            ok_idx[wrong],
            lambda i: (
                f"operation {self._name(flat[i])} lasts {end[i] - start[i]} on machine {mach[i]}, "
                f"duration there is {wrong_dur[i]}"
            ),
        )
        report(
            out,
            np.flatnonzero(end < start),
            lambda i: f"operation (job {job[i]}, op {op[i]}) ends at {end[i]} before its start {start[i]}",
        )
        report(
            out,
            np.flatnonzero(start < 0),
            lambda i: f"operation (job {job[i]}, op {op[i]}) starts at {start[i]} < 0",
        )
        # precedence: only when every operation is present exactly once
        if known.all() and (counts == 1).all():
            st = np.empty(self.num_operations, dtype=np.int64)
            en = np.empty(self.num_operations, dtype=np.int64)
            st[flat] = start
            en[flat] = end
            nxt = np.flatnonzero(self.rank > 0)
            bad = nxt[st[nxt] < en[nxt - 1]]
            report(
                out,
                bad,
                lambda o: (
                    f"precedence: {self._name(o)} starts at {st[o]} before "
                    f"{self._name(o - 1)} ends at {en[o - 1]}"
                ),
            )
        # machine overlap among the entries as given; zero-length entries never overlap, and
        # among positive-length ones sorted by (machine, start) any overlap shows up between
        # neighbours
        pos_len = np.flatnonzero(end > start)
        order = pos_len[np.lexsort((start[pos_len], mach[pos_len]))]
        m_s, s_s, e_s = mach[order], start[order], end[order]
        clash = np.flatnonzero((m_s[1:] == m_s[:-1]) & (s_s[1:] < e_s[:-1]))
        report(
            out,
            clash,
            lambda i: (
                f"machine {m_s[i]}: (job {job[order[i]]}, op {op[order[i]]}) [{s_s[i]}, {e_s[i]}) "
                f"overlaps (job {job[order[i + 1]]}, op {op[order[i + 1]]}) [{s_s[i + 1]}, {e_s[i + 1]})"
            ),
        )
        self.extras_violations(out, (job, op, mach, start, end), bool(clash.size))
        return out

    def _name(self, o: int) -> str:
        return f"(job {self.job_of[o]}, op {self.rank[o]})"

    def _where(self, o: int) -> str:
        return f"job {self.job_of[o]}, operation {self.rank[o]}"

    def _where_alt(self, a: int) -> str:
        return self._where(int(self.alt_op[a]))

    def solution_from_dict(self, data: dict[str, Any]) -> FlexibleSolution:
        return FlexibleSolution(*records_from_dict(data, machine_required=True))

    def gantt(self, solution: FlexibleSolution) -> list[GanttBar]:
        return machine_bars(solution.job, solution.machine, solution.start, solution.end)
