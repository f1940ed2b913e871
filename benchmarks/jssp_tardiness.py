"""First slice of the weighted-tardiness job-shop benchmark (issue 19): the 10 x 10 classics with
due dates ``d_j = floor(f x work of job j)`` and weights 4/2/1 for 20/60/20 % of the jobs (the
literature's construction, drawn from seed 1), minimising total weighted tardiness.

Usage (from the project root)::

    python benchmarks/jssp_tardiness.py [--instances la16,la17] [--tightness 1.3] [--limit 10]
        [--workers 2] [--out benchmarks/jssp_tardiness.md]

Per instance: cpsat and mip at ``--limit`` seconds (objective, proven bound, status, wall time
of the whole ``sk.solve`` call), and the best dispatching rule among rule:atc/edd/slack/sopn/cr
in both schemes. Instances missing from ``../shared/instances/jssp`` are skipped.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import schedkit as sk

ROOT = Path(__file__).resolve().parents[2] / "shared" / "instances" / "jssp"
DEFAULT = "la16,la17,la18,la19,la20,ft10,abz5,abz6,orb01,orb02"
RULES = [f"rule:{r}/{s}" for r in ("atc", "edd", "slack", "sopn", "cr") for s in ("active", "nondelay")]


def _path(name: str) -> Path | None:
    folder = "".join(c for c in name if c.isalpha())
    path = ROOT / folder / f"{name}.txt"
    return path if path.exists() else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default=DEFAULT)
    ap.add_argument("--tightness", type=float, default=1.3)
    ap.add_argument("--limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = [
        "| instance | f | cpsat WT | cpsat bound | cpsat status | cpsat s | mip WT | mip bound | mip status "
        "| mip s | best rule | rule WT |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in args.instances.split(","):
        path = _path(name)
        if path is None:
            continue
        base = sk.read(path)
        p = sk.generate("jssp", base=base, due_tightness=args.tightness, weights=True, seed=1)
        cells = [name, f"{args.tightness:g}"]
        for method in ("cpsat", "mip"):
            t0 = time.perf_counter()
            r = sk.solve(
                p, method=method, objective="weighted_tardiness", time_limit=args.limit, workers=args.workers
            )
            wall = time.perf_counter() - t0
            assert sk.check(p, r.solution) == []
            cells += [str(r.objective), str(r.lower_bound), str(r.status), f"{wall:.2f}"]
        best = min(
            ((sk.solve(p, method=m, objective="weighted_tardiness").objective, m) for m in RULES),
            key=lambda x: x[0],
        )
        cells += [best[1], str(best[0])]
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    text = "\n".join(rows) + "\n"
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
