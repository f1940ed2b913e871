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

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.heuristics.jobshop_rules import dispatch
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, run_pulp

_START_RULES = (("mwkr", "nondelay"), ("mopnr", "nondelay"), ("mwkr", "active"))


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (a JobShopSolution) is a warm start and an upper bound."""
    backend = backend_of(ctx.method)
    start0 = _initial_schedule(problem, ctx)
    horizon = int((start0 + problem.duration).max()) if problem.num_operations else 0
    head, tail = _heads_tails(problem)
    dur = problem.duration

    prob = pulp.LpProblem(f"jssp_{problem.name}", pulp.LpMinimize)
    n_ops = problem.num_operations
    s = [_var(prob, f"s{o}", int(head[o]), int(horizon - tail[o] - dur[o])) for o in range(n_ops)]
    cmax = _var(prob, "cmax", _machine_bound(problem, head, tail), horizon)
    prob += cmax
    for o in range(n_ops):
        if problem.rank[o] > 0:
            prob += s[o - 1] + int(dur[o - 1]) <= s[o], f"job_{o}"
    for o in problem.job_start[1:] - 1:
        prob += s[o] + int(dur[o]) <= cmax, f"end_{o}"
    pairs: list[tuple[int, int, pulp.LpVariable]] = []
    for m in range(problem.num_machines):
        ops = np.flatnonzero(problem.machine == m)
        for i, a in enumerate(ops):
            for b in ops[i + 1 :]:
                if problem.job_of[a] == problem.job_of[b]:
                    continue  # the job order already separates them
                y = _var(prob, f"y{a}_{b}", 0, 1, pulp.LpBinary)
                m_ab = int(horizon - tail[a] - head[b])
                m_ba = int(horizon - tail[b] - head[a])
                prob += s[a] + int(dur[a]) <= s[b] + m_ab * (1 - y), f"a{a}_{b}"
                prob += s[b] + int(dur[b]) <= s[a] + m_ba * y, f"b{a}_{b}"
                pairs.append((int(a), int(b), y))
    # warm start: the initial schedule, with its machine order in the binaries
    for o in range(n_ops):
        s[o].setInitialValue(int(start0[o]))
    cmax.setInitialValue(horizon)
    for a, b, y in pairs:
        y.setInitialValue(1 if (start0[a], a) < (start0[b], b) else 0)

    out = run_pulp(prob, ctx, backend=backend, reserve=0.2, warm_start=True)
    stats = {"backend": backend, "binaries": len(pairs), "initial_makespan": horizon}
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
    return Result(status, None, out.bound, solution, stats=stats)


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
