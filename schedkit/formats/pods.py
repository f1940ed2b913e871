"""The JSON form of a pod placement instance (format ``pods-json``).

::

    {
      "format": "schedkit-pods",
      "name": "demo",
      "nodes": [
        {"name": "n1", "cpu": 4000, "memory": 16384, "labels": {"zone": "a"}},
        {"name": "n2", "cpu": 8000, "memory": 32768, "taints": ["dedicated=batch:NoSchedule"]}
      ],
      "pods": [
        {"name": "web-1", "cpu": 500, "memory": 1024, "priority": 100, "node": "n1"},
        {"name": "db-1", "cpu": 2000, "memory": 8192, "priority": 1000, "node": "n1", "movable": false},
        {"name": "job-1", "cpu": 3000, "memory": 4096, "priority": 0,
         "node_selector": {"zone": "a"}, "tolerations": ["dedicated"]}
      ]
    }

``cpu`` is in millicores, ``memory`` in MiB (any unit works if all entries use it), both
integers >= 0. A pod with a ``node`` (a node's name, or ``null``) is running there, one
without is pending; ``movable`` (default true) only matters for running pods. ``priority``
defaults to 0. ``labels`` and ``node_selector`` map strings to strings; ``taints`` and
``tolerations`` are lists of strings (see :mod:`schedkit.problems.pods` for matching). Names
default to ``node<i>`` / ``pod<i>`` (from 0) and must be unique. Errors name the file and the
JSON path of the offending value (``pods[3].cpu``) in one line.
"""

from __future__ import annotations

import json
from typing import Any

from schedkit.errors import InvalidProblemError
from schedkit.formats.json_fields import JsonFields, load_json
from schedkit.formats.psplib import instance_name
from schedkit.problems.pods import UNPLACED, PodPlacement

FORMAT = "schedkit-pods"
_NODE_KEYS = ("name", "cpu", "memory", "labels", "taints")
_POD_KEYS = ("name", "cpu", "memory", "priority", "node", "movable", "node_selector", "tolerations")


