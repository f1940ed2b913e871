"""The objectives of the shop problems (:data:`schedkit.problems.shop_extras.OBJECTIVES`) as MIP
rows on PuLP, from one linear end expression per job; shared by the job-shop and FJSP models,
with the fast row and variable builders they use."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pulp

#: a linear expression ``sum(coef * var) + constant``
Linear = tuple[list[tuple[pulp.LpVariable, int]], int]


def le(terms: list[tuple[pulp.LpVariable, int]], rhs: int) -> pulp.LpConstraint:
    """``sum(coef * var) <= rhs``, built directly (much faster than PuLP's operators)."""
    return pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=rhs)


def var(prob: pulp.LpProblem, name: str, lo: int, hi: int, cat: str = pulp.LpContinuous) -> pulp.LpVariable:
    """A variable of ``prob`` (PuLP >= 3.3 attaches it on creation; older versions do not)."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lo, hi, cat=cat)
    return pulp.LpVariable(name, lo, hi, cat=cat)


def add_objective(
    prob: pulp.LpProblem,
    objective: str,
    ends: list[Linear],
    due: np.ndarray | None,
    weight: np.ndarray,
    bound0: int,
    horizon: int,
) -> Callable[[np.ndarray], list[tuple[pulp.LpVariable, int]]]:
    """Minimise ``objective`` of the job ends ``ends`` (each at most ``horizon``; ``bound0`` a
    lower bound of the objective); returns the warm-start values of the variables it adds, for
    given job ends."""
    n = len(ends)

    def rows(goal: Callable[[int], tuple[pulp.LpVariable, int]], offset: Callable[[int], int]) -> None:
        """Per job ``terms + const - coef * v <= offset``, with ``(v, coef) = goal(j)``."""
        for j, (terms, const) in enumerate(ends):
            v, coef = goal(j)
            prob.addConstraint(le([*terms, (v, -coef)], offset(j) - const), f"end_{j}")

    if objective == "makespan":
        cmax = var(prob, "cmax", bound0, horizon)
        prob += cmax
        rows(lambda j: (cmax, 1), lambda j: 0)
        return lambda e: [(cmax, int(e.max()))]
    w = [int(x) for x in weight]
    if objective == "weighted_completion":
        c = [var(prob, f"c{j}", 0, horizon) for j in range(n)]
        prob += pulp.LpAffineExpression([(c[j], w[j]) for j in range(n)])
        rows(lambda j: (c[j], 1), lambda j: 0)
        return lambda e: [(c[j], int(e[j])) for j in range(n)]
    assert due is not None  # api.solve checked that the objective has its due dates
    d = [int(x) for x in due]
    if objective == "weighted_tardiness":
        t = [var(prob, f"t{j}", 0, max(0, horizon - d[j])) for j in range(n)]
        prob += pulp.LpAffineExpression([(t[j], w[j]) for j in range(n)])
        rows(lambda j: (t[j], 1), lambda j: d[j])
        return lambda e: [(t[j], max(0, int(e[j]) - d[j])) for j in range(n)]
    if objective == "max_lateness":
        lmax = var(prob, "lmax", bound0, horizon - min(d))
        prob += lmax
        rows(lambda j: (lmax, 1), lambda j: d[j])
        return lambda e: [(lmax, int((e - np.array(d)).max()))]
    if objective == "tardy_jobs":
        u = [var(prob, f"u{j}", 0, 1, pulp.LpBinary) for j in range(n)]
        prob += pulp.LpAffineExpression([(u[j], 1) for j in range(n)])
        rows(lambda j: (u[j], max(0, horizon - d[j])), lambda j: d[j])
        return lambda e: [(u[j], int(e[j] > d[j])) for j in range(n)]
    raise AssertionError(objective)  # api.solve validated the name
