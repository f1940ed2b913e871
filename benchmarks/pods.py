"""Priority pod placement benchmark (issue 18, part 2): CP-SAT against the default heuristic.

Usage (from the project root)::

    python benchmarks/pods.py run [--seeds 0-9] [--sizes small,medium,large] [--workers 2]
    python benchmarks/pods.py report

Scenarios: ``schedkit generate pods --nodes N --seed S`` with the generator's defaults (85 % of
the CPU requested by running pods, 15 % more by pending ones, three priority levels 1000/500/0,
80 % movable workloads, 10 % tainted nodes, three zones): small N = 10, medium N = 100, large
N = 1000. Per scenario: ``rule:default`` (the kube-scheduler-like heuristic), ``rule:bfd``,
``rule:preempt``, ``cpsat`` at 1 s and 10 s, ``mip`` at 10 s, each with ``--workers`` threads.

Each run is a fresh process (``one``). Resumable: every finished (size, seed, method, time
limit) run is one JSON line in ``benchmarks/results/pods.jsonl`` and is skipped when found
there with the same workers.
``report`` writes ``benchmarks/pods.md`` from the store.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import schedkit as sk

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "pods.jsonl"
REPORT = HERE / "pods.md"
SIZES = {"small": 10, "medium": 100, "large": 1000}
#: (method, time limit); rules run without one
RUNS = [
    ("rule:default", None),
    ("rule:bfd", None),
    ("rule:preempt", None),
    ("cpsat", 1.0),
    ("cpsat", 10.0),
    ("mip", 10.0),
]


def seeds_of(text: str) -> list[int]:
    """``"0-9"`` or ``"0,3,5"``."""
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in text.split(",")]


def load() -> list[dict[str, Any]]:
    if not STORE.exists():
        return []
    return [json.loads(line) for line in STORE.read_text().splitlines() if line.strip()]


def key(rec: dict[str, Any]) -> tuple[Any, ...]:
    return rec["size"], rec["seed"], rec["method"], rec["time_limit"], rec["workers"]


def measure(size: str, seed: int, method: str, limit: float | None, workers: int) -> dict[str, Any]:
    """One run, re-checked; its JSON record."""
    problem = sk.generate("pods", nodes=SIZES[size], seed=seed)
    res = sk.solve(problem, method, time_limit=limit, workers=workers, seed=0)
    if sk.check(problem, res) != []:
        raise SystemExit(f"{method} returned an infeasible placement on {size} seed {seed}")
    per_level, moves, evictions = problem.counts(problem.node_of(res.solution))
    return {
        "size": size,
        "nodes": SIZES[size],
        "seed": seed,
        "method": method,
        "time_limit": limit,
        "workers": workers,
        "pods": problem.num_pods,
        "pending": int((~problem.running).sum()),
        "levels": problem.levels.tolist(),
        "level_size": problem.level_size.tolist(),
        "status": str(res.status),
        "objective_tuple": list(problem.objective_tuple(res.solution)),
        "bound_tuple": res.stats.get("bound_tuple"),
        "placed": per_level.tolist(),
        "moves": moves,
        "evictions": evictions,
        "runtime": round(res.runtime, 3),
        "stages": [s["status"] for s in res.stats.get("stages", [])],
        "host": platform.node(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def run(args: argparse.Namespace) -> None:
    """Each run in its own process: a MIP solver thread that outlives its time limit (HiGHS in a
    presolve it does not interrupt) must not take CPU from the next run."""
    done = {key(r) for r in load()}
    STORE.parent.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        for seed in seeds_of(args.seeds):
            for method, limit in RUNS:
                if (size, seed, method, limit, args.workers) in done:
                    continue
                cmd = [
                    sys.executable,
                    __file__,
                    "one",
                    size,
                    str(seed),
                    method,
                    str(limit),
                    str(args.workers),
                ]
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
                lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
                if out.returncode != 0 or not lines:
                    print(f"{size} {seed} {method} {limit}: failed\n{out.stderr[-2000:]}", flush=True)
                    continue
                rec = json.loads(lines[-1])
                with STORE.open("a") as fh:
                    fh.write(json.dumps(rec) + "\n")
                print(
                    size,
                    seed,
                    method,
                    limit,
                    rec["status"],
                    rec["objective_tuple"],
                    rec["runtime"],
                    flush=True,
                )


def one(args: argparse.Namespace) -> None:
    limit = None if args.limit == "None" else float(args.limit)
    print(json.dumps(measure(args.size, args.seed, args.method, limit, args.workers)), flush=True)
    from schedkit.shutdown import abandoned_alive

    if abandoned_alive():  # a native solver thread still runs: finalising could abort
        os._exit(0)


#: the generator's three priorities
PRIORITIES = (1000, 500, 0)


def _unplaced(r: dict[str, Any], priority: int) -> int:
    """Unplaced pods of ``priority`` in run ``r`` (0 when the scenario has none)."""
    for v, n, placed in zip(r["levels"], r["level_size"], r["placed"], strict=True):
        if v == priority:
            return n - placed
    return 0


def _label(method: str, limit: float | None) -> str:
    return method if limit is None else f"{method} {limit:g} s"


def report(_: argparse.Namespace) -> None:
    recs = load()
    by: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in recs:
        by[(r["size"], r["seed"], r["method"], r["time_limit"])] = r
    lines = [
        "# Priority pod placement: CP-SAT against the default heuristic",
        "",
        "Generated by",
        "",
        "```bash",
        "python benchmarks/pods.py run --seeds 0-9 --sizes small,medium,large --workers 2",
        "python benchmarks/pods.py report",
        "```",
        "",
        "Scenarios: `sk.generate('pods', nodes=N, seed=S)` with the generator's defaults: 85 % of the "
        "CPU requested by running pods (placed the way kube-scheduler spreads them), 15 % more by "
        "pending pods, priorities 1000/500/0, 80 % movable workloads, 10 % tainted nodes, three zones; "
        "small N = 10 (about 250 pods), medium N = 100 (about 2,900 pods), large N = 1000 (about "
        "12,500 pods). Objective lexicographic: unplaced pods per priority level from the highest, "
        "then moves + evictions. *High priority* below is the highest level (1000). Methods: "
        "`rule:default` (kube-scheduler-like filter + score, no preemption), `rule:bfd`, "
        "`rule:preempt` (default + kube-like preemption), `cpsat` (started from the best of the three "
        "rules), `mip` (HiGHS, the same lexicographic stages), 2 workers. The machine has 2 cores "
        "shared with other work (load average about 8 during the runs): times are noisy.",
        "",
    ]
    sizes = [s for s in SIZES if any(k[0] == s for k in by)]
    head = (
        "| size | scenarios | default leaves high-priority pods pending | cpsat 1 s places more "
        "high-priority pods than default | cpsat 10 s places more | cpsat 1 s proven optimal | "
        "cpsat 10 s proven optimal | mip 10 s proven optimal |"
    )
    lines += ["## Summary", "", head, "|" + "---|" * 8]
    for size in sizes:
        seeds = sorted({k[1] for k in by if k[0] == size and (size, k[1], "rule:default", None) in by})
        n = len(seeds)

        def share(pred: Any, seeds: list[int] = seeds) -> str:
            hits = sum(1 for s in seeds if pred(s))
            return f"{hits}/{len(seeds)}"

        def get(s: int, m: str, t: float | None, size: str = size) -> dict[str, Any] | None:
            return by.get((size, s, m, t))

        def more_top(s: int, t: float) -> bool:
            a, d = get(s, "cpsat", t), get(s, "rule:default", None)
            return a is not None and d is not None and a["placed"][0] > d["placed"][0]

        def proven(s: int, m: str, t: float) -> bool:
            r = get(s, m, t)
            return r is not None and r["status"] == "OPTIMAL"

        pend = share(lambda s: get(s, "rule:default", None)["objective_tuple"][0] > 0)
        row = [
            size,
            str(n),
            pend,
            share(lambda s: more_top(s, 1.0)),
            share(lambda s: more_top(s, 10.0)),
            share(lambda s: proven(s, "cpsat", 1.0)),
            share(lambda s: proven(s, "cpsat", 10.0)),
            share(lambda s: proven(s, "mip", 10.0)),
        ]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "A run is *proven optimal* when every stage (each priority level, then the disruption) ended "
        "proven. Per method, the mean unplaced pods per level (highest first), moves + evictions, "
        "the share of scenarios where the method's tuple is lexicographically better than "
        "`rule:default`'s and than `rule:preempt`'s (what an exact method adds to its start), the "
        "share where the highest level is proven (its stage optimal), and the "
        "wall time (the highest level is proven when the bound tuple's first entry meets the "
        "solution's: its stage ended optimal, or the start placed every pod of it that fits a node):",
        "",
    ]
    for size in sizes:
        seeds = sorted({k[1] for k in by if k[0] == size})
        lines += [
            f"### {size} ({SIZES[size]} nodes, seeds {seeds[0]}-{seeds[-1]})",
            "",
            "| method | runs | unplaced 1000 | unplaced 500 | unplaced 0 | moves + evictions | better than "
            "default | better than preempt | top level proven | proven optimal | time mean / max (s) |",
            "|" + "---|" * 11,
        ]
        for method, limit in RUNS:
            rs = [by[(size, s, method, limit)] for s in seeds if (size, s, method, limit) in by]
            if not rs:
                continue
            d = {r["seed"]: by.get((size, r["seed"], "rule:default", None)) for r in rs}
            mean = [statistics.mean(_unplaced(r, v) for r in rs) for v in PRIORITIES]
            mean.append(statistics.mean(r["objective_tuple"][-1] for r in rs))
            better = sum(
                1 for r in rs if d[r["seed"]] and r["objective_tuple"] < d[r["seed"]]["objective_tuple"]
            )
            pre = {r["seed"]: by.get((size, r["seed"], "rule:preempt", None)) for r in rs}
            beyond = sum(
                1 for r in rs if pre[r["seed"]] and r["objective_tuple"] < pre[r["seed"]]["objective_tuple"]
            )
            top = sum(1 for r in rs if r["bound_tuple"] and r["bound_tuple"][0] == r["objective_tuple"][0])
            opt = sum(1 for r in rs if r["status"] == "OPTIMAL")
            times = [r["runtime"] for r in rs]
            exact = method in ("cpsat", "mip")
            lines.append(
                f"| {_label(method, limit)} | {len(rs)} | {mean[0]:.1f} | {mean[1]:.1f} | {mean[2]:.1f} | "
                f"{mean[3]:.1f} | {better}/{len(rs)} | {beyond}/{len(rs)} | "
                f"{f'{top}/{len(rs)}' if exact else '-'} | "
                f"{f'{opt}/{len(rs)}' if exact else '-'} | {statistics.mean(times):.2f} / {max(times):.2f} |"
            )
        lines.append("")
    lines += [
        "## Reading",
        "",
        "* Most of the gain over `rule:default` on the highest level is preemption: `rule:preempt` "
        "(which is part of the exact methods' start) already places (nearly) every high-priority pod; "
        "the *better than preempt* column is what CP-SAT and the MIP add to it: the lower levels and "
        "the disruption.",
        "* Small clusters are solved to proven lexicographic optimality within the 1 s window.",
        "* On 100 nodes neither exact method proves the lowest level within 10 s (the MIP proves "
        "some); at 10 s the MIP leaves fewer low-priority pods unplaced and disturbs fewer running "
        "pods than CP-SAT, whose level stages minimise unplaced pods alone and leave the disruption "
        "to the last stage.",
        "* On 1000 nodes (about 43,000 count variables) the 1 s window goes to the start heuristics: "
        "the model is not built when less than about 0.6 s is left, and `cpsat` returns its start "
        "(under load the preemption repair itself is cut by the clock, hence a little worse than "
        "`rule:preempt` without a limit); within 10 s CP-SAT mostly removes a few moves.",
        "",
        "Raw runs: `benchmarks/results/pods.jsonl` (one JSON line per run: placed pods per level, moves, "
        "evictions, status, bound tuple, stage statuses, wall time).",
        "",
    ]
    REPORT.write_text("\n".join(lines))
    print(f"wrote {REPORT}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seeds", default="0-9")
    r.add_argument("--sizes", default="small,medium,large")
    r.add_argument("--workers", type=int, default=2)
    sub.add_parser("report")
    o = sub.add_parser("one", help="one run, printed as a JSON line (used by run)")
    o.add_argument("size", choices=list(SIZES))
    o.add_argument("seed", type=int)
    o.add_argument("method")
    o.add_argument("limit")
    o.add_argument("workers", type=int)
    args = ap.parse_args(argv)
    {"run": run, "report": report, "one": one}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
