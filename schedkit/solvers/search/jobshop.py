"""Method ``ts`` for the job shop: tabu search on the disjunctive graph, seeded by the best rule.

The compiled kernel (:mod:`schedkit.solvers.search.jobshop_kernel`) runs in chunks of iterations
sized to take about 50 ms each, so that the deadline and ``ctx.stop`` are polled often; the
best schedule found is kept in ``ctx.incumbent``. Without a time limit the chunks have fixed
sizes, so that with one worker a seed always gives the same schedule (two workers exchange
their best at moments that depend on timing).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.jobshop import JobShop, JobShopSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules.jobshop import KEYS, SCHEMES, dispatch
from schedkit.solvers.search import jobshop_kernel as K

#: iterations run without a time limit unless the ``iterations`` option says otherwise
DEFAULT_ITERATIONS = 200_000
_CHUNK_SECONDS = 0.05
#: iterations per chunk without a deadline (each chunk reseeds the kernel's random numbers, so
#: fixed sizes make a run with one worker and no time limit reproducible from its seed)
UNTIMED_CHUNK = 1000


@dataclass
class Graph:
    """Static arrays of the disjunctive graph of a job shop, as the kernel wants them."""

    dur: np.ndarray
    jp: np.ndarray  # job predecessor per operation, -1 for the first
    js: np.ndarray  # job successor per operation, -1 for the last
    mach: np.ndarray
    mstart: np.ndarray  # machine m's operations sit at seq[mstart[m] : mstart[m+1]]
    li: np.ndarray  # index of an operation among its machine's operations (for the tabu table)
    cnt: np.ndarray  # operations per machine
    toff: np.ndarray  # offset of machine m's cnt x cnt block in the tabu table

    @classmethod
    def of(cls, dur: np.ndarray, job_start: np.ndarray, mach: np.ndarray, num_machines: int) -> Graph:
        """Graph of flat operations with durations ``dur`` on machines ``mach``."""
        n = len(dur)
        idx = np.arange(n, dtype=np.int64)
        first = np.zeros(n, dtype=bool)
        first[job_start[:-1]] = True
        last = np.zeros(n, dtype=bool)
        last[job_start[1:] - 1] = True
        jp = np.where(first, -1, idx - 1)
        js = np.where(last, -1, idx + 1)
        cnt = np.bincount(mach, minlength=num_machines).astype(np.int64)
        mstart = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
        order = np.argsort(mach, kind="stable")
        li = np.empty(n, dtype=np.int64)
        li[order] = idx - mstart[mach[order]]
        toff = np.concatenate([[0], np.cumsum(cnt * cnt)]).astype(np.int64)

        def c(a: np.ndarray, dtype: type = np.int64) -> np.ndarray:  # writable contiguous copies
            return np.array(a, dtype=dtype, order="C", copy=True)

        return cls(
            c(dur, dtype=np.int64),
            c(jp, dtype=np.int64),
            c(js, dtype=np.int64),
            c(mach, dtype=np.int64),
            mstart,
            li,
            cnt,
            toff,
        )

    def sequence(self, start: np.ndarray) -> np.ndarray:
        """Machine orders (flat ``seq``) of a schedule given by its start times."""
        end = start + self.dur
        order = np.lexsort((np.arange(len(start)), end, start, self.mach))
        return np.ascontiguousarray(order, dtype=np.int64)

    def starts(self, seq: np.ndarray) -> np.ndarray:
        """Semi-active start times of the machine orders ``seq`` (-1 everywhere on a cycle)."""
        return K.starts_of(self.dur, self.jp, self.js, self.mach, self.mstart, seq)


@dataclass
class TabuSearch:
    """A resumable tabu search: :meth:`run` until a deadline, then read :attr:`best_seq`."""

    graph: Graph
    seq: np.ndarray
    lower_bound: int = 0
    seed: int = 0
    tenure: tuple[int, int] = (10, 14)
    stall_limit: int = 2500
    kick: tuple[int, int] = (2, 6)
    best_seq: np.ndarray = field(init=False)
    tabu: np.ndarray = field(init=False)
    state: np.ndarray = field(init=False)
    done: bool = field(default=False, init=False)
    chunks: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.seq = np.ascontiguousarray(self.seq, dtype=np.int64).copy()
        self.best_seq = self.seq.copy()
        self.tabu = np.zeros(int(self.graph.toff[-1]), dtype=np.int64)
        self.state = np.zeros(K.N_STATE, dtype=np.int64)
        self.state[K.S_BEST] = np.iinfo(np.int64).max

    @property
    def best(self) -> int:
        return int(self.state[K.S_BEST])

    def spawn(self, k: int) -> TabuSearch:
        """A search from the same solution with another seed, for parallel thread ``k``."""
        return replace(self, seed=self.seed * 7919 + k)

    def starts(self, seq: np.ndarray) -> np.ndarray:
        """Semi-active start times of the machine orders ``seq``."""
        return self.graph.starts(seq)

    def reached(self, value: int) -> bool:
        """Whether the best value ``value`` meets the lower bound (the search can stop)."""
        return value <= self.lower_bound

    @property
    def iterations(self) -> int:
        return int(self.state[K.S_MOVES])

    def step(self, iterations: int) -> None:
        """Run ``iterations`` iterations (or until the lower bound is reached)."""
        g = self.graph
        params = np.zeros(K.N_PARAMS, dtype=np.int64)
        params[K.P_ITERS] = iterations
        params[K.P_TENURE_LO], params[K.P_TENURE_HI] = self.tenure
        params[K.P_STALL] = self.stall_limit
        params[K.P_KICK_LO], params[K.P_KICK_HI] = self.kick
        params[K.P_SEED] = (self.seed * 1_000_003 + self.chunks) % (2**31 - 1)
        params[K.P_TARGET] = self.lower_bound
        self.chunks += 1
        code = K.run_chunk(
            g.dur, g.jp, g.js, g.mach, g.mstart, g.li, g.cnt, g.toff, self.seq, self.best_seq, self.tabu,
            params, self.state,
        )  # fmt: skip
        if code != 0:
            self.done = True

    def run(
        self,
        ctx: SolveContext,
        until: float | None,
        max_iterations: int | None = None,
        on_chunk: Callable[[TabuSearch], bool] | None = None,
    ) -> None:
        """Iterate until ``until`` (a ``time.perf_counter()`` value), ``ctx.stop``, the lower
        bound or ``max_iterations`` moves; ``on_chunk(self)`` runs after every chunk of
        iterations and ends the search by returning True."""
        chunk = 100
        while not self.done and not ctx.stop.is_set():
            if max_iterations is not None and self.iterations >= max_iterations:
                break
            if until is not None and time.perf_counter() >= until:
                break
            n = chunk
            if max_iterations is not None:
                n = min(n, max_iterations - self.iterations)
            t0 = time.perf_counter()
            self.step(max(1, n))
            spent = time.perf_counter() - t0
            if on_chunk is not None and on_chunk(self):
                break
            if until is None:  # sizes independent of the clock: a seed gives one trajectory
                chunk = min(4 * chunk + 10, UNTIMED_CHUNK)
                continue
            # aim at ~50 ms per chunk, never past the deadline
            rate = n / max(spent, 1e-4)
            target = min(_CHUNK_SECONDS, max(0.0, until - time.perf_counter()))
            chunk = int(min(max(10, rate * target), 4 * chunk + 10))


def graph_of(problem: JobShop) -> Graph:
    """The disjunctive graph arrays of ``problem``."""
    return Graph.of(problem.duration, problem.job_start, problem.machine, problem.num_machines)


def best_rule(problem: JobShop) -> tuple[np.ndarray, str]:
    """Start times of the best deterministic dispatching rule (either scheme) and its name."""
    best: np.ndarray | None = None
    best_val = None
    name = ""
    for rule in KEYS:
        if rule == "random":
            continue
        for scheme in SCHEMES:
            start = dispatch(problem, rule, scheme)
            val = int((start + problem.duration).max())
            if best_val is None or val < best_val:
                best, best_val, name = start, val, f"rule:{rule}/{scheme}"
    assert best is not None
    return best, name


def seed_schedule(problem: JobShop, ctx: SolveContext) -> tuple[np.ndarray, str]:
    """Start times of the best rule, or of ``ctx.hint`` when it is feasible and better."""
    start, name = best_rule(problem)
    hint = ctx.hint
    ok = isinstance(hint, JobShopSolution) and not problem.violations(hint)
    if ok and problem.objective(hint) < int((start + problem.duration).max()):
        return hint.starts(problem), "hint"
    return start, name


def default_tenure(problem: JobShop) -> tuple[int, int]:
    """Tabu tenure range: about 10 + n/m, randomised over +40% (Zhang et al.'s setting)."""
    base = 10 + problem.num_jobs // max(1, problem.num_machines)
    return base, int(base * 1.4)


def make_search(problem: JobShop, start: np.ndarray, ctx: SolveContext) -> TabuSearch:
    """A tabu search seeded from the schedule ``start``, with options read from ``ctx``."""
    g = graph_of(problem)
    lo, hi = default_tenure(problem)
    lo = ctx.int_option("tenure_lo", lo, minimum=1)
    hi = ctx.int_option("tenure_hi", max(hi, lo), minimum=lo)
    return TabuSearch(
        g,
        g.sequence(np.asarray(start, dtype=np.int64)),
        lower_bound=ctx.int_option("target", int(problem.lower_bound()), minimum=0),
        seed=ctx.seed,
        tenure=(lo, hi),
        stall_limit=ctx.int_option("stall", 2500, minimum=1),
    )


def run_search(
    problem: JobShop, search: TabuSearch, ctx: SolveContext, until: float | None
) -> JobShopSolution:
    """Run ``search`` until ``until`` and return its best schedule; keeps ``ctx.incumbent`` current.

    With ``ctx.workers >= 2`` a second search with another seed runs in a parallel thread (the
    kernel releases the GIL); after every chunk each search compares its best with the shared
    elite: a better one becomes the elite, a worse one adopts the elite as the solution its next
    restart starts from.
    """
    threads = max(1, min(2, int(ctx.workers or 1)))
    searches = [search] + [search.spawn(k) for k in range(1, threads)]
    lock = threading.Lock()
    elite = {"val": np.iinfo(np.int64).max, "seq": search.seq.copy()}

    def sync(ts: TabuSearch) -> bool:
        with lock:
            if ts.best < elite["val"]:
                elite["val"], elite["seq"] = ts.best, ts.best_seq.copy()
                ctx.incumbent = JobShopSolution.from_starts(problem, ts.starts(ts.best_seq))
            elif elite["val"] < ts.best:
                ts.best_seq[:] = elite["seq"]
                ts.state[K.S_BEST] = elite["val"]
            return ts.reached(elite["val"])

    iterations = ctx.int_option("iterations", DEFAULT_ITERATIONS, minimum=0)  # checked even when unused
    max_it = iterations if until is None else None
    workers = [
        threading.Thread(
            target=ts.run,
            args=(ctx, until, max_it),
            kwargs={"on_chunk": sync},
            daemon=True,
        )
        for ts in searches[1:]
    ]
    for w in workers:
        w.start()
    search.run(ctx, until, max_it, on_chunk=sync)
    for w in workers:
        w.join()
    for ts in searches:
        sync(ts)
    search.best_seq[:] = elite["seq"]
    search.state[K.S_BEST] = elite["val"]
    search.state[K.S_MOVES] = sum(int(ts.state[K.S_MOVES]) for ts in searches)
    start = search.starts(search.best_seq)
    return JobShopSolution.from_starts(problem, start)


def solve(problem: JobShop, ctx: SolveContext) -> Result:
    """Method ``ts``: the best dispatching rule (or ``ctx.hint`` when better), then tabu search
    until the time limit.

    Options: ``iterations`` (moves without a time limit, default 200000), ``tenure_lo`` /
    ``tenure_hi``, ``stall`` (iterations without improvement before a restart). Instances with
    setups or release dates, and the other objectives, go to :mod:`.jobshop_extras`.
    """
    from schedkit.solvers.search import jobshop_extras

    if jobshop_extras.needs_extras(problem, ctx.objective):
        return jobshop_extras.solve(problem, ctx)
    rule_start, rule_name = seed_schedule(problem, ctx)
    rule_val = int((rule_start + problem.duration).max())
    ctx.incumbent = JobShopSolution.from_starts(problem, rule_start)
    search = make_search(problem, rule_start, ctx)
    remaining = ctx.remaining(0.05)
    until = None if remaining is None else time.perf_counter() + remaining
    solution = run_search(problem, search, ctx, until)
    if problem.objective(solution) > rule_val or problem.violations(solution):
        solution = JobShopSolution.from_starts(problem, rule_start)
    stats = {
        "seed_rule": rule_name,
        "rule_makespan": rule_val,
        "moves": search.iterations,
        "restarts": int(search.state[K.S_RESTARTS]),
        "cycles": int(search.state[K.S_CYCLES]),
    }
    return Result(Status.FEASIBLE, None, None, solution, stats=stats)
