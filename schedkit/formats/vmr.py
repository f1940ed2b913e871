"""The VMR2L JSON layout of a VM-to-PM mapping (``cluster_list`` / ``host_info`` / ``vm_instance``).

Reading follows the VMR2L reference code: every cluster's PMs and VMs go into one pool (a VM
may move to any ACTIVE PM); free CPU and memory are recomputed from the NUMA totals
(``total_cpu``, ``memory_huge_total_mb``) minus the VMs placed there, so the ``free_cpu`` and
``memory_huge_free_mb`` fields are not trusted (the published file's memory figures are
inconsistent with its VMs). A double-NUMA VM lists both nodes with equal halves. Anti-affinity
groups come from each cluster's ``other_requirement.deployment_set`` entries of granularity
``host``; rack-level sets are refused rather than silently ignored.

Values must be whole numbers (``4.0`` is accepted as 4). Errors name the file and the line
where the offending PM or VM appears.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError, InvalidProblemError, ParseError
from schedkit.formats.text import MAX_INT
from schedkit.problems.vmr import BOTH, DEFAULT_MNL, VMRescheduling

_ACTIVE = "ACTIVE"
#: where the writer keeps the migration number limit (inside ``general_requirement``)
MNL_KEY = "migration_number_limit"
_STATUSES = ("ACTIVE", "DISABLED", "OUTAGE")


def instance_name(source: str) -> str:
    return os.path.splitext(os.path.basename(source))[0] or "instance"


def sniff(head: str) -> bool:
    """A JSON object with a ``cluster_list`` and host or VM records."""
    h = head.lstrip()
    return h.startswith("{") and '"cluster_list"' in h and ('"host_info"' in h or '"vm_instance"' in h)


class _Reader:
    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source

    def line_of(self, needle: Any) -> int | None:
        """Line of the first occurrence of ``"needle"`` (a JSON string) or of the bare value."""
        for pat in (json.dumps(needle), str(needle)):
            i = self.text.find(pat)
            if i >= 0:
                return self.text.count("\n", 0, i) + 1
        return None

    def error(self, message: str, near: Any = None) -> ParseError:
        return ParseError(message, self.source, None if near is None else self.line_of(near))

    def get(self, rec: Any, key: str, what: str, near: Any = None) -> Any:
        if not isinstance(rec, dict):
            raise self.error(f"{what} must be a JSON object", near)
        if key not in rec:
            raise self.error(f"{what}: missing key {key!r}", near)
        return rec[key]

    def integer(self, value: Any, what: str, near: Any = None, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"{what} must be a number, got {value!r}", near)
        if isinstance(value, float) and not value.is_integer():
            raise self.error(f"{what} must be a whole number, got {value!r}", near)
        out = int(value)
        if abs(out) > MAX_INT:
            raise self.error(f"{what} {out} is too large (limit {MAX_INT})", near)
        if minimum is not None and out < minimum:
            kind = "negative " if minimum == 0 and out < 0 else ""
            raise self.error(f"{kind}{what} {out} (must be >= {minimum})", near)
        return out

    def name(self, value: Any, what: str, near: Any = None) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(f"{what} must be a string, got {value!r}", near)
        return str(value)

    def listing(self, value: Any, what: str, near: Any = None) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(f"{what} must be a list", near)
        return value


def read(text: str, source: str, mnl: int | None = None) -> VMRescheduling:
    """Parse a VMR2L mapping.

    ``mnl`` is the migration number limit; when omitted, the file's
    ``general_requirement.migration_number_limit`` (written by schedkit) or else 50.
    """
    if mnl is not None and (isinstance(mnl, bool) or not isinstance(mnl, int) or mnl < 0):
        raise InvalidParameterError(f"migration number limit must be an integer >= 0, got {mnl!r}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON: {exc.msg} (column {exc.colno})", source, exc.lineno) from None
    r = _Reader(text, source)
    if mnl is None:
        req = data.get("general_requirement") if isinstance(data, dict) else None
        stored = req.get(MNL_KEY) if isinstance(req, dict) else None
        mnl = DEFAULT_MNL if stored is None else r.integer(stored, MNL_KEY, MNL_KEY, 0)
    clusters = r.listing(r.get(data, "cluster_list", "the top level"), "cluster_list", "cluster_list")
    if not clusters:
        raise r.error("cluster_list is empty", "cluster_list")
    pm_cpu: list[list[int]] = []
    pm_mem: list[list[int]] = []
    pm_active: list[bool] = []
    pm_names: list[str] = []
    pm_extra: list[dict[str, Any]] = []
    pm_index: dict[str, int] = {}
    vm_rows: list[tuple[str, str, int, int, int, int, bool]] = []
    vm_extra: list[dict[str, Any]] = []
    groups: list[list[str]] = []
    cluster_meta: list[dict[str, Any]] = []
    for c, cl in enumerate(clusters):
        cname = r.name(r.get(cl, "cluster_name", f"cluster {c + 1}", "cluster_name"), "cluster_name")
        hosts = r.listing(r.get(cl, "host_info", f"cluster {cname}", cname), f"cluster {cname}: host_info")
        for h, host in enumerate(hosts):
            pid = r.name(r.get(host, "node_id", f"cluster {cname}: host {h + 1}", cname), "node_id")
            if pid in pm_index:
                raise r.error(f"PM {pid} appears twice", pid)
            status = r.get(host, "status", f"PM {pid}", pid) if "status" in host else _ACTIVE
            if status not in _STATUSES:
                raise r.error(f"PM {pid}: status must be one of {', '.join(_STATUSES)}, got {status!r}", pid)
            numas = r.listing(r.get(host, "numa", f"PM {pid}", pid), f"PM {pid}: numa", pid)
            if len(numas) != 2:
                raise r.error(f"PM {pid}: expected 2 NUMA nodes, got {len(numas)}", pid)
            cpu = [0, 0]
            mem = [0, 0]
            seen = set()
            for rec in numas:
                j = r.integer(r.get(rec, "node", f"PM {pid}: NUMA entry", pid), f"PM {pid}: NUMA node", pid)
                if j not in (0, 1) or j in seen:
                    raise r.error(f"PM {pid}: NUMA nodes must be 0 and 1, got {j}", pid)
                seen.add(j)
                cpu[j] = r.integer(
                    r.get(rec, "total_cpu", f"PM {pid} NUMA {j}", pid),
                    f"PM {pid} NUMA {j} CPU capacity",
                    pid,
                    0,
                )
                mem[j] = r.integer(
                    r.get(rec, "memory_huge_total_mb", f"PM {pid} NUMA {j}", pid),
                    f"PM {pid} NUMA {j} memory capacity",
                    pid,
                    0,
                )
            pm_index[pid] = len(pm_names)
            pm_names.append(pid)
            pm_cpu.append(cpu)
            pm_mem.append(mem)
            pm_active.append(status == _ACTIVE)
            extra = {k: v for k, v in host.items() if k not in ("node_id", "numa")}
            extra["status"] = status
            extra["_cluster"] = c
            pm_extra.append(extra)
        cluster_meta.append({k: v for k, v in cl.items() if k not in ("host_info", "vm_instance")})
    for c, cl in enumerate(clusters):
        cname = cluster_meta[c]["cluster_name"]
        vms = r.listing(r.get(cl, "vm_instance", f"cluster {cname}", cname), f"cluster {cname}: vm_instance")
        for i, vm in enumerate(vms):
            vid = r.name(r.get(vm, "instance_id", f"cluster {cname}: VM {i + 1}", cname), "instance_id")
            host = r.name(r.get(vm, "host_id", f"VM {vid}", vid), f"VM {vid}: host_id", vid)
            if host not in pm_index:
                raise r.error(f"VM {vid} is on unknown PM {host}", vid)
            numas = r.listing(r.get(vm, "numa", f"VM {vid}", vid), f"VM {vid}: numa", vid)
            parts = []
            for rec in numas:
                j = r.integer(r.get(rec, "node", f"VM {vid}: NUMA entry", vid), f"VM {vid}: NUMA node", vid)
                if j not in (0, 1):
                    raise r.error(f"VM {vid}: NUMA node must be 0 or 1, got {j}", vid)
                c_ = r.integer(r.get(rec, "cpu", f"VM {vid} NUMA {j}", vid), f"VM {vid} CPU demand", vid, 0)
                m_ = r.integer(
                    r.get(rec, "mem_mb", f"VM {vid} NUMA {j}", vid), f"VM {vid} memory demand", vid, 0
                )
                parts.append((j, c_, m_))
            if len(parts) == 1:
                numa, cpu, mem = parts[0]
            elif len(parts) == 2:
                if {parts[0][0], parts[1][0]} != {0, 1}:
                    raise r.error(f"VM {vid}: a double-NUMA VM must use nodes 0 and 1", vid)
                if parts[0][1:] != parts[1][1:]:
                    raise r.error(f"VM {vid}: a double-NUMA VM must use equal halves on both nodes", vid)
                numa, cpu, mem = BOTH, parts[0][1], parts[0][2]
            else:
                raise r.error(f"VM {vid}: expected 1 or 2 NUMA entries, got {len(parts)}", vid)
            allow = vm.get("allow_migration", True)
            if not isinstance(allow, bool):
                raise r.error(f"VM {vid}: allow_migration must be true or false, got {allow!r}", vid)
            vtype = vm.get("instance_type", "")
            vm_rows.append((vid, host, numa, cpu, mem, int(allow), True))
            vm_extra.append({"instance_type": str(vtype)})
        req = cl.get("other_requirement") or {}
        sets = req.get("deployment_set", []) if isinstance(req, dict) else []
        for ds in r.listing(sets, f"cluster {cname}: deployment_set", "deployment_set"):
            gran = r.get(ds, "granularity", "deployment set", "deployment_set")
            members = r.listing(r.get(ds, "data", "deployment set", "deployment_set"), "deployment set data")
            if gran != "host":
                raise r.error(
                    f"cluster {cname}: deployment sets of granularity {gran!r} are not supported "
                    "(only 'host')",
                    "deployment_set",
                )
            groups.append([r.name(m, "deployment set member", "deployment_set") for m in members])
    names = [row[0] for row in vm_rows]
    vm_idx = {n: i for i, n in enumerate(names)}
    if len(vm_idx) != len(names):
        seen_names: set[str] = set()
        dup = next(n for n in names if n in seen_names or seen_names.add(n))  # type: ignore[func-returns-value]
        raise r.error(f"VM {dup} appears twice", dup)
    anti = []
    for g in groups:
        for m in g:
            if m not in vm_idx:
                raise r.error(f"deployment set names unknown VM {m}", m)
        anti.append(np.array([vm_idx[m] for m in g], dtype=np.int64))
    cpu_arr = np.array([row[3] for row in vm_rows], dtype=np.int64)
    mem_arr = np.array([row[4] for row in vm_rows], dtype=np.int64)
    numa_arr = np.array([row[2] for row in vm_rows], dtype=np.int64)
    pmc = np.array(pm_cpu, dtype=np.int64).reshape(-1, 2)
    pmm = np.array(pm_mem, dtype=np.int64).reshape(-1, 2)
    _check_sizes(r, names, cpu_arr, mem_arr, numa_arr, pmc, pmm)
    meta = {
        "top": {k: v for k, v in data.items() if k != "cluster_list"},
        "clusters": cluster_meta,
        "pm_extra": pm_extra,
        "vm_extra": vm_extra,
    }
    try:
        return VMRescheduling(
            pm_cpu=pmc,
            pm_mem=pmm,
            vm_cpu=cpu_arr,
            vm_mem=mem_arr,
            vm_pm=np.array([pm_index[row[1]] for row in vm_rows], dtype=np.int64),
            vm_numa=numa_arr,
            migratable=np.array([bool(row[5]) for row in vm_rows], dtype=bool),
            pm_active=np.array(pm_active, dtype=bool),
            mnl=mnl,
            anti_affinity=tuple(anti),
            pm_names=tuple(pm_names),
            vm_names=tuple(names),
            vm_types=tuple(e["instance_type"] for e in vm_extra),
            name=instance_name(source),
            meta=meta,
        )
    except InvalidProblemError as exc:
        msg = str(exc)
        near = next((n for n in (*pm_names, *names) if f" {n} " in f" {msg} " or f" {n}:" in msg), None)
        raise r.error(msg, near) from None


def _check_sizes(
    r: _Reader,
    names: list[str],
    cpu: np.ndarray,
    mem: np.ndarray,
    numa: np.ndarray,
    pm_cpu: np.ndarray,
    pm_mem: np.ndarray,
) -> None:
    """A VM larger than every NUMA node (both nodes of one PM for double-NUMA VMs)."""
    if not len(names):
        return
    node_cpu = pm_cpu.max(initial=0)
    node_mem = pm_mem.max(initial=0)
    big = (cpu > node_cpu) | (mem > node_mem)
    if big.any():
        v = int(np.flatnonzero(big)[0])
        per = " per node" if numa[v] == BOTH else ""
        raise r.error(
            f"VM {names[v]} ({cpu[v]} cores, {mem[v]} MB{per}) is larger than any NUMA node "
            f"(largest: {node_cpu} cores, {node_mem} MB)",
            names[v],
        )


def write(problem: VMRescheduling) -> str:
    """The current mapping in the VMR2L layout (free CPU/memory recomputed)."""
    meta = problem.meta or {}
    clusters_meta = meta.get("clusters") or [{"cluster_name": "cluster-0"}]
    pm_extra = meta.get("pm_extra") or [{} for _ in range(problem.num_pms)]
    vm_extra = meta.get("vm_extra") or [{} for _ in range(problem.num_vms)]
    free_c, free_m = problem.initial_free()
    clusters: list[dict[str, Any]] = []
    for c, cm in enumerate(clusters_meta):
        d = {"cluster_name": cm.get("cluster_name", f"cluster-{c}"), "host_info": [], "vm_instance": []}
        d.update({k: v for k, v in cm.items() if k != "cluster_name"})
        clusters.append(d)
    pm_cluster = [int(pm_extra[p].get("_cluster", 0)) for p in range(problem.num_pms)]
    for p in range(problem.num_pms):
        extra = pm_extra[p]
        status = extra.get("status", "ACTIVE" if problem.pm_active[p] else "DISABLED")
        rec: dict[str, Any] = {
            "node_id": problem.pm_names[p],
            "status": status,
            "node_cpu": int(problem.pm_cpu[p].sum()),
            "node_mem_mb": int(problem.pm_mem[p].sum()),
        }
        rec.update({k: v for k, v in extra.items() if k not in rec and not k.startswith("_")})
        rec["numa"] = [
            {
                "node": j,
                "total_cpu": int(problem.pm_cpu[p, j]),
                "free_cpu": int(free_c[p, j]),
                "memory_huge_total_mb": int(problem.pm_mem[p, j]),
                "memory_huge_free_mb": int(free_m[p, j]),
            }
            for j in (0, 1)
        ]
        clusters[pm_cluster[p]]["host_info"].append(rec)
    for v in range(problem.num_vms):
        k = int(problem.vm_numa[v])
        nodes = [0, 1] if k == BOTH else [k]
        clusters[pm_cluster[int(problem.vm_pm[v])]]["vm_instance"].append(
            {
                "instance_id": problem.vm_names[v],
                "instance_type": vm_extra[v].get("instance_type", problem.vm_types[v]),
                "host_id": problem.pm_names[int(problem.vm_pm[v])],
                "allow_migration": bool(problem.migratable[v]),
                "numa": [
                    {"node": j, "cpu": int(problem.vm_cpu[v]), "mem_mb": int(problem.vm_mem[v])}
                    for j in nodes
                ],
            }
        )
    groups = [[problem.vm_names[i] for i in g] for g in problem.anti_affinity]
    if groups:
        req = clusters[0].setdefault("other_requirement", {})
        req["deployment_set"] = [{"granularity": "host", "data": g} for g in groups]
    elif "other_requirement" in clusters[0]:
        req = dict(clusters[0]["other_requirement"] or {})
        req["deployment_set"] = []
        clusters[0]["other_requirement"] = req
    for c in clusters[1:]:
        if isinstance(c.get("other_requirement"), dict):
            c["other_requirement"] = {**c["other_requirement"], "deployment_set": []}
    top = dict(meta.get("top") or {})
    top.setdefault("vm_type_list", _type_list(problem))
    top["general_requirement"] = {**(top.get("general_requirement") or {}), MNL_KEY: problem.mnl}
    out = {"cluster_list": clusters, **top}
    return json.dumps(out, indent=1) + "\n"


def _type_list(problem: VMRescheduling) -> list[dict[str, Any]]:
    """``vm_type_list`` for a problem without one: its distinct types, 16-core single weighted 1."""
    seen: dict[str, dict[str, Any]] = {}
    for v in range(problem.num_vms):
        t = problem.vm_types[v]
        if t in seen:
            continue
        double = problem.vm_numa[v] == BOTH
        k = 2 if double else 1
        seen[t] = {
            "vm_type": t,
            "request_cpu": int(problem.vm_cpu[v]) * k,
            "request_mem_mb": int(problem.vm_mem[v]) * k,
            "numa": k,
            "expected_newly_created_num": 0,
            "weight": 1.0 if (not double and problem.vm_cpu[v] == 16) else 0.0,
        }
    return list(seen.values())
