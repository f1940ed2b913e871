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

The positional and linear-ordering models add the valid dominance precedences "``i`` before
``j`` when ``p_i <= p_j``, ``d_i <= d_j`` and ``w_i >= w_j``" (those the start sequence keeps),
and every model starts from a local-search sequence (a complete warm start).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.problems.tardiness import Tardiness, TardinessSolution
from schedkit.result import Result, Status
from schedkit.shutdown import abandon
from schedkit.solvers.mip.runner import backend_of, check_model_size, interrupt_thread, run_pulp
from schedkit.solvers.search.tardiness import improved_start
from schedkit.structure.tardiness import dominance_pairs

FORMULATIONS = ("positional", "lop", "time")
MAX_TIME_INDEXED = 2_000_000  # nonzeros of the capacity rows
#: share of the time the warm start (best rule + insertion descent) may take
START_SHARE = 0.25
HANDOVER = 1.2  # PuLP's hand-over of a model to the solver, relative to building it (n = 500: 0.9-1.4)


def _affine(terms: list[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> pulp.LpAffineExpression:
    """A linear expression from (variable, coefficient) pairs, without PuLP's operator overhead
    (building the n = 500 positional model with operators took minutes)."""
    return pulp.LpAffineExpression(terms, constant=constant)


def _positional(problem: Tardiness, start: np.ndarray) -> tuple[pulp.LpProblem, object]:
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    prob = pulp.LpProblem("smtt_positional", pulp.LpMinimize)
    x = [[pulp.LpVariable(f"x_{j}_{k}", cat="Binary") for k in range(n)] for j in range(n)]
    for j in range(n):
        prob += _affine([(x[j][k], 1) for k in range(n)]) == 1
    for k in range(n):
        prob += _affine([(x[j][k], 1) for j in range(n)]) == 1
    comp = []
    for k in range(n):
        c = pulp.LpVariable(f"C_{k}", lowBound=0)
        terms = [(x[j][k], p[j]) for j in range(n)] + ([(comp[-1], 1)] if comp else [])
        prob += _affine([(c, 1)] + [(v, -a) for v, a in terms]) == 0  # C_k = C_{k-1} + Σ_j p_j x[j,k]
        comp.append(c)
    desc = np.cumsum(np.sort(problem.p)[::-1])
    if problem.unit_weights:
        tard = [pulp.LpVariable(f"T_{k}", lowBound=0) for k in range(n)]
        for k in range(n):  # T_k >= C_k - Σ_j d_j x[j,k]
            prob += _affine([(tard[k], 1), (comp[k], -1)] + [(x[j][k], d[j]) for j in range(n)]) >= 0
        prob += _affine([(t, 1) for t in tard])
    else:
        tard = [pulp.LpVariable(f"T_{j}", lowBound=0) for j in range(n)]
        for j in range(n):
            for k in range(n):
                big = int(desc[k]) - d[j]
                if big > 0:  # T_j >= C_k - d_j - big (1 - x[j,k])
                    prob += _affine([(tard[j], 1), (comp[k], -1), (x[j][k], -big)]) >= -d[j] - big
        prob += _affine([(tard[j], w[j]) for j in range(n)])
    pairs = dominance_pairs(problem, reduced=True, consistent_with=start)
    position = [pulp.LpVariable(f"pos_{j}", lowBound=0, upBound=n - 1) for j in range(n)] if pairs else []
    for j, var in enumerate(position):  # position of each job, then pos_i + 1 <= pos_j
        prob += _affine([(var, 1)] + [(x[j][k], -k) for k in range(1, n)]) == 0
    for i, j in pairs:
        prob += _affine([(position[j], 1), (position[i], -1)]) >= 1
    # a complete warm start (continuous values too), so the solver takes it as it is
    pos = np.empty(n, dtype=np.int64)
    pos[start] = np.arange(n)
    for j in range(n):
        for k in range(n):
            x[j][k].setInitialValue(1 if pos[j] == k else 0)
    done = np.cumsum(problem.p[start])
    late = np.maximum(0, done - problem.d[start])
    for k in range(n):
        comp[k].setInitialValue(int(done[k]))
        if problem.unit_weights:
            tard[k].setInitialValue(int(late[k]))
        else:
            tard[int(start[k])].setInitialValue(int(late[k]))
    for j, var in enumerate(position):
        var.setInitialValue(int(pos[j]))

    def extract() -> np.ndarray:
        vals = np.array([[x[j][k].varValue or 0.0 for k in range(n)] for j in range(n)])
        return np.argmax(vals, axis=0)

    return prob, extract


def _lop(problem: Tardiness, start: np.ndarray) -> tuple[pulp.LpProblem, object]:
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    prob = pulp.LpProblem("smtt_lop", pulp.LpMinimize)
    y = {(i, j): pulp.LpVariable(f"y_{i}_{j}", cat="Binary") for i in range(n) for j in range(i + 1, n)}

    tard = [pulp.LpVariable(f"T_{j}", lowBound=0) for j in range(n)]
    for j in range(n):  # T_j >= p_j - d_j + Σ_i p_i [i before j]
        terms = (
            [(tard[j], 1)] + [(y[i, j], -p[i]) for i in range(j)] + [(y[j, i], p[i]) for i in range(j + 1, n)]
        )
        prob += _affine(terms) >= p[j] - d[j] + sum(p[j + 1 :])
    for i, j, k in itertools.combinations(range(n), 3):
        triangle = [(y[i, j], 1), (y[j, k], 1), (y[i, k], -1)]
        prob += _affine(triangle) <= 1
        prob += _affine(triangle) >= 0
    for i, j in dominance_pairs(problem, consistent_with=start):  # fixed orders
        var, value = (y[i, j], 1) if i < j else (y[j, i], 0)
        var.lowBound = var.upBound = value
    prob += _affine([(tard[j], w[j]) for j in range(n)])
    pos = np.empty(n, dtype=np.int64)
    pos[start] = np.arange(n)
    for (i, j), var in y.items():
        var.setInitialValue(1 if pos[i] < pos[j] else 0)
    late = np.maximum(0, np.cumsum(problem.p[start]) - problem.d[start])
    for k, j in enumerate(start):
        tard[int(j)].setInitialValue(int(late[k]))

    def extract() -> np.ndarray:
        preds = np.zeros(n)
        for (i, j), var in y.items():
            if (var.varValue or 0.0) > 0.5:
                preds[j] += 1
            else:
                preds[i] += 1
        return np.argsort(preds, kind="stable")

    return prob, extract


def _check_time_indexed_size(problem: Tardiness) -> None:
    horizon = int(problem.p.sum())
    size = int(((horizon - problem.p + 1) * np.maximum(1, problem.p)).sum())
    if size > MAX_TIME_INDEXED:
        raise InvalidParameterError(
            f"time-indexed model would have {size} nonzeros (limit {MAX_TIME_INDEXED}); "
            f"use formulation=positional or lop"
        )


def _time_indexed(problem: Tardiness, start: np.ndarray) -> tuple[pulp.LpProblem, object]:
    n = problem.num_jobs
    p, d, w = (a.tolist() for a in (problem.p, problem.d, problem.w))
    horizon = int(problem.p.sum())
    _check_time_indexed_size(problem)
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


def precheck(problem: Tardiness, ctx: SolveContext) -> None:
    """Refuse, before any work, a formulation too large for memory."""
    form = ctx.choice_option("formulation", "positional", tuple(FORMULATIONS))
    n = problem.num_jobs
    if form == "time":
        _check_time_indexed_size(problem)
    elif form == "lop":
        check_model_size(
            n * (n - 1) * (n - 2) // 3, "transitivity rows", "formulation=positional, ls or exact"
        )
    else:
        check_model_size(n * n, "position binaries", "ls or exact")


def solve(problem: Tardiness, ctx: SolveContext) -> Result:
    """Methods ``mip`` / ``mip-cbc`` with option ``formulation`` (see the module docstring)."""
    form = ctx.choice_option("formulation", "positional", tuple(FORMULATIONS))
    backend = backend_of(ctx.method)
    precheck(problem, ctx)  # refuse what cannot be built, before any work
    start = improved_start(problem, ctx, share=START_SHARE)[1]
    if problem.tardiness_of(start) <= problem.lower_bound():  # the start sequence is provably optimal
        return Result(Status.OPTIMAL, None, problem.lower_bound(), TardinessSolution(start))
    build = {"positional": _positional, "lop": _lop, "time": _time_indexed}[form]
    began = ctx.elapsed()
    built = _build_interruptibly(build, problem, start, ctx)
    solution = TardinessSolution(start)
    # PuLP's hand-over of the model (MPS file for CBC) takes about as long as building it and
    # holds the interpreter in long C calls that cannot be interrupted: no solve without time
    handover = HANDOVER * (ctx.elapsed() - began)
    if built is None or (ctx.time_limit is not None and ctx.remaining() < handover):
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
            interrupt_thread(thread)  # the build is pure Python: it stops at once
            thread.join(0.5)
            if thread.is_alive():
                abandon(thread)
            return None
    if "error" in box:
        raise box["error"]
    return box["model"]
