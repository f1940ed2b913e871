"""What job shops carry beyond machines and durations: release dates, due dates and weights per
job, sequence-dependent setup times per machine, and the objectives they allow.

* ``release[j]``: job ``j``'s first operation starts at or after it (default 0);
* ``due[j]``, ``weight[j]``: due date and weight of job ``j`` (defaults: none, 1);
* ``setup[k, i, j]``: time machine ``k`` needs between an operation of job ``i`` and the next
  operation it runs, of job ``j`` (re-entrant jobs use ``setup[k, j, j]``); row ``i = n`` is the
  initial setup, before the first operation on ``k``. A setup may run before the job is released
  or while its previous operation runs elsewhere (anticipatory setups); it holds the machine.
  Operations of zero duration need no setup and leave the machine's setup state unchanged.

The objectives (``objective=`` of :func:`schedkit.solve`), with ``C_j`` the end of job ``j``'s
last operation and ``L_j = C_j - d_j`` its lateness:

===================  ===========================================
makespan             ``max C_j`` (the default)
weighted_tardiness   ``sum w_j max(0, L_j)``
max_lateness         ``max L_j``
weighted_completion  ``sum w_j C_j``
tardy_jobs           number of jobs with ``L_j > 0``
===================  ===========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError, InvalidProblemError
from schedkit.problems.operations import report

OBJECTIVES = ("makespan", "weighted_tardiness", "max_lateness", "weighted_completion", "tardy_jobs")
#: objectives that need due dates
NEED_DUE = frozenset({"weighted_tardiness", "max_lateness", "tardy_jobs"})
#: feature names (see :meth:`ShopExtras.features`) a method must declare to take such an instance
SETUPS, RELEASES = "setups", "release dates"


def check_objective(objective: str | None, has_due: bool) -> str:
    """The objective's name (``makespan`` when None); a one-line error for an unknown one, or for
    one that needs due dates the instance lacks."""
    name = "makespan" if objective is None else objective
    if name not in OBJECTIVES:
        raise InvalidParameterError(f"unknown objective {objective!r} (valid: {', '.join(OBJECTIVES)})")
    if name in NEED_DUE and not has_due:
        raise InvalidParameterError(f"objective {name} needs due dates, and the instance has none")
    return name


@dataclass(eq=False)
class ShopExtras:
    """Release dates, due dates, weights and setups of a job shop; any may be None (absent)."""

    release: np.ndarray | None = None
    due: np.ndarray | None = None
    weight: np.ndarray | None = None
    setup: np.ndarray | None = None

    def validated(self, n: int, m: int) -> ShopExtras:
        """A frozen int64 copy checked against ``n`` jobs and ``m`` machines (one-line errors)."""
        out = ShopExtras()
        for name, lo in (("release", 0), ("due", None), ("weight", 0)):
            v = getattr(self, name)
            if v is not None:
                setattr(out, name, _ints(name, v, (n,), lo))
        if self.setup is not None:
            out.setup = _ints("setup", self.setup, (m, n + 1, n), 0)
        return out

    def is_empty(self) -> bool:
        return all(getattr(self, k) is None for k in ("release", "due", "weight", "setup"))

    def features(self) -> frozenset[str]:
        """The feasibility-relevant extras present: ``setups`` (some setup > 0), ``release
        dates`` (some release > 0)."""
        out = set()
        if self.setup is not None and self.setup.any():
            out.add(SETUPS)
        if self.release is not None and self.release.any():
            out.add(RELEASES)
        return frozenset(out)

    def same_as(self, other: ShopExtras) -> bool:
        def eq(a: np.ndarray | None, b: np.ndarray | None) -> bool:
            return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))

        return all(eq(getattr(self, k), getattr(other, k)) for k in ("release", "due", "weight", "setup"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready fields that are present."""
        return {
            k: getattr(self, k).tolist()
            for k in ("release", "due", "weight", "setup")
            if getattr(self, k) is not None
        }


