"""Large-neighbourhood search for the RCPSP on CP-SAT: relax a window, keep the rest's order.

One step takes the incumbent schedule, picks a time window holding about ``size`` activities
(the neighbourhood), and solves the full CP-SAT model with two extra families of constraints:
activities that start before the window keep their start times, and any two activities outside
the neighbourhood that share a resource keep the order they have in the incumbent. The
neighbourhood's activities move freely, and everything after the window may shift left as far as
that order allows, so a shorter schedule found there shortens the project. The incumbent is
hinted in full and stays feasible, so a step never returns a worse schedule.
"""

from __future__ import annotations

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.rcpsp import Rcpsp
from schedkit.result import Status
from schedkit.solvers.cpsat.rcpsp import build_model
from schedkit.solvers.cpsat.runner import run_cpsat


class WindowLns:
    """The state of the LNS: problem data reused by every step and the neighbourhood size."""

    def __init__(self, problem: Rcpsp, rng: np.random.Generator, size: int) -> None:
        self.problem = problem
        self.rng = rng
        self.size = max(2, min(size, problem.num_activities))
        uses = problem.demand > 0
        self.share = (uses.astype(np.int64) @ uses.T.astype(np.int64)) > 0  # pairs sharing a resource
        self.steps = 0
        self.improvements = 0

    def neighbourhood(self, start: np.ndarray) -> np.ndarray:
        """Activities whose start ranks fall in a random window of ``size`` consecutive ranks."""
        order = np.argsort(start, kind="stable")
        n = len(order)
        first = int(self.rng.integers(0, n - self.size + 1))
        return order[first : first + self.size]

    def step(self, start: np.ndarray, bound: int, ctx: SolveContext) -> tuple[np.ndarray, Status, int]:
        """One relaxed solve from ``start``: (best start found, sub-solve status, makespan)."""
        p = self.problem
        dur = p.duration
        ms = int((start + dur).max())
        free = np.zeros(p.num_activities, dtype=bool)
        free[self.neighbourhood(start)] = True
        built = build_model(p, ms, bound, start)
        model, s = built.model, built.starts
        window_start = int(start[free].min())
        end = start + dur
        for j in np.flatnonzero(~free & (start < window_start)):
            model.add(s[j] == int(start[j]))
        kept = np.flatnonzero(~free & (start >= window_start))
        fixed_before = np.flatnonzero(~free & (start < window_start))
        for j in kept:
            # predecessors in the incumbent's order: fixed activities before the window are
            # constants, so only pairs among the kept ones (and to fixed ones ending late) matter
            before = kept[(end[kept] <= start[j]) & self.share[j, kept]]
            for i in before:
                model.add(s[j] >= s[i] + int(dur[i]))
            late = fixed_before[(end[fixed_before] > window_start) & (end[fixed_before] <= start[j])]
            for i in late[self.share[j, late]]:
                model.add(s[j] >= int(end[i]))
        out = run_cpsat(model, ctx)
        self.steps += 1
        if out.has_solution:
            found = built.read(out.solver.value)
            found_ms = int((found + dur).max())
            if found_ms < ms:
                self.improvements += 1
            if found_ms <= ms:
                return found, out.status, found_ms
        return start, out.status, ms
