"""RCPSP `auto` campaign: `auto`, plain `cpsat`, the rules and PyJobShop on PSPLIB j30/j60/j120.

Usage (from the project root)::

    pip install -e '.[bench]'                 # PyJobShop, for the j120 comparison only
    python benchmarks/rcpsp_auto.py j120      # every 10th sorted j120 file (60): auto, cpsat,
                                              #   pyjobshop at 60 s, 2 workers; the rules
    python benchmarks/rcpsp_auto.py j120-5s   # the same 60 files at 5 s: auto and ga
    python benchmarks/rcpsp_auto.py j60       # every 4th j60 file (120): auto, cpsat at 60 s
    python benchmarks/rcpsp_auto.py j30       # all 480 j30 files: auto at 60 s
    python benchmarks/rcpsp_auto.py report    # benchmarks/rcpsp_auto.md from the store

Each run is appended to ``benchmarks/results/rcpsp_auto.jsonl`` as soon as it ends, and runs
already there are skipped, so an interrupted campaign resumes where it stopped (the store is
local, not committed). Per instance the methods run one after the other, so every method sees
the same machine load. Every schedkit schedule is re-checked with ``sk.check``; PyJobShop's
schedule is re-checked by rebuilding it as a schedkit solution.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit.problems.rcpsp import Rcpsp, RcpspSolution

ROOT = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SCHEDKIT_SHARED", ROOT.parent.parent / "shared")) / "instances" / "rcpsp"
STORE = ROOT / "results" / "rcpsp_auto.jsonl"
REPORT = ROOT / "rcpsp_auto.md"
WORKERS = 2
RULES = [m.name for m in sk.methods("rcpsp") if m.name.startswith("rule:") and m.name.endswith("+fbi")]

#: part: (set, every k-th sorted file, [(method, seconds)], rules too?)
PARTS = {
    "j120": ("j120", 10, [("auto", 60.0), ("cpsat", 60.0), ("pyjobshop", 60.0)], True),
    "j120-5s": ("j120", 10, [("auto", 5.0), ("ga", 5.0)], False),
    "j60": ("j60", 4, [("auto", 60.0), ("cpsat", 60.0)], True),
    "j30": ("j30", 1, [("auto", 60.0)], False),
}


def reference(group: str) -> dict[str, dict[str, str]]:
    with open(SHARED / group / "reference.csv", newline="") as fh:
        return {row["instance"]: row for row in csv.DictReader(fh)}


def files_of(part: str) -> list[Path]:
    group, step, _, _ = PARTS[part]
    return sorted((SHARED / group).glob("*.sm"))[::step]


def load() -> list[dict]:
    if not STORE.exists():
        return []
    return [json.loads(line) for line in STORE.read_text().splitlines() if line.strip()]


def solve_pyjobshop(p: Rcpsp, seconds: float) -> tuple[str, int, int, float, np.ndarray]:
    """PyJobShop's CP-SAT model of the RCPSP: (status, makespan, bound, wall seconds, starts)."""
    from pyjobshop import Model

    t0 = time.perf_counter()
    model = Model()
    resources = [model.add_renewable(int(c)) for c in p.capacity]
    tasks = [model.add_task() for _ in range(p.num_activities)]
    for j, task in enumerate(tasks):
        used = np.flatnonzero(p.demand[j] > 0)
        demands = [int(p.demand[j, r]) for r in used]
        model.add_mode(task, [resources[r] for r in used], int(p.duration[j]), demands)
    for a, b in zip(p.edge_from, p.edge_to, strict=True):
        model.add_end_before_start(tasks[int(a)], tasks[int(b)])
    model.set_objective(weight_makespan=1)
    result = model.solve("ortools", time_limit=seconds, display=False, num_workers=WORKERS)
    wall = time.perf_counter() - t0
    starts = np.array([t.start for t in result.best.tasks], dtype=np.int64)
    return result.status.name, int(result.objective), int(result.lower_bound), wall, starts


