"""Single-machine total (weighted) tardiness as a MIP (PuLP; HiGHS by default, CBC on request).

Option ``formulation``:

* ``positional`` (default): ``x[j,k] = 1`` when job ``j`` is in position ``k``; the completion
  time of position ``k`` is ``Σ_{l<=k} Σ_j p_j x[j,l]``. Unweighted: tardiness per position,
  ``T_k >= C_k - Σ_j d_j x[j,k]`` (the assignment model of the LLM-heuristics study's MIP
  baseline). Weighted: tardiness per job, ``T_j >= C_k - d_j - M_jk (1 - x[j,k])`` with
  ``M_jk`` the largest possible ``C_k - d_j``.
* ``lop`` (linear ordering / disjunctive without big-M): ``y[i,j] = 1`` when ``i`` precedes
  ``j``; ``C_j = p_j + Σ_i p_i y[i,j]`` exactly, transitivity on every triple.
* ``time`` (time-indexed): ``x[j,t] = 1`` when ``j`` starts at ``t``; one job at a time in
  every unit period. Strong LP bound, size ``n x Σp`` — only for small total processing time.

Every formulation adds the valid dominance precedences "``i`` before ``j`` when ``p_i <= p_j``,
``d_i <= d_j`` and ``w_i >= w_j``" and starts from a local-search sequence (warm start).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pulp

from schedkit.context import SolveContext, abandon
from schedkit.errors import InvalidParameterError
from schedkit.heuristics.tardiness_rules import best_rule
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, run_pulp
from schedkit.solvers.tardiness_ls import descend

FORMULATIONS = ("positional", "lop", "time")
MAX_TIME_INDEXED = 2_000_000  # nonzeros of the capacity rows


def dominance_pairs(problem: Tardiness) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``: some optimal sequence has ``i`` before ``j`` (p, d no larger, w no smaller).

    Identical jobs are ordered by number, so the relation has no cycles.
    """
    p, d, w = problem.p, problem.d, problem.w
    le = (p[:, None] <= p[None, :]) & (d[:, None] <= d[None, :]) & (w[:, None] >= w[None, :])
    same = (p[:, None] == p[None, :]) & (d[:, None] == d[None, :]) & (w[:, None] == w[None, :])
    idx = np.arange(problem.num_jobs)
    rel = le & (~same | (idx[:, None] < idx[None, :]))
    np.fill_diagonal(rel, False)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(rel), strict=True)]


def _start_sequence(problem: Tardiness, ctx: SolveContext) -> np.ndarray:
    _, seq, _ = best_rule(problem)
    seq = np.ascontiguousarray(seq, dtype=np.int64)
    if ctx.hint is not None and not problem.violations(ctx.hint):
        hint = np.ascontiguousarray(ctx.hint.sequence, dtype=np.int64)
        if problem.tardiness_of(hint) < problem.tardiness_of(seq):
            seq = hint
    descend(seq, problem.p, problem.d, problem.w)
    return seq


def _positional(problem: Tardiness, start: np.ndarray) -> tuple[pulp.LpProblem, object]:
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    prob = pulp.LpProblem("smtt_positional", pulp.LpMinimize)
    x = [[pulp.LpVariable(f"x_{j}_{k}", cat="Binary") for k in range(n)] for j in range(n)]
    for j in range(n):
        prob += pulp.lpSum(x[j]) == 1
    for k in range(n):
        prob += pulp.lpSum(x[j][k] for j in range(n)) == 1
    comp = []
    for k in range(n):
        c = pulp.LpVariable(f"C_{k}", lowBound=0)
        prev = comp[-1] if comp else 0
        prob += c == prev + pulp.lpSum(p[j] * x[j][k] for j in range(n))
        comp.append(c)
    desc = np.cumsum(np.sort(problem.p)[::-1])
    if problem.unit_weights:
        tard = [pulp.LpVariable(f"T_{k}", lowBound=0) for k in range(n)]
        for k in range(n):
            prob += tard[k] >= comp[k] - pulp.lpSum(d[j] * x[j][k] for j in range(n))
        prob += pulp.lpSum(tard)
    else:
        tard = [pulp.LpVariable(f"T_{j}", lowBound=0) for j in range(n)]
        for j in range(n):
            for k in range(n):
                big = int(desc[k]) - d[j]
                if big > 0:
                    prob += tard[j] >= comp[k] - d[j] - big * (1 - x[j][k])
        prob += pulp.lpSum(w[j] * tard[j] for j in range(n))
    for i, j in dominance_pairs(problem):
        prob += pulp.lpSum(k * (x[j][k] - x[i][k]) for k in range(n)) >= 1
    pos = np.empty(n, dtype=np.int64)
    pos[start] = np.arange(n)
    for j in range(n):
        for k in range(n):
            x[j][k].setInitialValue(1 if pos[j] == k else 0)

    def extract() -> np.ndarray:
        vals = np.array([[x[j][k].varValue or 0.0 for k in range(n)] for j in range(n)])
        return np.argmax(vals, axis=0)

    return prob, extract


