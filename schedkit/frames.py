"""A solution as a pandas DataFrame, one row per scheduled item (pandas imported on first use).

Columns per problem class:

* ``jssp``, ``fjsp``: one row per operation, in job order: ``job``, ``op`` (rank in the job,
  from 0), ``machine``, ``resource`` (``"M3"``), ``label`` (``"J2.4"``: job 2, operation 4),
  ``start``, ``end``, ``duration``.
* ``smtt``: one row per job, in sequence order: ``position`` (from 0), ``job``, ``resource``
  (``"machine"``), ``label`` (``"J7"``), ``start``, ``end``, ``duration``, ``due``, ``weight``,
  ``tardiness`` (``max(0, end - due)``), ``weighted_tardiness``.
* ``rcpsp``: one row per activity given a start, in activity order: ``activity`` (numbered
  from 1 as in PSPLIB files), ``label`` (``"A5"``), ``resource`` (the resource the activity
  uses most relative to its capacity, ``"R2"``; ``""`` without demand), ``start``, ``end``,
  ``duration``, then one demand column per resource (``R1`` ...).
* ``project``: as ``rcpsp``, for the activity's chosen mode, numbered as the instance numbers
  them (from 0 or 1), with ``mode`` (from 1) after ``label``, the renewable demands ``R1`` ...
  and the non-renewable consumptions ``N1`` ....
* ``vmr``: one row per migration, in plan order: ``step`` (from 1), ``vm``, ``vm_name``,
  ``vm_type``, ``cpu``, ``mem`` (per NUMA node used), ``from_pm``, ``from_name``,
  ``from_numa``, ``to_pm``, ``to_name``, ``to_numa`` (indices as in the plan; NUMA 0, 1 or 2 =
  both nodes). A plan has no time axis: there are no start/end columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from schedkit.errors import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd


def schedule_frame(problem: Any, solution: Any) -> pd.DataFrame:
    """``solution`` of ``problem`` as a DataFrame (columns: see the module docstring)."""
    if solution is None:
        raise InvalidParameterError(f"no solution to tabulate for {problem.name}")
    build = _BUILDERS.get(problem.kind)
    if build is None:
        raise InvalidParameterError(f"no schedule table for problem class {problem.kind!r}")
    import pandas as pd

    return pd.DataFrame(build(problem, solution))


def _shop(problem: Any, sol: Any) -> dict[str, Any]:
    job, op = np.asarray(sol.job, dtype=np.int64), np.asarray(sol.op, dtype=np.int64)
    order = np.lexsort((op, job))
    job, op = job[order], op[order]
    machine = np.asarray(sol.machine, dtype=np.int64)[order]
    start = np.asarray(sol.start, dtype=np.int64)[order]
    end = np.asarray(sol.end, dtype=np.int64)[order]
    return {
        "job": job,
        "op": op,
        "machine": machine,
        "resource": [f"M{m}" for m in machine],
        "label": [f"J{j}.{k}" for j, k in zip(job, op, strict=True)],
        "start": start,
        "end": end,
        "duration": end - start,
    }


def _smtt(problem: Any, sol: Any) -> dict[str, Any]:
    seq = np.asarray(sol.sequence, dtype=np.int64)
    p, d, w = problem.p[seq], problem.d[seq], problem.w[seq]
    end = np.cumsum(p)
    tardiness = np.maximum(0, end - d)
    return {
        "position": np.arange(len(seq)),
        "job": seq,
        "resource": ["machine"] * len(seq),
        "label": [f"J{j}" for j in seq],
        "start": end - p,
        "end": end,
        "duration": p,
        "due": d,
        "weight": w,
        "tardiness": tardiness,
        "weighted_tardiness": w * tardiness,
    }


def _rcpsp(problem: Any, sol: Any) -> dict[str, Any]:
    n = min(len(sol.start), problem.num_activities)
    given = np.ones(n, dtype=bool) if sol.present is None else np.asarray(sol.present[:n], dtype=bool)
    idx = np.flatnonzero(given)
    start = np.asarray(sol.start, dtype=np.int64)[idx]
    duration = np.asarray(problem.duration, dtype=np.int64)[idx]
    demand = np.asarray(problem.demand, dtype=np.int64).reshape(problem.num_activities, -1)[idx]
    rel = demand / np.maximum(np.asarray(problem.capacity), 1)[None, :] if demand.shape[1] else demand
    main = [f"R{int(np.argmax(r)) + 1}" if len(r) and r.max() > 0 else "" for r in rel]
    cols: dict[str, Any] = {
        "activity": idx + 1,
        "label": [f"A{j + 1}" for j in idx],
        "resource": main,
        "start": start,
        "end": start + duration,
        "duration": duration,
    }
    for r in range(demand.shape[1]):
        cols[f"R{r + 1}"] = demand[:, r]
    return cols


def _project(problem: Any, sol: Any) -> dict[str, Any]:
    n = min(len(sol.start), len(sol.mode), problem.num_activities)
    given = np.ones(n, dtype=bool) if sol.present is None else np.asarray(sol.present[:n], dtype=bool)
    idx = np.flatnonzero(given)
    mode = np.asarray(sol.mode, dtype=np.int64)[idx]
    count = np.diff(problem.mode_ptr)[idx]
    mode = np.where((mode >= 0) & (mode < count), mode, 0)  # an invalid mode: the first (checked elsewhere)
    chosen = problem.mode_ptr[idx] + mode
    start = np.asarray(sol.start, dtype=np.int64)[idx]
    duration = np.asarray(problem.duration, dtype=np.int64)[chosen]
    demand = np.asarray(problem.demand, dtype=np.int64)[chosen]
    use = np.asarray(problem.consumption, dtype=np.int64)[chosen]
    rel = demand / np.maximum(np.asarray(problem.capacity), 1)[None, :] if demand.shape[1] else demand
    main = [f"R{int(np.argmax(r)) + 1}" if len(r) and r.max() > 0 else "" for r in rel]
    first = int(problem.number_from)
    cols: dict[str, Any] = {
        "activity": idx + first,
        "label": [f"A{j + first}" for j in idx],
        "mode": mode + 1,
        "resource": main,
        "start": start,
        "end": start + duration,
        "duration": duration,
    }
    for r in range(demand.shape[1]):
        cols[f"R{r + 1}"] = demand[:, r]
    for r in range(use.shape[1]):
        cols[f"N{r + 1}"] = use[:, r]
    return cols


def _vmr(problem: Any, plan: Any) -> dict[str, Any]:
    vm = np.asarray(plan.vm, dtype=np.int64)
    src, dst = np.asarray(plan.src_pm, dtype=np.int64), np.asarray(plan.dst_pm, dtype=np.int64)
    known = (vm >= 0) & (vm < problem.num_vms)
    labels = plan.labels or [("", "", "")] * len(vm)

    def named(table: tuple[str, ...], i: int, fallback: str) -> str:
        return table[i] if 0 <= i < len(table) else fallback

    return {
        "step": np.arange(1, len(vm) + 1),
        "vm": vm,
        "vm_name": [named(problem.vm_names, v, lab[0]) for v, lab in zip(vm, labels, strict=True)],
        "vm_type": [named(problem.vm_types, v, "") for v in vm],
        "cpu": np.where(known, problem.vm_cpu[np.where(known, vm, 0)], -1),
        "mem": np.where(known, problem.vm_mem[np.where(known, vm, 0)], -1),
        "from_pm": src,
        "from_name": [named(problem.pm_names, p, lab[1]) for p, lab in zip(src, labels, strict=True)],
        "from_numa": np.asarray(plan.src_numa, dtype=np.int64),
        "to_pm": dst,
        "to_name": [named(problem.pm_names, p, lab[2]) for p, lab in zip(dst, labels, strict=True)],
        "to_numa": np.asarray(plan.dst_numa, dtype=np.int64),
    }


_BUILDERS: dict[str, Callable[[Any, Any], dict[str, Any]]] = {
    "jssp": _shop,
    "fjsp": _shop,
    "smtt": _smtt,
    "rcpsp": _rcpsp,
    "project": _project,
    "vmr": _vmr,
}