def sniff(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("{") and (f'"{FORMAT}"' in h or ('"nodes"' in h and '"pods"' in h))


class _Reader(JsonFields):
    def mapping(self, value: Any, where: str) -> dict[str, str]:
        rec = self.obj(value, where)
        for k, v in rec.items():
            self.string(v, f"{where}.{k}")
        return dict(rec)

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(self.string(v, f"{where}[{i}]") for i, v in enumerate(self.array(value, where)))

    def keys(
        self, rec: dict[str, Any], where: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> None:
        extra = [k for k in rec if k not in allowed]
        if extra:
            raise self.error(f"{where}: unknown key {extra[0]!r} (known: {', '.join(allowed)})")
        missing = [k for k in required if k not in rec]
        if missing:
            raise self.error(f"{where}: missing key {missing[0]!r}")

    def name(self, rec: dict[str, Any], where: str, default: str, seen: dict[str, int]) -> str:
        name = self.string(rec["name"], f"{where}.name") if "name" in rec else default
        if name in seen:
            raise self.error(f"{where}.name: {name!r} is also the name of entry {seen[name]}")
        seen[name] = len(seen)
        return name


def read(text: str, source: str) -> PodPlacement:
    """Parse the JSON form (module docstring)."""
    data = load_json(text, source)
    r = _Reader(source)
    top = r.obj(data, "the top level")
    r.keys(top, "the top level", ("format", "name", "nodes", "pods"), ("nodes",))
    if top.get("format", FORMAT) != FORMAT:
        raise r.error(f"format must be {FORMAT!r}, got {top['format']!r:.60}")
    nodes = r.array(top["nodes"], "nodes")
    if not nodes:
        raise r.error("nodes is empty (a cluster needs at least one node)")
    node_names: dict[str, int] = {}
    ncpu, nmem, labels, taints = [], [], [], []
    for j, rec in enumerate(nodes):
        where = f"nodes[{j}]"
        rec = r.obj(rec, where)
        r.keys(rec, where, _NODE_KEYS, ("cpu", "memory"))
        r.name(rec, where, f"node{j}", node_names)
        ncpu.append(r.integer(rec["cpu"], f"{where}.cpu", 0))
        nmem.append(r.integer(rec["memory"], f"{where}.memory", 0))
        labels.append(r.mapping(rec.get("labels", {}), f"{where}.labels"))
        taints.append(r.strings(rec.get("taints", []), f"{where}.taints"))
    pod_names: dict[str, int] = {}
    cols: dict[str, list[Any]] = {k: [] for k in ("cpu", "mem", "prio", "node", "movable", "sel", "tol")}
    for i, rec in enumerate(r.array(top.get("pods", []), "pods")):
        where = f"pods[{i}]"
        rec = r.obj(rec, where)
        r.keys(rec, where, _POD_KEYS, ("cpu", "memory"))
        r.name(rec, where, f"pod{i}", pod_names)
        cols["cpu"].append(r.integer(rec["cpu"], f"{where}.cpu", 0))
        cols["mem"].append(r.integer(rec["memory"], f"{where}.memory", 0))
        cols["prio"].append(r.integer(rec.get("priority", 0), f"{where}.priority"))
        node = rec.get("node")
        if node is None:
            cols["node"].append(UNPLACED)
        else:
            node = r.string(node, f"{where}.node")
            if node not in node_names:
                raise r.error(f"{where}.node: no node is named {node!r}")
            cols["node"].append(node_names[node])
        movable = rec.get("movable", True)
        if not isinstance(movable, bool):
            raise r.error(f"{where}.movable must be true or false, got {movable!r:.60}")
        cols["movable"].append(movable)
        cols["sel"].append(r.mapping(rec.get("node_selector", {}), f"{where}.node_selector"))
        cols["tol"].append(r.strings(rec.get("tolerations", []), f"{where}.tolerations"))
    name = top.get("name")
    try:
        return PodPlacement(
            node_cpu=ncpu,
            node_mem=nmem,
            pod_cpu=cols["cpu"],
            pod_mem=cols["mem"],
            pod_priority=cols["prio"],
            pod_node=cols["node"],
            pod_movable=cols["movable"],
            node_labels=tuple(labels),
            node_taints=tuple(taints),
            pod_selector=tuple(cols["sel"]),
            pod_tolerations=tuple(cols["tol"]),
            node_names=tuple(node_names),
            pod_names=tuple(pod_names),
            name=name if isinstance(name, str) and name else instance_name(source),
        )
    except InvalidProblemError as exc:
        raise r.error(str(exc)) from None


def write(problem: PodPlacement) -> str:
    """The JSON form, one line per node and per pod (defaults left out)."""
    p = problem
    nodes = []
    for j in range(p.num_nodes):
        rec: dict[str, Any] = {
            "name": p.node_names[j],
            "cpu": int(p.node_cpu[j]),
            "memory": int(p.node_mem[j]),
        }
        if p.node_labels[j]:
            rec["labels"] = dict(p.node_labels[j])
        if p.node_taints[j]:
            rec["taints"] = list(p.node_taints[j])
        nodes.append(rec)
    pods = []
    for i in range(p.num_pods):
        rec = {"name": p.pod_names[i], "cpu": int(p.pod_cpu[i]), "memory": int(p.pod_mem[i])}
        rec["priority"] = int(p.pod_priority[i])
        if p.pod_node[i] != UNPLACED:
            rec["node"] = p.node_names[p.pod_node[i]]
            if not p.pod_movable[i]:
                rec["movable"] = False
        if p.pod_selector[i]:
            rec["node_selector"] = dict(p.pod_selector[i])
        if p.pod_tolerations[i]:
            rec["tolerations"] = list(p.pod_tolerations[i])
        pods.append(rec)
    head = f'{{\n  "format": "{FORMAT}",\n  "name": {json.dumps(p.name)},\n'
    body = ",\n".join(
        f'  "{key}": [\n' + ",\n".join("    " + json.dumps(x) for x in rows) + "\n  ]"
        if rows
        else f'  "{key}": []'
        for key, rows in (("nodes", nodes), ("pods", pods))
    )
    return head + body + "\n}\n"
