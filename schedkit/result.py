"""The result every method returns, exact or heuristic."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from schedkit.errors import InvalidParameterError


class Status(enum.Enum):
    """Outcome of a solve call."""

    OPTIMAL = "optimal"  # the objective is proven optimal
    FEASIBLE = "feasible"  # a solution, optimality not proven
    INFEASIBLE = "infeasible"  # proven that no solution exists
    UNKNOWN = "unknown"  # no solution found and no proof either

    def __str__(self) -> str:
        return self.name


@dataclass
class Result:
    """What :func:`schedkit.solve` returns.

    Attributes
    ----------
    status
        :class:`Status` of the call.
    objective
        Objective value of the incumbent (recomputed by the problem), ``None`` without one.
    lower_bound
        Best proven lower bound; equals ``objective`` when the status is OPTIMAL.
    solution
        Problem-specific solution object, re-checked by the independent checker.
    runtime
        Wall-clock seconds of the whole call, model building and checking included.
    method
        Method name as the user typed it (``"cpsat"``, ``"rule:mwkr"`` ...).
    objective_name
        The objective minimised (``solve(objective=)``, default the class's own).
    stats
        Method-specific figures (nodes, iterations, solver messages...).
    """

    status: Status
    objective: float | int | None
    lower_bound: float | int | None
    solution: Any | None
    runtime: float = 0.0
    method: str = ""
    problem_kind: str = ""
    #: the objective minimised (e.g. "makespan", "weighted_tardiness")
    objective_name: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative gap ``(objective - lower_bound) / objective`` (0 when both are 0)."""
        if self.objective is None or self.lower_bound is None:
            return None
        if self.objective == 0:
            return 0.0 if self.lower_bound >= 0 else None
        return (self.objective - self.lower_bound) / abs(self.objective)

    def to_frame(self, problem: Any) -> Any:
        """The solution as a pandas DataFrame (``problem.to_frame(result.solution)``): one row
        per operation, job, activity or migration; InvalidParameterError without a solution."""
        if self.problem_kind and problem.kind != self.problem_kind:
            raise InvalidParameterError(
                f"this result solves a {self.problem_kind} problem, not {problem.kind}"
            )
        return problem.to_frame(self.solution)

    def summary(self) -> str:
        """One line for humans: status, the objective by name and value (``weighted_tardiness
        1109``), bound, time."""
        obj = "-" if self.objective is None else _fmt(self.objective)
        lb = "-" if self.lower_bound is None else _fmt(self.lower_bound)
        gap = "" if self.gap is None else f" gap {100 * self.gap:.2f}%"
        name = self.objective_name or "objective"
        return f"{self.status} {name} {obj} lower bound {lb}{gap} time {self.runtime:.2f}s"


def _fmt(v: float | int) -> str:
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.6g}"
    return str(int(v))
