"""The VM rescheduling count model, described once and translated by each exact backend.

Variables per class ``k`` and slot ``s`` (see :mod:`schedkit.structure.vmr`): arrivals
``in[k,s]`` and departures ``out[k,s] <= initial count``; per class ``sum in = sum out``;
``sum out <= MNL``. Per active node touched by a variable: ``free = free0 + sum cpu_k (out - in)``
in ``[0, capacity]``, memory likewise when it can bind, ``free = (16/unit) q + r`` with integer
``q`` and ``0 <= r < 16/unit``; minimise ``sum r`` plus the fixed residues of untouched nodes.
Anti-affinity: per group and active PM, members present at the end ``<= 1``. The *safe* model
(``safe=True``) adds, per node, "arrivals fit in the initial free CPU and memory", counts only
arrivals for anti-affinity, and leaves out classes whose moves change no residue.

:func:`build` returns a :class:`CountModel`: integer variables with bounds, linear constraints
``sum coef * var (<=|==|>=) rhs`` and a linear objective. Both backends (CP-SAT and PuLP) only
translate it; the residue is the same linear ``free = mod * q + r`` in both (no CP-SAT modulo
constraint), so the two backends solve one model. Constraint names are used by PuLP (LP
files, solver logs); CP-SAT constraints stay unnamed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from schedkit.structure.vmr import Aggregate, Counts, final_free_units

#: a constraint's sense: ``sum coef * var`` compared with ``rhs``
LE, EQ, GE = "<=", "==", ">="
#: how many loop iterations pass between two looks at the clock while building
CLOCK_EVERY = 512


class BuildTimeout(Exception):
    """Building a model passed its deadline (the caller goes on without that model)."""


def check_clock(deadline: float | None, count: int) -> None:
    """Raise :class:`BuildTimeout` when ``deadline`` (a ``time.perf_counter()`` value) has
    passed; looks at the clock only every :data:`CLOCK_EVERY` calls (``count`` counts them)."""
    if deadline is not None and count % CLOCK_EVERY == 0 and time.perf_counter() > deadline:
        raise BuildTimeout


@dataclass(frozen=True)
class IntVar:
    """An integer variable ``lb <= x <= ub``."""

    name: str
    lb: int
    ub: int


@dataclass(frozen=True)
class Linear:
    """``sum coef * variables[index] (sense) rhs`` over ``terms`` of ``(coef, index)``, each
    index once."""

    name: str
    terms: tuple[tuple[int, int], ...]
    sense: str
    rhs: int


@dataclass
class CountModel:
    """The count model of one phase; variables are referred to by their index."""

    variables: list[IntVar] = field(default_factory=list)
    constraints: list[Linear] = field(default_factory=list)
    objective: list[tuple[int, int]] = field(default_factory=list)  # (coef, index), minimised
    objective_constant: int = 0
    var_in: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, slot) -> index
    var_out: dict[tuple[int, int], int] = field(default_factory=dict)
    node_vars: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # node -> (free, q, r)

    def add_var(self, name: str, lb: int, ub: int) -> int:
        self.variables.append(IntVar(name, lb, ub))
        return len(self.variables) - 1

    def add(self, name: str, terms: list[tuple[int, int]], sense: str, rhs: int) -> None:
        """Append ``sum coef * var (sense) rhs``; repeated variables are merged (first place kept)."""
        merged: dict[int, int] = {}
        for coef, i in terms:
            merged[i] = merged.get(i, 0) + coef
        self.constraints.append(Linear(name, tuple((c, i) for i, c in merged.items()), sense, rhs))

    def start_values(self, agg: Aggregate, counts: Counts) -> list[tuple[int, int]]:
        """``(index, value)`` of every variable for the final mapping of ``counts`` (a hint):
        arrivals, departures, then each node's free CPU, quotient and residue."""
        out = [(i, counts.get(key, (0, 0))[0]) for key, i in self.var_in.items()]
        out += [(i, counts.get(key, (0, 0))[1]) for key, i in self.var_out.items()]
        free = final_free_units(agg, counts)
        for n, (f, q, r) in self.node_vars.items():
            out += [(f, int(free[n])), (q, int(free[n]) // agg.mod), (r, int(free[n]) % agg.mod)]
        return out

    def counts(self, value: Callable[[int], int]) -> Counts:
        """Net in/out counts of a solution, ``value(index)`` giving a variable's integer value."""
        raw: dict[tuple[int, int], tuple[int, int]] = {}
        for key, i in self.var_in.items():
            val = value(i)
            if val:
                raw[key] = (val, 0)
        for key, i in self.var_out.items():
            val = value(i)
            if val:
                raw[key] = (raw.get(key, (0, 0))[0], val)
        return {k: (max(0, i - o), max(0, o - i)) for k, (i, o) in raw.items() if i != o}


def build(agg: Aggregate, safe: bool, mnl: int, deadline: float | None = None) -> CountModel:
    """The count model of ``agg`` (the safe one if ``safe``) with at most ``mnl`` departures.

    Raises :class:`BuildTimeout` once ``time.perf_counter()`` passes ``deadline`` (on the
    5000-PM generated instance the safe model alone took 0.8 s to describe)."""
    cm = CountModel()
    tick = 0
    terms_c: dict[int, list[tuple[int, int]]] = {}
    terms_m: dict[int, list[tuple[int, int]]] = {}
    arrive_c: dict[int, list[tuple[int, int]]] = {}
    arrive_m: dict[int, list[tuple[int, int]]] = {}
    outs: list[tuple[int, int]] = []
    for k in range(agg.num_classes):
        c, mem = int(agg.cls_cpu[k]), int(agg.cls_mem[k])
        ub = min(mnl, len(agg.cls_vms[k]))
        if safe and c % agg.mod == 0 and k not in agg.grouped_classes:
            continue  # moves that change no residue and whose freed room the safe model cannot use
        if ub == 0:
            continue
        balance: list[tuple[int, int]] = []
        outs_k: list[tuple[int, int]] = []
        for s in agg.slots(k):
            tick += 1
            check_clock(deadline, tick)
            s = int(s)
            nodes = agg.slot_nodes(k, s)
            a = agg.initial[k].get(s, 0)
            if a > 0:
                o = cm.add_var(f"out{k}_{s}", 0, min(a, ub))
                cm.var_out[k, s] = o
                outs_k.append((1, o))
                for n in nodes:
                    terms_c.setdefault(n, []).append((c, o))
                    terms_m.setdefault(n, []).append((mem, o))
            if agg.can_enter(k, s, safe):
                cap = min(int(agg.cap[n]) // c for n in nodes) if c > 0 else ub
                v = cm.add_var(f"in{k}_{s}", 0, min(ub, cap))
                cm.var_in[k, s] = v
                balance.append((1, v))
                for n in nodes:
                    terms_c.setdefault(n, []).append((-c, v))
                    terms_m.setdefault(n, []).append((-mem, v))
                    arrive_c.setdefault(n, []).append((c, v))
                    arrive_m.setdefault(n, []).append((mem, v))
        if balance or outs_k:
            cm.add(f"balance{k}", balance + [(-1, o) for _, o in outs_k], EQ, 0)
            outs.extend(outs_k)
    if outs:
        cm.add("mnl", outs, LE, mnl)
    for n in range(agg.num_nodes):
        check_clock(deadline, n + 1)
        f0, cap = int(agg.free0[n]), int(agg.cap[n])
        if n not in terms_c:
            cm.objective_constant += f0 % agg.mod
            continue
        f = cm.add_var(f"free{n}", 0, cap)
        cm.add(f"cpu{n}", [(1, f)] + [(-cf, v) for cf, v in terms_c[n]], EQ, f0)
        if agg.use_mem:
            cm.add(f"mem{n}", terms_m[n], GE, -int(agg.free0_m[n]))
        if safe and n in arrive_c:
            cm.add(f"room{n}", arrive_c[n], LE, f0)
            if agg.use_mem:
                cm.add(f"roommem{n}", arrive_m[n], LE, int(agg.free0_m[n]))
        q = cm.add_var(f"q{n}", 0, cap // agg.mod)
        r = cm.add_var(f"r{n}", 0, agg.mod - 1)
        cm.add(f"mod{n}", [(1, f), (-agg.mod, q), (-1, r)], EQ, 0)
        cm.node_vars[n] = (f, q, r)
        cm.objective.append((1, r))
    _anti_affinity(cm, agg, safe)
    return cm


def _anti_affinity(cm: CountModel, agg: Aggregate, safe: bool) -> None:
    """Per group and active PM: initial members + arrivals (- departures, full model) <= 1."""
    p = agg.problem

    def pm_of(k: int, s: int) -> int:
        return s if agg.cls_double[k] else int(agg.node_pm[s])

    for g, group in enumerate(agg.groups):
        members = {int(k) for k in group}
        const: dict[int, int] = {}
        for k in members:
            for s, a in agg.initial[k].items():
                const[pm_of(k, s)] = const.get(pm_of(k, s), 0) + a
        per_pm: dict[int, list[tuple[int, int]]] = {}
        for (k, s), v in cm.var_in.items():
            if k in members:
                per_pm.setdefault(pm_of(k, s), []).append((1, v))
        if not safe:
            for (k, s), v in cm.var_out.items():
                if k in members:
                    per_pm.setdefault(pm_of(k, s), []).append((-1, v))
        for pm, terms in per_pm.items():
            if p.pm_active[pm]:
                cm.add(f"anti{g}_{pm}", terms, LE, 1 - const.get(pm, 0))
