"""The JSON form of a job shop, the one that carries release and due dates, weights, setups and
re-entrant routes (format ``jssp-json``)::

    {
      "format": "schedkit-jssp",
      "name": "factory",
      "machines": 2,
      "jobs": [
        {"operations": [[0, 3], [1, 2], [0, 4]], "release": 0, "due": 20, "weight": 2},
        {"operations": [[1, 5]]}
      ],
      "setups": [
        {"initial": [1, 2], "from": [[0, 3], [2, 0]]},
        {"initial": [0, 0], "from": [[0, 1], [1, 0]]}
      ]
    }

Operations are ``[machine, duration]`` in route order, machines from 0; a job may visit a
machine several times. ``release`` (default 0), ``due`` (default: none) and ``weight``
(default 1) are optional per job, but ``due`` is given for every job or for none. ``setups``
(optional) holds one entry per machine: ``initial[j]`` before the machine's first operation if
it is of job ``j``, and ``from[i][j]`` between an operation of job ``i`` and the next one, of
job ``j``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from schedkit.errors import InvalidProblemError
from schedkit.formats.json_fields import JsonFields, load_json
from schedkit.formats.jssp import instance_name
from schedkit.problems.jobshop import JobShop
from schedkit.problems.shop_extras import ShopExtras

FORMAT = "schedkit-jssp"
MAX_INT = 2**53


def sniff_json(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("{") and f'"{FORMAT}"' in h


class _Check(JsonFields):
    max_int = MAX_INT

    def integer(self, value: Any, where: str, minimum: int | None = 0) -> int:
        return super().integer(value, where, minimum)


def read_json(text: str, source: str) -> JobShop:
    """Parse the JSON form (module docstring); ParseError naming the file and the entry."""
    data = load_json(text, source)
    c = _Check(source)
    top = c.obj(data, "the file", ("format", "name", "machines", "jobs", "setups"))
    if top.get("format") != FORMAT:
        raise c.error(f"'format' must be {FORMAT!r}, got {top.get('format')!r:.60}")
    m = c.integer(top.get("machines"), "'machines'", 1)
    jobs_in = c.array(top.get("jobs"), "'jobs'")
    if not jobs_in:
        raise c.error("'jobs' is empty")
    jobs, release, due, weight = [], [], [], []
    for j, rec in enumerate(jobs_in):
        where = f"jobs[{j}]"
        rec = c.obj(rec, where, ("operations", "release", "due", "weight", "name"))
        ops = c.array(rec.get("operations"), f"{where}.operations")
        if not ops:
            raise c.error(f"{where}.operations is empty")
        route = []
        for k, op in enumerate(ops):
            pair = c.array(op, f"{where}.operations[{k}]", 2)
            mach = c.integer(pair[0], f"{where}.operations[{k}] machine")
            if mach >= m:
                raise c.error(f"{where}.operations[{k}]: machine {mach} out of range 0..{m - 1}")
            route.append((mach, c.integer(pair[1], f"{where}.operations[{k}] duration")))
        jobs.append(route)
        release.append(c.integer(rec.get("release", 0), f"{where}.release"))
        due.append(None if "due" not in rec else c.integer(rec["due"], f"{where}.due", None))
        weight.append(c.integer(rec.get("weight", 1), f"{where}.weight"))
    n = len(jobs)
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
    extras = ShopExtras(
        release=release if given["release"] else None,
        due=None if due[0] is None else due,
        weight=weight if given["weight"] else None,
        setup=setup,
    )
    name = top.get("name", instance_name(source))
    if not isinstance(name, str):
        raise c.error(f"'name' must be a string, got {name!r:.60}")
    try:
        return JobShop.from_jobs(jobs, num_machines=m, name=name, extras=extras)
    except InvalidProblemError as exc:
        raise c.error(str(exc)) from None


def write_json(problem: JobShop) -> str:
    """The JSON form of ``problem`` (extras only where present)."""
    jobs: list[dict[str, Any]] = []
    for j, route in enumerate(problem.jobs()):
        rec: dict[str, Any] = {"operations": [[m, d] for m, d in route]}
        if problem.extras is not None:
            if problem.extras.release is not None:
                rec["release"] = int(problem.release[j])
            if problem.due is not None:
                rec["due"] = int(problem.due[j])
            if problem.extras.weight is not None:
                rec["weight"] = int(problem.weight[j])
        jobs.append(rec)
    head = {"format": FORMAT, "name": problem.name, "machines": problem.num_machines}
    out = ["{", *(f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items())]
    out.append(' "jobs": [')
    out += [f"  {json.dumps(rec)}," for rec in jobs]
    out[-1] = out[-1].rstrip(",")
    if problem.setup is None:
        out.append(" ]")
    else:
        n = problem.num_jobs
        out.append(" ],")
        out.append(' "setups": [')
        for k in range(problem.num_machines):
            rec = {"initial": problem.setup[k, n].tolist(), "from": problem.setup[k, :n].tolist()}
            out.append(f"  {json.dumps(rec)},")
        out[-1] = out[-1].rstrip(",")
        out.append(" ]")
    out.append("}")
    return "\n".join(out) + "\n"
