"""Method ``ts`` for the flexible job shop (``auto`` is :mod:`schedkit.solvers.hybrid.flexible`).

``ts`` is the compiled tabu search of :mod:`schedkit.solvers.search.flexible_kernel`
(critical operations reinserted on any eligible machine at any position, with an exact-or-
upper-bound estimate of the new makespan), seeded by the best dispatching rule (or the hint
when it is better), one search per worker (at most 2) in threads that release the GIL and
share their best solution: a stalled search restarts from the shared best.

Without a time limit, ``ts`` runs ``100 * rounds`` iterations per search (option ``rounds``,
default 200).
"""

from __future__ import annotations

import threading
import time

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.rules.flexible import best_of_rules
from schedkit.solvers.search import flexible_extras
from schedkit.solvers.search import flexible_kernel as FK

DEFAULT_ITERATIONS = 20_000  # per search, without a time limit
RESERVE = 0.1  # seconds kept for the re-check and returning
_CHUNK_SECONDS = 0.05
#: iterations per chunk without a deadline: fixed, so that one worker is reproducible from its seed
UNTIMED_CHUNK = 250
#: tabu tenure (fraction of the operations), iterations without improvement before a restart
#: (per operation) and random insertions at a restart
TENURE = 0.1
STALL = 4
KICK = 3
MODE = 1


