"""Method ``auto`` for VM rescheduling: a large-neighbourhood search (LNS) over the count model.

1. Start: the better of ``rule:bestfit`` and greedy with the two-step lookahead of
   :mod:`schedkit.solvers.rules.vmr_pairs` (``rule:greedy``'s plan, then pairs of migrations
   that help only together; never worse than ``rule:greedy``), and the hint when feasible and
   better, so the result is never worse than the better rule (given the time to run them).
1b. Compound moves (:mod:`.vmr_compound`, option ``compound``, default on): a deterministic
   scan of every two-step compound around one shared PM (two VMs leaving it, one leaving and
   one arriving, two arriving), evaluated exactly, applied while one beats the plan's weakest
   independent steps it displaces; for at most :data:`COMPOUND_SHARE` of the time left. On the
   generated 1200-PM instance at MNL 50 it takes greedy-with-pairs' 0.8404 to 0.8370 in about
   1 s. A plan meeting the problem's lower bound (e.g. greedy's on the 5000-PM instance, see
   :meth:`VMRescheduling.potential_bound`) is returned as optimal at once. OR-Tools is imported
   only after this phase, inside the time limit (the first call of a process pays it there).
2. On instances of at most :data:`WHOLE_PMS` active PMs, ``cpsat`` on the whole instance for
   :data:`WHOLE_SHARE` of the time, hinted with the start (on the real Medium mapping it reaches
   the proven optimum, FR 0.1966 at MNL 50, within 5 s); the LNS gets what is left.
3. Until the deadline, one thread per worker: draw a neighbourhood, a set of PMs
   (:mod:`.vmr_neighbourhood`) spread evenly over the free-CPU patterns of the PMs (a weight
   ``(residue + 1) ** POWER`` is available; PMs without free CPU are left out, :data:`UNIFORM`
   of them drawn uniformly), fix every
   VM outside it, and solve the sub-problem with CP-SAT (one core, :data:`SUB_PARAMETERS`): the
   *safe* count model of :mod:`schedkit.structure.vmr_model` (arrivals fit in the room a node
   has, so any order of the moves is feasible), minimising ``residue * W + departures`` (fewer
   migrations for the same residue leave budget to later neighbourhoods). Two kinds:

   * *re-optimise*: a few of the plan's steps are released (their PMs join, their migrations
     return to the budget), the set is closed under the plan, and the sub-problem starts from
     the initial mapping with budget ``MNL - steps outside``, hinted with the steps inside;
     a better solution replaces those steps;
   * *extend* (while the plan leaves budget): the sub-problem starts where the plan leaves the
     VMs, with the budget left; a solution that lowers the residue is appended to the plan (then
     a VM that now moves twice is merged into one step when the plan stays feasible).

   The kinds are drawn in proportion to their recent acceptance rates; on the generated 1200-PM
   instance most improvements come from extending. A solution is accepted when it lowers the
   residue (or keeps it with fewer steps), can be sequenced within the budget, and the plan's
   steps on its PMs did not change meanwhile (another thread). The neighbourhood grows by
   :data:`GROW` after a sub-problem proved optimal within :data:`SUB_FAST` seconds and shrinks by
   :data:`SHRINK` after one that was not proved, within [:data:`MIN_PMS`, :data:`MAX_PMS`].

The lower bound is the problem's (:meth:`VMRescheduling.lower_bound`: what MNL migrations can
change, and the potential argument of :meth:`VMRescheduling.potential_bound`). Without a time
limit the search stops after ``iterations`` sub-problems or ``stall`` in a row without
improvement.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.vmr import SLOT, VMRescheduling
from schedkit.result import Result, Status
from schedkit.solvers.hybrid.vmr_compound import improve_pairs
from schedkit.solvers.hybrid.vmr_neighbourhood import (
    Incumbent,
    Move,
    PmIndex,
    SubProblem,
    close,
    restrict,
    restrict_current,
)
from schedkit.solvers.rules.vmr import bestfit_moves
from schedkit.solvers.rules.vmr_pairs import pair_greedy_moves
from schedkit.structure.vmr import aggregate, counts_of_moves, final_free_units, sequence, start_deadline

#: whole-instance CP-SAT first on instances up to this many active PMs, for this share of the time
#: (on the real Medium mapping at 1, 2, 5 s and MNL 50/200, shares 0.6 and 0.8 were worse than
#: plain cpsat at some limit, 1.0 was not: the LNS then uses what a proof leaves)
WHOLE_PMS = 400
WHOLE_SHARE = 1.0
#: the compound-move search (:mod:`.vmr_compound`) after the start may use this share of the time left
COMPOUND_SHARE = 0.6
#: neighbourhood size in PMs: first, smallest, largest; growth after an early proof, shrink otherwise
FIRST_PMS = 40
MIN_PMS = 10
MAX_PMS = 60
GROW = 1.2
SHRINK = 0.8
#: a sub-problem proved within SUB_FAST seconds grows the neighbourhood
SUB_FAST = 0.15
#: CP-SAT seconds per sub-problem: this share of the time limit, within [SUB_MIN, SUB_MAX]
SUB_SHARE = 0.08
SUB_MIN = 0.05
SUB_MAX = 2.0
#: share of the neighbourhood's PMs drawn uniformly rather than by residue; the residue weight
#: ``(residue + 1) ** POWER``, divided by ``(PMs with the same free CPU) ** SPREAD``. On the 1200-PM
#: instance at 5 s (3 seeds each), POWER 0 (every free-CPU pattern alike) reached 0.8370 in 3 of 6
#: runs, POWER 1 in 1 of 3, POWER 2 in none
UNIFORM = 0.2
POWER = 0.0
SPREAD = 1.0
#: the two kinds of sub-problem (extend the plan, re-optimise it) are drawn in proportion to their
#: recent acceptance rates (exponential average with this decay), each at least 1 - AFTER_MAX
SUCCESS_DECAY = 0.15
AFTER_MAX = 0.85
#: CP-SAT parameters of a sub-problem solve: without probing and symmetry detection the 60-PM
#: sub-problems of the 1200-PM instance were solved (to the same optima) in about 0.6x the time
SUB_PARAMETERS = {"cp_model_probing_level": 0, "symmetry_level": 0}
#: seconds kept back at the end for building the plan, the re-check and teardown
RESERVE = 0.25
#: without a time limit: sub-problems at most, in a row without improvement at most, seconds each
ITERATIONS = 300
STALL = 60
UNLIMITED_SUB = 1.0
UNLIMITED_WHOLE = 20.0


def _ortools() -> tuple[Any, Any, Any]:
    """OR-Tools and the CP-SAT pieces, imported on first use: the start and the compound search
    need none, so a first call in a process (the import takes 0.5-2 s on a loaded machine) spends
    that time inside its own limit, after the compounds have done most of the work."""
    from ortools.sat.python import cp_model

    from schedkit.solvers.cpsat import vmr as cpsat_vmr
    from schedkit.solvers.cpsat.runner import run_cpsat

    return cp_model, cpsat_vmr, run_cpsat


def _start(problem: VMRescheduling, ctx: SolveContext) -> tuple[list[Move], str]:
    """The better plan of ``rule:bestfit``, greedy with pairs and a feasible hint."""
    cands: list[tuple[float, int, str, list[Move]]] = []
    deadline = start_deadline(ctx)
    rules = (
        ("rule:bestfit", lambda: bestfit_moves(problem, ctx, deadline=deadline)),
        ("greedy+pairs", lambda: pair_greedy_moves(problem, ctx, deadline=deadline)),
    )
    for name, fn in rules:
        if cands and (ctx.expired() or (deadline is not None and time.perf_counter() >= deadline)):
            break
        moves = fn().moves
        cands.append((problem.objective(problem.plan(moves)), len(moves), name, moves))
    if ctx.hint is not None and not problem.violations(ctx.hint):
        cands.append((problem.objective(ctx.hint), len(ctx.hint), "hint", ctx.hint.moves()))
    _, _, name, moves = min(cands, key=lambda c: (c[0], c[1]))
    return list(moves), name


class _Search:
    """State of one LNS run, shared by its threads (one per worker, each CP-SAT on one core)."""

    def __init__(self, problem: VMRescheduling, ctx: SolveContext, moves: list[Move]):
        self.p = problem
        self.ctx = ctx
        self.inc = Incumbent(problem, moves)
        self.index = PmIndex(problem)
        self.active = np.flatnonzero(problem.pm_active)
        self.size = float(min(len(self.active), ctx.int_option("first_pms", FIRST_PMS, 1)))
        self.limits = (ctx.int_option("iterations", ITERATIONS, 0), ctx.int_option("stall", STALL, 1))
        self.lock = threading.Lock()
        self.stall = 0
        self.success = {True: 0.5, False: 0.5}  # recent acceptance rate per kind of sub-problem
        self.times = {"draw": 0.0, "build": 0.0, "cpsat": 0.0}
        keys = ("iterations", "accepted", "accepted_within", "accepted_after", "unsequenced", "proved")
        self.stats = dict.fromkeys((*keys, "compressed", "conflicts"), 0)

    def neighbourhood(self, rng: np.random.Generator, release: bool) -> set[int]:
        """Released steps' PMs, then residue-weighted and uniform PMs (closed under the plan if
        ``release``)."""
        n = max(1, int(round(self.size)))
        plan = self.inc.moves
        chosen: set[int] = set()
        if plan and release:
            k = int(rng.integers(1, max(2, min(len(plan), n // 3) + 1)))
            for i in rng.choice(len(plan), size=min(k, len(plan)), replace=False):
                chosen.update((plan[i][1], plan[i][3]))
        want = max(0, n - len(chosen))
        free = self.inc.free[self.active]
        room = free.sum(axis=1) > 0  # a PM without free CPU can neither take nor give usefully
        cand = int(room.sum())
        if want and cand:
            res = (free % SLOT).sum(axis=1).astype(float)
            # PMs with the same free CPU pattern are alike as destinations: spread the draw over patterns
            _, inv, cnt = np.unique(np.sort(free, axis=1), axis=0, return_inverse=True, return_counts=True)
            w = np.where(room, (res + 1.0) ** POWER / cnt[inv.reshape(-1)] ** SPREAD, 0.0)
            n_uni = int(round(UNIFORM * want))
            k = min(want - n_uni, cand)
            if k > 0:
                pick = rng.choice(len(self.active), size=k, replace=False, p=w / w.sum())
                chosen.update(int(self.active[i]) for i in pick)
            if n_uni:
                uni = rng.choice(np.flatnonzero(room), size=min(n_uni, cand), replace=False)
                chosen.update(int(self.active[i]) for i in uni)
        return close(chosen, plan) if release else chosen

    def draw(self, rng: np.random.Generator) -> tuple[bool, SubProblem]:
        """A sub-problem: re-optimise a closed PM set (``after`` False) or extend the plan on a
        PM set (``after`` True, while the plan leaves budget)."""
        with self.lock:
            share = self.success[True] / (self.success[True] + self.success[False])
            share = min(AFTER_MAX, max(1.0 - AFTER_MAX, share))
            after = self.p.mnl > len(self.inc.moves) and rng.random() < share
            if after:
                return True, restrict_current(self.p, self.inc, self.neighbourhood(rng, False))
            return False, restrict(self.p, self.index, self.neighbourhood(rng, True), self.inc.moves)

    def solve_sub(self, sub: SubProblem, seconds: float) -> tuple[list[Move] | None, bool]:
        """CP-SAT on the safe count model of the sub-problem, hinted with the incumbent's steps
        inside; (a sequenced plan if it is better than those steps, whether CP-SAT proved it)."""
        sp = sub.problem
        if sp.mnl == 0:
            return None, True
        cp_model, cpsat_vmr, run_cpsat = _ortools()
        t0 = time.perf_counter()
        agg = aggregate(sp)
        model, xs, cm = cpsat_vmr.build(agg, True, sp.mnl)
        weight = sp.mnl + 1
        terms = [(weight * c, i) for c, i in cm.objective] + [(1, i) for i in cm.var_out.values()]
        model.minimize(cp_model.LinearExpr.weighted_sum([xs[i] for _, i in terms], [c for c, _ in terms]))
        hint = counts_of_moves(agg, sub.hint)
        for i, val in cm.start_values(agg, hint):
            model.add_hint(xs[i], val)
        left = self.ctx.remaining(RESERVE)
        seconds = seconds if left is None else min(seconds, left)
        sub_ctx = replace(self.ctx, time_limit=max(0.01, seconds), started=time.perf_counter(), options={})
        t1 = time.perf_counter()
        out = run_cpsat(model, sub_ctx, reserve=0.0, num_workers=1, **SUB_PARAMETERS)
        with self.lock:
            self.times["build"] += t1 - t0
            self.times["cpsat"] += time.perf_counter() - t1
        proved = out.status is Status.OPTIMAL
        if not out.has_solution:
            return None, proved
        counts = cm.counts(lambda i: int(out.solver.value(xs[i])))
        new_units = agg.residue_units(final_free_units(agg, counts))
        old_units = agg.residue_units(final_free_units(agg, hint))
        if new_units > old_units:
            return None, proved
        moves = sequence(agg, counts, sp.mnl)
        if moves is None:
            self.stats["unsequenced"] += 1
            return None, proved
        if new_units == old_units and len(moves) >= len(sub.hint):
            return None, proved
        return moves, proved

    def commit(self, after: bool, sub: SubProblem, moves: list[Move]) -> bool:
        """Apply a sub-problem's plan if the incumbent's steps touching its PMs are still those
        the sub-problem was built from (another thread may have changed them)."""
        with self.lock:
            pms = set(int(q) for q in sub.pms)
            touching = [m for m in self.inc.moves if m[1] in pms or m[3] in pms]
            rest = len(self.inc.moves) - (0 if after else len(touching))
            if touching != sub.touching or rest + len(moves) > self.p.mnl:
                self.stats["conflicts"] += 1
                return False
            self.inc.replace(pms, not after, sub.to_original(moves))
            if after and self.inc.compress():
                self.stats["compressed"] += 1
            self.stats["accepted"] += 1
            self.stats["accepted_after" if after else "accepted_within"] += 1
            self.ctx.incumbent = self.p.plan(self.inc.moves)
            return True

    def sub_seconds(self) -> float:
        if self.ctx.time_limit is None:
            return UNLIMITED_SUB
        return min(SUB_MAX, max(SUB_MIN, SUB_SHARE * self.ctx.time_limit))

    def worker(self, k: int) -> None:
        ctx = self.ctx
        rng = np.random.default_rng([ctx.seed, k])
        iterations, stall_max = self.limits
        top = min(len(self.active), MAX_PMS)
        while not ctx.expired():
            if ctx.time_limit is None and (self.stats["iterations"] >= iterations or self.stall >= stall_max):
                break
            left = ctx.remaining(RESERVE)
            if left is not None and left < SUB_MIN:
                break
            t0 = time.perf_counter()
            after, sub = self.draw(rng)
            with self.lock:
                self.times["draw"] += time.perf_counter() - t0
            seconds = self.sub_seconds()
            t0 = time.perf_counter()
            moves, proved = self.solve_sub(sub, seconds)
            spent = time.perf_counter() - t0
            ok = moves is not None and self.commit(after, sub, moves)
            with self.lock:
                self.stats["iterations"] += 1
                self.stats["proved"] += proved
                self.stall = 0 if ok else self.stall + 1
                self.success[after] = (1 - SUCCESS_DECAY) * self.success[after] + SUCCESS_DECAY * ok
                if proved and spent < SUB_FAST:
                    self.size = min(top, self.size * GROW)
                elif not proved:
                    self.size = max(MIN_PMS, self.size * SHRINK)

    def run(self) -> None:
        """One thread per worker until the deadline (or the iteration/stall limits)."""
        if not self.ctx.expired():
            _ortools()  # imported once here, not by the threads
        n = self.ctx.workers
        threads = [threading.Thread(target=self.worker, args=(k,), daemon=True) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def solve(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """LNS from the better rule; returns the best step-by-step feasible plan found."""
    whole = ctx.int_option("whole_pms", WHOLE_PMS, 0)
    compound = ctx.bool_option("compound", True)
    search = _Search(problem, ctx, [])  # reads the other options before any work
    bound = problem.lower_bound()
    moves, start = _start(problem, ctx)
    stats: dict[str, object] = {"start": start, "start_fr": round(problem.objective(problem.plan(moves)), 6)}

    def proved() -> bool:  # the plan meets the problem's bound: nothing can do better
        return problem.objective(problem.plan(moves)) <= bound + 1e-12

    ctx.incumbent = problem.plan(moves)
    if compound and not ctx.expired() and not proved():
        left = ctx.remaining(RESERVE)
        deadline = None if left is None else time.perf_counter() + COMPOUND_SHARE * left
        moves, cstats = improve_pairs(problem, moves, deadline=deadline)
        stats.update(cstats)
        stats["compound_fr"] = round(problem.objective(problem.plan(moves)), 6)
        ctx.incumbent = problem.plan(moves)
    if proved():
        stats["migrations"] = len(moves)
        return Result(Status.OPTIMAL, None, None, problem.plan(moves), stats=stats)
    if int(problem.pm_active.sum()) <= whole and not ctx.expired():
        left = ctx.remaining(RESERVE)
        seconds = UNLIMITED_WHOLE if left is None else WHOLE_SHARE * left
        sub = replace(ctx, method="cpsat", hint=problem.plan(moves), options={}, started=time.perf_counter(),
                      time_limit=max(0.01, seconds))  # fmt: skip
        res = _ortools()[1].solve(problem, sub)
        cand = res.solution.moves()
        if problem.objective(res.solution) < problem.objective(problem.plan(moves)) - 1e-12:
            moves = cand
        stats["whole_fr"] = round(problem.objective(res.solution), 6)
    search.inc = Incumbent(problem, moves)
    search.run()
    stats.update(search.stats)
    stats.update({f"{k}_seconds": round(v, 2) for k, v in search.times.items()})
    plan = problem.plan(search.inc.moves)
    stats["migrations"] = len(plan)
    stats["neighbourhood_pms"] = int(round(search.size))
    return Result(Status.FEASIBLE, None, None, plan, stats=stats)