class ExtrasMixin:
    """What the job shop and the flexible job shop share about their extras: the per-job
    accessors, the feature set, the objectives ``solve(objective=)`` accepts and their values
    and trivial bounds. The class provides ``extras``, ``num_jobs``, ``job_start``,
    ``job_lengths()`` (shortest work per job), ``lower_bound()`` and ``objective()``."""

    extras: ShopExtras | None
    job_start: np.ndarray

    @property
    def release(self) -> np.ndarray:
        """Release date per job (zeros without them)."""
        r = None if self.extras is None else self.extras.release
        return np.zeros(self.num_jobs, dtype=np.int64) if r is None else r

    @property
    def due(self) -> np.ndarray | None:
        """Due date per job, or None."""
        return None if self.extras is None else self.extras.due

    @property
    def weight(self) -> np.ndarray:
        """Weight per job (ones without them)."""
        w = None if self.extras is None else self.extras.weight
        return np.ones(self.num_jobs, dtype=np.int64) if w is None else w

    @property
    def setup(self) -> np.ndarray | None:
        """Setup times ``[machine, from job (n: initial), to job]``, or None."""
        return None if self.extras is None else self.extras.setup

    def features(self) -> frozenset[str]:
        return frozenset() if self.extras is None else self.extras.features()

    def objectives(self) -> tuple[str, ...]:
        return OBJECTIVES if self.due is not None else ("makespan", "weighted_completion")

    def check_objective(self, objective: str | None) -> str:
        return check_objective(objective, self.due is not None)

    def evaluate(self, solution: Any, objective: str | None = None) -> int:
        name = self.check_objective(objective)
        if name == "makespan":
            return self.objective(solution)  # type: ignore[attr-defined]
        end = solution.per_operation(self, solution.end)
        return evaluate(name, job_completion(self.job_start, end), self.due, self.weight)

    def objective_bound(self, objective: str | None = None) -> int:
        name = self.check_objective(objective)
        if name == "makespan":
            return self.lower_bound()  # type: ignore[attr-defined]
        return bound(name, self.release + self.job_lengths(), self.due, self.weight)  # type: ignore[attr-defined]

    def extras_summary(self) -> dict[str, Any]:
        """The ``schedkit info`` lines of the extras present."""
        if self.extras is None:
            return {}
        out: dict[str, Any] = {}
        if self.extras.release is not None:
            out["latest release"] = int(self.release.max())
        if self.due is not None:
            out["due dates"] = f"{int(self.due.min())}..{int(self.due.max())}"
        if self.extras.weight is not None:
            out["weights"] = f"{int(self.weight.min())}..{int(self.weight.max())}"
        if self.setup is not None:
            out["max setup"] = int(self.setup.max())
        return out

    def extras_violations(
        self,
        out: list[str],
        entries: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        overlaps: bool,
    ) -> None:
        """Append the release violations of the scheduled ``entries`` (job, op, machine, start,
        end arrays) and, unless some of them ``overlaps`` on a machine, the setup violations
        (on the machine each entry runs on)."""
        job, op, machine, start, end = entries
        if self.extras is not None and self.extras.release is not None:
            release_violations(out, job, op, start, self.extras.release)
        if self.setup is not None and not overlaps:
            name = lambda i: f"(job {job[i]}, op {op[i]})"  # noqa: E731
            setup_violations(out, job, machine, start, end, self.setup, name)


