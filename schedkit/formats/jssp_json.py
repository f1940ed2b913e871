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

from typing import Any

from schedkit.errors import InvalidProblemError
from schedkit.formats.json_fields import load_json
from schedkit.formats.jssp import instance_name
from schedkit.formats.shop_json import JOB_KEYS, TOP_KEYS, ShopFields, job_extras, read_extras, write_lines
from schedkit.problems.jobshop import JobShop

FORMAT = "schedkit-jssp"


def sniff_json(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("{") and f'"{FORMAT}"' in h


def read_json(text: str, source: str) -> JobShop:
    """Parse the JSON form (module docstring); ParseError naming the file and the entry."""
    data = load_json(text, source)
    c = ShopFields(source)
    top = c.obj(data, "the file", TOP_KEYS)
    if top.get("format") != FORMAT:
        raise c.error(f"'format' must be {FORMAT!r}, got {top.get('format')!r:.60}")
    m = c.integer(top.get("machines"), "'machines'", 1)
    jobs_in = c.array(top.get("jobs"), "'jobs'")
    if not jobs_in:
        raise c.error("'jobs' is empty")
    jobs = []
    for j, rec in enumerate(jobs_in):
        where = f"jobs[{j}]"
        rec = c.obj(rec, where, ("operations", *JOB_KEYS))
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
    extras = read_extras(c, top, jobs_in, m)
    name = c.name(top, instance_name(source))
    try:
        return JobShop.from_jobs(jobs, num_machines=m, name=name, extras=extras)
    except InvalidProblemError as exc:
        raise c.error(str(exc)) from None


def write_json(problem: JobShop) -> str:
    """The JSON form of ``problem`` (extras only where present)."""
    jobs: list[dict[str, Any]] = [
        {"operations": [[m, d] for m, d in route], **job_extras(problem, j)}
        for j, route in enumerate(problem.jobs())
    ]
    head = {"format": FORMAT, "name": problem.name, "machines": problem.num_machines}
    return write_lines(head, jobs, problem.setup)
