"""The objectives of the shop problems (:data:`schedkit.problems.shop_extras.OBJECTIVES`) on a
CP-SAT model, from one end expression per job; shared by the shop models."""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.sat.python import cp_model


def minimise(
    model: cp_model.CpModel,
    objective: str | None,
    ends: list[Any],
    due: np.ndarray | None,
    weight: np.ndarray,
    lower: int,
    horizon: int,
) -> cp_model.IntVar | None:
    """Minimise ``objective`` (None: the makespan) of the job ends ``ends`` (each at most
    ``horizon``); ``lower`` bounds the makespan from below. Returns the makespan variable (for
    a hint) when the objective is the makespan, else None."""
    n = len(ends)
    w = [int(x) for x in weight]
    if objective is None or objective == "makespan":
        makespan = model.new_int_var(lower, max(lower, horizon), "makespan")
        model.add_max_equality(makespan, ends)
        model.minimize(makespan)
        return makespan
    if objective == "weighted_completion":
        model.minimize(sum(wj * e for wj, e in zip(w, ends, strict=True)))
        return None
    assert due is not None  # api.solve checked that the objective has its due dates
    d = [int(x) for x in due]
    if objective == "weighted_tardiness":
        tard = [model.new_int_var(0, max(0, horizon - d[j]), f"t{j}") for j in range(n)]
        for j in range(n):
            model.add_max_equality(tard[j], [ends[j] - d[j], 0])
        model.minimize(sum(wj * t for wj, t in zip(w, tard, strict=True)))
    elif objective == "max_lateness":
        lmax = model.new_int_var(-max(d), horizon - min(d), "lmax")
        for j in range(n):
            model.add(lmax >= ends[j] - d[j])
        model.minimize(lmax)
    elif objective == "tardy_jobs":
        late = [model.new_bool_var(f"u{j}") for j in range(n)]
        for j in range(n):
            model.add(ends[j] <= d[j]).only_enforce_if(~late[j])
        model.minimize(sum(late))
    else:  # api.solve validated the name
        raise AssertionError(objective)
    return None
