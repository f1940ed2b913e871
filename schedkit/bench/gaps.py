"""Gaps of stored runs to the best-known bounds.

Every objective is minimised. For an instance the best-known upper bound UB is the smallest
of the reference ``ub`` and every checked-feasible objective in the store; the best-known
lower bound LB is the largest of the reference ``lb`` and every lower bound a run proved
(a heuristic's is the problem's trivial bound). Then

* gap to UB = ``(objective - UB) / |UB|``: 0 for a best-known solution, never negative;
* gap to LB = ``(objective - LB) / |LB|``: an upper bound on the distance to the optimum.

Zero convention: when the bound is 0 the gap is 0 for an objective of 0 and infinite for
a positive objective (no relative figure exists); a run without a feasible solution has no
gap (it counts as not feasible instead).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schedkit.bench.discover import Reference

ZERO_CONVENTION = (
    "when the bound is 0, the gap is 0 for an objective of 0 and infinite (shown as inf) for a "
    "positive objective"
)
_TOL = 1e-9


def gap(objective: float | None, bound: float | None) -> float | None:
    """Relative gap ``(objective - bound) / |bound|`` with the zero convention; None if unknown."""
    if objective is None or bound is None:
        return None
    if bound == 0:
        return 0.0 if abs(objective) <= _TOL else math.inf
    return (objective - bound) / abs(bound)


@dataclass(frozen=True)
class BestKnown:
    """Best-known bounds of one instance and where they come from."""

    lb: float | None
    ub: float | None
    lb_source: str = ""
    ub_source: str = ""

    @property
    def closed(self) -> bool:
        """True when the optimum is known (LB = UB)."""
        return (
            self.lb is not None
            and self.ub is not None
            and abs(self.ub - self.lb) <= _TOL * max(1, abs(self.ub))
        )


def instance_id(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies an instance across runs: set, name and file content."""
    return (row["instance_set"], row["instance"], row["instance_digest"])


def _feasible(row: Mapping[str, Any]) -> bool:
    return row.get("objective") is not None and row.get("verdict") == "feasible"


def best_known(
    rows: list[Mapping[str, Any]], reference: Mapping[str, Reference] | None = None
) -> dict[tuple[str, str, str], BestKnown]:
    """Best-known bounds per instance: the reference merged with the store's runs.

    ``reference`` (``{instance name: Reference}``) replaces the reference values recorded
    with the runs when given.
    """
    out: dict[tuple[str, str, str], BestKnown] = {}
    for row in rows:
        iid = instance_id(row)
        cur = out.get(iid)
        if cur is None:
            ref = reference.get(row["instance"]) if reference is not None else None
            if reference is not None:
                lb, ub = (ref.lb, ref.ub) if ref else (None, None)
            else:
                lb, ub = row.get("ref_lb"), row.get("ref_ub")
            cur = BestKnown(
                lb, ub, "reference" if lb is not None else "", "reference" if ub is not None else ""
            )
        lb, ub, lbs, ubs = cur.lb, cur.ub, cur.lb_source, cur.ub_source
        if _feasible(row) and (ub is None or row["objective"] < ub - _TOL * max(1, abs(ub))):
            ub, ubs = row["objective"], f"{row['method']} seed {row['seed']}"
        own = row.get("lower_bound")
        usable = own is not None and row.get("status") not in ("ERROR", "TIMEOUT", "CRASHED")
        if usable and (lb is None or own > lb + _TOL * max(1, abs(lb))):
            lb, lbs = own, f"{row['method']} seed {row['seed']}"
        out[iid] = BestKnown(lb, ub, lbs, ubs)
    return out


def with_gaps(
    rows: list[Mapping[str, Any]], reference: Mapping[str, Reference] | None = None
) -> list[dict[str, Any]]:
    """The rows with ``best_lb``, ``best_ub``, ``feasible``, ``optimal``, ``gap_ub``, ``gap_lb``, ``time``."""
    best = best_known(rows, reference)
    out = []
    for row in rows:
        bk = best[instance_id(row)]
        feasible = _feasible(row)
        obj = row["objective"] if feasible else None
        time = row.get("runtime")
        out.append(
            {
                **row,
                "best_lb": bk.lb,
                "best_ub": bk.ub,
                "feasible": feasible,
                "optimal": feasible and row["status"] == "OPTIMAL",
                "gap_ub": gap(obj, bk.ub),
                "gap_lb": gap(obj, bk.lb),
                "time": time if time is not None else row.get("wall_time"),
            }
        )
    return out
