"""Generalised project scheduling: time lags, modes, calendars, release dates and deadlines.

One class covers RCPSP/max (minimum and maximum time lags), multi-mode RCPSP (renewable and
non-renewable resources, one mode per activity), resource unavailability periods and
activity release dates / deadlines; the plain RCPSP keeps its own class (:mod:`rcpsp`) and
fast paths. Objective: the makespan, the latest finish time of an activity.

Constraints, for activities ``j`` with chosen mode ``m(j)``, start ``S_j`` and duration
``d_j = duration[m(j)]``:

* time lags: an arc ``(i, j, lag)`` says ``S_j >= S_i + lag`` (start-to-start) or, flagged
  finish-to-start, ``S_j >= S_i + d_i + lag``. A maximum time lag ``L`` from ``i`` to ``j``
  (``S_j <= S_i + L``) is the start-to-start arc ``(j, i, -L)``. Cycles are allowed; one of
  positive length makes the instance infeasible.
* renewable resource ``k``: at every time ``t`` the demands of the running activities
  (``S_j <= t < S_j + d_j``) sum to at most ``capacity[k]`` minus the amounts of the
  unavailability periods ``[start, end)`` of ``k`` that contain ``t``. Activities are not
  interrupted by a period: one that would exceed the reduced capacity must avoid it. A mode
  of positive duration demanding more than a capacity can never be chosen (PSPLIB ``.mm``
  files have such modes).
* non-renewable resource ``n``: the consumptions of the chosen modes sum to at most
  ``budget[n]``.
* ``S_j >= release[j]`` (0 by default) and ``S_j + d_j <= deadline[j]`` where a deadline is
  given (``deadline[j] >= 0``; -1 means none).

Activities and modes are positions (from 0) in the arrays and in the JSON forms; messages
number activities from ``number_from`` (1 for PSPLIB files, 0 for ProGen/max files, whose
activity 0 is the dummy source) and modes from 1, as the files do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from schedkit.errors import InvalidProblemError, SolutionFormatError
from schedkit.problems import validation as valid
from schedkit.problems.base import GanttBar, Problem, Solution
from schedkit.problems.operations import report

#: deadline value meaning "no deadline"
NO_DEADLINE = -1


@dataclass(eq=False)
class ProjectSolution(Solution):
    """One mode (position in the activity's mode list) and one start time per activity.

    ``present`` marks which entries were given (``null`` in JSON is a missing activity).
    """

    mode: np.ndarray
    start: np.ndarray
    present: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.mode = np.asarray(self.mode, dtype=np.int64)
        self.start = np.asarray(self.start, dtype=np.int64)
        if self.present is None:
            self.present = np.ones(len(self.start), dtype=bool)
        else:
            self.present = np.asarray(self.present, dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        assert self.present is not None
        keep = list(zip(self.mode, self.start, self.present, strict=False))
        return {
            "mode": [int(m) if p else None for m, _, p in keep],
            "start": [int(s) if p else None for _, s, p in keep],
        }


@dataclass(eq=False)
class Project(Problem):
    """A project instance (see the module docstring for the constraints).

    Parameters
    ----------
    mode_ptr
        ``(n + 1,)`` offsets: the modes of activity ``j`` are ``mode_ptr[j]:mode_ptr[j + 1]``
        (at least one each).
    duration
        ``(M,)`` duration per mode.
    demand
        ``(M, K)`` demand per mode on each renewable resource.
    consumption
        ``(M, N)`` consumption per mode of each non-renewable resource.
    capacity, budget
        ``(K,)`` renewable capacities, ``(N,)`` non-renewable budgets.
    arc_from, arc_to, arc_lag, arc_fs
        ``(E,)`` time lags ``S_to >= S_from + lag`` (``+ d_from`` where ``arc_fs``).
    release, deadline
        ``(n,)`` release dates (>= 0) and deadlines on the finish (-1: none).
    off_resource, off_start, off_end, off_amount
        ``(B,)`` unavailability periods: capacity of ``off_resource`` reduced by
        ``off_amount`` on ``[off_start, off_end)``.
    number_from
        How messages number activities (0 or 1).
    """

    kind: ClassVar[str] = "project"
    title: ClassVar[str] = "project scheduling"
    objective_name: ClassVar[str] = "makespan"
    solution_type: ClassVar[type[Solution]] = ProjectSolution

    mode_ptr: np.ndarray
    duration: np.ndarray
    demand: np.ndarray
    consumption: np.ndarray
    capacity: np.ndarray
    budget: np.ndarray
    arc_from: np.ndarray
    arc_to: np.ndarray
    arc_lag: np.ndarray
    arc_fs: np.ndarray
    release: np.ndarray
    deadline: np.ndarray
    off_resource: np.ndarray
    off_start: np.ndarray
    off_end: np.ndarray
    off_amount: np.ndarray
    name: str = "project"
    number_from: int = 1
    mode_owner: np.ndarray = field(init=False, repr=False)
    _cache: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.mode_ptr = valid.int_array("mode_ptr", self.mode_ptr)
        self.duration = valid.int_array("duration", self.duration)
        self.capacity = valid.int_array("capacity", self.capacity, ndim=None)
        self.budget = valid.int_array("budget", self.budget, ndim=None)
        m, k, nn = len(self.duration), len(self.capacity), len(self.budget)
        self.demand = _matrix("demand", self.demand, m, k)
        self.consumption = _matrix("consumption", self.consumption, m, nn)
        n = len(self.mode_ptr) - 1
        if n < 0:
            raise InvalidProblemError("mode_ptr needs at least one entry (0)")
        valid.segments("mode_ptr", self.mode_ptr, m, parts=n, item="activity", empty="no modes")
        self.mode_owner, _ = valid.segment_index(self.mode_ptr)
        label = self.activity_label
        valid.nonnegative(self.duration, "duration", self.mode_label)
        valid.nonnegative(self.demand, "demand", lambda i, r: f"{self.mode_label(i)} on R{r + 1}")
        valid.nonnegative(self.consumption, "consumption", lambda i, r: f"{self.mode_label(i)} of N{r + 1}")
        valid.nonnegative(self.capacity, "capacity", lambda r: f"resource R{r + 1}")
        valid.nonnegative(self.budget, "budget", lambda r: f"non-renewable resource N{r + 1}")
        # arcs
        self.arc_from = valid.int_array("arc_from", self.arc_from)
        self.arc_to = valid.int_array("arc_to", self.arc_to)
        self.arc_lag = valid.int_array("arc_lag", self.arc_lag)
        e = len(self.arc_from)
        self.arc_fs = valid.bool_array("arc_fs", self.arc_fs, e, "arcs", default=False)
        for nm, arr in (("arc_to", self.arc_to), ("arc_lag", self.arc_lag)):
            valid.same_length(nm, arr, e, "arc_from entries")
        bad = valid.first((self.arc_from < 0) | (self.arc_from >= n) | (self.arc_to < 0) | (self.arc_to >= n))
        if bad is not None:
            a = bad[0]
            raise InvalidProblemError(
                f"time lag {a + 1}: activity {self.arc_from[a]} -> {self.arc_to[a]} does not exist "
                f"(activities are 0..{n - 1})"
            )
        bad = valid.first(self.arc_from == self.arc_to)
        if bad is not None:
            raise InvalidProblemError(f"{label(int(self.arc_from[bad[0]]))}: time lag to itself")
        # release dates and deadlines
        self.release = valid.int_array("release", self.release)
        self.deadline = valid.int_array("deadline", self.deadline)
        valid.same_length("release dates", self.release, n, "activities")
        valid.same_length("deadlines", self.deadline, n, "activities")
        valid.nonnegative(self.release, "release date", label)
        bad = valid.first(self.deadline < NO_DEADLINE)
        if bad is not None:
            raise InvalidProblemError(f"{label(bad[0])}: deadline {self.deadline[bad]} (-1 means none)")
        # unavailability periods
        self.off_resource = valid.int_array("off_resource", self.off_resource)
        self.off_start = valid.int_array("off_start", self.off_start)
        self.off_end = valid.int_array("off_end", self.off_end)
        self.off_amount = valid.int_array("off_amount", self.off_amount)
        b = len(self.off_resource)
        for nm, arr in (
            ("off_start", self.off_start),
            ("off_end", self.off_end),
            ("off_amount", self.off_amount),
        ):
            valid.same_length(nm, arr, b, "off_resource entries")
        period = lambda p: f"unavailability period {p + 1}"  # noqa: E731
        valid.in_range(self.off_resource, 0, k - 1, "resource index", period)
        valid.nonnegative(self.off_start, "start", period)
        bad = valid.first(self.off_end <= self.off_start)
        if bad is not None:
            p = bad[0]
            raise InvalidProblemError(f"{period(p)}: empty range [{self.off_start[p]}, {self.off_end[p]})")
        valid.in_range(self.off_amount, 1, None, "amount", period)
        for r in range(k):
            times, off = _profile(self.off_start, self.off_end, self.off_amount, self.off_resource == r)
            over = np.flatnonzero(off > self.capacity[r])
            if len(over):
                raise InvalidProblemError(
                    f"resource R{r + 1}: {off[over[0]]} units unavailable at time {times[over[0]]}, "
                    f"capacity is {self.capacity[r]}"
                )
        if self.number_from not in (0, 1):
            raise InvalidProblemError(f"number_from must be 0 or 1, got {self.number_from!r}")
        valid.freeze(
            self.mode_ptr,
            self.duration,
            self.demand,
            self.consumption,
            self.capacity,
            self.budget,
            self.arc_from,
            self.arc_to,
            self.arc_lag,
            self.arc_fs,
            self.release,
            self.deadline,
            self.off_resource,
            self.off_start,
            self.off_end,
            self.off_amount,
            self.mode_owner,
        )

    # construction ----------------------------------------------------------------------------
    @classmethod
    def from_lists(
        cls,
        modes: Sequence[Sequence[Any]],
        capacities: Sequence[int],
        *,
        budgets: Sequence[int] = (),
        arcs: Sequence[Sequence[Any]] = (),
        unavailable: Sequence[Sequence[int]] = (),
        release: Sequence[int] | None = None,
        deadline: Sequence[int | None] | None = None,
        name: str = "project",
        number_from: int = 1,
    ) -> Project:
        """Build from Python lists; everything is numbered from 0.

        ``modes[j]``: the modes of activity ``j``, each ``(duration, demands)`` or
        ``(duration, demands, consumptions)`` with one demand per capacity and one consumption
        per budget. ``arcs``: ``(i, j, lag)`` meaning ``S_j >= S_i + lag``, or
        ``(i, j, lag, "fs")`` meaning ``S_j >= S_i + d_i + lag`` (``"ss"`` is the default).
        ``unavailable``: ``(resource, start, end)`` (the whole capacity) or
        ``(resource, start, end, amount)``. ``release``/``deadline``: one per activity
        (a deadline ``None`` or -1 is none). Errors name the argument and index
        (``modes[2][0]``).
        """
        cap = valid.int_array("capacities", capacities)
        bud = valid.int_array("budgets", budgets)
        k, nn = len(cap), len(bud)
        acts = valid.entries("modes", modes, "list of modes", minimum=0)
        ptr, dur, dem, con = [0], [], [], []
        for j, ms in enumerate(acts):
            for mi, mode in enumerate(valid.entries(f"modes[{j}]", ms, "mode")):
                where = f"modes[{j}][{mi}]"
                if isinstance(mode, str | bytes) or not isinstance(mode, Sequence) or len(mode) not in (2, 3):
                    raise InvalidProblemError(
                        f"{where}: expected (duration, demands[, consumptions]), got {mode!r:.80}"
                    )
                dur.append(valid.integer(where, "duration", mode[0], 0))
                dem.append(_row(f"{where} demands", mode[1], k, "capacities"))
                con.append(
                    _row(f"{where} consumptions", mode[2] if len(mode) == 3 else [0] * nn, nn, "budgets")
                )
            ptr.append(len(dur))
        n = len(acts)
        frm, to, lag, fs = [], [], [], []
        for a, arc in enumerate(valid.entries("arcs", arcs, "arc", minimum=0)):
            where = f"arcs[{a}]"
            kind = "ss"
            if isinstance(arc, Sequence) and len(arc) == 4 and not isinstance(arc, str):
                kind = arc[3]
                arc = arc[:3]
            if kind not in ("ss", "fs"):
                raise InvalidProblemError(f"{where}: type must be 'ss' or 'fs', got {kind!r}")
            i, j, lg = valid.record(where, arc, ("from", "to", "lag"))
            for v in (i, j):
                if not 0 <= v < n:
                    raise InvalidProblemError(
                        f"{where}: activity {v} does not exist (activities are 0..{n - 1})"
                    )
            frm.append(i)
            to.append(j)
            lag.append(lg)
            fs.append(kind == "fs")
        off: list[tuple[int, int, int, int]] = []
        for p, per in enumerate(valid.entries("unavailable", unavailable, "period", minimum=0)):
            where = f"unavailable[{p}]"
            if isinstance(per, Sequence) and len(per) == 3:
                r, s, e = valid.record(where, per, ("resource", "start", "end"))
                if not 0 <= r < k:
                    raise InvalidProblemError(f"{where}: resource {r} does not exist")
                off.append((r, s, e, int(cap[r])))
            else:
                off.append(valid.record(where, per, ("resource", "start", "end", "amount")))  # type: ignore[arg-type]
        rel = (
            [0] * n
            if release is None
            else [valid.integer(f"release[{j}]", "release", v, 0) for j, v in enumerate(release)]
        )
        if deadline is None:
            dl = [NO_DEADLINE] * n
        else:
            dl = [
                NO_DEADLINE if v is None else valid.integer(f"deadline[{j}]", "deadline", v, -1)
                for j, v in enumerate(deadline)
            ]
        cols = list(zip(*off, strict=True)) if off else [[], [], [], []]
        return cls(
            np.array(ptr),
            np.array(dur, dtype=np.int64),
            np.array(dem, dtype=np.int64).reshape(len(dur), k),
            np.array(con, dtype=np.int64).reshape(len(dur), nn),
            cap,
            bud,
            np.array(frm, dtype=np.int64),
            np.array(to, dtype=np.int64),
            np.array(lag, dtype=np.int64),
            np.array(fs, dtype=bool),
            np.array(rel, dtype=np.int64),
            np.array(dl, dtype=np.int64),
            *(np.array(c, dtype=np.int64) for c in cols),
            name=name,
            number_from=number_from,
        )

    @classmethod
    def from_rcpsp(cls, problem: Any) -> Project:
        """The plain RCPSP ``problem`` (:class:`~schedkit.problems.rcpsp.Rcpsp`) as a project:
        one mode per activity, finish-to-start arcs with lag 0."""
        n = problem.num_activities
        e = len(problem.edge_to)
        empty = np.zeros(0, dtype=np.int64)
        return cls(
            np.arange(n + 1),
            problem.duration.copy(),
            problem.demand.copy(),
            np.zeros((n, 0), dtype=np.int64),
            problem.capacity.copy(),
            empty,
            problem.edge_from.copy(),
            problem.edge_to.copy(),
            np.zeros(e, dtype=np.int64),
            np.ones(e, dtype=bool),
            np.zeros(n, dtype=np.int64),
            np.full(n, NO_DEADLINE, dtype=np.int64),
            empty,
            empty,
            empty,
            empty,
            name=problem.name,
            number_from=1,
        )

    # labels ------------------------------------------------------------------------------------
    def activity_label(self, j: int) -> str:
        return f"activity {j + self.number_from}"

    def mode_label(self, i: int) -> str:
        """``activity 3 mode 2`` for the global mode index ``i``."""
        j = int(self.mode_owner[i])
        return f"{self.activity_label(j)} mode {i - int(self.mode_ptr[j]) + 1}"

    # sizes and structure -----------------------------------------------------------------------
    @property
    def num_activities(self) -> int:
        return len(self.mode_ptr) - 1

    @property
    def num_resources(self) -> int:
        """Renewable resources."""
        return len(self.capacity)

    @property
    def num_nonrenewable(self) -> int:
        return len(self.budget)

    @property
    def num_modes(self) -> int:
        """Modes of all activities together."""
        return len(self.duration)

    def modes(self, j: int) -> range:
        """Global indices of activity ``j``'s modes."""
        return range(int(self.mode_ptr[j]), int(self.mode_ptr[j + 1]))

    @property
    def single_mode(self) -> bool:
        return self.num_modes == self.num_activities

    def min_durations(self) -> np.ndarray:
        """Shortest mode duration per activity."""
        if self.num_activities == 0:
            return np.zeros(0, dtype=np.int64)
        return np.minimum.reduceat(self.duration, self.mode_ptr[:-1]).astype(np.int64)

    def max_durations(self) -> np.ndarray:
        """Longest mode duration per activity."""
        if self.num_activities == 0:
            return np.zeros(0, dtype=np.int64)
        return np.maximum.reduceat(self.duration, self.mode_ptr[:-1]).astype(np.int64)

    def min_lags(self) -> np.ndarray:
        """Per arc, the least start-to-start distance it imposes (finish-to-start arcs with the
        shortest duration of their first activity)."""
        return self.arc_lag + np.where(self.arc_fs, self.min_durations()[self.arc_from], 0)

    def earliest_starts(self) -> np.ndarray | None:
        """Earliest start per activity from release dates and time lags with the shortest
        durations (resources ignored); None when the lags hold a cycle of positive length."""
        if "es" not in self._cache:
            dist, _ = longest_paths(self.release, self.arc_from, self.arc_to, self.min_lags())
            self._cache["es"] = dist
        es = self._cache["es"]
        return None if es is None else es.copy()

    def usable_modes(self) -> np.ndarray:
        """Per mode: it fits the capacities (a mode of duration 0 always does)."""
        return (self.duration == 0) | (self.demand <= self.capacity[None, :]).all(axis=1)

    def capacity_at(self, r: int, t: int) -> int:
        """Capacity of renewable resource ``r`` at time ``t`` (unavailability deducted)."""
        on = (self.off_resource == r) & (self.off_start <= t) & (t < self.off_end)
        return int(self.capacity[r] - self.off_amount[on].sum())

    def energy_bound(self) -> int:
        """max over renewable resources of ceil(sum over activities of the least
        duration x demand of a mode / capacity)."""
        if self.num_activities == 0 or self.num_resources == 0:
            return 0
        work = self.duration[:, None] * self.demand
        least = np.minimum.reduceat(work, self.mode_ptr[:-1], axis=0).sum(axis=0)
        best = 0
        for r in range(self.num_resources):
            if least[r] > 0 and self.capacity[r] > 0:
                best = max(best, -(-int(least[r]) // int(self.capacity[r])))
        return best

    def __eq__(self, other: object) -> bool:
        """Same data (the name, the arc order and ``number_from`` are not compared)."""
        if not isinstance(other, Project):
            return NotImplemented
        same = all(
            np.array_equal(getattr(self, f), getattr(other, f))
            for f in (
                "mode_ptr",
                "duration",
                "demand",
                "consumption",
                "capacity",
                "budget",
                "release",
                "deadline",
            )
        )
        return same and self._arcs() == other._arcs() and self._periods() == other._periods()

    __hash__ = None  # type: ignore[assignment]

    def _arcs(self) -> list[tuple[int, int, int, bool]]:
        cols = (self.arc_from, self.arc_to, self.arc_lag, self.arc_fs)
        return sorted(zip(*(c.tolist() for c in cols), strict=True))

    def _periods(self) -> list[tuple[int, int, int, int]]:
        cols = (self.off_resource, self.off_start, self.off_end, self.off_amount)
        return sorted(zip(*(c.tolist() for c in cols), strict=True))

    # Problem contract ----------------------------------------------------------------------------
    def lower_bound(self) -> int:
        """max(longest path with the shortest durations, energy bound); with a positive cycle
        in the lags (no schedule exists) the energy bound alone."""
        es = self.earliest_starts()
        path = 0 if es is None or self.num_activities == 0 else int((es + self.min_durations()).max())
        return max(path, self.energy_bound())

    def summary(self) -> dict[str, Any]:
        n = self.num_activities
        es = self.earliest_starts()
        return {
            "problem": "project scheduling (time lags, modes, calendars), minimise makespan",
            "activities": n,
            "modes": self.num_modes,
            "resources": self.num_resources,
            "non-renewable resources": self.num_nonrenewable,
            "time lags": len(self.arc_lag),
            "negative (maximum) time lags": int((self.arc_lag < 0).sum()),
            "finish-to-start arcs": int(self.arc_fs.sum()),
            "unavailability periods": len(self.off_start),
            "release dates": int((self.release > 0).sum()),
            "deadlines": int((self.deadline >= 0).sum()),
            "capacities": [int(c) for c in self.capacity],
            "budgets": [int(b) for b in self.budget],
            "temporal constraints": "consistent" if es is not None else "positive cycle (infeasible)",
            "energy bound": self.energy_bound(),
            "trivial lower bound": self.lower_bound(),
        }

    def durations_of(self, solution: ProjectSolution) -> np.ndarray:
        """Duration of each activity in ``solution``'s modes (0 where the mode is invalid)."""
        n = min(len(solution.mode), self.num_activities)
        mode = np.asarray(solution.mode[:n], dtype=np.int64)
        count = np.diff(self.mode_ptr)[:n]
        ok = (mode >= 0) & (mode < count)
        out = np.zeros(n, dtype=np.int64)
        out[ok] = self.duration[self.mode_ptr[:n][ok] + mode[ok]]
        return out

    def objective(self, solution: ProjectSolution) -> int:
        if self.num_activities == 0 or len(solution.start) == 0:
            return 0
        n = min(len(solution.start), self.num_activities)
        return int((solution.start[:n] + self.durations_of(solution)[:n]).max())

    def violations(self, solution: ProjectSolution) -> list[str]:
        """Everything wrong with ``solution``: missing or extra entries, modes that do not
        exist, release dates, deadlines, every time lag, renewable capacity at every time (with
        the unavailability periods), non-renewable budgets. After 50 of a kind, a count."""
        out: list[str] = []
        n = self.num_activities
        label = self.activity_label
        start = np.asarray(solution.start, dtype=np.int64)
        mode = np.asarray(solution.mode, dtype=np.int64)
        present = (
            np.ones(len(start), bool) if solution.present is None else np.asarray(solution.present, bool)
        )
        if not len(start) == len(mode) == len(present):
            return [f"solution arrays differ in length ({len(mode)} modes, {len(start)} starts)"]
        if len(start) > n:
            out.append(f"solution has {len(start)} entries, the instance {n} activities")
            start, mode, present = start[:n], mode[:n], present[:n]
        if len(start) < n:
            pad = n - len(start)
            start = np.concatenate([start, np.zeros(pad, dtype=np.int64)])
            mode = np.concatenate([mode, np.zeros(pad, dtype=np.int64)])
            present = np.concatenate([present, np.zeros(pad, dtype=bool)])
        report(out, np.flatnonzero(~present), lambda j: f"{label(j)} missing")
        count = np.diff(self.mode_ptr)
        bad_mode = present & ((mode < 0) | (mode >= count))
        report(
            out,
            np.flatnonzero(bad_mode),
            lambda j: f"{label(j)}: mode {mode[j] + 1} does not exist (it has {count[j]})",
        )
        ok = present & ~bad_mode
        gm = np.where(ok, self.mode_ptr[:-1] + np.where(ok, mode, 0), 0)
        dur = np.where(ok, self.duration[gm] if n else 0, 0)
        end = start + dur
        early = ok & (start < self.release)
        report(
            out,
            np.flatnonzero(early),
            lambda j: (
                f"{label(j)} starts at {start[j]} < 0"
                if self.release[j] == 0
                else f"{label(j)} starts at {start[j]} before its release date {self.release[j]}"
            ),
        )
        late = ok & (self.deadline >= 0) & (end > self.deadline)
        report(
            out,
            np.flatnonzero(late),
            lambda j: f"{label(j)} ends at {end[j]} after its deadline {self.deadline[j]}",
        )
        self._check_arcs(out, ok, start, dur)
        self._check_renewable(out, ok, gm, start, end)
        for r in range(self.num_nonrenewable):
            used = int(self.consumption[gm[ok], r].sum())
            if used > self.budget[r]:
                out.append(f"non-renewable resource N{r + 1}: modes consume {used} > budget {self.budget[r]}")
        return out

    def _check_arcs(self, out: list[str], ok: np.ndarray, start: np.ndarray, dur: np.ndarray) -> None:
        a, b, lag, fs = self.arc_from, self.arc_to, self.arc_lag, self.arc_fs
        need = start[a] + lag + np.where(fs, dur[a], 0)
        bad = np.flatnonzero(ok[a] & ok[b] & (start[b] < need))
        label = self.activity_label

        def message(e: int) -> str:
            i, j, lg = int(a[e]), int(b[e]), int(lag[e])
            if fs[e]:
                return (
                    f"time lag: {label(j)} starts at {start[j]}, before {label(i)} ends at "
                    f"{start[i] + dur[i]}" + (f" + lag {lg}" if lg else "")
                )
            if lg < 0:
                return (
                    f"maximum time lag: {label(i)} starts {start[i] - start[j]} after {label(j)} "
                    f"(at {start[i]} and {start[j]}), at most {-lg} allowed"
                )
            return (
                f"time lag: {label(j)} starts at {start[j]}, before {label(i)}'s start {start[i]} + lag {lg}"
            )

        report(out, bad, message)

    def _check_renewable(
        self, out: list[str], ok: np.ndarray, gm: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> None:
        act = np.flatnonzero(ok & (end > start))
        for r in range(self.num_resources):
            use = act[self.demand[gm[act], r] > 0]
            on = self.off_resource == r
            if len(use) == 0:
                continue
            times = np.concatenate([start[use], end[use], self.off_start[on], self.off_end[on]])
            dem = self.demand[gm[use], r]
            amt = self.off_amount[on]
            d_act = np.concatenate([dem, -dem, np.zeros(2 * len(amt), dtype=np.int64)])
            d_off = np.concatenate([np.zeros(2 * len(dem), dtype=np.int64), amt, -amt])
            order = np.argsort(times, kind="stable")
            times = times[order]
            usage = np.cumsum(d_act[order])
            off = np.cumsum(d_off[order])
            last = np.flatnonzero(np.append(times[1:] != times[:-1], True))
            t_at, u_at, o_at = times[last], usage[last], off[last]
            cap = int(self.capacity[r])
            over = np.flatnonzero((u_at > 0) & (u_at > cap - o_at))
            report(
                out,
                over,
                lambda i, r=r, t=t_at, u=u_at, o=o_at, c=cap: (
                    f"resource R{r + 1} overloaded at time {t[i]}: usage {u[i]} > capacity {c - o[i]}"
                    + (f" ({o[i]} of {c} unavailable)" if o[i] else "")
                ),
            )

    def solution_from_dict(self, data: dict[str, Any]) -> ProjectSolution:
        if not isinstance(data, dict) or not isinstance(data.get("start"), list):
            raise SolutionFormatError(
                "solution needs a 'start' list and a 'mode' list (one entry per activity)"
            )
        starts = data["start"]
        modes = data.get("mode", [0] * len(starts) if self.single_mode else None)
        if not isinstance(modes, list):
            raise SolutionFormatError("solution needs a 'mode' list (one mode position per activity, from 0)")
        if len(modes) != len(starts):
            raise SolutionFormatError(f"solution has {len(modes)} modes but {len(starts)} start times")
        vals: list[int] = []
        mvals: list[int] = []
        present: list[bool] = []
        for j, (m, s) in enumerate(zip(modes, starts, strict=True)):
            if s is None or m is None:
                vals.append(0)
                mvals.append(0)
                present.append(False)
                continue
            for what, v in (("start", s), ("mode", m)):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise SolutionFormatError(
                        f"{what} of {self.activity_label(j)} must be an integer or null, got {v!r}"
                    )
            vals.append(s)
            mvals.append(m)
            present.append(True)
        return ProjectSolution(
            np.array(mvals, dtype=np.int64), np.array(vals, dtype=np.int64), np.array(present)
        )

    def gantt(self, solution: ProjectSolution) -> list[GanttBar]:
        """One row per activity of positive duration, coloured by its mode."""
        bars = []
        dur = self.durations_of(solution)
        for j in range(len(dur)):
            if dur[j] == 0 or (solution.present is not None and not solution.present[j]):
                continue
            s = int(solution.start[j])
            num = j + self.number_from
            bars.append(
                GanttBar(f"A{num}", s, s + int(dur[j]), f"mode {int(solution.mode[j]) + 1}", str(num))
            )
        return bars


def longest_paths(
    initial: np.ndarray, arc_from: np.ndarray, arc_to: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray | None, list[int] | None]:
    """Longest distances ``dist[j] = max(initial[j], dist[i] + weight)`` over arcs ``i -> j``.

    Returns ``(dist, None)``, or ``(None, cycle)`` when a cycle of positive length exists
    (``cycle``: its nodes in order, or ``[]`` when it could not be traced). Bellman-Ford in
    rounds over all arcs (numpy), at most ``n`` rounds.
    """
    n = len(initial)
    dist = np.asarray(initial, dtype=np.int64).copy()
    pred = np.full(n, -1, dtype=np.int64)
    if len(arc_from) == 0:
        return dist, None
    for _ in range(n + 1):
        cand = dist[arc_from] + weight
        best = dist.copy()
        np.maximum.at(best, arc_to, cand)
        improved = best > dist
        if not improved.any():
            return dist, None
        hit = np.flatnonzero(improved[arc_to] & (cand == best[arc_to]))
        pred[arc_to[hit]] = arc_from[hit]
        dist = best
    return None, _trace_cycle(pred, arc_from, arc_to, weight, int(np.flatnonzero(improved)[0]))


def _trace_cycle(
    pred: np.ndarray, arc_from: np.ndarray, arc_to: np.ndarray, weight: np.ndarray, v: int
) -> list[int]:
    """A positive cycle in the predecessor graph reached from ``v``, or [] if none is found."""
    n = len(pred)
    for _ in range(n):
        if pred[v] < 0:
            return []
        v = int(pred[v])
    cycle = [v]
    u = int(pred[v])
    while u != v and len(cycle) <= n:
        cycle.append(u)
        u = int(pred[u])
    if u != v:
        return []
    cycle.reverse()
    best: dict[tuple[int, int], int] = {}
    for a, b, w in zip(arc_from.tolist(), arc_to.tolist(), weight.tolist(), strict=True):
        best[(a, b)] = max(best.get((a, b), w), w)
    length = sum(best.get((cycle[i], cycle[(i + 1) % len(cycle)]), -(10**18)) for i in range(len(cycle)))
    return cycle if length > 0 else []


def _profile(
    start: np.ndarray, end: np.ndarray, amount: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Times where the summed ``amount`` of the masked ``[start, end)`` ranges changes, and the
    sum from each such time on."""
    times = np.concatenate([start[mask], end[mask]])
    delta = np.concatenate([amount[mask], -amount[mask]])
    order = np.argsort(times, kind="stable")
    times, total = times[order], np.cumsum(delta[order])
    last = np.flatnonzero(np.append(times[1:] != times[:-1], True)) if len(times) else np.zeros(0, np.int64)
    return times[last], total[last]


def _matrix(name: str, values: Any, rows: int, cols: int) -> np.ndarray:
    arr = valid.int_array(name, values, ndim=None)
    if arr.size != rows * cols:
        raise InvalidProblemError(f"{name} matrix is {np.shape(values)}, expected ({rows}, {cols})")
    return arr.reshape(rows, cols)


def _row(where: str, values: Any, length: int, other: str) -> list[int]:
    row = valid.entries(where, values, "integer", minimum=0)
    if len(row) != length:
        raise InvalidProblemError(f"{where}: {len(row)} values for {length} {other}, got {list(row)!r:.80}")
    return [valid.integer(where, "value", v, 0) for v in row]
