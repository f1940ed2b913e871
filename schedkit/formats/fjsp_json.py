"""The JSON form of a flexible job shop, the one that carries release and due dates, weights,
setups and re-entrant routes (format ``fjsp-json``)::

    {
      "format": "schedkit-fjsp",
      "name": "factory",
      "machines": 2,
      "jobs": [
        {"operations": [[[0, 3], [1, 4]], [[1, 2]], [[0, 4]]], "release": 0, "due": 20, "weight": 2},
        {"operations": [[[1, 5], [0, 6]]]}
      ],
      "setups": [
        {"initial": [1, 2], "from": [[0, 3], [2, 0]]},
        {"initial": [0, 0], "from": [[0, 1], [1, 0]]}
      ]
    }

Each operation is the list of its ``[machine, duration]`` alternatives (its eligible machines,
numbered from 0), operations in route order; a job may visit a machine several times. The
extras are those of the job-shop JSON form (:mod:`schedkit.formats.jssp_json`): ``release``
(default 0), ``due`` (all jobs or none), ``weight`` (default 1) per job, and per machine its
``initial`` setups and the ``from[i][j]`` matrix, which apply on the machine an operation runs on.
"""

from __future__ import annotations

from typing import Any

from schedkit.errors import InvalidProblemError
from schedkit.formats.json_fields import load_json
from schedkit.formats.jssp import instance_name
from schedkit.formats.shop_json import JOB_KEYS, TOP_KEYS, ShopFields, job_extras, read_extras, write_lines
from schedkit.problems.flexible import FlexibleJobShop

FORMAT = "schedkit-fjsp"


def sniff(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("{") and f'"{FORMAT}"' in h


def read(text: str, source: str) -> FlexibleJobShop:
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
            alts = c.array(op, f"{where}.operations[{k}]")
            if not alts:
                raise c.error(f"{where}.operations[{k}] has no eligible machine")
            pairs = []
            for i, alt in enumerate(alts):
                at = f"{where}.operations[{k}][{i}]"
                pair = c.array(alt, at, 2)
                mach = c.integer(pair[0], f"{at} machine")
                if mach >= m:
                    raise c.error(f"{at}: machine {mach} out of range 0..{m - 1}")
                pairs.append((mach, c.integer(pair[1], f"{at} duration")))
            route.append(pairs)
        jobs.append(route)
    extras = read_extras(c, top, jobs_in, m)
    name = c.name(top, instance_name(source))
    try:
        return FlexibleJobShop.from_jobs(jobs, num_machines=m, name=name, extras=extras)
    except InvalidProblemError as exc:
        raise c.error(str(exc)) from None


def write(problem: FlexibleJobShop) -> str:
    """The JSON form of ``problem`` (extras only where present)."""
    jobs: list[dict[str, Any]] = [
        {"operations": [[[m, d] for m, d in alts] for alts in route], **job_extras(problem, j)}
        for j, route in enumerate(problem.jobs())
    ]
    head = {"format": FORMAT, "name": problem.name, "machines": problem.num_machines}
    return write_lines(head, jobs, problem.setup)