class FlexibleTabu:
    """State of one compiled tabu search (arrays the kernel updates in place)."""

    def __init__(
        self,
        problem: FlexibleJobShop,
        solution: FlexibleSolution,
        seed: int,
        target: int,
        options: dict | None = None,
    ):
        p = problem
        n = p.num_operations
        self.p = p
        self.seed = seed
        self.chunks = 0
        jp = np.arange(n, dtype=np.int64) - 1
        js = np.arange(n, dtype=np.int64) + 1
        jp[p.job_start[:-1]] = -1
        js[p.job_start[1:] - 1] = -1
        self.jp, self.js = jp, js
        self.alt_start = np.array(p.alt_start, dtype=np.int64)
        self.alt_machine = np.array(p.alt_machine, dtype=np.int64)
        self.alt_duration = np.array(p.alt_duration, dtype=np.int64)
        machine = solution.machines(p)
        start = solution.starts(p)
        dur = p.durations_of(machine)
        # alternative index of each operation's machine
        aa = np.empty(n, dtype=np.int64)
        for o in range(n):
            alts = np.arange(p.alt_start[o], p.alt_start[o + 1])
            aa[o] = int(alts[p.alt_machine[alts] == machine[o]][0])
        self.aa = aa
        self.mach = p.alt_machine[aa].copy()
        self.dur = p.alt_duration[aa].copy()
        m = p.num_machines
        self.mp = np.full(n, -1, dtype=np.int64)
        self.ms = np.full(n, -1, dtype=np.int64)
        self.mhead = np.full(m, -1, dtype=np.int64)
        for k in range(m):
            ops = np.flatnonzero(machine == k)
            ops = ops[np.lexsort((ops, start[ops] + dur[ops], start[ops]))]
            if len(ops):
                self.mhead[k] = ops[0]
                self.mp[ops[1:]] = ops[:-1]
                self.ms[ops[:-1]] = ops[1:]
        self.b_aa, self.b_mp, self.b_ms, self.b_mhead = (
            self.aa.copy(),
            self.mp.copy(),
            self.ms.copy(),
            self.mhead.copy(),
        )
        self.tabu_exp = np.full(n * m, -1, dtype=np.int64)
        self.tabu_pred = np.full(n * m, -1, dtype=np.int64)
        self.params = np.zeros(FK.N_PARAMS, dtype=np.int64)
        opt = options or {}
        t_lo = int(opt.get("tenure", max(2, round(TENURE * n))))
        self.params[FK.P_TENURE_LO] = t_lo
        self.params[FK.P_TENURE_HI] = t_lo + int(opt.get("tenure_span", max(2, round(TENURE * n))))
        self.params[FK.P_STALL] = int(opt.get("stall", max(400, STALL * n)))
        self.params[FK.P_KICK] = int(opt.get("kick", KICK))
        self.params[FK.P_MODE] = int(opt.get("mode", MODE))
        self.params[FK.P_TARGET] = target
        self.state = np.zeros(FK.N_STATE, dtype=np.int64)
        self.state[FK.S_BEST] = np.iinfo(np.int64).max
        self.lock = threading.Lock()

    @property
    def best(self) -> int:
        return int(self.state[FK.S_BEST])

    @property
    def iterations(self) -> int:
        return int(self.state[FK.S_ITER])

    def step(self, iterations: int) -> int:
        """Run ``iterations`` kernel iterations; 1 when the target is reached."""
        self.params[FK.P_ITERS] = iterations
        self.params[FK.P_SEED] = (self.seed * 1_000_003 + self.chunks) % (2**31 - 1)
        self.chunks += 1
        with self.lock:
            code = FK.run_chunk(
                self.jp, self.js, self.alt_start, self.alt_machine, self.alt_duration,
                self.aa, self.mach, self.dur, self.mp, self.ms, self.mhead,
                self.b_aa, self.b_mp, self.b_ms, self.b_mhead,
                self.tabu_exp, self.tabu_pred, self.params, self.state,
            )  # fmt: skip
        if code < 0:
            raise RuntimeError("flexible tabu search: cyclic start graph")
        return code

    def snapshot(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        with self.lock:
            return self.best, self.b_aa.copy(), self.b_mp.copy(), self.b_ms.copy(), self.b_mhead.copy()

    def adopt(self, best: int, aa: np.ndarray, mp: np.ndarray, ms: np.ndarray, mhead: np.ndarray) -> None:
        """Make a better solution this search's best (it restarts from it at its next stall)."""
        with self.lock:
            if best < self.best:
                self.state[FK.S_BEST] = best
                self.b_aa[:], self.b_mp[:], self.b_ms[:], self.b_mhead[:] = aa, mp, ms, mhead

    def solution(self) -> FlexibleSolution:
        best, aa, mp, ms, _ = self.snapshot()
        dur = self.p.alt_duration[aa]
        start = FK.starts_of(self.jp, self.js, np.ascontiguousarray(dur), mp, ms)
        return FlexibleSolution.from_assignment(self.p, self.p.alt_machine[aa], start)

    def run(
        self,
        ctx: SolveContext,
        until: float | None,
        max_iterations: int | None = None,
        on_chunk=None,  # noqa: ANN001
    ) -> None:
        """Chunks of iterations until ``until`` (perf_counter), ``ctx.stop``, the target or
        ``max_iterations``; ``on_chunk(self)`` after every chunk."""
        chunk = 50
        while not ctx.stop.is_set():
            now = time.perf_counter()
            if until is not None and now >= until:
                break
            n = chunk
            if max_iterations is not None:
                n = min(n, max_iterations - self.iterations)
                if n <= 0:
                    break
            t0 = time.perf_counter()
            done = self.step(n)
            if on_chunk is not None:
                on_chunk(self)
            if done:
                break
            if until is None:  # sizes independent of the clock: a seed gives one trajectory
                chunk = min(4 * chunk + 10, UNTIMED_CHUNK)
                continue
            dt = time.perf_counter() - t0
            rate = n / max(dt, 1e-6)
            target = min(_CHUNK_SECONDS, max(0.005, until - now - dt))
            chunk = int(min(max(10, rate * target), 4 * chunk + 10))


def run_parallel(
    problem: FlexibleJobShop,
    seed_solution: FlexibleSolution,
    ctx: SolveContext,
    until: float | None,
    lb: int,
    max_iterations: int | None,
) -> tuple[FlexibleSolution, int, int]:
    """One search per worker (at most 2) in threads sharing their best; the best schedule,
    the iterations and the restarts of all searches."""
    threads = max(1, min(2, int(ctx.workers or 1)))
    searches = [
        FlexibleTabu(problem, seed_solution, ctx.seed * 7919 + k, lb, ctx.options) for k in range(threads)
    ]
    shared = {"best": None}
    glock = threading.Lock()

    def sync(s: FlexibleTabu) -> None:
        snap = None
        with glock:
            g = shared["best"]
            if g is None or s.best < g[0]:
                shared["best"] = s.snapshot()
                improved = True
            else:
                improved = False
                if g[0] < s.best:
                    snap = g
        if improved:
            ctx.incumbent = s.solution()
        if snap is not None:
            s.adopt(*snap)

    workers = [
        threading.Thread(target=s.run, args=(ctx, until, max_iterations, sync), daemon=True)
        for s in searches[1:]
    ]
    for w in workers:
        w.start()
    searches[0].run(ctx, until, max_iterations, sync)
    for w in workers:
        w.join()
    best = min(searches, key=lambda s: s.best)
    return (
        best.solution(),
        sum(s.iterations for s in searches),
        sum(int(s.state[FK.S_RESTARTS]) for s in searches),
    )


#: random dispatches tried for the seed schedule without a time limit: a fixed count, so that a
#: seed gives one schedule (0.2 s of them, as with a limit, made the start depend on the clock;
#: 0.2 s held about 600 on mk01 and 90 on mk10)
UNTIMED_RANDOM_RULES = 200


def rule_seed(problem: FlexibleJobShop, ctx: SolveContext) -> FlexibleSolution:
    """The best dispatching rule's schedule (or the hint when it is better)."""
    left = ctx.remaining()
    if left is None:
        best = best_of_rules(problem, ctx.seed, budget=0.0, min_random=UNTIMED_RANDOM_RULES)
    else:
        best = best_of_rules(problem, ctx.seed, min(0.3, 0.02 * left))
    hint = ctx.hint
    ok = isinstance(hint, FlexibleSolution) and not problem.violations(hint)
    if ok and problem.objective(hint) < problem.objective(best):
        return hint
    return best


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Method ``ts``: the best rule, then the compiled tabu search until the time limit (with
    setups, releases or another objective: :mod:`schedkit.solvers.search.flexible_extras`)."""
    if flexible_extras.needs_extras(problem, ctx.objective):
        return flexible_extras.solve(problem, ctx)
    rule = rule_seed(problem, ctx)
    ctx.incumbent = rule
    left = ctx.remaining(0.05)
    until = None if left is None else time.perf_counter() + left
    rounds = ctx.int_option("rounds", DEFAULT_ITERATIONS // 100, minimum=0)  # checked even when unused
    max_it = 100 * rounds if until is None else None
    solution, iterations, restarts = run_parallel(problem, rule, ctx, until, problem.lower_bound(), max_it)
    if problem.violations(solution) or problem.objective(solution) > problem.objective(rule):
        solution = rule
    stats = {"iterations": iterations, "restarts": restarts, "rule_makespan": problem.objective(rule)}
    return Result(Status.FEASIBLE, None, None, solution, stats=stats)
