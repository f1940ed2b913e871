"""Time split of the job-shop / flexible job-shop ``auto`` method: gap to the best-known upper bound
for several (cp_first, cp_last) fractions of the time limit, 2 workers, seed 0.

    python benchmarks/shop_hybrid_split.py ta01,ta21,ta41,mk06,mk10 0.1/0.1,0.03/0.0,0.1/0.3,0.4/0.1 30
"""

from __future__ import annotations

import csv
import glob
import os
import sys

import schedkit as sk

SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))


def best_known(path: str, name: str) -> int:
    with open(os.path.join(os.path.dirname(path), "reference.csv"), newline="") as fh:
        return next(int(r["ub"]) for r in csv.DictReader(fh) if r["instance"] == name)


def main(names: str, variants: str, limit: str) -> None:
    for name in names.split(","):
        path = sorted(
            glob.glob(f"{SHARED}/instances/jssp/ta/{name}.txt")
            + glob.glob(f"{SHARED}/instances/fjsp/*/{name}.fjs")
        )[0]
        problem, bks = sk.read(path), best_known(path, name)
        for variant in variants.split(","):
            first, last = (float(x) for x in variant.split("/"))
            r = sk.solve(
                problem,
                method="auto",
                time_limit=float(limit),
                workers=2,
                seed=0,
                cp_first=first,
                cp_last=last,
            )
            gap = 100 * (r.objective - bks) / bks
            print(
                f"{name} first={first} last={last} makespan={r.objective} gap={gap:.2f}% "
                f"lb={r.lower_bound} {r.stats}",
                flush=True,
            )


if __name__ == "__main__":
    main(*sys.argv[1:4])