def run_part(part: str) -> None:
    group, _, methods, with_rules = PARTS[part]
    ref = reference(group)
    done = {(r["part"], r["instance"], r["method"]) for r in load()}
    STORE.parent.mkdir(exist_ok=True)
    files = files_of(part)
    started = time.time()
    for k, path in enumerate(files, start=1):
        p = sk.read(path)
        row = ref[path.stem]
        base = {
            "part": part,
            "instance": path.stem,
            "cp": p.critical_path_length(),
            "lb": int(row["lb"]),
            "ub": int(row["ub"]),
            "optimal": row["optimal"] == "true",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        todo = list(methods) + ([(r, None) for r in RULES] if with_rules else [])
        for method, limit in todo:
            if (part, path.stem, method) in done:
                continue
            if method == "pyjobshop":
                status, obj, bound, wall, starts = solve_pyjobshop(p, limit)
                assert not p.violations(RcpspSolution(starts)), (path.stem, method)
                rec = {"status": status, "objective": obj, "bound": bound, "time": round(wall, 3)}
            else:
                r = sk.solve(p, method, time_limit=limit, workers=WORKERS, seed=0)
                assert not sk.check(p, r.solution), (path.stem, method)
                rec = {
                    "status": r.status.name,
                    "objective": int(r.objective),
                    "bound": int(r.lower_bound),
                    "time": round(r.runtime, 3),
                }
            line = {**base, "method": method, "limit": limit, **rec}
            with STORE.open("a") as fh:
                fh.write(json.dumps(line) + "\n")
        elapsed = time.time() - started
        print(f"[{part}] {k}/{len(files)} {path.stem}, {elapsed:.0f}s", file=sys.stderr, flush=True)


# report ---------------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def summarise(runs: list[dict], instances: set[str]) -> dict[str, dict]:
    by: dict[str, list[dict]] = {}
    for r in runs:
        if r["instance"] in instances:
            by.setdefault(r["method"], []).append(r)
    out = {}
    for method, rs in by.items():
        out[method] = {
            "n": len(rs),
            "limit": rs[0]["limit"],
            "proven": sum(r["status"] == "OPTIMAL" for r in rs),
            "at_ub": sum(r["objective"] <= r["ub"] for r in rs),
            "gap": statistics.fmean((r["objective"] - r["ub"]) / r["ub"] for r in rs),
            "bound_gap": statistics.fmean((r["lb"] - r["bound"]) / r["lb"] for r in rs),
            "time": sum(r["time"] for r in rs),
            "median_time": statistics.median(r["time"] for r in rs),
        }
    return out


def part_section(part: str, runs: list[dict]) -> tuple[list[str], list[str]]:
    group, step, methods, _ = PARTS[part]
    total = len(files_of(part))
    main = [m for m, _ in methods]
    per_inst: dict[str, set[str]] = {}
    for r in runs:
        per_inst.setdefault(r["instance"], set()).add(r["method"])
    complete = {i for i, ms in per_inst.items() if set(main) <= ms}  # every main method ran on it
    s = summarise(runs, complete)
    rules = {m: v for m, v in s.items() if m.startswith("rule:")}
    best_rule = min(rules, key=lambda m: rules[m]["gap"]) if rules else None
    partial = len(complete) < total
    lines = [
        f"## {part}: {group}, every {step}th sorted file{' (PARTIAL)' if partial else ''}",
        "",
        f"Command: `python benchmarks/rcpsp_auto.py {part}`. Instances with every method run: "
        f"**{len(complete)} of {total}**.",
        "",
        "| method | limit | runs | proven optimal | = best-known ub | mean gap to ub "
        "| mean gap of bound to ref. lb | total time | median time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    shown = main + ([best_rule] if best_rule else [])
    for m in shown:
        if m not in s:
            continue
        v = s[m]
        limit = "-" if v["limit"] is None else f"{v['limit']:g} s"
        label = f"`{m}` (best rule)" if m == best_rule else f"`{m}`"
        lines.append(
            f"| {label} | {limit} | {v['n']} | {v['proven']} | {v['at_ub']} | {_pct(v['gap'])} "
            f"| {_pct(v['bound_gap'])} | {v['time']:.0f} s | {v['median_time']:.2f} s |"
        )
    head = []
    if "auto" in s and complete:
        a = s["auto"]
        mark = ", partial" if partial else ""
        text = f"* {part} ({len(complete)}/{total} instances{mark}): `auto` {_pct(a['gap'])}"
        for other in [m for m in main if m != "auto"] + ([best_rule] if best_rule else []):
            if other in s:
                o = s[other]
                ratio = a["gap"] / o["gap"] if o["gap"] > 0 else float("nan")
                text += f"; `{other}` {_pct(o['gap'])} (ratio {ratio:.2f})"
        text += f"; `auto` proves {a['proven']}/{a['n']}, total time {a['time']:.0f} s."
        head.append(text)
    if part.startswith("j120") and complete and "auto" in s:
        lines += ["", "Bound of `auto` per open instance (reference lb / ub from `reference.csv`):", ""]
        lines += [
            "| instance | ref. lb | ref. ub | auto bound | auto makespan | cpsat makespan |",
            "|---|---|---|---|---|---|",
        ]
        idx = {(r["instance"], r["method"]): r for r in runs}
        for inst in sorted(complete):
            a = idx[(inst, "auto")]
            if a["status"] == "OPTIMAL":
                continue
            c = idx.get((inst, "cpsat"))
            c_obj = c["objective"] if c else "-"
            lines.append(f"| {inst} | {a['lb']} | {a['ub']} | {a['bound']} | {a['objective']} | {c_obj} |")
    return lines + [""], head


def report() -> None:
    runs = load()
    lines = [
        "# RCPSP `auto` against `cpsat`, the rules and PyJobShop",
        "",
        "Produced by `benchmarks/rcpsp_auto.py` (commands under each heading, then",
        "`python benchmarks/rcpsp_auto.py report`). Gap = (makespan - best-known ub) / ub; bound gap =",
        "(reference lb - method's lower bound) / reference lb, from `reference.csv`. Times are wall",
        "seconds including model building and the re-check. Each instance runs its methods back to",
        "back, 2 workers each, on a 2-core machine"
        f" ({platform.machine()}, {os.cpu_count()} cores) that other work shared at times.",
        "Only instances on which every method of the part has run are counted.",
        "",
    ]
    heads: list[str] = []
    sections: list[str] = []
    for part in PARTS:
        pr = [r for r in runs if r["part"] == part]
        if not pr:
            continue
        body, head = part_section(part, pr)
        sections += body
        heads += head
    lines += ["## Headline", "", *heads, "", *sections]
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=[*PARTS, "report"])
    args = ap.parse_args()
    if args.part != "report":
        run_part(args.part)
    report()


if __name__ == "__main__":
    main()
