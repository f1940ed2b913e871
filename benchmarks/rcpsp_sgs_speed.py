"""Speed of the compiled serial SGS (``schedkit.solvers.search.rcpsp_kernel.decode``) against a
pure-Python serial SGS doing the same decoding, on j120 activity lists; optionally a small gap
table of ``ga`` against ``rule:lft+fbi``.

    python benchmarks/rcpsp_sgs_speed.py speed            # about 1 minute
    python benchmarks/rcpsp_sgs_speed.py gaps --time-limit 5

Both decoders get the same random precedence-feasible activity lists and must return the same
start times (checked). The two are timed alternately per instance in one process, so the
ratio is a same-session figure. Instances: every 60th sorted j120 file of
``../shared/instances/rcpsp/j120`` (or ``$SCHEDKIT_SHARED/rcpsp/j120``).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit.problems.rcpsp import Rcpsp
from schedkit.solvers.search import rcpsp_kernel as kern

SHARED = Path(os.environ.get("SCHEDKIT_SHARED", Path(__file__).resolve().parents[2] / "shared" / "instances"))


def python_serial_sgs(
    alist: list[int], dur: list[int], dem: list[list[int]], cap: list[int], preds: list[list[int]]
):
    """Serial SGS on a time-indexed profile in plain Python (the same algorithm as the kernel)."""
    n, k = len(alist), len(cap)
    usage = [[0] * k for _ in range(sum(dur) + 1)]
    start = [0] * n
    for j in alist:
        t = 0
        for i in preds[j]:
            if start[i] + dur[i] > t:
                t = start[i] + dur[i]
        d, need = dur[j], dem[j]
        tau = t
        while tau < t + d:
            row = usage[tau]
            if all(row[r] + need[r] <= cap[r] for r in range(k)):
                tau += 1
            else:
                t = tau + 1
                tau = t
        for tau in range(t, t + d):
            row = usage[tau]
            for r in range(k):
                row[r] += need[r]
        start[j] = t
    return start


def j120_files(step: int) -> list[Path]:
    return sorted((SHARED / "rcpsp" / "j120").glob("*.sm"))[::step]


def lists_for(p: Rcpsp, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        kern.priority_list(rng.random(p.num_activities), p.pred_ptr, p.succ_ptr, p.succ_idx)
        for _ in range(count)
    ]


def speed(args: argparse.Namespace) -> None:
    kern.warm_up()
    rows = []
    for k, path in enumerate(j120_files(args.step)):
        p = sk.read(path)
        lists = lists_for(p, args.lists, k)
        usage = np.zeros((int(p.duration.sum()) + 1, p.num_resources), dtype=np.int64)
        rank = np.empty(p.num_activities, dtype=np.int64)
        rank[p.topo_order] = np.arange(p.num_activities)
        dur, dem, cap = p.duration.tolist(), p.demand.tolist(), p.capacity.tolist()
        preds = [p.predecessors(j).tolist() for j in range(p.num_activities)]
        args_c = (p.duration, p.demand, p.capacity, p.pred_ptr, p.pred_idx)
        py_lists = [a.tolist() for a in lists[: args.py_lists]]
        for a, b in zip(py_lists, lists, strict=False):  # same decoding
            assert python_serial_sgs(a, dur, dem, cap, preds) == kern.decode(b, *args_c, usage).tolist()
        t0 = time.perf_counter()
        for a in py_lists:
            python_serial_sgs(a, dur, dem, cap, preds)
        py_rate = len(py_lists) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for a in lists:
            kern.decode(a, *args_c, usage)
        c_rate = len(lists) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        passes = 0
        for a in lists:
            _, n_pass = kern.evaluate(a.copy(), *args_c, p.succ_ptr, p.succ_idx, rank, usage, 50)
            passes += n_pass
        fbi_rate = len(lists) / (time.perf_counter() - t0)
        rows.append((path.stem, py_rate, c_rate, c_rate / py_rate, fbi_rate, passes / len(lists)))
        ratio = c_rate / py_rate
        line = f"{path.stem:9s} python {py_rate:6.0f}/s compiled {c_rate:7.0f}/s ratio {ratio:5.0f}"
        print(f"{line}  decode+FBI {fbi_rate:8.0f}/s ({passes / len(lists):.1f} passes)", flush=True)
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared)")
    head = "| instance | pure Python SGS / s | compiled SGS / s | ratio | compiled decode+FBI / s |"
    print(head + " SGS passes per child |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, py, c, ratio, fbi, passes in rows:
        print(f"| {name} | {py:,.0f} | {c:,.0f} | {ratio:.0f} | {fbi:,.0f} | {passes:.1f} |")
    med = [statistics.median(col) for col in zip(*[r[1:] for r in rows], strict=True)]
    print(f"| **median** | {med[0]:,.0f} | {med[1]:,.0f} | {med[2]:.0f} | {med[3]:,.0f} | {med[4]:.1f} |")


def gaps(args: argparse.Namespace) -> None:
    ref_path = SHARED / "rcpsp" / "j120" / "reference.csv"
    with open(ref_path, newline="") as fh:
        ref = {row["instance"]: int(row["ub"]) for row in csv.DictReader(fh)}
    methods = ("rule:lft+fbi", "ga")
    sums = dict.fromkeys(methods, 0.0)
    files = j120_files(args.step)
    print(f"| instance | best-known ub | {' | '.join(methods)} |  ga schedules |")
    print("|---|---:|" + "---:|" * len(methods) + "---:|")
    for path in files:
        p = sk.read(path)
        ub = ref[path.stem]
        cells, stats = [], ""
        for m in methods:
            r = sk.solve(p, m, time_limit=args.time_limit, seed=0)
            assert sk.check(p, r.solution) == []
            gap = 100.0 * (r.objective - ub) / ub
            sums[m] += gap
            cells.append(f"{r.objective} ({gap:.2f} %)")
            if m == "ga":
                stats = f"{r.stats['schedules']:,}"
        print(f"| {path.stem} | {ub} | {' | '.join(cells)} | {stats} |", flush=True)
    means = " | ".join(f"**{sums[m] / len(files):.2f} %**" for m in methods)
    print(f"| **mean gap** ({len(files)} files) | | {means} | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--step", type=int, default=60, help="every STEP-th sorted j120 file (default 60)")
    s.add_argument("--lists", type=int, default=20000, help="lists per instance for the compiled SGS")
    s.add_argument("--py-lists", type=int, default=200, help="lists per instance for the Python SGS")
    g = sub.add_parser("gaps")
    g.add_argument("--step", type=int, default=60)
    g.add_argument("--time-limit", type=float, default=5.0)
    args = ap.parse_args()
    speed(args) if args.cmd == "speed" else gaps(args)


if __name__ == "__main__":
    main()
