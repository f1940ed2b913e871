"""VM rescheduling as a MIP (PuLP; HiGHS by default, CBC for ``mip-cbc``).

The same count model as :mod:`schedkit.solvers.cpsat.vmr`: integer arrivals and departures
per VM class and slot, class balance, ``sum out <= MNL``, per node
``free = free0 + sum cpu (out - in) = (16/unit) q + r`` with integer ``q`` and
``0 <= r < 16/unit``, minimise ``sum r``. Solved first as the *safe* model (any order of
its moves is feasible), then as the full relaxation; the full model's dual bound is the
reported lower bound. HiGHS runs in a forked child process that is terminated shortly after
the time limit (see :func:`_run_highs`) and gets no starting solution; CBC (``mip-cbc``, its
own subprocess) is warm-started from the previous phase's solution.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import signal
import time
from typing import Any

import pulp

from schedkit.context import SolveContext
from schedkit.problems.vmr import VMRescheduling
from schedkit.result import Result, Status
from schedkit.solvers.mip.runner import MipOutcome, backend_of, run_pulp
from schedkit.structure.vmr import (
    FINAL_RESERVE,
    Aggregate,
    Counts,
    PhaseOutcome,
    final_free_units,
    solve_two_phase,
)

#: share of the time left after the greedy given to the safe model
SAFE_SHARE = 0.5
#: seconds a HiGHS child process may run past its time limit before it is terminated
GRACE = 0.5


def build(agg: Aggregate, safe: bool, mnl: int) -> tuple[pulp.LpProblem, dict, dict, dict]:
    """The count model; returns (problem, in vars, out vars, per-node (free, q, r) vars)."""
    prob = pulp.LpProblem("vmr", pulp.LpMinimize)
    var_in: dict[tuple[int, int], pulp.LpVariable] = {}
    var_out: dict[tuple[int, int], pulp.LpVariable] = {}
    terms_c: dict[int, list] = {}
    terms_m: dict[int, list] = {}
    arrive_c: dict[int, list] = {}
    arrive_m: dict[int, list] = {}
    outs = []
    for k in range(agg.num_classes):
        c, mem = int(agg.cls_cpu[k]), int(agg.cls_mem[k])
        ub = min(mnl, len(agg.cls_vms[k]))
        if safe and c % agg.mod == 0 and k not in agg.grouped_classes:
            continue  # moves that change no residue and whose freed room the safe model cannot use
        if ub == 0:
            continue
        ins_k, outs_k = [], []
        for s in agg.slots(k):
            s = int(s)
            nodes = agg.slot_nodes(k, s)
            a = agg.initial[k].get(s, 0)
            if a > 0:
                o = prob.add_variable(f"out{k}_{s}", 0, min(a, ub), cat="Integer")
                var_out[k, s] = o
                outs_k.append(o)
                for n in nodes:
                    terms_c.setdefault(n, []).append((c, o))
                    terms_m.setdefault(n, []).append((mem, o))
            if agg.can_enter(k, s, safe):
                cap = min(int(agg.cap[n]) // c for n in nodes) if c > 0 else ub
                v = prob.add_variable(f"in{k}_{s}", 0, min(ub, cap), cat="Integer")
                var_in[k, s] = v
                ins_k.append(v)
                for n in nodes:
                    terms_c.setdefault(n, []).append((-c, v))
                    terms_m.setdefault(n, []).append((-mem, v))
                    arrive_c.setdefault(n, []).append((c, v))
                    arrive_m.setdefault(n, []).append((mem, v))
        if ins_k or outs_k:
            prob += pulp.lpSum(ins_k) == pulp.lpSum(outs_k), f"balance{k}"
            outs.extend(outs_k)
    if outs:
        prob += pulp.lpSum(outs) <= mnl, "mnl"
    node_vars: dict[int, tuple] = {}
    residues = []
    constant = 0
    for n in range(agg.num_nodes):
        f0, cap = int(agg.free0[n]), int(agg.cap[n])
        if n not in terms_c:
            constant += f0 % agg.mod
            continue
        f = prob.add_variable(f"free{n}", 0, cap, cat="Integer")
        prob += f == f0 + pulp.lpSum(cf * v for cf, v in terms_c[n]), f"cpu{n}"
        if agg.use_mem:
            prob += int(agg.free0_m[n]) + pulp.lpSum(cf * v for cf, v in terms_m[n]) >= 0, f"mem{n}"
        if safe and n in arrive_c:
            prob += pulp.lpSum(cf * v for cf, v in arrive_c[n]) <= f0, f"room{n}"
            if agg.use_mem:
                prob += pulp.lpSum(cf * v for cf, v in arrive_m[n]) <= int(agg.free0_m[n]), f"roommem{n}"
        q = prob.add_variable(f"q{n}", 0, cap // agg.mod, cat="Integer")
        r = prob.add_variable(f"r{n}", 0, agg.mod - 1, cat="Integer")
        prob += f == agg.mod * q + r, f"mod{n}"
        node_vars[n] = (f, q, r)
        residues.append(r)
    _anti_affinity(prob, agg, var_in, var_out, safe)
    prob += pulp.lpSum(residues) + constant
    return prob, var_in, var_out, node_vars


def _anti_affinity(prob: pulp.LpProblem, agg: Aggregate, var_in: dict, var_out: dict, safe: bool) -> None:
    p = agg.problem
    for g, group in enumerate(agg.groups):
        per_pm: dict[int, list] = {}
        const: dict[int, int] = {}
        members = {int(k) for k in group}
        for k in members:
            for s, a in agg.initial[k].items():
                pm = s if agg.cls_double[k] else int(agg.node_pm[s])
                const[pm] = const.get(pm, 0) + a
        for (k, s), v in var_in.items():
            if k in members:
                pm = s if agg.cls_double[k] else int(agg.node_pm[s])
                per_pm.setdefault(pm, []).append(v)
        if not safe:
            for (k, s), v in var_out.items():
                if k in members:
                    pm = s if agg.cls_double[k] else int(agg.node_pm[s])
                    per_pm.setdefault(pm, []).append(-1 * v)
        for pm, terms in per_pm.items():
            if p.pm_active[pm]:
                prob += const.get(pm, 0) + pulp.lpSum(terms) <= 1, f"anti{g}_{pm}"


def _solve_model(
    agg: Aggregate, ctx: SolveContext, safe: bool, hint: Counts, time_limit: float | None
) -> PhaseOutcome:
    entered = ctx.elapsed()
    prob, var_in, var_out, node_vars = build(agg, safe, agg.problem.mnl)
    built = ctx.elapsed() - entered
    for key, v in var_in.items():
        v.setInitialValue(hint.get(key, (0, 0))[0])
    for key, v in var_out.items():
        v.setInitialValue(hint.get(key, (0, 0))[1])
    free = final_free_units(agg, hint)
    for n, (f, q, r) in node_vars.items():
        f.setInitialValue(int(free[n]))
        q.setInitialValue(int(free[n]) // agg.mod)
        r.setInitialValue(int(free[n]) % agg.mod)
    sub = ctx
    if time_limit is not None:
        # the phase ends ``time_limit`` after it was entered, model building included
        end = (
            min(entered + time_limit, ctx.time_limit - FINAL_RESERVE)
            if ctx.time_limit is not None
            else entered + time_limit
        )
        sub = dataclasses.replace(ctx, time_limit=max(end, ctx.elapsed() + 0.01))
    backend = backend_of(ctx.method)
    if backend == "highs":
        out, values = _run_highs(prob, sub)
    else:
        out = run_pulp(prob, sub, backend=backend, warm_start=True)
        values = {v.name: v.varValue for v in prob.variables() if v.varValue}
    counts: Counts | None = None
    if out.has_solution:
        raw: dict[tuple[int, int], tuple[int, int]] = {}
        for key, v in var_in.items():
            val = round(values.get(v.name) or 0)
            if val:
                raw[key] = (val, 0)
        for key, v in var_out.items():
            val = round(values.get(v.name) or 0)
            if val:
                raw[key] = (raw.get(key, (0, 0))[0], val)
        counts = {k: (max(0, i - o), max(0, o - i)) for k, (i, o) in raw.items() if i != o}
    return PhaseOutcome(out.status, counts, None if safe else out.bound, built)


def _solve_highs(prob: pulp.LpProblem, limit: float | None, seed: int, verbose: bool) -> MipOutcome:
    """The shared runner's HiGHS path (time limit, dual bound), without a starting solution:
    with one (``setSolution``) HiGHS ended a 3 s run on the Medium instance with a weaker bound
    (318 vs 337 units); the greedy plan stays the method's incumbent anyway."""
    import highspy

    prob.solve(pulp.HiGHS(msg=verbose, timeLimit=limit, random_seed=seed))
    if prob.status == pulp.LpStatusInfeasible:
        return MipOutcome(Status.INFEASIBLE, False, None, None)
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = pulp.value(prob.objective) if has_solution else None
    b = prob.solverModel.getInfo().mip_dual_bound
    bound = math.ceil(b - 1e-6) if math.isfinite(b) else None
    optimal = has_solution and prob.solverModel.getModelStatus() == highspy.HighsModelStatus.kOptimal
    if optimal and objective is not None:
        bound = round(objective) if bound is None else bound
    if has_solution:
        return MipOutcome(Status.OPTIMAL if optimal else Status.FEASIBLE, True, objective, bound)
    return MipOutcome(Status.UNKNOWN, False, None, bound)


