"""What the JSON forms of the job shop (``jssp-json``) and the flexible job shop (``fjsp-json``)
share: the per-job ``release`` / ``due`` / ``weight`` fields, the per-machine ``setups`` list,
and the layout the writers use (one job or machine a line)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from schedkit.formats.json_fields import JsonFields
from schedkit.problems.shop_extras import ExtrasMixin, ShopExtras

#: keys of a job record beyond its operations
JOB_KEYS = ("release", "due", "weight", "name")
#: keys of the top-level object
TOP_KEYS = ("format", "name", "machines", "jobs", "setups")


class ShopFields(JsonFields):
    """Field checks of the shop JSON forms: integers are non-negative unless said otherwise."""

    max_int = 2**53

    def integer(self, value: Any, where: str, minimum: int | None = 0) -> int:
        return super().integer(value, where, minimum)

    def name(self, top: dict[str, Any], default: str) -> str:
        """The instance's ``name`` (``default`` when absent)."""
        name = top.get("name", default)
        if not isinstance(name, str):
            raise self.error(f"'name' must be a string, got {name!r:.60}")
        return name


def read_extras(c: ShopFields, top: dict[str, Any], jobs_in: list[dict[str, Any]], m: int) -> ShopExtras:
    """The release and due dates, weights (from the job records ``jobs_in``) and setups (from
    ``top``) of an instance with ``m`` machines; ``due`` is given for every job or for none."""
    n = len(jobs_in)
    release, due, weight = [], [], []
    for j, rec in enumerate(jobs_in):
        where = f"jobs[{j}]"
        release.append(c.integer(rec.get("release", 0), f"{where}.release"))
        due.append(None if "due" not in rec else c.integer(rec["due"], f"{where}.due", None))
        weight.append(c.integer(rec.get("weight", 1), f"{where}.weight"))
    if any(d is None for d in due) and any(d is not None for d in due):
        missing = next(j for j, d in enumerate(due) if d is None)
        raise c.error(f"jobs[{missing}] has no 'due' while other jobs have one (give all or none)")
    setup = None
    if "setups" in top:
        per_machine = c.array(top["setups"], "'setups'", m)
        setup = np.zeros((m, n + 1, n), dtype=np.int64)
        for k, rec in enumerate(per_machine):
            where = f"setups[{k}]"
            rec = c.obj(rec, where, ("initial", "from"))
            init = c.array(rec.get("initial", [0] * n), f"{where}.initial", n)
            setup[k, n] = [c.integer(v, f"{where}.initial[{j}]") for j, v in enumerate(init)]
            rows = c.array(rec.get("from", [[0] * n] * n), f"{where}.from", n)
            for i, row in enumerate(rows):
                row = c.array(row, f"{where}.from[{i}]", n)
                setup[k, i] = [c.integer(v, f"{where}.from[{i}][{j}]") for j, v in enumerate(row)]
    given = {key: any(key in rec for rec in jobs_in) for key in ("release", "weight")}
    return ShopExtras(
        release=release if given["release"] else None,
        due=None if due[0] is None else due,
        weight=weight if given["weight"] else None,
        setup=setup,
    )


def job_extras(problem: ExtrasMixin, j: int) -> dict[str, int]:
    """The extras fields of job ``j``'s record (only those the instance has)."""
    rec: dict[str, int] = {}
    if problem.extras is not None:
        if problem.extras.release is not None:
            rec["release"] = int(problem.release[j])
        if problem.due is not None:
            rec["due"] = int(problem.due[j])
        if problem.extras.weight is not None:
            rec["weight"] = int(problem.weight[j])
    return rec


def write_lines(head: dict[str, Any], jobs: list[dict[str, Any]], setup: np.ndarray | None) -> str:
    """The JSON text: ``head`` fields, one job record a line, then the setups (when present),
    one machine a line."""
    out = ["{", *(f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items())]
    out.append(' "jobs": [')
    out += [f"  {json.dumps(rec)}," for rec in jobs]
    out[-1] = out[-1].rstrip(",")
    if setup is None:
        out.append(" ]")
    else:
        n = setup.shape[2]
        out.append(" ],")
        out.append(' "setups": [')
        for k in range(setup.shape[0]):
            rec = {"initial": setup[k, n].tolist(), "from": setup[k, :n].tolist()}
            out.append(f"  {json.dumps(rec)},")
        out[-1] = out[-1].rstrip(",")
        out.append(" ]")
    out.append("}")
    return "\n".join(out) + "\n"
