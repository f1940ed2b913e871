"""Priority pod placement as a MIP (PuLP; HiGHS by default, CBC for ``mip-cbc``).

The same lexicographic scheme as ``cpsat`` (not a weighted single objective: the weights that
make the levels dominate reach 1e15 and more, far beyond the solvers' tolerances): the count
model of :mod:`schedkit.structure.pods` as one PuLP problem, one stage per priority level from
the highest, then moves + evictions, each stage warm-started from the incumbent with half the
time left (the last one all of it) and the rows "level placed >= its best count" added after its stage.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.problems.pods import PodPlacement
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, check_model_size, run_pulp
from schedkit.solvers.rules.pods import polish, start_placement
from schedkit.structure.pods import (
    GE,
    CountModel,
    Objective,
    Row,
    StageOutcome,
    build,
    solve_lexicographic,
    start_context,
)

#: seconds per variable by which a stage's solve is set to end before its share: reading the
#: solution back through PuLP made a 43,000-variable stage end 0.4 s after its limit, and with
#: 1e-5 the 1000-node runs still ended up to 0.54 s late under load
SLACK_PER_VARIABLE = 2.5e-5


class _PulpBackend:
    def __init__(self, cm: CountModel, ctx: SolveContext):
        self.ctx = ctx
        self.backend = backend_of(ctx.method)
        self.prob = pulp.LpProblem("pods", pulp.LpMinimize)
        self.x = [
            self.prob.add_variable(f"x{i}", 0, int(u), cat="Integer") for i, u in enumerate(cm.ub.tolist())
        ]
        for row in cm.rows:
            self.add_row(row)

    def add_row(self, row: Row) -> None:
        expr = pulp.LpAffineExpression(
            list(zip([self.x[i] for i in row.vars.tolist()], row.coefs.tolist(), strict=True))
        )
        self.prob += (expr >= row.rhs if row.sense == GE else expr <= row.rhs), row.name

    def solve(self, objective: Objective, hint: np.ndarray, time_limit: float | None) -> StageOutcome:
        variables, coefs, const = objective
        terms = list(zip([self.x[i] for i in variables.tolist()], coefs.tolist(), strict=True))
        self.prob.setObjective(pulp.LpAffineExpression(terms))
        for var, val in zip(self.x, hint.tolist(), strict=True):
            var.setInitialValue(val)
        sub = self.ctx
        if time_limit is not None:  # PuLP reads the answer back after the solver stops
            end = self.ctx.elapsed() + max(0.01, time_limit - SLACK_PER_VARIABLE * len(self.x))
            sub = dataclasses.replace(self.ctx, time_limit=end)
        try:
            out = run_pulp(self.prob, sub, backend=self.backend, warm_start=True)
        except IndexError:
            # PuLP reads HiGHS's column values even when a cancelled run has none (seen on
            # 1000-node clusters stopped at the limit): the stage ends without an answer
            return StageOutcome(Status.UNKNOWN, None, None)
        values = None
        if out.has_solution:
            values = np.array([round(v.varValue or 0) for v in self.x], dtype=np.int64)
        # without a solution CP-SAT reports a bound of 0 that proves nothing: kept only with one
        bound = None if out.bound is None or not out.has_solution else int(out.bound) + const
        return StageOutcome(out.status, values, bound)


def solve(problem: PodPlacement, ctx: SolveContext) -> Result:
    """Most pods per priority level, then fewest moves + evictions, stage by stage."""
    start = start_placement(problem, start_context(problem, ctx))
    model = build(problem)
    check_model_size(model.size, "variables", "cpsat")
    return solve_lexicographic(
        problem, ctx, start, lambda cm: _PulpBackend(cm, ctx), model, repair=lambda x: polish(problem, x, ctx)
    )