def _highs_child(prob: pulp.LpProblem, limit: float | None, seed: int, verbose: bool, conn: Any) -> None:
    # the fork inherits the CLI's handlers, which would announce a user's signal when the
    # parent terminates this child; the parent alone decides when it stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        out = _solve_highs(prob, limit, seed, verbose)
        conn.send((out, {v.name: v.varValue for v in prob.variables() if v.varValue}))
    except Exception as exc:  # handed to the parent, re-raised there
        conn.send(RuntimeError(f"HiGHS failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _run_highs(prob: pulp.LpProblem, ctx: SolveContext) -> tuple[MipOutcome, dict[str, float]]:
    """Solve with HiGHS in a forked child that is terminated :data:`GRACE` seconds after the
    limit: HiGHS does not look at its clock (nor at ``cancelSolve``) inside its root cut loop on
    these models, and overran a 3.5 s limit by up to 20 s on the Medium instance. A terminated
    run reports no solution and no bound. Without ``fork`` (Windows) it runs in-process."""
    remaining = ctx.remaining(0.1)
    limit = None if remaining is None else max(0.01, remaining)
    if "fork" not in multiprocessing.get_all_start_methods():
        out = _solve_highs(prob, limit, ctx.seed, ctx.verbose)
        return out, {v.name: v.varValue for v in prob.variables() if v.varValue}
    mp = multiprocessing.get_context("fork")
    recv, send = mp.Pipe(duplex=False)
    proc = mp.Process(target=_highs_child, args=(prob, limit, ctx.seed, ctx.verbose, send), daemon=True)
    proc.start()
    send.close()
    deadline = None if limit is None else time.perf_counter() + limit + GRACE
    got: Any = None
    try:
        while True:
            if recv.poll(0.05):
                try:
                    got = recv.recv()
                except EOFError:
                    got = None
                break
            if not proc.is_alive() and not recv.poll(0):
                break
            if ctx.stop.is_set() or (deadline is not None and time.perf_counter() > deadline):
                break
    finally:
        if proc.is_alive():
            # after a stop request kill at once, otherwise SIGTERM (then SIGKILL)
            (proc.kill if ctx.stop.is_set() else proc.terminate)()
            proc.join(2)
            if proc.is_alive():
                proc.kill()
        proc.join()
        recv.close()
    if isinstance(got, BaseException):
        raise got
    if got is None:
        return MipOutcome(Status.UNKNOWN, False, None, None), {}
    return got


def solve(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """Minimise the fragment rate with a MIP; plan sequenced step by step."""
    return solve_two_phase(problem, ctx, _solve_model, SAFE_SHARE)
