"""Method ``ts`` for job shops with setups or release dates, or another objective than the makespan.

The tabu search of :mod:`schedkit.solvers.search.jobshop` (chunks, two threads sharing an
elite, restarts), on the kernel :mod:`schedkit.solvers.search.jobshop_extras_kernel`: setup arcs
``p_a + s_ab``, releases and initial setups as heads, and for a sum objective the union of the
critical paths to every job whose cost would fall if it ended earlier in place of the one
critical path of the makespan (the kernel's docstring says why). The start is the best
dispatching rule for the objective (due-date rules included), or ``ctx.hint`` when better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.problems.shop_extras import triangle_violation
from schedkit.result import Result, Status
from schedkit.solvers.rules.jobshop import EXTRA_KEYS, KEYS, NEED_DUE, SCHEMES, dispatch
from schedkit.solvers.search import jobshop_extras_kernel as K
from schedkit.solvers.search.jobshop import Graph, TabuSearch, default_tenure, run_search

OBJECTIVE_CODES = {
    "makespan": K.OBJ_MAKESPAN,
    "weighted_tardiness": K.OBJ_WT,
    "max_lateness": K.OBJ_LMAX,
    "weighted_completion": K.OBJ_WC,
    "tardy_jobs": K.OBJ_TARDY,
}


def needs_extras(problem: JobShop, objective: str | None) -> bool:
    """Whether ``problem`` under ``objective`` needs this module (the plain kernel otherwise)."""
    return bool(problem.features()) or objective not in (None, "makespan")


@dataclass
class ShopArrays:
    """What the extras kernel reads beyond the disjunctive graph (see its docstring)."""

    job: np.ndarray
    rel: np.ndarray  # release date of each operation's job
    smach: np.ndarray  # setup-matrix index per operation
    st: np.ndarray  # flat setups [smach, from job (n: initial), to job]
    due: np.ndarray
    weight: np.ndarray
    lasts: np.ndarray  # last operation of each job
    num_jobs: int
    obj: int
    insert: bool  # insertion moves too (setups without the triangle inequality)


def _i64(a: np.ndarray) -> np.ndarray:
    return np.array(a, dtype=np.int64, order="C", copy=True)


def arrays_of(problem: JobShop, objective: str) -> tuple[Graph, ShopArrays]:
    """The graph (operations of zero duration each on a machine of their own) and the arrays."""
    n, m = problem.num_jobs, problem.num_machines
    zero = problem.duration == 0
    mach = problem.machine.copy()
    mach[zero] = m + np.arange(int(zero.sum()))
    graph = Graph.of(problem.duration, problem.job_start, mach, m + int(zero.sum()))
    if problem.setup is None:
        st = np.zeros((1, n + 1, n), dtype=np.int64)
        smach = np.zeros(problem.num_operations, dtype=np.int64)
    else:
        st = np.zeros((m + 1, n + 1, n), dtype=np.int64)
        st[:m] = problem.setup
        smach = np.where(zero, m, problem.machine)
    due = problem.due if problem.due is not None else np.zeros(n, dtype=np.int64)
    data = ShopArrays(
        _i64(problem.job_of),
        _i64(problem.release[problem.job_of]),
        _i64(smach),
        _i64(st.ravel()),
        _i64(due),
        _i64(problem.weight),
        _i64(problem.job_start[1:] - 1),
        n,
        OBJECTIVE_CODES[objective],
        problem.setup is not None and not _triangle_holds(problem),
    )
    return graph, data


def _triangle_holds(problem: JobShop) -> bool:
    """Whether the setups obey the triangle inequality (through each job's shortest operation)."""
    dur = np.full((problem.num_jobs, problem.num_machines), -1, dtype=np.int64)
    for o in np.flatnonzero(problem.duration > 0):
        j, m, d = problem.job_of[o], problem.machine[o], int(problem.duration[o])
        dur[j, m] = d if dur[j, m] < 0 else min(dur[j, m], d)
    return triangle_violation(problem.setup, dur) is None


@dataclass
class ExtrasSearch(TabuSearch):
    """:class:`TabuSearch` on the extras kernel; :attr:`best` is the kernel's search value."""

    data: ShopArrays | None = None

    def step(self, iterations: int) -> None:
        g, d = self.graph, self.data
        assert d is not None
        params = np.zeros(K.N_PARAMS, dtype=np.int64)
        params[K.P_ITERS] = iterations
        params[K.P_TENURE_LO], params[K.P_TENURE_HI] = self.tenure
        params[K.P_STALL] = self.stall_limit
        params[K.P_KICK_LO], params[K.P_KICK_HI] = self.kick
        params[K.P_SEED] = (self.seed * 1_000_003 + self.chunks) % (2**31 - 1)
        params[K.P_TARGET] = self.lower_bound
        params[K.P_OBJ] = d.obj
        params[K.P_JOBS] = d.num_jobs
        params[K.P_INSERT] = int(d.insert)
        self.chunks += 1
        code = K.run_chunk(
            g.dur, g.jp, g.js, g.mach, g.mstart, d.job, d.rel, d.smach, d.st, d.due, d.weight, d.lasts,
            g.li, g.cnt, g.toff, self.seq, self.best_seq, self.tabu, params, self.state,
        )  # fmt: skip
        if code != 0:
            self.done = True

    def starts(self, seq: np.ndarray) -> np.ndarray:
        g, d = self.graph, self.data
        assert d is not None
        nj = np.array([d.num_jobs], dtype=np.int64)
        return K.starts_of(g.dur, g.jp, g.js, g.mach, g.mstart, d.job, d.rel, d.smach, d.st, nj, seq)

    def reached(self, value: int) -> bool:
        assert self.data is not None
        return int(K.primary(value, self.data.obj)) <= self.lower_bound


def value_of(problem: JobShop, start: np.ndarray, objective: str) -> int:
    """``objective`` of the schedule with start times ``start``."""
    return problem.evaluate(JobShopSolution.from_starts(problem, start), objective)


def best_rule(problem: JobShop, objective: str) -> tuple[np.ndarray, str]:
    """Start times of the best deterministic rule for ``objective`` (either scheme), its name."""
    rules = [
        r for r in (*KEYS, *EXTRA_KEYS) if r != "random" and (problem.due is not None or r not in NEED_DUE)
    ]
    best: tuple[int, np.ndarray, str] | None = None
    for rule in rules:
        for scheme in SCHEMES:
            start = dispatch(problem, rule, scheme)
            val = value_of(problem, start, objective)
            if best is None or val < best[0]:
                best = (val, start, f"rule:{rule}/{scheme}")
    assert best is not None
    return best[1], best[2]


def seed_schedule(problem: JobShop, ctx: SolveContext, objective: str) -> tuple[np.ndarray, str]:
    """Start times of the best rule, or of ``ctx.hint`` when it is feasible and better."""
    start, name = best_rule(problem, objective)
    hint = ctx.hint
    ok = isinstance(hint, JobShopSolution) and not problem.violations(hint)
    if ok and problem.evaluate(hint, objective) < value_of(problem, start, objective):
        return hint.starts(problem), "hint"
    return start, name


def make_search(problem: JobShop, start: np.ndarray, ctx: SolveContext, objective: str) -> ExtrasSearch:
    """A search seeded from ``start``; options ``target`` (a lower bound of the objective: the
    search stops there), ``tenure_lo``, ``tenure_hi``, ``stall`` read from ``ctx``."""
    graph, data = arrays_of(problem, objective)
    lo, hi = default_tenure(problem)
    lo = ctx.int_option("tenure_lo", lo, minimum=1)
    hi = ctx.int_option("tenure_hi", max(hi, lo), minimum=lo)
    target = ctx.option("target", problem.objective_bound(objective))
    return ExtrasSearch(
        graph,
        graph.sequence(np.asarray(start, dtype=np.int64)),
        lower_bound=int(target),
        seed=ctx.seed,
        tenure=(lo, hi),
        stall_limit=ctx.int_option("stall", 2500, minimum=1),
        data=data,
    )


def search_from(
    problem: JobShop, start: np.ndarray, ctx: SolveContext, objective: str, until: float | None
) -> tuple[JobShopSolution, ExtrasSearch]:
    """Tabu search from ``start`` until ``until`` (``time.perf_counter()``; None: the
    ``iterations`` option); the best schedule and the search (for its statistics)."""
    search = make_search(problem, start, ctx, objective)
    return run_search(problem, search, ctx, until), search


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Method ``ts`` on the extras: the best rule for the objective, then tabu search until the
    time limit (same options as the plain ``ts``)."""
    import time

    objective = ctx.objective or "makespan"
    start, rule_name = seed_schedule(problem, ctx, objective)
    rule_val = value_of(problem, start, objective)
    ctx.incumbent = JobShopSolution.from_starts(problem, start)
    remaining = ctx.remaining(0.05)
    until = None if remaining is None else time.perf_counter() + remaining
    solution, search = search_from(problem, start, ctx, objective, until)
    if problem.violations(solution) or problem.evaluate(solution, objective) > rule_val:
        solution = JobShopSolution.from_starts(problem, start)
    stats = {
        "seed_rule": rule_name,
        "rule_value": rule_val,
        "moves": search.iterations,
        "restarts": int(search.state[K.S_RESTARTS]),
        "cycles": int(search.state[K.S_CYCLES]),
    }
    return Result(Status.FEASIBLE, None, None, solution, stats=stats)


def warm_up() -> None:
    """Compile (or load) the kernel through a tiny search with setups, releases and due dates."""
    from schedkit.problems.shop_extras import ShopExtras

    setup = np.ones((2, 3, 2), dtype=np.int64)
    extras = ShopExtras(release=np.array([0, 1]), due=np.array([5, 6]), setup=setup)
    tiny = JobShop.from_jobs([[(0, 3), (1, 2)], [(1, 4), (0, 1)]], name="warm-up", extras=extras)
    ctx = SolveContext("ts", options={"iterations": 5}, objective="weighted_tardiness")
    solve(tiny, ctx)
