"""Priority pod placement on CP-SAT: the count model, lexicographically, level by level.

The model and the scheme are :mod:`schedkit.structure.pods`'s: one stage per priority level
from the highest (minimise the level's unplaced pods with the levels above kept at least at
their best count), then one for moves + evictions, each stage hinted with the incumbent and
given half of the time left (the last one all of it), so the whole call keeps the time limit.
The start is the best of ``rule:default``, ``rule:bfd`` and ``rule:preempt``. Proven stages
make the bound; a stage cut by the clock ends the proof (the later stages still improve the
incumbent).
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.pods import PodPlacement
from schedkit.result import Result
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.pods import polish, start_placement
from schedkit.structure.pods import (
    GE,
    CountModel,
    Objective,
    Row,
    StageOutcome,
    solve_lexicographic,
    start_context,
)

#: the domain ends of a one-sided linear row
_INF = 2**62
#: CP-SAT parameters of every stage
PARAMETERS: dict[str, object] = {}
#: models with more variables than this are solved without CP-SAT's presolve: on a generated
#: 1000-node cluster (43,000 variables) it took 4.7 s before the search could start, on 100
#: nodes (1,900 variables) about 0.3 s
PRESOLVE_LIMIT = 10_000
#: seconds by which a stage's CP-SAT run is set to end before its share, per variable: loading
#: the model and the hint, and stopping, made a 43,000-variable stage run 0.07 s past its limit
SLACK_PER_VARIABLE = 3e-6


class _CpsatBackend:
    """The count model as one CP-SAT model, rows added between stages. The model is written
    into its proto directly (four times faster than through ``CpModel.add`` on 1000 nodes)."""

    def __init__(self, cm: CountModel, ctx: SolveContext):
        self.ctx = ctx
        self.model = cp_model.CpModel()
        self.size = cm.size
        variables = self.model.proto.variables
        for u in cm.ub.tolist():
            variables.add().domain.extend([0, u])
        for row in cm.rows:
            self.add_row(row)

    def add_row(self, row: Row) -> None:
        lin = self.model.proto.constraints.add().linear
        lin.vars.extend(row.vars.tolist())
        lin.coeffs.extend(row.coefs.tolist())
        lin.domain.extend([row.rhs, _INF] if row.sense == GE else [-_INF, row.rhs])

    def solve(self, objective: Objective, hint: np.ndarray, limit: float | None) -> StageOutcome:
        variables, coefs, const = objective
        proto = self.model.proto
        proto.clear_objective()
        proto.objective.vars.extend(variables.tolist())
        proto.objective.coeffs.extend(coefs.tolist())
        proto.clear_solution_hint()
        proto.solution_hint.vars.extend(range(self.size))
        proto.solution_hint.values.extend(hint.tolist())
        params: dict[str, object] = {}
        if limit is not None:
            params["max_time_in_seconds"] = max(0.001, limit - 0.01 - SLACK_PER_VARIABLE * self.size)
        if self.size > PRESOLVE_LIMIT:
            params["cp_model_presolve"] = False
        out = run_cpsat(self.model, self.ctx, **{**params, **PARAMETERS})
        values = np.asarray(out.solver.response_proto.solution, dtype=np.int64) if out.has_solution else None
        # without a solution CP-SAT reports a bound of 0 that proves nothing: kept only with one
        bound = None if out.bound is None or not out.has_solution else int(out.bound) + const
        return StageOutcome(out.status, values, bound)


def solve(problem: PodPlacement, ctx: SolveContext) -> Result:
    """Most pods per priority level, then fewest moves + evictions (module docstring)."""
    start = start_placement(problem, start_context(problem, ctx))
    return solve_lexicographic(
        problem, ctx, start, lambda cm: _CpsatBackend(cm, ctx), repair=lambda x: polish(problem, x, ctx)
    )
