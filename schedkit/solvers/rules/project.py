"""A serial schedule-generation scheme for projects that is honest about feasibility.

Modes first: the cheapest choice against the non-renewable budgets (least consumption
relative to the budgets), repaired one activity at a time while a budget is exceeded, then
activities switched to shorter modes, the largest gain first, while the budgets hold. With
the modes fixed, the time lags are closed into a longest-path matrix (Floyd-Warshall), and
activities are placed one at a time, the one with the least latest start first, at the
earliest time of its window where every renewable resource has room (unavailability periods
deducted); each placement narrows the windows of the others through the matrix, so every
time lag, release date and deadline holds by construction. An activity whose window holds
no such time ends the pass: there is no unscheduling; instead the next pass places the
activities that made earlier passes fail sooner ("bumped" priorities), with randomly
perturbed priorities and modes (seeded), until the time limit or ``passes``. The result is
re-checked; when no pass succeeds the status is UNKNOWN with no solution ("no feasible
schedule found"), never an infeasible schedule. Proofs that need no search (a positive
cycle, an empty window, a budget the cheapest modes exceed) give INFEASIBLE.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedkit.context import SolveContext
from schedkit.problems.project import NO_DEADLINE, Project, ProjectSolution
from schedkit.result import Result, Status
from schedkit.structure.project import Windows, windows

_NEG = -(2**62)


def solve(problem: Project, ctx: SolveContext) -> Result:
    p = problem
    n = p.num_activities
    if n == 0:
        return Result(Status.OPTIMAL, 0, 0, ProjectSolution(np.zeros(0), np.zeros(0)))
    win = windows(p)
    if win.proof is not None:
        return Result(Status.INFEASIBLE, None, None, None, stats={"proof": win.proof})
    passes = ctx.int_option("passes", 200 if ctx.time_limit is None else 10**9, 1)
    rng = np.random.default_rng(ctx.seed)
    base_modes = choose_modes(p, win.keep)
    bound = p.lower_bound()
    bumps = np.zeros(n)
    best: ProjectSolution | None = None
    best_value = None
    done = failed = 0
    while done < passes and not (done and ctx.expired()):
        modes = base_modes if done == 0 or base_modes is None else perturb_modes(p, win.keep, base_modes, rng)
        noise = None if done == 0 else rng.random(n) - bumps
        done += 1
        if modes is None:
            failed += 1
            continue
        start, stuck = serial_pass(p, win, modes, noise)
        if start is None:
            failed += 1
            if stuck >= 0:
                bumps[stuck] += 1
            continue
        sol = ProjectSolution(modes - p.mode_ptr[:-1], start)
        if p.violations(sol):  # by construction never; the check keeps the promise regardless
            failed += 1
            continue
        value = p.objective(sol)
        if best_value is None or value < best_value:
            best, best_value = sol, value
            ctx.incumbent = sol
            if value <= bound:  # provably optimal: no pass can do better
                break
    stats = {"passes": done, "failed passes": failed}
    if best is None:
        stats["note"] = "no feasible schedule found"
        return Result(Status.UNKNOWN, None, None, None, stats=stats)
    return Result(Status.FEASIBLE, None, None, best, stats=stats)


def best_schedule(
    problem: Project, ctx: SolveContext, seconds: float | None, passes: int
) -> ProjectSolution | None:
    """The best schedule of at most ``passes`` SGS passes within ``seconds`` (no limit: None),
    or None when none succeeds; for methods that start from an SGS incumbent. ``ctx`` gives
    the seed and the stop event."""
    sub = replace(
        ctx,
        time_limit=seconds,
        started=time.perf_counter(),
        options={"passes": passes},
        hint=None,
        incumbent=None,
    )
    found = solve(problem, sub).solution
    return found if isinstance(found, ProjectSolution) else None


def incumbent(
    problem: Project, ctx: SolveContext, seconds: float | None, passes: int, keep: np.ndarray
) -> tuple[ProjectSolution | None, bool]:
    """:func:`best_schedule`, or ``ctx.hint`` when it is feasible, uses only ``keep`` modes
    and is better; and whether the hint was taken."""
    best = None if seconds == 0 else best_schedule(problem, ctx, seconds, passes)
    hint = ctx.hint
    if not isinstance(hint, ProjectSolution) or problem.violations(hint):
        return best, False
    if not keep[problem.mode_ptr[:-1] + np.asarray(hint.mode, dtype=np.int64)].all():
        return best, False
    if best is not None and problem.objective(hint) >= problem.objective(best):
        return best, False
    return hint, True


def choose_modes(p: Project, keep: np.ndarray) -> np.ndarray | None:
    """Global mode index per activity: the least consumption relative to the budgets, then
    shorter modes while the budgets hold; None when the budgets cannot be met this way."""
    n = p.num_activities
    scale = 1.0 / np.maximum(p.budget, 1)
    cost = (p.consumption * scale[None, :]).sum(axis=1) if p.num_nonrenewable else np.zeros(p.num_modes)
    modes = np.empty(n, dtype=np.int64)
    for j in range(n):
        ms = [m for m in p.modes(j) if keep[m]]
        modes[j] = min(ms, key=lambda m: (cost[m], p.duration[m]))
    modes = repair_budgets(p, keep, modes)
    if modes is None:
        return None
    used = p.consumption[modes].sum(axis=0)
    while True:  # the largest duration gain per unit of relative consumption first
        options = []
        for j in range(n):
            cur = modes[j]
            for m in p.modes(j):
                fits = ((used - p.consumption[cur] + p.consumption[m]) <= p.budget).all()
                if keep[m] and p.duration[m] < p.duration[cur] and fits:
                    extra = max(0.0, float(cost[m] - cost[cur]))
                    options.append(((p.duration[cur] - p.duration[m]) / (extra + 1e-9), j, m))
        if not options:
            return modes
        _, j, m = max(options)
        used = used - p.consumption[modes[j]] + p.consumption[m]
        modes[j] = m


def repair_budgets(p: Project, keep: np.ndarray, modes: np.ndarray) -> np.ndarray | None:
    """``modes`` changed one activity at a time, each change the one that most reduces the
    relative excess over the budgets, until none is exceeded; None if that gets stuck."""
    modes = modes.copy()
    scale = 1.0 / np.maximum(p.budget, 1)

    def excess(used: np.ndarray) -> float:
        return float((np.maximum(0, used - p.budget) * scale).sum())

    used = p.consumption[modes].sum(axis=0)
    now = excess(used)
    while now > 0:
        best = (now, -1, -1)
        for j in range(p.num_activities):
            for m in p.modes(j):
                if keep[m] and m != modes[j]:
                    value = excess(used - p.consumption[modes[j]] + p.consumption[m])
                    if value < best[0]:
                        best = (value, j, m)
        if best[1] < 0:
            return None
        now, j, m = best
        used = used - p.consumption[modes[j]] + p.consumption[m]
        modes[j] = m
    return modes


def perturb_modes(p: Project, keep: np.ndarray, modes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``modes`` with a few activities moved to a random kept mode, where the budgets allow."""
    out = modes.copy()
    used = p.consumption[out].sum(axis=0)
    for j in np.flatnonzero(rng.random(p.num_activities) < 0.2):
        ms = [m for m in p.modes(int(j)) if keep[m]]
        m = ms[int(rng.integers(0, len(ms)))]
        after = used - p.consumption[out[j]] + p.consumption[m]
        if (after <= p.budget).all():
            used, out[j] = after, m
    return out


