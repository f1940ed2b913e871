"""The JSON form of a project (time lags, modes, calendars, release dates, deadlines).

::

    {
      "format": "schedkit-project",
      "name": "demo",
      "number_from": 1,
      "resources": [{"capacity": 4, "unavailable": [{"start": 5, "end": 7, "amount": 4}]}],
      "nonrenewable": [{"budget": 20}],
      "activities": [
        {"modes": [{"duration": 3, "demand": [2], "consumption": [5]},
                   {"duration": 5, "demand": [1], "consumption": [2]}],
         "release": 0, "deadline": 30},
        {"modes": [{"duration": 2, "demand": [4]}]}
      ],
      "lags": [
        {"from": 0, "to": 1, "min": 3},
        {"from": 0, "to": 1, "max": 10},
        {"from": 0, "to": 1, "min": 0, "type": "finish-start"}
      ]
    }

Activities are the positions (from 0) of ``activities``; ``number_from`` (default 1) only
sets how messages number them. A mode has a ``duration``, a ``demand`` per renewable resource
and a ``consumption`` per non-renewable one (both default to zeros). ``release`` defaults to 0,
``deadline`` (on the finish) to none. An unavailability period removes ``amount`` units
(default: the whole capacity) of its resource on ``[start, end)``. A lag entry has ``min``
(``S_to >= S_from + min``), ``max`` (``S_to <= S_from + max``) or both; ``type`` is
``"start-start"`` (default) or ``"finish-start"`` (``S_to >= S_from + d_from + min``; no
``max``). Errors name the file and the JSON path (``activities[2].modes[0].duration``).
"""

from __future__ import annotations

import json
from typing import Any

from schedkit.errors import InvalidProblemError
from schedkit.formats.json_fields import JsonFields, load_json
from schedkit.formats.psplib import instance_name
from schedkit.problems.project import NO_DEADLINE, Project

FORMAT = "schedkit-project"
_TYPES = {"start-start": "ss", "finish-start": "fs"}