def _lop(problem: Tardiness, start: np.ndarray) -> tuple[pulp.LpProblem, object]:
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    prob = pulp.LpProblem("smtt_lop", pulp.LpMinimize)
    y = {(i, j): pulp.LpVariable(f"y_{i}_{j}", cat="Binary") for i in range(n) for j in range(i + 1, n)}

    def before(i: int, j: int) -> pulp.LpAffineExpression | pulp.LpVariable:
        return y[i, j] if i < j else 1 - y[j, i]

    tard = [pulp.LpVariable(f"T_{j}", lowBound=0) for j in range(n)]
    for j in range(n):
        prob += tard[j] >= p[j] - d[j] + pulp.lpSum(p[i] * before(i, j) for i in range(n) if i != j)
    for i, j, k in itertools.combinations(range(n), 3):
        prob += y[i, j] + y[j, k] - y[i, k] <= 1
        prob += y[i, j] + y[j, k] - y[i, k] >= 0
    for i, j in dominance_pairs(problem):
        if i < j:
            prob += y[i, j] == 1
        else:
            prob += y[j, i] == 0
    prob += pulp.lpSum(w[j] * tard[j] for j in range(n))
    pos = np.empty(n, dtype=np.int64)
    pos[start] = np.arange(n)
    for (i, j), var in y.items():
        var.setInitialValue(1 if pos[i] < pos[j] else 0)

    def extract() -> np.ndarray:
        preds = np.zeros(n)
        for (i, j), var in y.items():
            if (var.varValue or 0.0) > 0.5:
                preds[j] += 1
            else:
                preds[i] += 1
        return np.argsort(preds, kind="stable")

    return prob, extract


def _time_indexed(problem: Tardiness, start: np.ndarray) -> tuple[pulp.LpProblem, object]:
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    horizon = int(problem.p.sum())
    size = sum((horizon - p[j] + 1) * max(1, p[j]) for j in range(n))
    if size > MAX_TIME_INDEXED:
        raise InvalidParameterError(
            f"time-indexed model would have {size} nonzeros (limit {MAX_TIME_INDEXED}); "
            f"use formulation=positional or lop"
        )
    prob = pulp.LpProblem("smtt_time", pulp.LpMinimize)
    x = [[pulp.LpVariable(f"x_{j}_{t}", cat="Binary") for t in range(horizon - p[j] + 1)] for j in range(n)]
    for j in range(n):
        prob += pulp.lpSum(x[j]) == 1
    for s in range(horizon):
        terms = [
            x[j][t]
            for j in range(n)
            if p[j] > 0
            for t in range(max(0, s - p[j] + 1), min(s, horizon - p[j]) + 1)
        ]
        if len(terms) > 1:
            prob += pulp.lpSum(terms) <= 1
    prob += pulp.lpSum(
        w[j] * (t + p[j] - d[j]) * x[j][t] for j in range(n) for t in range(len(x[j])) if t + p[j] > d[j]
    )
    begin = np.concatenate([[0], np.cumsum(problem.p[start])[:-1]])
    st = np.empty(n, dtype=np.int64)
    st[start] = begin
    for j in range(n):
        for t, var in enumerate(x[j]):
            var.setInitialValue(1 if st[j] == t else 0)

    def extract() -> np.ndarray:
        starts = np.array(
            [max(range(len(x[j])), key=lambda t, j=j: x[j][t].varValue or 0.0) for j in range(n)]
        )
        return np.lexsort((problem.p, starts))  # zero-length jobs first at equal starts

    return prob, extract


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Methods ``mip`` / ``mip-cbc`` with option ``formulation`` (see the module docstring)."""
    form = ctx.choice_option("formulation", "positional", tuple(FORMULATIONS))
    backend = backend_of(ctx.method)
    start = _start_sequence(problem, ctx)
    if problem.tardiness_of(start) <= problem.lower_bound():  # the start sequence is provably optimal
        return Result(Status.OPTIMAL, None, problem.lower_bound(), TardinessSolution(start))
    build = {"positional": _positional, "lop": _lop, "time": _time_indexed}[form]
    built = _build_interruptibly(build, problem, start, ctx)
    solution = TardinessSolution(start)
    if built is None:  # stop requested or time up while building: the start sequence
        return Result(Status.FEASIBLE, None, None, solution, stats={"formulation": form, "stopped": True})
    prob, extract = built
    out = run_pulp(prob, ctx, backend=backend, warm_start=True)
    if out.has_solution:
        seq = extract()
        if not problem.violations(TardinessSolution(seq)) and problem.tardiness_of(
            seq
        ) <= problem.tardiness_of(start):
            solution = TardinessSolution(seq)
    status = out.status
    bound = out.bound
    if status is Status.OPTIMAL and (bound is None or problem.objective(solution) > bound):
        status = Status.FEASIBLE  # never claim optimality for a sequence the proof does not cover
    return Result(status, None, bound, solution, stats={"formulation": form, "backend": backend})


def _build_interruptibly(build: Any, problem: Tardiness, start: np.ndarray, ctx: SolveContext) -> Any:
    """Build the model in a daemon thread (pure Python, seconds for n=500); ``None`` when
    ``ctx.stop`` is set or the time limit passes first. Build errors are re-raised here."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["model"] = build(problem, start)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="smtt-mip-build", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.05)
        if ctx.expired() and thread.is_alive():  # a stop, or the time limit spent on building
            abandon(thread)
            return None
    if "error" in box:
        raise box["error"]
    return box["model"]
