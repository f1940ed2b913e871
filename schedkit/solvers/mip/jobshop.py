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

Setups, releases and other objectives (``ctx.objective``): ``p_a`` becomes ``p_a + S_ab`` in
the pair ``a -> b`` (and ``M_ab`` grows by ``S_ab``), a job's own operations on one machine keep
the setup between them, the initial setup and the release bound each start from below, and for
an objective other than the makespan ``H`` is the horizon of every semi-active schedule. The
pairwise disjunctions impose a setup between every two operations, not only consecutive ones,
which is exact only under the triangle inequality ``S_ac <= S_ab + p_b + S_bc``: the precheck
refuses setups that break it. Per job ``C_j >= s_last + p_last``; weighted tardiness
``T_j >= C_j - d_j, T_j >= 0``; maximum lateness ``L >= C_j - d_j``; tardy jobs
``C_j - d_j <= (H - d_j) U_j`` with ``U_j`` binary.
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import backend_of, check_model_size, different_job_pairs, run_pulp
from schedkit.solvers.mip.shop_objective import add_objective, le, var
from schedkit.solvers.rules.jobshop import dispatch
from schedkit.structure import shop

_SOLVE_RESERVE = 0.5  # seconds kept for the solver call and extraction
_START_RULES = (("mwkr", "nondelay"), ("mopnr", "nondelay"), ("mwkr", "active"))
_DUE_RULES = (("atc", "nondelay"), ("edd", "nondelay"), ("slack", "nondelay"))  # with due dates


