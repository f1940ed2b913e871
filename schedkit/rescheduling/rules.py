"""Dispatching rules re-run from ``at``: method ``rules``, option ``rule``.

The frozen part stays; the rest is dispatched with the non-delay scheme: at each step the
candidates are the next unscheduled operation of every job, each at its earliest start (not
before ``at``, its release and its job predecessor's end, after what its machine already has,
outside the machine's busy time); among those that can start earliest the rule picks one, and
(flexible job-shop) the machine rule picks its machine. Rule names are the problem class's
own (``schedkit methods``): job-shop ``spt``, ``lpt``, ``mwkr``, ``lwkr``, ``mopnr``,
``fifo``, ``random`` (default ``mwkr``, the best mean gap on Taillard); flexible job-shop
``<op>+<machine>`` with op ``spt``, ``mwkr``, ``mopnr``, ``fifo``, ``random`` and machine
``ect``, ``spt``, ``ll`` (default ``mopnr+ect``, the best on the FJSP benchmark). Job-shop keys
come from :data:`schedkit.solvers.rules.jobshop.KEYS`.
"""

from __future__ import annotations

import numpy as np

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError, UnknownMethodError
from schedkit.rescheduling.objective import Goal
from schedkit.rescheduling.situation import Situation, fit
from schedkit.result import Result, Status
from schedkit.solvers.rules import flexible as fjsp_rules
from schedkit.solvers.rules import jobshop as jssp_rules

DEFAULT_RULE = {"jssp": "mwkr", "fjsp": "mopnr+ect"}


def parse(sit: Situation, rule: str | None) -> tuple[str, str]:
    """(operation rule, machine rule) of option ``rule``; a one-line error for an unknown one."""
    kind = sit.effective.kind
    name = rule if rule is not None else DEFAULT_RULE[kind]
    if not isinstance(name, str):
        raise InvalidParameterError(f"option rule must be a rule name, got {name!r}")
    if kind == "fjsp":
        try:
            return fjsp_rules.parse_rule(name)
        except UnknownMethodError as exc:
            raise InvalidParameterError(f"option rule: {exc}") from None
    if name not in jssp_rules.KEYS:
        raise InvalidParameterError(f"option rule must be one of {', '.join(jssp_rules.KEYS)}, got {name!r}")
    return name, "ect"


def _keys(sit: Situation, op_rule: str, seed: int) -> np.ndarray | None:
    """Static priority per operation (smaller first); None for FIFO (the ready time)."""
    eff = sit.effective
    if op_rule == "fifo":
        return None
    if eff.kind == "jssp":
        make = jssp_rules.KEYS[op_rule]
        assert make is not None
        return np.asarray(make(eff, seed), dtype=np.int64)
    mean = np.array([sum(d for _, d in a) / len(a) for a in sit.alts])
    if op_rule == "spt":
        return eff.min_duration.astype(float)
    if op_rule == "random":
        return np.random.default_rng(seed).permutation(eff.num_operations).astype(float)
    rem_work = np.empty(eff.num_operations)
    for j in range(eff.num_jobs):
        a, b = int(eff.job_start[j]), int(eff.job_start[j + 1])
        rem_work[a:b] = np.cumsum(mean[a:b][::-1])[::-1]
    if op_rule == "mwkr":
        return -rem_work
    return -(np.diff(eff.job_start)[eff.job_of] - eff.rank).astype(float)  # mopnr


def dispatch(sit: Situation, op_rule: str, mach_rule: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(machine, start) per operation of the effective problem."""
    eff = sit.effective
    n = eff.num_operations
    key = _keys(sit, op_rule, seed)
    machine = sit.fixed_machine.copy()
    start = sit.fixed_start.copy()
    mach_ready = [sit.at] * eff.num_machines
    load = [0] * eff.num_machines
    nxt: dict[int, int] = {}  # job -> its next operation to dispatch
    job_ready: dict[int, int] = {}
    for j in range(eff.num_jobs):
        ops = [o for o in eff.operations(j) if not sit.is_frozen[o]]
        if ops:
            nxt[j] = ops[0]
            prev = int(sit.fixed_end[ops[0] - 1]) if eff.rank[ops[0]] > 0 else 0
            job_ready[j] = max(prev, int(sit.earliest[ops[0]]))
    for _ in range(int((~sit.is_frozen).sum())):
        best = None
        for j, o in nxt.items():
            ready = job_ready[j]
            est = min(fit(sit.busy[m], max(ready, mach_ready[m]), d) for m, d in sit.alts[o])
            prio = ready if key is None else key[o]
            cand = (est, prio, j)
            if best is None or cand < best:
                best = cand
        assert best is not None
        j = best[2]
        o = nxt[j]
        choice = None
        for m, d in sit.alts[o]:
            s = fit(sit.busy[m], max(job_ready[j], mach_ready[m]), d)
            k = {"ect": (s + d, d, m), "spt": (d, s + d, m), "ll": (load[m], s + d, m)}[mach_rule]
            if choice is None or k < choice[0]:
                choice = (k, m, s, d)
        assert choice is not None
        _, m, s, d = choice
        machine[o], start[o] = m, s
        mach_ready[m] = s + d
        load[m] += d
        job_ready[j] = s + d
        if o + 1 < n and eff.job_of[o + 1] == j:
            nxt[j] = o + 1
            job_ready[j] = max(job_ready[j], int(sit.earliest[o + 1]))
        else:
            del nxt[j]
    return machine, start


def solve(sit: Situation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``rules``."""
    op_rule, mach_rule = parse(sit, ctx.option("rule"))
    machine, start = dispatch(sit, op_rule, mach_rule, ctx.seed)
    rule = op_rule if sit.effective.kind == "jssp" else f"{op_rule}+{mach_rule}"
    return Result(Status.FEASIBLE, None, None, sit.solution(machine, start), stats={"rule": rule})