def _ints(name: str, value: Any, shape: tuple[int, ...], lo: int | None) -> np.ndarray:
    try:
        a = np.array(value, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        raise InvalidProblemError(f"{name}: integers expected") from None
    if a.shape != shape:
        raise InvalidProblemError(f"{name}: shape {a.shape}, expected {shape}")
    if lo is not None and a.size and a.min() < lo:
        i = np.unravel_index(int(np.argmin(a)), a.shape)
        where = ", ".join(str(int(x)) for x in i)
        raise InvalidProblemError(f"{name}[{where}] = {int(a[i])} < {lo}")
    a.setflags(write=False)
    return a


def job_completion(job_start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """End of each job's last operation (``end`` per flat operation)."""
    return np.asarray(end, dtype=np.int64)[job_start[1:] - 1]


def evaluate(objective: str, completion: np.ndarray, due: np.ndarray | None, weight: np.ndarray) -> int:
    """The value of ``objective`` for the job completion times ``completion``."""
    c = np.asarray(completion, dtype=np.int64)
    if objective == "makespan":
        return int(c.max(initial=0))
    if objective == "weighted_completion":
        return int((weight * c).sum())
    assert due is not None
    late = c - due
    if objective == "weighted_tardiness":
        return int((weight * np.maximum(late, 0)).sum())
    if objective == "max_lateness":
        return int(late.max())
    if objective == "tardy_jobs":
        return int((late > 0).sum())
    raise InvalidParameterError(f"unknown objective {objective!r} (valid: {', '.join(OBJECTIVES)})")


def bound(objective: str, earliest_completion: np.ndarray, due: np.ndarray | None, weight: np.ndarray) -> int:
    """A trivial lower bound of ``objective`` from each job's earliest completion (release +
    work, setups ignored)."""
    return evaluate(objective, earliest_completion, due, weight) if objective != "tardy_jobs" else 0


def setup_violations(
    out: list[str],
    job: np.ndarray,
    machine: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    setup: np.ndarray,
    name: Any,
) -> None:
    """Report every machine gap shorter than the setup between its two operations (sorted by
    start), and every first operation starting before its initial setup. Operations of zero
    duration need no setup and leave the machine's state as it was (they are skipped).
    ``name(i)`` names entry ``i``; entries with a machine out of range are skipped."""
    m, n = setup.shape[0], setup.shape[2]
    ok = np.flatnonzero((machine >= 0) & (machine < m) & (job >= 0) & (job < n) & (end > start))
    order = ok[np.lexsort((end[ok], start[ok], machine[ok]))]
    mo = machine[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = mo[1:] != mo[:-1]
    prev_job = np.where(first, n, np.roll(job[order], 1))
    need = setup[mo, prev_job, job[order]]
    ready = np.where(first, 0, np.roll(end[order], 1))
    bad = np.flatnonzero(start[order] < ready + need)

    def msg(i: int) -> str:
        e = order[i]
        if first[i]:
            return f"setup: {name(e)} starts at {start[e]} on machine {mo[i]}, initial setup is {need[i]}"
        p = order[i - 1]
        return (
            f"setup: {name(e)} starts at {start[e]} on machine {mo[i]}, {name(p)} ends at {end[p]} "
            f"and the setup between them is {need[i]}"
        )

    report(out, bad, msg)


def release_violations(
    out: list[str], job: np.ndarray, op: np.ndarray, start: np.ndarray, release: np.ndarray
) -> None:
    """Report every operation starting before its job's release date (jobs out of range skipped)."""
    ok = np.flatnonzero((job >= 0) & (job < len(release)))
    bad = ok[start[ok] < release[job[ok]]]
    report(
        out,
        bad,
        lambda i: (
            f"release: (job {job[i]}, op {op[i]}) starts at {start[i]}, job released at {release[job[i]]}"
        ),
    )


def triangle_violation(setup: np.ndarray, duration_by_job_machine: np.ndarray) -> str | None:
    """Where ``setup[k, a, c] <= setup[k, a, b] + p_bk + setup[k, b, c]`` fails (with ``p_bk`` the
    shortest duration of job ``b`` on ``k``, or None when ``b`` never visits ``k``), the initial
    row included; None when it holds everywhere. ``duration_by_job_machine[b, k]`` is -1 when
    job ``b`` does not visit ``k``."""
    m, n1, n = setup.shape
    for k in range(m):
        visits = np.flatnonzero(duration_by_job_machine[:, k] >= 0)
        s = setup[k]
        for b in visits:
            via = s[:, b][:, None] + int(duration_by_job_machine[b, k]) + s[b][None, :]  # (n+1, n)
            bad = np.argwhere(s[np.ix_(np.r_[visits, n], visits)] > via[np.ix_(np.r_[visits, n], visits)])
            if len(bad):
                rows = np.r_[visits, n]
                a, c = int(rows[bad[0][0]]), int(visits[bad[0][1]])
                frm = "initial" if a == n else f"job {a}"
                return f"machine {k}: setup {frm} -> job {c} exceeds the way through job {b}"
    return None
