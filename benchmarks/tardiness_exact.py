"""Benchmark of method ``exact`` (1||ΣT) on the Potts–Van Wassenhove grid.

Run from the project root: ``python benchmarks/tardiness_exact.py [--seeds 1 2] [--out F]``.
Grid: n in {100, 200, 500} x TF in {0.2, ..., 1.0} x RDD in {0.2, ..., 1.0} x seeds, 10 s each,
one solver thread per run. Writes a Markdown report (default ``benchmarks/tardiness_exact.md``).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import schedkit as sk

NS = (100, 200, 500)
LEVELS = (0.2, 0.4, 0.6, 0.8, 1.0)
LIMIT = 10.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", default=str(Path(__file__).with_suffix(".md")))
    args = ap.parse_args()
    start = time.perf_counter()
    rows: list[tuple[int, float, float, int, bool, float]] = []
    for n in NS:
        for tf in LEVELS:
            for rdd in LEVELS:
                for seed in args.seeds:
                    pr = sk.generate("smtt", n=n, tf=tf, rdd=rdd, seed=seed)
                    t = time.perf_counter()
                    r = sk.solve(pr, "exact", time_limit=LIMIT, workers=1)
                    w = time.perf_counter() - t
                    assert sk.check(pr, r) == []
                    rows.append((n, tf, rdd, seed, r.status is sk.Status.OPTIMAL, w))
                    print(n, tf, rdd, seed, r.status.name, f"{w:.2f}", flush=True)
    total = time.perf_counter() - start
    seeds = " ".join(str(s) for s in args.seeds)
    out = [
        "# Method `exact` on the Potts–Van Wassenhove grid (1||ΣT)",
        "",
        f"Command: `python benchmarks/tardiness_exact.py --seeds {seeds}` (from the project root). "
        f"Machine: {platform.machine()}, 2 cores shared with other jobs; one solver thread per run; "
        f"total wall time {total / 60:.1f} min. Time limit {LIMIT:.0f} s per instance (wall clock, "
        "local-search upper bound included). Timings are noisy.",
        "",
        "## Summary per n",
        "",
        "| n | instances | proven within 10 s | % | median time s | max time s |",
        "|---|---|---|---|---|---|",
    ]
    for n in NS:
        sel = [r for r in rows if r[0] == n]
        ok = sum(r[4] for r in sel)
        times = [r[5] for r in sel]
        out.append(
            f"| {n} | {len(sel)} | {ok} | {100 * ok / len(sel):.0f} | {statistics.median(times):.2f} "
            f"| {max(times):.2f} |"
        )
    allok = sum(r[4] for r in rows)
    out += ["", f"All: {allok}/{len(rows)} proven ({100 * allok / len(rows):.1f}%).", ""]
    out += ["## Not proven within 10 s", "", "| n | TF | RDD | seed |", "|---|---|---|---|"]
    out += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in rows if not r[4]]
    out += ["", "## Per RDD (all n, TF, seeds)", "", "| RDD | proven | instances |", "|---|---|---|"]
    for rdd in LEVELS:
        sel = [r for r in rows if r[2] == rdd]
        out.append(f"| {rdd} | {sum(r[4] for r in sel)} | {len(sel)} |")
    Path(args.out).write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
