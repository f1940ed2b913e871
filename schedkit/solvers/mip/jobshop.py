"""Job-shop as a disjunctive MIP (Manne 1960) on PuLP: HiGHS by default, CBC for ``mip-cbc``.

Variables: a start ``s_o`` per operation, the makespan ``C``, and for every pair ``a < b`` of
operations on the same machine a binary ``y_ab`` (1: ``a`` before ``b``)::

    s_o + p_o <= s_next(o)                         job order
    s_a + p_a <= s_b + M_ab (1 - y_ab)             a before b, or
    s_b + p_b <= s_a + M_ba y_ab                   b before a
    s_last + p_last <= C                           per job

The big-Ms are per pair and tight: with an upper bound ``H`` on the makespan (the best of a
few dispatching rules, or the hint when it is better), every start lies in
``[head_o, H - tail_o - p_o]`` (head/tail: work before/after ``o`` in its job), so
``s_a + p_a - s_b <= H - tail_a - head_b =: M_ab``. ``C`` starts at the larger of the trivial
bound and the one-machine bound ``max_k (min head + load + min tail)``.

The schedule returned is rebuilt from the machine sequences of the MIP's solution as the
earliest (semi-active) schedule, so it is integral and no longer than the MIP's. When the
MIP finds nothing in time, the starting schedule is returned with the MIP's bound.
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, check_model_size, different_job_pairs, run_pulp
from schedkit.solvers.rules.jobshop import dispatch

_SOLVE_RESERVE = 0.5  # seconds kept for the solver call and extraction
_START_RULES = (("mwkr", "nondelay"), ("mopnr", "nondelay"), ("mwkr", "active"))


def precheck(problem: JobShop, ctx: SolveContext) -> None:
    """Refuse, before any work, a model too large for memory (one binary per machine pair)."""
    check_model_size(
        different_job_pairs(problem.machine, problem.job_of), "ordering binaries", "cpsat or auto"
    )


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (a JobShopSolution) is a warm start and an upper bound."""
    backend = backend_of(ctx.method)
    precheck(problem, ctx)
    start0 = _initial_schedule(problem, ctx)
    horizon = int((start0 + problem.duration).max()) if problem.num_operations else 0
    head, tail = _heads_tails(problem)
    dur = problem.duration

    bound0 = _machine_bound(problem, head, tail)
    stats: dict[str, object] = {"backend": backend, "initial_makespan": horizon}

    def fallback(why: str) -> Result:
        stats["stopped"] = why
        return Result(
            Status.FEASIBLE, None, bound0, JobShopSolution.from_starts(problem, start0), stats=stats
        )

    t_build = time.perf_counter()
    prob = pulp.LpProblem(f"jssp_{problem.name}", pulp.LpMinimize)
    n_ops = problem.num_operations
    s = [_var(prob, f"s{o}", int(head[o]), int(horizon - tail[o] - dur[o])) for o in range(n_ops)]
    cmax = _var(prob, "cmax", bound0, horizon)
    prob += cmax
    for o in range(n_ops):
        if problem.rank[o] > 0:  # s[o-1] - s[o] <= -p[o-1]
            prob.addConstraint(_le([(s[o - 1], 1), (s[o], -1)], -int(dur[o - 1])), f"job_{o}")
    for o in problem.job_start[1:] - 1:
        prob.addConstraint(_le([(s[o], 1), (cmax, -1)], -int(dur[o])), f"end_{o}")
    pairs: list[tuple[int, int, pulp.LpVariable]] = []
    for m in range(problem.num_machines):
        if ctx.expired() or ctx.remaining(_SOLVE_RESERVE) == 0.0:
            return fallback("time limit reached while building the model")
        ops = np.flatnonzero(problem.machine == m).tolist()
        for i, a in enumerate(ops):
            for b in ops[i + 1 :]:
                if problem.job_of[a] == problem.job_of[b]:
                    continue  # the job order already separates them
                y = _var(prob, f"y{a}_{b}", 0, 1, pulp.LpBinary)
                m_ab = int(horizon - tail[a] - head[b])
                m_ba = int(horizon - tail[b] - head[a])
                # a before b (y = 1): s_a + p_a <= s_b + M_ab (1 - y)
                prob.addConstraint(_le([(s[a], 1), (s[b], -1), (y, m_ab)], m_ab - int(dur[a])), f"a{a}_{b}")
                # b before a (y = 0): s_b + p_b <= s_a + M_ba y
                prob.addConstraint(_le([(s[b], 1), (s[a], -1), (y, -m_ba)], -int(dur[b])), f"b{a}_{b}")
                pairs.append((a, b, y))
    stats["binaries"] = len(pairs)
    # warm start: the initial schedule, with its machine order in the binaries
    for o in range(n_ops):
        s[o].setInitialValue(int(start0[o]))
    cmax.setInitialValue(horizon)
    for a, b, y in pairs:
        y.setInitialValue(1 if (start0[a], a) < (start0[b], b) else 0)
    # handing the model to the solver costs about as long as building it (measured on
    # ta21-ta71): keep that time out of the solver's own limit
    transfer = 1.2 * (time.perf_counter() - t_build)
    if ctx.expired() or ctx.remaining(_SOLVE_RESERVE + transfer) == 0.0:
        return fallback("time limit reached while building the model")

    out = run_pulp(prob, ctx, backend=backend, reserve=0.2 + transfer, warm_start=True)
    solution_start = start0
    if out.has_solution:
        values = np.array([v.varValue if v.varValue is not None else 0.0 for v in s])
        rebuilt = _semi_active(problem, values)
        if rebuilt is not None and (rebuilt + dur).max() <= horizon:
            solution_start = rebuilt
    solution = JobShopSolution.from_starts(problem, solution_start)
    status = out.status if out.status is not Status.UNKNOWN else Status.FEASIBLE
    if status is Status.OPTIMAL and out.bound is None:
        status = Status.FEASIBLE
    bound = bound0 if out.bound is None else max(bound0, out.bound)
    return Result(status, None, bound, solution, stats=stats)


