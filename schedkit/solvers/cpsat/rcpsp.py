"""RCPSP on CP-SAT: fixed-size intervals, one cumulative per resource, precedences.

Redundant reasoning that pays off on PSPLIB:

* a heuristic schedule (serial/parallel SGS with forward-backward improvement) gives the
  horizon and the hint (unless the caller passes one), so start domains are the time
  windows ``[earliest start, horizon - tail]``;
* the makespan is bounded below by the critical path and by the energy bound of each
  resource, and above by the heuristic makespan;
* precedence energy (option ``energy``): the work of an activity's transitive predecessors
  (successors) on a resource, divided by its capacity, delays its start (and the project
  end after it), tightening start windows and adding ``makespan >= start + tail`` rows;
* activities that can never overlap (their summed demand exceeds a capacity) are put in
  no-overlap constraints: one per maximal clique of such "disjunctive" activities found
  greedily (option ``cliques``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.result import Result, Status
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.solvers.rules.rcpsp import best_schedule


@dataclass
class RcpspModel:
    """A built CP-SAT model and its start variables."""

    model: cp_model.CpModel
    starts: list[cp_model.IntVar]

    def read(self, value: Callable[[cp_model.IntVar], int]) -> np.ndarray:
        """Start times from a solver's or a callback's ``value``."""
        return np.array([value(s) for s in self.starts], dtype=np.int64)


def build_model(
    problem: Rcpsp, ub: int, lb: int, hint: np.ndarray, *, energy: bool = True, cliques: bool = True
) -> RcpspModel:
    """The makespan model with ``lb <= makespan <= ub``; ``hint`` (start times) is hinted in full."""
    p = problem
    n = p.num_activities
    es = p.earliest_starts()
    tail = p.tails()
    if energy:
        e_head, e_tail = p.precedence_energy()
        es = np.maximum(es, e_head)
        tail = np.maximum(tail, p.duration + e_tail)
    model = cp_model.CpModel()
    starts = [model.new_int_var(int(es[j]), max(int(es[j]), int(ub - tail[j])), f"s{j}") for j in range(n)]
    intervals = [model.new_fixed_size_interval_var(starts[j], int(p.duration[j]), f"i{j}") for j in range(n)]
    for a, b in zip(p.edge_from, p.edge_to, strict=True):
        model.add(starts[int(b)] >= starts[int(a)] + int(p.duration[a]))
    busy = p.duration > 0
    for r in range(p.num_resources):
        users = np.flatnonzero(busy & (p.demand[:, r] > 0))
        if len(users) == 0:
            continue
        if p.demand[users, r].sum() <= p.capacity[r]:
            continue  # never binding
        model.add_cumulative(
            [intervals[j] for j in users], [int(p.demand[j, r]) for j in users], int(p.capacity[r])
        )
    if cliques:
        for clique in p.disjunctive_cliques():
            model.add_no_overlap([intervals[j] for j in clique])
    makespan = model.new_int_var(min(lb, ub), ub, "makespan")
    terminal = np.flatnonzero(np.diff(p.succ_ptr) == 0)
    for j in terminal:
        model.add(makespan >= starts[int(j)] + int(p.duration[j]))
    for j in range(n):  # what must follow j (critical path or precedence energy) ends the project
        if tail[j] > p.duration[j] and np.diff(p.succ_ptr)[j] > 0:
            model.add(makespan >= starts[j] + int(tail[j]))
    model.minimize(makespan)
    for j in range(n):
        model.add_hint(starts[j], int(hint[j]))
    model.add_hint(makespan, int((hint + p.duration).max()) if n else 0)
    return RcpspModel(model, starts)


def solve(problem: Rcpsp, ctx: SolveContext) -> Result:
    """Minimise the makespan; returns CP-SAT's proven bound."""
    p = problem
    n = p.num_activities
    heur = best_schedule(p, seed=ctx.seed)
    ub = int((heur + p.duration).max()) if n else 0
    hint = heur
    if isinstance(ctx.hint, RcpspSolution) and not p.violations(ctx.hint):
        given = np.asarray(ctx.hint.start, dtype=np.int64)
        if int((given + p.duration).max()) <= ub:
            hint, ub = given, int((given + p.duration).max())
    lb = p.lower_bound()
    if ub <= lb:  # the heuristic is already optimal
        return Result(Status.OPTIMAL, ub, ub, RcpspSolution(hint), stats={"heuristic": ub})
    built = build_model(
        p, ub, lb, hint, energy=ctx.bool_option("energy", True), cliques=ctx.bool_option("cliques", True)
    )
    out = run_cpsat(built.model, ctx, on_solution=lambda cb: RcpspSolution(built.read(cb.value)))
    stats = {
        "heuristic": ub,
        "branches": out.solver.num_branches,
        "conflicts": out.solver.num_conflicts,
    }
    if out.has_solution:
        solution = RcpspSolution(built.read(out.solver.value))
    elif isinstance(ctx.incumbent, RcpspSolution):
        solution = ctx.incumbent
    else:
        solution = RcpspSolution(hint)
    bound = out.bound if out.bound is not None else lb
    return Result(out.status if out.has_solution else Status.FEASIBLE, None, bound, solution, stats=stats)
