"""The contract every problem class and its solution type fulfil.

A problem knows nothing about solvers or files: it holds validated data, evaluates a
solution (``objective``), lists what is wrong with one (``violations``, the independent
feasibility checker), gives a trivial lower bound and a summary for ``schedkit info``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from schedkit.errors import InvalidParameterError


@dataclass(frozen=True)
class GanttBar:
    """One bar of a Gantt chart: ``resource`` is the row label, ``group`` picks the colour."""

    resource: str
    start: float
    end: float
    group: int | str
    label: str = ""


class Solution(ABC):
    """A problem-specific solution with a JSON form."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (without the envelope written by ``save_solution``)."""


class Problem(ABC):
    """Base of all problem classes.

    Subclasses set ``kind`` (the registry key, e.g. ``"jssp"``), ``objective_name``
    (e.g. ``"makespan"``) and ``solution_type``.
    """

    kind: ClassVar[str]
    objective_name: ClassVar[str]
    title: ClassVar[str]
    solution_type: ClassVar[type[Solution]]
    name: str

    @abstractmethod
    def objective(self, solution: Any) -> float | int:
        """Objective value of ``solution`` (which must be feasible)."""

    @abstractmethod
    def violations(self, solution: Any) -> list[str]:
        """Human-readable list of everything that makes ``solution`` infeasible; [] if none."""

    @abstractmethod
    def lower_bound(self) -> float | int:
        """A trivial, cheaply computed lower bound on the optimum."""

    @abstractmethod
    def summary(self) -> dict[str, Any]:
        """Ordered facts for ``schedkit info``: sizes, bounds, totals."""

    @abstractmethod
    def solution_from_dict(self, data: dict[str, Any]) -> Solution:
        """Rebuild a solution from ``Solution.to_dict()`` output; raise SolutionFormatError."""

    def objectives(self) -> tuple[str, ...]:
        """The objectives ``solve(objective=...)`` accepts for this instance (default first)."""
        return (self.objective_name,)

    def check_objective(self, objective: str | None) -> str:
        """The objective's name (the default when None); InvalidParameterError for another."""
        if objective is None or objective == self.objective_name:
            return self.objective_name
        valid = ", ".join(self.objectives())
        raise InvalidParameterError(f"unknown objective {objective!r} for {self.kind} (valid: {valid})")

    def evaluate(self, solution: Any, objective: str | None = None) -> float | int:
        """Value of ``objective`` (default: the class's own) for the feasible ``solution``."""
        self.check_objective(objective)
        return self.objective(solution)

    def objective_bound(self, objective: str | None = None) -> float | int:
        """A trivial lower bound of ``objective`` (default: :meth:`lower_bound`)."""
        self.check_objective(objective)
        return self.lower_bound()

    def features(self) -> frozenset[str]:
        """Feasibility-relevant extras of this instance (e.g. setups) a method must declare
        to take it; empty for plain instances."""
        return frozenset()

    def gantt(self, solution: Any) -> list[GanttBar]:
        """Bars to draw for ``solution``; problems without a time axis may return []."""
        return []

    def to_frame(self, solution: Any) -> Any:
        """``solution`` as a pandas DataFrame, one row per scheduled item (operation, job,
        activity or migration); columns per class in :mod:`schedkit.frames`."""
        from schedkit.frames import schedule_frame

        return schedule_frame(self, solution)
