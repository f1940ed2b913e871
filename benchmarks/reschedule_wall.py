"""Wall time of ``sk.reschedule`` against its time limit (issue 16: a limit is a wall-clock promise).

Usage (from the project root)::

    python benchmarks/reschedule_wall.py [--instances ta31,ta34,ta37,ta40,mk10] [--methods cpsat,resolve]
        [--at 0.02,0.3] [--time-limit 5] [--workers 2]

Per instance (Taillard or Brandimarte from ``../shared/instances``) the starting schedule is the
instance's best dispatching rule schedule (job-shop mwkr, flexible job-shop mopnr+ect); at each
``--at`` fraction of its makespan, machines 0 and 3 break down for 3 mean operation durations
and every method reschedules with the time limit. Prints the wall time of each call (the
clock started just before ``sk.reschedule``, as a caller sees it) and the worst excess over the
limit. The methods' modules are imported first (ortools: about 0.35 s, once per process), as
``sk.reschedule`` itself does before its clock starts, like ``sk.solve``; the import time is
printed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import schedkit as sk
from schedkit.registry import load_target
from schedkit.rescheduling.api import method_info
from schedkit.rescheduling.stream import mean_duration

SHARED = Path(os.environ.get("SCHEDKIT_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "instances"


def path_of(name: str) -> Path:
    if name.startswith("ta"):
        return SHARED / "jssp" / "ta" / f"{name}.txt"
    return SHARED / "fjsp" / "brandimarte" / f"{name}.fjs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="ta31,ta34,ta37,ta40,mk10")
    ap.add_argument("--methods", default="cpsat,resolve")
    ap.add_argument("--at", default="0.02,0.3")
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    worst = 0.0
    t0 = time.perf_counter()
    for method in args.methods.split(","):
        load_target(method_info(method)[1].target)
    print(f"import of the methods' modules: {time.perf_counter() - t0:.3f} s (before any clock)")
    for name in args.instances.split(","):
        path = path_of(name)
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        p = sk.read(str(path))
        old = sk.solve(p, "rule:mwkr" if p.kind == "jssp" else "rule:mopnr+ect").solution
        md = mean_duration(p)
        for frac in (float(x) for x in args.at.split(",")):
            at = int(frac * int(old.end.max()))
            end = at + int(3 * md)
            events = [{"type": "breakdown", "machine": m, "start": at, "end": end} for m in (0, 3)]
            for method in args.methods.split(","):
                t0 = time.perf_counter()
                r = sk.reschedule(
                    p, old, events, at=at, method=method, time_limit=args.time_limit,
                    workers=args.workers, stability=0.01 * md, stability_measure="moved",
                )  # fmt: skip
                wall = time.perf_counter() - t0
                worst = max(worst, wall - args.time_limit)
                print(
                    f"{name} ({p.num_operations} ops) at {at} {method}: wall {wall:.3f} s, "
                    f"objective {r.objective}, {r.stats['to schedule']} to schedule",
                    flush=True,
                )
    share = 100 * worst / args.time_limit
    print(f"worst excess over the {args.time_limit:g} s limit: {worst:+.3f} s ({share:+.2f} %)")


if __name__ == "__main__":
    main()