def sniff_json(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("{") and (f'"{FORMAT}"' in h or ('"activities"' in h and '"modes"' in h))


class _Reader(JsonFields):
    def ints(self, value: Any, where: str, length: int, other: str) -> list[int]:
        vals = self.array(value, where)
        if len(vals) != length:
            raise self.error(f"{where} has {len(vals)} values, expected {length} (one per {other})")
        return [self.integer(v, f"{where}[{i}]", 0) for i, v in enumerate(vals)]


def read_json(text: str, source: str) -> Project:
    """Parse the JSON form (module docstring)."""
    data = load_json(text, source)
    r = _Reader(source)
    top = r.obj(data, "the top level")
    r.keys(
        top,
        "the top level",
        ("format", "name", "number_from", "resources", "nonrenewable", "activities", "lags"),
    )
    if top.get("format", FORMAT) != FORMAT:
        raise r.error(f"format must be {FORMAT!r}, got {top['format']!r}")
    resources = [
        r.obj(v, f"resources[{i}]") for i, v in enumerate(r.array(top.get("resources", []), "resources"))
    ]
    nonren = [
        r.obj(v, f"nonrenewable[{i}]")
        for i, v in enumerate(r.array(top.get("nonrenewable", []), "nonrenewable"))
    ]
    capacities, budgets, unavailable = [], [], []
    for i, res in enumerate(resources):
        r.keys(res, f"resources[{i}]", ("capacity", "unavailable", "name"))
        if "capacity" not in res:
            raise r.error(f"resources[{i}]: missing key 'capacity'")
        cap = r.integer(res["capacity"], f"resources[{i}].capacity", 0)
        capacities.append(cap)
        for q, per in enumerate(r.array(res.get("unavailable", []), f"resources[{i}].unavailable")):
            where = f"resources[{i}].unavailable[{q}]"
            per = r.obj(per, where)
            r.keys(per, where, ("start", "end", "amount"))
            for key in ("start", "end"):
                if key not in per:
                    raise r.error(f"{where}: missing key {key!r}")
            s = r.integer(per["start"], f"{where}.start", 0)
            e = r.integer(per["end"], f"{where}.end", s + 1)
            amount = r.integer(per.get("amount", cap), f"{where}.amount", 1)
            unavailable.append((i, s, e, amount))
    for i, res in enumerate(nonren):
        r.keys(res, f"nonrenewable[{i}]", ("budget", "name"))
        if "budget" not in res:
            raise r.error(f"nonrenewable[{i}]: missing key 'budget'")
        budgets.append(r.integer(res["budget"], f"nonrenewable[{i}].budget", 0))
    k, nn = len(capacities), len(budgets)
    acts = r.array(top.get("activities"), "activities") if "activities" in top else None
    if acts is None:
        raise r.error("the top level: missing key 'activities'")
    modes: list[list[tuple[int, list[int], list[int]]]] = []
    release: list[int] = []
    deadline: list[int] = []
    for j, act in enumerate(acts):
        where = f"activities[{j}]"
        act = r.obj(act, where)
        r.keys(act, where, ("modes", "release", "deadline", "name"))
        ms = r.array(act.get("modes"), f"{where}.modes")
        if not ms:
            raise r.error(f"{where}.modes is empty (an activity needs at least one mode)")
        own = []
        for m, mode in enumerate(ms):
            mw = f"{where}.modes[{m}]"
            mode = r.obj(mode, mw)
            r.keys(mode, mw, ("duration", "demand", "consumption"))
            if "duration" not in mode:
                raise r.error(f"{mw}: missing key 'duration'")
            own.append(
                (
                    r.integer(mode["duration"], f"{mw}.duration", 0),
                    r.ints(mode.get("demand", [0] * k), f"{mw}.demand", k, "renewable resource"),
                    r.ints(
                        mode.get("consumption", [0] * nn), f"{mw}.consumption", nn, "non-renewable resource"
                    ),
                )
            )
        modes.append(own)
        release.append(r.integer(act.get("release", 0), f"{where}.release", 0))
        dl = act.get("deadline")
        deadline.append(NO_DEADLINE if dl is None else r.integer(dl, f"{where}.deadline", 0))
    n = len(modes)
    arcs: list[tuple[int, int, int, str]] = []
    for a, lag in enumerate(r.array(top.get("lags", []), "lags")):
        where = f"lags[{a}]"
        lag = r.obj(lag, where)
        r.keys(lag, where, ("from", "to", "min", "max", "type"))
        ends = []
        for key in ("from", "to"):
            if key not in lag:
                raise r.error(f"{where}: missing key {key!r}")
            v = r.integer(lag[key], f"{where}.{key}")
            if not 0 <= v < n:
                raise r.error(f"{where}.{key}: activity {v} does not exist (activities are 0..{n - 1})")
            ends.append(v)
        i, j = ends
        if i == j:
            raise r.error(f"{where}: a time lag from activity {i} to itself")
        kind = lag.get("type", "start-start")
        if kind not in _TYPES:
            raise r.error(f"{where}.type must be 'start-start' or 'finish-start', got {kind!r}")
        if "min" not in lag and "max" not in lag:
            raise r.error(f"{where}: needs 'min' or 'max'")
        if "min" in lag:
            arcs.append((i, j, r.integer(lag["min"], f"{where}.min"), _TYPES[kind]))
        if "max" in lag:
            if kind != "start-start":
                raise r.error(f"{where}: 'max' is only supported for start-start lags")
            arcs.append((j, i, -r.integer(lag["max"], f"{where}.max"), "ss"))
    number_from = r.integer(top.get("number_from", 1), "number_from", 0)
    name = top.get("name")
    try:
        return Project.from_lists(
            modes,
            capacities,
            budgets=budgets,
            arcs=arcs,
            unavailable=unavailable,
            release=release,
            deadline=deadline,
            name=name if isinstance(name, str) and name else instance_name(source),
            number_from=number_from,
        )
    except InvalidProblemError as exc:
        raise r.error(str(exc)) from None


def write_json(problem: Project) -> str:
    """The JSON form; negative start-to-start lags are written as maximum lags."""
    p = problem
    resources: list[dict[str, Any]] = []
    for r in range(p.num_resources):
        res: dict[str, Any] = {"capacity": int(p.capacity[r])}
        periods = [
            {"start": int(p.off_start[q]), "end": int(p.off_end[q]), "amount": int(p.off_amount[q])}
            for q in range(len(p.off_start))
            if p.off_resource[q] == r
        ]
        if periods:
            res["unavailable"] = periods
        resources.append(res)
    activities = []
    for j in range(p.num_activities):
        act: dict[str, Any] = {"modes": []}
        for m in p.modes(j):
            mode: dict[str, Any] = {"duration": int(p.duration[m]), "demand": [int(v) for v in p.demand[m]]}
            if p.num_nonrenewable:
                mode["consumption"] = [int(v) for v in p.consumption[m]]
            act["modes"].append(mode)
        if p.release[j]:
            act["release"] = int(p.release[j])
        if p.deadline[j] != NO_DEADLINE:
            act["deadline"] = int(p.deadline[j])
        activities.append(act)
    lags = []
    for i, j, lag, fs in zip(
        p.arc_from.tolist(), p.arc_to.tolist(), p.arc_lag.tolist(), p.arc_fs.tolist(), strict=True
    ):
        if fs:
            lags.append({"from": i, "to": j, "min": lag, "type": "finish-start"})
        elif lag < 0:
            lags.append({"from": j, "to": i, "max": -lag})
        else:
            lags.append({"from": i, "to": j, "min": lag})
    out = {
        "format": FORMAT,
        "name": p.name,
        "number_from": p.number_from,
        "resources": resources,
        "nonrenewable": [{"budget": int(b)} for b in p.budget],
        "activities": activities,
        "lags": lags,
    }
    return _compact(out) + "\n"


def _compact(data: dict[str, Any]) -> str:
    """Indented JSON with one line per activity, lag and resource."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            rows = ",\n    ".join(json.dumps(v) for v in value)
            parts.append(f'  "{key}": [\n    {rows}\n  ]')
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}"
