"""VM rescheduling on CP-SAT: VM-type counts per NUMA node, residues ``free mod 16`` minimised.

Variables per class ``k`` and slot ``s`` (see :mod:`schedkit.structure.vmr`): arrivals
``in[k,s]`` and departures ``out[k,s] <= initial count``; per class ``sum in = sum out``;
``sum out <= MNL``. Per active node: ``free = free0 + sum cpu_k (out - in)`` in
``[0, capacity]``, memory likewise when it can bind, ``free = (16/unit) q + r``,
``0 <= r < 16/unit``; minimise ``sum r``. Anti-affinity: per group and PM, members present
at the end ``<= 1``.

The method first solves the *safe* model (arrivals fit in the initial free room, so the
moves can be applied in any order) warm-started (hinted) from ``rule:greedy``, then the full
relaxation hinted from that plan, whose bound is a valid lower bound for every plan; a better
full solution is used when it can be sequenced step by step within the limit.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from schedkit.context import SolveContext
from schedkit.problems.vmr import VMRescheduling
from schedkit.result import Result
from schedkit.solvers.cpsat.runner import run_cpsat
from schedkit.structure.vmr import (
    FINAL_RESERVE,
    Aggregate,
    Counts,
    PhaseOutcome,
    final_free_units,
    solve_two_phase,
)

#: share of the time left after the greedy given to the safe model (the rest: full model)
SAFE_SHARE = 0.85
#: CP-SAT workers for the small safe model: one sequential search reached its optimum on the
#: Medium instance about 3x faster than two workers (1.1 s vs 3.1 s on the shared 2-core
#: machine); the full model, where the bound is proven, gets ``ctx.workers``
SAFE_WORKERS = 1


def build(agg: Aggregate, safe: bool, mnl: int) -> tuple[cp_model.CpModel, dict, dict, dict]:
    """The count model; returns (model, in vars, out vars, per-node (free, q, r) vars)."""
    m = cp_model.CpModel()
    var_in: dict[tuple[int, int], cp_model.IntVar] = {}
    var_out: dict[tuple[int, int], cp_model.IntVar] = {}
    terms_c: dict[int, list] = {}
    terms_m: dict[int, list] = {}
    arrive_c: dict[int, list] = {}
    arrive_m: dict[int, list] = {}
    outs = []
    for k in range(agg.num_classes):
        c, mem = int(agg.cls_cpu[k]), int(agg.cls_mem[k])
        n_k = len(agg.cls_vms[k])
        ub = min(mnl, n_k)
        if safe and c % agg.mod == 0 and k not in agg.grouped_classes:
            continue  # moves that change no residue and whose freed room the safe model cannot use
        ins_k, outs_k = [], []
        if ub == 0:
            continue
        init = agg.initial[k]
        for s in agg.slots(k):
            s = int(s)
            nodes = agg.slot_nodes(k, s)
            a = init.get(s, 0)
            if a > 0:
                o = m.new_int_var(0, min(a, ub), f"out{k}_{s}")
                var_out[k, s] = o
                outs_k.append(o)
                for n in nodes:
                    terms_c.setdefault(n, []).append((c, o))
                    terms_m.setdefault(n, []).append((mem, o))
            if agg.can_enter(k, s, safe):
                cap = min(int(agg.cap[n]) // c for n in nodes) if c > 0 else ub
                v = m.new_int_var(0, min(ub, cap), f"in{k}_{s}")
                var_in[k, s] = v
                ins_k.append(v)
                for n in nodes:
                    terms_c.setdefault(n, []).append((-c, v))
                    terms_m.setdefault(n, []).append((-mem, v))
                    arrive_c.setdefault(n, []).append((c, v))
                    arrive_m.setdefault(n, []).append((mem, v))
        if ins_k or outs_k:
            m.add(sum(ins_k) == sum(outs_k))
            outs.extend(outs_k)
    if outs:
        m.add(sum(outs) <= mnl)
    node_vars: dict[int, tuple] = {}
    residues = []
    constant = 0
    for n in range(agg.num_nodes):
        f0, cap = int(agg.free0[n]), int(agg.cap[n])
        if n not in terms_c:
            constant += f0 % agg.mod
            continue
        f = m.new_int_var(0, cap, f"free{n}")
        m.add(f == f0 + sum(cf * v for cf, v in terms_c[n]))
        if agg.use_mem:
            m.add(int(agg.free0_m[n]) + sum(cf * v for cf, v in terms_m[n]) >= 0)
        if safe and n in arrive_c:
            m.add(sum(cf * v for cf, v in arrive_c[n]) <= f0)
            if agg.use_mem:
                m.add(sum(cf * v for cf, v in arrive_m[n]) <= int(agg.free0_m[n]))
        q = m.new_int_var(0, cap // agg.mod, f"q{n}")
        r = m.new_int_var(0, agg.mod - 1, f"r{n}")
        m.add(f == agg.mod * q + r)
        node_vars[n] = (f, q, r)
        residues.append(r)
    _anti_affinity(m, agg, var_in, var_out, safe)
    m.minimize(sum(residues) + constant)
    return m, var_in, var_out, node_vars


def _anti_affinity(m: cp_model.CpModel, agg: Aggregate, var_in: dict, var_out: dict, safe: bool) -> None:
    p = agg.problem
    for group in agg.groups:
        per_pm: dict[int, list] = {}
        const: dict[int, int] = {}
        for k in group:
            k = int(k)
            for s, a in agg.initial[k].items():
                pm = s if agg.cls_double[k] else int(agg.node_pm[s])
                const[pm] = const.get(pm, 0) + a
            for (kk, s), v in var_in.items():
                if kk == k:
                    pm = s if agg.cls_double[k] else int(agg.node_pm[s])
                    per_pm.setdefault(pm, []).append(v)
            if not safe:
                for (kk, s), v in var_out.items():
                    if kk == k:
                        pm = s if agg.cls_double[k] else int(agg.node_pm[s])
                        per_pm.setdefault(pm, []).append(-v)
        for pm, terms in per_pm.items():
            if p.pm_active[pm]:
                m.add(const.get(pm, 0) + sum(terms) <= 1)


def _solve_model(
    agg: Aggregate, ctx: SolveContext, safe: bool, hint: Counts, time_limit: float | None
) -> PhaseOutcome:
    entered = ctx.elapsed()
    model, var_in, var_out, node_vars = build(agg, safe, agg.problem.mnl)
    built = ctx.elapsed() - entered
    for key, v in var_in.items():
        model.add_hint(v, hint.get(key, (0, 0))[0])
    for key, v in var_out.items():
        model.add_hint(v, hint.get(key, (0, 0))[1])
    free = final_free_units(agg, hint)
    for n, (f, q, r) in node_vars.items():
        model.add_hint(f, int(free[n]))
        model.add_hint(q, int(free[n]) // agg.mod)
        model.add_hint(r, int(free[n]) % agg.mod)
    params: dict[str, float | int] = {}
    if safe:
        params["num_workers"] = min(SAFE_WORKERS, ctx.workers)
    if time_limit is not None:
        left = time_limit - (ctx.elapsed() - entered)  # the build counts against the phase
        params["max_time_in_seconds"] = max(0.01, min(left, ctx.remaining(FINAL_RESERVE) or 0.0))
    out = run_cpsat(model, ctx, **params)
    counts: Counts | None = None
    if out.has_solution:
        counts = {}
        for key, v in var_in.items():
            val = out.solver.value(v)
            if val:
                counts[key] = (int(val), 0)
        for key, v in var_out.items():
            val = out.solver.value(v)
            if val:
                i, _ = counts.get(key, (0, 0))
                counts[key] = (i, int(val))
        counts = {k: (max(0, i - o), max(0, o - i)) for k, (i, o) in counts.items() if i != o}
    bound = None if safe else out.bound
    status = out.status
    return PhaseOutcome(status, counts, bound, built)


def solve(problem: VMRescheduling, ctx: SolveContext) -> Result:
    """Minimise the fragment rate; returns the best step-by-step feasible plan and the full
    model's bound."""
    return solve_two_phase(problem, ctx, _solve_model, SAFE_SHARE)
