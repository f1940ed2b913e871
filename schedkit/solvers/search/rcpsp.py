"""Activity-list genetic algorithm for the RCPSP (method ``ga``).

Hartmann's GA on precedence-feasible activity lists: two-point precedence-preserving crossover,
shift mutation, ranking selection (parents and children pooled, the best distinct schedules
survive). Every child is decoded by the compiled serial SGS and improved by forward-backward
improvement (double justification); the justified schedule re-encodes the child's list. Children
are bred in compiled batches; with two or more workers, two batches run at once in two threads. The
first population holds every priority-rule schedule with FBI (so the result is never worse than
the best ``rule:*+fbi``), the hint when one is given, and lists sampled from LFT priorities
with random bias. After ``restart`` generations without improvement the search restarts from a
new random population (the best schedule is kept aside).

The search stops when the time limit expires, on a stop request, or when the best makespan
reaches the lower bound max(critical path, energy bound) (status OPTIMAL). Without a time limit
it runs ``generations`` generations, so one seed always gives the same result.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import InvalidProblemError
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules.rcpsp import priorities, schedule
from schedkit.solvers.search import rcpsp_kernel as kern

_MAX_PROFILE_CELLS = 100_000_000  # horizon x resources of the time-indexed profile
_FBI_PASSES = 50
#: activity lists kept per generation: 100 reached 1.30 % mean gap on five hard j120 instances at 30 s
#: against 1.86 % for 40 (250: 1.29 %)
POPULATION = 100
#: generations without improvement before an independent restart; with fresh restarts, 100 gave
#: 1.20 % mean gap on 12 j120 files at 10 s, against 1.38 % for the old rebuild around the best
RESTART = 100
SEED_RULES = ("lft", "lst", "mts", "grpw", "mslk")


class _Decoder:
    """The problem's arrays and a shared resource-profile workspace for the kernels."""

    def __init__(self, problem: Rcpsp) -> None:
        p = problem
        horizon = int(p.duration.sum()) + 1
        if horizon * max(1, p.num_resources) > _MAX_PROFILE_CELLS:
            raise InvalidProblemError(f"total duration {horizon - 1} is too long for the time-indexed SGS")
        self.p = p
        self.usage = np.zeros((horizon + 1, p.num_resources), dtype=np.int64)
        self.rank = np.empty(p.num_activities, dtype=np.int64)
        self.rank[p.topo_order] = np.arange(p.num_activities)
        self.schedules = 0  # SGS passes run (decodings and justification passes)

    def evaluate(self, alist: np.ndarray) -> tuple[np.ndarray, int]:
        """Decode + FBI; ``alist`` is re-encoded in place. Returns (start, makespan)."""
        p = self.p
        start, passes = kern.evaluate(
            alist,
            p.duration,
            p.demand,
            p.capacity,
            p.pred_ptr,
            p.pred_idx,
            p.succ_ptr,
            p.succ_idx,
            self.rank,
            self.usage,
            _FBI_PASSES,
        )
        self.schedules += passes
        return start, int(kern.makespan(start, p.duration))

    def breed(
        self,
        parents: np.ndarray,
        cdf: np.ndarray,
        count: int,
        rate: float,
        seed: int,
        lb: int,
        usage: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
        """``count`` children decoded with FBI in one compiled call (see ``rcpsp_kernel.breed``)."""
        p = self.p
        return kern.breed(
            parents, cdf, count, rate, seed, lb, p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx,
            p.succ_ptr, p.succ_idx, self.rank, usage, _FBI_PASSES,
        )  # fmt: skip

    def from_priorities(self, prio: np.ndarray) -> np.ndarray:
        p = self.p
        return kern.priority_list(np.asarray(prio, dtype=np.float64), p.pred_ptr, p.succ_ptr, p.succ_idx)


def _initial_lists(problem: Rcpsp, dec: _Decoder, ctx: SolveContext, rng: np.random.Generator, size: int):
    """Rule schedules with FBI (serial and parallel SGS), the hint, then biased random samples."""
    lists: list[np.ndarray] = []
    for rule in SEED_RULES:
        for scheme in ("serial", "parallel"):
            lists.append(dec.from_priorities(schedule(problem, rule, scheme, fbi=True, seed=ctx.seed)))
    hint = ctx.hint
    if isinstance(hint, RcpspSolution) and len(hint.start) == problem.num_activities:
        lists.append(dec.from_priorities(hint.start))
    while len(lists) < size:
        lists.append(_biased_lft_list(problem, dec, rng))
    return lists


def _biased_lft_list(problem: Rcpsp, dec: _Decoder, rng: np.random.Generator) -> np.ndarray:
    """The list of LFT priorities perturbed by a random share (5-60 %) of their spread."""
    lft = priorities(problem, "lft")
    spread = np.abs(lft).max() + 1.0
    bias = rng.uniform(0.05, 0.6)
    return dec.from_priorities(lft + bias * spread * rng.random(problem.num_activities))


class ActivityListGA:
    """The GA's state, so that a hybrid can run it in slices and feed it other schedules."""

    def __init__(self, problem: Rcpsp, ctx: SolveContext) -> None:
        self.problem = problem
        self.ctx = ctx
        self.size = ctx.int_option("population", POPULATION, minimum=2)
        self.rate = ctx.float_option("mutation", 0.02, 0.0, 1.0)
        self.restart = ctx.int_option("restart", RESTART, minimum=1)
        self.lb = problem.lower_bound()
        self.dec = _Decoder(problem)
        self.rng = np.random.default_rng(ctx.seed)
        self.pop: list[tuple[int, np.ndarray, np.ndarray]] = []  # (makespan, list, start)
        self.best_ms: int | None = None
        self.best_start: np.ndarray | None = None
        self.generations = 0
        self.restarts = 0
        self._stale = 0
        self._usage2 = np.zeros_like(self.dec.usage)  # the second breeding thread's profile
        for alist in _initial_lists(problem, self.dec, ctx, self.rng, self.size):
            self._consider(alist)
        self.pop = _select(self.pop, self.size)
        self.initial_ms = self.best_ms

    def _consider(self, alist: np.ndarray) -> int:
        start, ms = self.dec.evaluate(alist)
        self._add(ms, alist, start)
        return ms

    def _add(self, ms: int, alist: np.ndarray, start: np.ndarray) -> None:
        self.pop.append((ms, alist, start))
        if self.best_ms is None or ms < self.best_ms:
            self.best_ms, self.best_start = ms, start
            self.ctx.incumbent = RcpspSolution(start.copy())

    def inject(self, start: np.ndarray) -> None:
        """Add the activity list of a schedule found elsewhere (e.g. by CP-SAT)."""
        self._consider(self.dec.from_priorities(np.asarray(start, dtype=np.float64)))
        self.pop = _select(self.pop, self.size)

    @property
    def schedules(self) -> int:
        return self.dec.schedules

    def run(self, until: float | None = None, generations: int | None = None) -> None:
        """Run generations until ``until`` (perf_counter), ``generations`` more, the bound or a stop.

        With ``workers >= 2`` each generation breeds two batches of children at once, one per
        thread (the compiled kernels release the GIL); the batches are merged in a fixed order,
        so a seed still gives one result."""
        ctx, size, lb = self.ctx, self.size, self.lb
        threads = max(1, min(2, ctx.workers))
        batch = max(1, min(size, 8 if until is not None else size))  # short batches keep the clock
        done = 0

        def over() -> bool:
            return ctx.expired() or (until is not None and time.perf_counter() >= until)

        pool = ThreadPoolExecutor(1, thread_name_prefix="rcpsp-ga") if threads > 1 else None
        try:
            while self.best_ms > lb and not over() and not (generations is not None and done >= generations):
                done += 1
                self.generations += 1
                before = self.best_ms
                parents = np.stack([item[1] for item in self.pop])
                cdf = np.cumsum(_rank_weights(len(parents)))
                made = 0
                while made < size and not over() and self.best_ms > lb:
                    count = min(batch, size - made)
                    seeds = self.rng.integers(0, 2**31 - 1, size=threads)
                    jobs = []
                    if pool is not None:
                        jobs.append(
                            pool.submit(
                                self.dec.breed,
                                parents,
                                cdf,
                                count,
                                self.rate,
                                int(seeds[1]),
                                lb,
                                self._usage2,
                            )
                        )
                    out = [self.dec.breed(parents, cdf, count, self.rate, int(seeds[0]), lb, self.dec.usage)]
                    out += [job.result() for job in jobs]
                    for lists, starts, spans, k, passes in out:
                        self.dec.schedules += passes
                        for c in range(k):
                            self._add(int(spans[c]), lists[c], starts[c])
                    made += count
                self.pop = _select(self.pop, size)
                self._stale = 0 if self.best_ms < before else self._stale + 1
                if self._stale >= self.restart and self.best_ms > lb:
                    self._rebuild()
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def _rebuild(self) -> None:
        """Start an independent run: a new population of biased LFT lists (the best schedule
        found so far is kept aside, not in the population, so that it does not take over)."""
        self._stale = 0
        self.restarts += 1
        self.pop = []
        for _ in range(self.size):
            self._consider(_biased_lft_list(self.problem, self.dec, self.rng))
        self.pop = _select(self.pop, self.size)


def solve(problem: Rcpsp, ctx: SolveContext) -> Result:
    """Registered as ``ga``; options ``population``, ``generations``, ``mutation``, ``restart``."""
    generations = ctx.int_option("generations", 200, minimum=0)
    bounded_by_generations = ctx.time_limit is None or "generations" in ctx.options
    if problem.num_activities == 0:
        return Result(Status.OPTIMAL, None, 0, RcpspSolution(np.zeros(0, dtype=np.int64)))
    ga = ActivityListGA(problem, ctx)
    ga.run(generations=generations if bounded_by_generations else None)
    status = Status.OPTIMAL if ga.best_ms <= ga.lb else Status.FEASIBLE
    stats = {
        "schedules": ga.schedules,
        "generations": ga.generations,
        "restarts": ga.restarts,
        "population": ga.size,
    }
    return Result(status, None, ga.lb, RcpspSolution(ga.best_start), stats=stats)


def _rank_weights(m: int) -> np.ndarray:
    """Linear ranking: the best of ``m`` is drawn twice as often as the median."""
    w = np.arange(m, 0, -1, dtype=np.float64)
    return w / w.sum()


def _select(pop: list[tuple[int, np.ndarray, np.ndarray]], size: int) -> list:
    """The ``size`` shortest distinct schedules, shortest first (stable, so deterministic)."""
    pop.sort(key=lambda item: item[0])
    seen: set[bytes] = set()
    out = []
    for item in pop:
        key = item[2].tobytes()
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
        if len(out) == size:
            break
    return out