def _le(terms: list[tuple[pulp.LpVariable, int]], rhs: int) -> pulp.LpConstraint:
    """``sum(coef * var) <= rhs``, built directly (much faster than PuLP's operators)."""
    return pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=rhs)


def _var(prob: pulp.LpProblem, name: str, lo: int, hi: int, cat: str = pulp.LpContinuous) -> pulp.LpVariable:
    """A variable of ``prob`` (PuLP >= 3.3 attaches it on creation; older versions do not)."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lo, hi, cat=cat)
    return pulp.LpVariable(name, lo, hi, cat=cat)


def _initial_schedule(problem: JobShop, ctx: SolveContext) -> np.ndarray:
    """The best of a few dispatching rules and the hint (when it is complete and feasible)."""
    best = None
    for rule, scheme in _START_RULES:
        st = dispatch(problem, rule, scheme)
        if best is None or (st + problem.duration).max() < (best + problem.duration).max():
            best = st
    assert best is not None
    if ctx.hint is not None and not problem.violations(ctx.hint):
        hs = ctx.hint.starts(problem)
        if (hs + problem.duration).max() <= (best + problem.duration).max():
            best = hs
    return best


def _heads_tails(problem: JobShop) -> tuple[np.ndarray, np.ndarray]:
    """Work before (head) and after (tail) each operation within its job."""
    cs = np.cumsum(problem.duration)
    before = cs - problem.duration
    head = before - before[problem.job_start[:-1]][problem.job_of]
    job_total = cs[problem.job_start[1:] - 1]
    tail = job_total[problem.job_of] - cs
    return head, tail


def _machine_bound(problem: JobShop, head: np.ndarray, tail: np.ndarray) -> int:
    """max(trivial bound, max over machines of min head + load + min tail)."""
    best = problem.lower_bound()
    for m in range(problem.num_machines):
        ops = problem.machine == m
        if ops.any():
            best = max(best, int(head[ops].min() + problem.duration[ops].sum() + tail[ops].min()))
    return best


def _semi_active(problem: JobShop, start: np.ndarray) -> np.ndarray | None:
    """Earliest schedule with the machine sequences given by sorting ``start`` (None on a cycle)."""
    n_ops = problem.num_operations
    succ_m = np.full(n_ops, -1, dtype=np.int64)
    indeg = np.zeros(n_ops, dtype=np.int64)
    indeg[problem.rank > 0] += 1
    for m in range(problem.num_machines):
        ops = np.flatnonzero(problem.machine == m)
        seq = ops[np.lexsort((ops, np.round(start[ops], 6)))]
        succ_m[seq[:-1]] = seq[1:]
        indeg[seq[1:]] += 1
    last = problem.job_start[1:] - 1
    is_last = np.zeros(n_ops, dtype=bool)
    is_last[last] = True
    est = [0] * n_ops
    dur = problem.duration.tolist()
    succ = succ_m.tolist()
    deg = indeg.tolist()
    stack = [o for o in range(n_ops) if deg[o] == 0]
    done = 0
    while stack:
        o = stack.pop()
        done += 1
        end = est[o] + dur[o]
        for nxt in (o + 1 if not is_last[o] else -1, succ[o]):
            if nxt >= 0:
                if end > est[nxt]:
                    est[nxt] = end
                deg[nxt] -= 1
                if deg[nxt] == 0:
                    stack.append(nxt)
    if done != n_ops:
        return None
    return np.array(est, dtype=np.int64)