def serial_pass(
    p: Project, win: Windows, modes: np.ndarray, noise: np.ndarray | None
) -> tuple[np.ndarray | None, int]:
    """Start times for the fixed ``modes`` (global indices) and -1, or None and the activity
    that found no feasible time in its window (-1 if the lags alone fail). ``noise`` shifts
    the priorities (in units of the widest window; lower is sooner)."""
    n = p.num_activities
    dur = p.duration[modes]
    dist = _closure(n, p.arc_from, p.arc_to, p.arc_lag + np.where(p.arc_fs, dur[p.arc_from], 0))
    if dist is None:
        return None, -1
    h = win.horizon
    es = np.maximum(p.release, (dist + p.release[:, None]).max(axis=0))
    finish = np.where(p.deadline != NO_DEADLINE, np.minimum(p.deadline, h), h) - dur
    ls = np.minimum(finish, (finish[None, :] - dist).min(axis=1))
    if (es > ls).any():
        return None, -1
    room = np.repeat(p.capacity[:, None], h + int(dur.max()) + 1, axis=1).astype(np.int64)
    for r, s, e, a in zip(p.off_resource, p.off_start, p.off_end, p.off_amount, strict=True):
        room[r, s : min(e, room.shape[1])] -= a
    start = np.full(n, -1, dtype=np.int64)
    spread = max(1, int((ls - es).max()) + 1)
    for _ in range(n):
        open_ = np.flatnonzero(start < 0)
        key = ls[open_] + (0 if noise is None else noise[open_] * spread)
        j = int(open_[np.lexsort((es[open_], key))[0]])
        t = _earliest_fit(room, p.demand[modes[j]], int(dur[j]), int(es[j]), int(ls[j]))
        if t is None:
            return None, j
        start[j] = t
        if dur[j] > 0:
            room[:, t : t + dur[j]] -= p.demand[modes[j]][:, None]
        es = np.maximum(es, t + dist[j])
        ls = np.minimum(ls, t - dist[:, j])
        es[j] = ls[j] = t
        if (es > ls).any():
            return None, int(np.flatnonzero(es > ls)[0])
    return start, -1


def _earliest_fit(room: np.ndarray, demand: np.ndarray, d: int, lo: int, hi: int) -> int | None:
    """The least ``t`` in ``[lo, hi]`` with ``room[:, t:t+d] >= demand`` everywhere."""
    if d == 0 or not (demand > 0).any():
        return lo
    short = (room[:, lo : hi + d] < demand[:, None]).any(axis=0)
    bad = np.concatenate([[0], np.cumsum(short)])
    span = hi - lo + 1
    ok = np.flatnonzero(bad[d : d + span] - bad[:span] == 0)
    return lo + int(ok[0]) if len(ok) else None


def _closure(n: int, frm: np.ndarray, to: np.ndarray, weight: np.ndarray) -> np.ndarray | None:
    """Longest-path lengths between all pairs (``_NEG``: no path; 0 on the diagonal); None
    when a cycle has positive length."""
    dist = np.full((n, n), _NEG, dtype=np.int64)
    np.fill_diagonal(dist, 0)
    np.maximum.at(dist, (frm, to), weight)
    for k in range(n):
        via = dist[:, k : k + 1] + dist[k : k + 1, :]
        via[(dist[:, k] == _NEG)[:, None] | (dist[k, :] == _NEG)[None, :]] = _NEG
        np.maximum(dist, via, out=dist)
    if (np.diag(dist) > 0).any():
        return None
    return dist
