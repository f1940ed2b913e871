"""Methods ``ts`` and ``auto`` for the flexible job shop.

Local search in rounds. With the machine assignment fixed, the problem is a job shop, and the
compiled job-shop tabu search (:mod:`schedkit.solvers.localsearch.kernel`) improves the
sequences for a short slice. Then one critical operation is reassigned: for every critical
operation, every other eligible machine and every insertion position on it, the new longest
path through the operation is estimated from the current heads and tails (``max(end of the job
predecessor, end of the machine predecessor) + new duration + max(tail of the job successor,
tail of the machine successor)``); the best few estimates are evaluated exactly by
recomputing the schedule (cyclic insertions are discarded) and the best is applied, even when
it is worse (putting the operation back on its old machine is then tabu for a few rounds).
After a number of rounds without improvement the search returns to the best solution.

``auto`` runs CP-SAT's FJSP model first (proves small instances optimal, gives the bound),
then the local search, then CP-SAT again hinted with the best schedule.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.heuristics.flexible_rules import best_of_rules
from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution
from schedkit.result import Result, Status
from schedkit.solvers.localsearch import kernel as K
from schedkit.solvers.localsearch.jobshop import Graph, TabuSearch

DEFAULT_ROUNDS = 300  # without a time limit
_SLICE_SECONDS = 0.02
_EXACT_CANDIDATES = 12
_TABU_ROUNDS = 6
_RESTART_ROUNDS = 40
CP_FIRST = 0.10
CP_LAST = 0.10
_RESERVE = 0.1


class FlexibleSearch:
    """Alternating sequencing tabu search and machine reassignment for a flexible job shop."""

    def __init__(
        self,
        problem: FlexibleJobShop,
        machine: np.ndarray,
        start: np.ndarray,
        seed: int,
        lb: int,
    ):
        self.p = problem
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.lb = lb
        self.assign = np.array(machine, dtype=np.int64)
        self.start = np.array(start, dtype=np.int64)
        self.val = self._makespan(self.assign, self.start)
        self.best_assign, self.best_start, self.best = (
            self.assign.copy(),
            self.start.copy(),
            self.val,
        )
        self.alt_tabu = np.full(problem.num_alternatives, -1, dtype=np.int64)
        self.rounds = 0
        self.moves = 0
        self.since_best = 0

    def _makespan(self, assign: np.ndarray, start: np.ndarray) -> int:
        return int((start + self.p.durations_of(assign)).max())

    def _graph(self, assign: np.ndarray) -> Graph:
        return Graph.of(self.p.durations_of(assign), self.p.job_start, assign, self.p.num_machines)

    def _sequence_round(self, until: float, ctx: SolveContext) -> None:
        g = self._graph(self.assign)
        ts = TabuSearch(g, g.sequence(self.start), lower_bound=self.lb, seed=self.seed + self.rounds)
        ts.tenure = (8, 12)
        ts.stall_limit = 800
        end = min(until, time.perf_counter() + _SLICE_SECONDS)
        ts.run(ctx, end)
        if ts.chunks == 0:
            ts.step(1)
        self.moves += ts.iterations
        start = g.starts(ts.best_seq)
        self.start, self.val = start, ts.best
        self._seq, self._g = ts.best_seq, g

    def _reassign(self) -> None:
        g, seq = self._g, self._seq
        r, q = K.times_of(g.dur, g.jp, g.js, g.mach, g.mstart, seq)
        cmax = self.val
        dur = g.dur
        crit = np.flatnonzero(r + dur + q == cmax).astype(np.int64)
        p = self.p
        est, c_op, c_m, c_k = K.insertion_candidates(
            r, q, dur, g.jp, g.js, seq, g.mstart, crit, p.alt_start, p.alt_machine, p.alt_duration,
            self.assign, self.alt_tabu, self.rounds,
        )  # fmt: skip
        if len(est) == 0:
            return
        pick = np.lexsort((self.rng.random(len(est)), est))[:_EXACT_CANDIDATES]
        cands = [(int(est[i]), int(c_op[i]), int(c_m[i]), int(c_k[i])) for i in pick]
        best_move = None
        for _est, o, m, k in cands:
            new_assign = self.assign.copy()
            new_assign[o] = m
            # machine orders: o inserted at position k of machine m, removed from its old machine
            order_m = [int(x) for x in seq[g.mstart[m] : g.mstart[m + 1]]]
            order_m.insert(k, o)
            g2 = self._graph(new_assign)
            pieces = []
            for mm in range(p.num_machines):
                if mm == m:
                    pieces.append(np.array(order_m, dtype=np.int64))
                else:
                    ops = seq[g.mstart[mm] : g.mstart[mm + 1]]
                    pieces.append(ops[ops != o])
            seq2 = np.ascontiguousarray(np.concatenate(pieces), dtype=np.int64)
            st = g2.starts(seq2)
            if st[0] < 0:
                continue  # the insertion closes a cycle
            val = int((st + g2.dur).max())
            if best_move is None or val < best_move[0]:
                best_move = (val, o, m, new_assign, st)
        if best_move is None:
            return
        val, o, m, new_assign, st = best_move
        old = int(self.assign[o])
        alts = range(int(p.alt_start[o]), int(p.alt_start[o + 1]))
        self.alt_tabu[[a for a in alts if p.alt_machine[a] == old]] = self.rounds + _TABU_ROUNDS
        self.assign, self.start, self.val = new_assign, st, val

    def _note(self) -> bool:
        if self.val < self.best:
            self.best, self.best_assign, self.best_start = (
                self.val,
                self.assign.copy(),
                self.start.copy(),
            )
            self.since_best = 0
            return True
        self.since_best += 1
        return False

    def run(
        self,
        ctx: SolveContext,
        until: float | None,
        max_rounds: int | None = None,
        elite: _Elite | None = None,
    ) -> None:
        """Rounds until ``until`` (perf_counter), ``ctx.stop``, the lower bound or ``max_rounds``."""
        horizon = until if until is not None else float("inf")
        while not ctx.stop.is_set() and self.best > self.lb and time.perf_counter() < horizon:
            if max_rounds is not None and self.rounds >= max_rounds:
                break
            self._sequence_round(horizon, ctx)
            if self._note():
                ctx.incumbent = self.solution()
            if time.perf_counter() >= horizon or self.best <= self.lb:
                break
            self._reassign()
            if self._note():
                ctx.incumbent = self.solution()
            self.rounds += 1
            if elite is not None:
                elite.offer(self)
            if self.since_best >= _RESTART_ROUNDS:
                if elite is not None:
                    elite.adopt(self)
                self.assign, self.start, self.val = (
                    self.best_assign.copy(),
                    self.best_start.copy(),
                    self.best,
                )
                self.since_best = 0
                self.alt_tabu[:] = -1

    def solution(self) -> FlexibleSolution:
        return FlexibleSolution.from_assignment(self.p, self.best_assign, self.best_start)


class _Elite:
    """Best solution shared by parallel searches (a search restarts from it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.best: int | None = None
        self.assign: np.ndarray | None = None
        self.start: np.ndarray | None = None

    def offer(self, s: FlexibleSearch) -> None:
        with self.lock:
            if self.best is None or s.best < self.best:
                self.best, self.assign, self.start = s.best, s.best_assign.copy(), s.best_start.copy()

    def adopt(self, s: FlexibleSearch) -> None:
        with self.lock:
            if self.best is not None and self.best < s.best:
                s.best, s.best_assign, s.best_start = self.best, self.assign.copy(), self.start.copy()


def run_parallel(
    problem: FlexibleJobShop,
    seed_solution: FlexibleSolution,
    ctx: SolveContext,
    until: float | None,
    lb: int,
    max_rounds: int | None,
) -> tuple[FlexibleSolution, int, int]:
    """One search per worker (at most 2) in threads sharing their best; the best schedule,
    the rounds and the tabu moves of all searches."""
    threads = max(1, min(2, int(ctx.workers or 1)))
    machine, start = seed_solution.machines(problem), seed_solution.starts(problem)
    searches = [FlexibleSearch(problem, machine, start, ctx.seed * 7919 + k, lb) for k in range(threads)]
    elite = _Elite()
    workers = [
        threading.Thread(target=s.run, args=(ctx, until, max_rounds, elite), daemon=True)
        for s in searches[1:]
    ]
    for w in workers:
        w.start()
    searches[0].run(ctx, until, max_rounds, elite)
    for w in workers:
        w.join()
    best = min(searches, key=lambda s: s.best)
    return best.solution(), sum(s.rounds for s in searches), sum(s.moves for s in searches)


def _rule_seed(problem: FlexibleJobShop, ctx: SolveContext) -> FlexibleSolution:
    left = ctx.remaining()
    budget = 0.2 if left is None else min(0.3, 0.02 * left)
    best = best_of_rules(problem, ctx.seed, budget)
    hint = ctx.hint
    ok = isinstance(hint, FlexibleSolution) and not problem.violations(hint)
    if ok and problem.objective(hint) < problem.objective(best):
        return hint
    return best


def solve(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Method ``ts``: the best rule, then the alternating local search until the time limit."""
    rule = _rule_seed(problem, ctx)
    ctx.incumbent = rule
    left = ctx.remaining(0.05)
    until = None if left is None else time.perf_counter() + left
    max_rounds = None if until is not None else int(ctx.option("rounds", DEFAULT_ROUNDS))
    solution, rounds, moves = run_parallel(problem, rule, ctx, until, problem.lower_bound(), max_rounds)
    if problem.violations(solution) or problem.objective(solution) > problem.objective(rule):
        solution = rule
    stats = {"rounds": rounds, "moves": moves, "rule_makespan": problem.objective(rule)}
    return Result(Status.FEASIBLE, None, None, solution, stats=stats)


def _sub(ctx: SolveContext, seconds: float, hint: FlexibleSolution) -> SolveContext:
    left = ctx.remaining(_RESERVE)
    if left is not None:
        seconds = min(seconds, left)
    return replace(
        ctx,
        method="cpsat",
        time_limit=max(0.01, seconds),
        started=time.perf_counter(),
        options={},
        hint=hint,
    )


def solve_auto(problem: FlexibleJobShop, ctx: SolveContext) -> Result:
    """Method ``auto``: CP-SAT, the local search, CP-SAT hinted with its schedule.
    Options: ``cp_first``, ``cp_last`` (fractions of the time limit)."""
    from schedkit.solvers.cpsat.flexible import solve as cpsat_solve

    total = ctx.time_limit
    f_first = float(ctx.option("cp_first", CP_FIRST))
    f_last = float(ctx.option("cp_last", CP_LAST))
    best = _rule_seed(problem, ctx)
    rule_val = problem.objective(best)
    ctx.incumbent = best
    bound = problem.lower_bound()
    proven = rule_val <= bound
    phases: dict[str, float] = {}

    def cp(seconds: float, name: str) -> None:
        nonlocal best, bound, proven
        if proven or seconds <= 0.05 or ctx.expired():
            return
        t0 = time.perf_counter()
        res = cpsat_solve(problem, _sub(ctx, seconds, best))
        phases[name] = round(time.perf_counter() - t0, 3)
        if res.lower_bound is not None:
            bound = max(bound, int(res.lower_bound))
        sol = res.solution
        if (
            sol is not None
            and not problem.violations(sol)
            and problem.objective(sol) < problem.objective(best)
        ):
            best = sol
            ctx.incumbent = best
        proven = proven or res.status is Status.OPTIMAL or problem.objective(best) <= bound

    cp(10.0 if total is None else f_first * total, "cpsat_first")
    if not proven and not ctx.expired():
        t0 = time.perf_counter()
        last = 10.0 if total is None else f_last * total
        left = ctx.remaining(_RESERVE)
        until = None if left is None else time.perf_counter() + max(0.0, left - last)
        sol, rounds, _moves = run_parallel(
            problem, best, ctx, until, bound, None if until is not None else DEFAULT_ROUNDS
        )
        if not problem.violations(sol) and problem.objective(sol) < problem.objective(best):
            best = sol
        proven = problem.objective(best) <= bound
        phases["ls"] = round(time.perf_counter() - t0, 3)
        phases["ls_rounds"] = rounds
        left = ctx.remaining(_RESERVE)
        cp(last if left is None else left, "cpsat_last")
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    return Result(status, None, bound, best, stats={"rule_makespan": rule_val, **phases})