def precheck(problem: JobShop, ctx: SolveContext) -> None:
    """Refuse, before any work, a model too large for memory (one binary per machine pair)."""
    check_model_size(
        different_job_pairs(problem.machine, problem.job_of), "ordering binaries", "cpsat or auto"
    )
    if problem.setup is not None:
        from schedkit.errors import InvalidParameterError
        from schedkit.problems.shop_extras import triangle_violation

        dur = np.full((problem.num_jobs, problem.num_machines), -1, dtype=np.int64)
        for o in np.flatnonzero(problem.duration > 0):  # shortest duration of a job on a machine
            j, m = problem.job_of[o], problem.machine[o]
            d = int(problem.duration[o])
            dur[j, m] = d if dur[j, m] < 0 else min(dur[j, m], d)
        why = triangle_violation(problem.setup, dur)
        if why is not None:
            raise InvalidParameterError(
                f"{ctx.method} needs setups with the triangle inequality ({why}); use cpsat"
            )


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Minimise the makespan; ``ctx.hint`` (a JobShopSolution) is a warm start and an upper bound."""
    backend = backend_of(ctx.method)
    precheck(problem, ctx)
    objective = ctx.objective or "makespan"
    start0 = _initial_schedule(problem, ctx)
    value0 = _value(problem, start0, objective)
    # makespan: no better schedule ends later than the start; others: every semi-active one
    horizon = (value0 if problem.num_operations else 0) if objective == "makespan" else shop.horizon(problem)
    head, tail = _heads_tails(problem)
    head = np.maximum(head, _initial_setup(problem))
    dur = problem.duration
    setup = problem.setup

    if objective == "makespan":
        bound0 = _machine_bound(problem, head, tail)
    else:
        bound0 = problem.objective_bound(objective)
    stats: dict[str, object] = {"backend": backend, f"initial_{objective}": value0}

    def fallback(why: str) -> Result:
        stats["stopped"] = why
        return Result(
            Status.FEASIBLE, None, bound0, JobShopSolution.from_starts(problem, start0), stats=stats
        )

    t_build = time.perf_counter()
    prob = pulp.LpProblem(f"jssp_{problem.name}", pulp.LpMinimize)
    n_ops = problem.num_operations
    s = [var(prob, f"s{o}", int(head[o]), int(horizon - tail[o] - dur[o])) for o in range(n_ops)]
    p_last = problem.duration[problem.job_start[1:] - 1].tolist()
    ends = [([(s[o], 1)], p) for o, p in zip((problem.job_start[1:] - 1).tolist(), p_last, strict=True)]
    goal_vars = add_objective(prob, objective, ends, problem.due, problem.weight, bound0, horizon)
    for o in range(n_ops):
        if problem.rank[o] > 0:  # s[o-1] - s[o] <= -p[o-1]
            prob.addConstraint(le([(s[o - 1], 1), (s[o], -1)], -int(dur[o - 1])), f"job_{o}")
    pairs: list[tuple[int, int, pulp.LpVariable]] = []
    for m in range(problem.num_machines):
        if ctx.expired() or ctx.remaining(_SOLVE_RESERVE) == 0.0:
            return fallback("time limit reached while building the model")
        ops = np.flatnonzero(problem.machine == m).tolist()
        for i, a in enumerate(ops):
            for b in ops[i + 1 :]:
                if dur[a] == 0 or dur[b] == 0:
                    continue  # zero-duration operations hold no machine (as in the checker)
                ja, jb = problem.job_of[a], problem.job_of[b]
                s_ab = 0 if setup is None else int(setup[m, ja, jb])
                s_ba = 0 if setup is None else int(setup[m, jb, ja])
                if ja == jb:  # the job order fixes a before b; the setup between them stays
                    if s_ab:
                        prob.addConstraint(le([(s[a], 1), (s[b], -1)], -int(dur[a]) - s_ab), f"r{a}_{b}")
                    continue
                y = var(prob, f"y{a}_{b}", 0, 1, pulp.LpBinary)
                m_ab = int(horizon - tail[a] - head[b]) + s_ab
                m_ba = int(horizon - tail[b] - head[a]) + s_ba
                # a before b (y = 1): s_a + p_a + S_ab <= s_b + M_ab (1 - y)
                prob.addConstraint(
                    le([(s[a], 1), (s[b], -1), (y, m_ab)], m_ab - int(dur[a]) - s_ab), f"a{a}_{b}"
                )
                # b before a (y = 0): s_b + p_b + S_ba <= s_a + M_ba y
                prob.addConstraint(le([(s[b], 1), (s[a], -1), (y, -m_ba)], -int(dur[b]) - s_ba), f"b{a}_{b}")
                pairs.append((a, b, y))
    stats["binaries"] = len(pairs)
    # warm start: the initial schedule, with its machine order in the binaries
    for o in range(n_ops):
        s[o].setInitialValue(int(start0[o]))
    ends0 = (start0 + dur)[problem.job_start[1:] - 1]
    for v, value in goal_vars(ends0):
        v.setInitialValue(value)
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
        rebuilt = shop.earliest_schedule(problem, shop.sequences_from_starts(problem, values))
        if rebuilt is not None and _value(problem, rebuilt, objective) <= value0:
            solution_start = rebuilt
    solution = JobShopSolution.from_starts(problem, solution_start)
    status = out.status if out.status is not Status.UNKNOWN else Status.FEASIBLE
    if status is Status.OPTIMAL and out.bound is None:
        status = Status.FEASIBLE
    bound = bound0 if out.bound is None else max(bound0, out.bound)
    return Result(status, None, bound, solution, stats=stats)


def _value(problem: JobShop, start: np.ndarray, objective: str) -> int:
    """``objective`` of the schedule with starts ``start``."""
    return int(problem.evaluate(JobShopSolution.from_starts(problem, start), objective))


def _initial_schedule(problem: JobShop, ctx: SolveContext) -> np.ndarray:
    """The best of a few dispatching rules and the hint (when it is complete and feasible)."""
    objective = ctx.objective or "makespan"
    rules = _START_RULES if problem.due is None else (*_START_RULES, *_DUE_RULES)
    best, best_value = None, 0
    for rule, scheme in rules:
        st = dispatch(problem, rule, scheme)
        value = _value(problem, st, objective)
        if best is None or value < best_value:
            best, best_value = st, value
    assert best is not None
    if ctx.hint is not None and not problem.violations(ctx.hint):
        hs = ctx.hint.starts(problem)
        if _value(problem, hs, objective) <= best_value:
            best = hs
    return best


def _initial_setup(problem: JobShop) -> np.ndarray:
    """Per operation, the initial setup of its machine for its job (zeros without setups)."""
    if problem.setup is None:
        return np.zeros(problem.num_operations, dtype=np.int64)
    init = problem.setup[problem.machine, problem.num_jobs, problem.job_of]
    return np.where(problem.duration > 0, init, 0)


def _heads_tails(problem: JobShop) -> tuple[np.ndarray, np.ndarray]:
    """Release plus work before (head) and work after (tail) each operation within its job."""
    cs = np.cumsum(problem.duration)
    before = cs - problem.duration
    head = before - before[problem.job_start[:-1]][problem.job_of] + problem.release[problem.job_of]
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
