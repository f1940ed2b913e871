"""Per-instance table of a `schedkit bench` store for the shop hybrid report.

    python benchmarks/shop_hybrid.py STORE.db

Prints one Markdown row per instance: makespan (and status) of every method, the best-known
upper bound, each method's gap to it, and the mean gaps with the ratio of the first method's
mean gap to the second's.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import defaultdict


def main(store: str) -> None:
    con = sqlite3.connect(store)
    rows = con.execute(
        "select instance_set, instance, method, status, objective, lower_bound, ref_ub, runtime "
        "from runs order by instance_set, instance, method"
    ).fetchall()
    by_set: dict[str, dict[str, dict[str, tuple]]] = defaultdict(lambda: defaultdict(dict))
    methods: dict[str, list[str]] = defaultdict(list)
    for s, inst, m, status, obj, lb, ub, rt in rows:
        by_set[s][inst][m] = (status, obj, lb, ub, rt)
        if m not in methods[s]:
            methods[s].append(m)
    for s, insts in by_set.items():
        ms = sorted(methods[s], key=lambda m: (m != "auto", m != "cpsat", m))
        print(f"\n### {s}\n")
        print(
            "| instance | BKS | "
            + " | ".join(f"{m} (lb, time)" for m in ms)
            + " | "
            + " | ".join(f"gap {m}" for m in ms)
            + " |"
        )
        print("|---" * (2 + 2 * len(ms)) + "|")
        gaps: dict[str, list[float]] = defaultdict(list)
        for inst, per in insts.items():
            ub = next(v[3] for v in per.values())
            cells, gcells = [], []
            for m in ms:
                status, obj, lb, _ub, rt = per.get(m, ("-", None, None, None, None))
                if obj is None:
                    cells.append("-")
                    gcells.append("-")
                    continue
                star = "*" if status == "OPTIMAL" else ""
                lbt = "" if lb is None else f"{int(lb)}, "
                cells.append(f"{int(obj)}{star} ({lbt}{rt:.1f} s)")
                g = 100.0 * (obj - ub) / ub
                gaps[m].append(g)
                gcells.append(f"{g:.2f}%")
            print(f"| {inst} | {int(ub)} | " + " | ".join(cells) + " | " + " | ".join(gcells) + " |")
        means = {m: sum(v) / len(v) for m, v in gaps.items() if v}
        print("\nmean gap to BKS: " + ", ".join(f"{m} {g:.2f}%" for m, g in means.items()), end="")
        if "auto" in means and "cpsat" in means and means["cpsat"] > 0:
            print(f"; ratio auto/cpsat {means['auto'] / means['cpsat']:.2f}")
        else:
            print()
    print("\n(* = proven optimal; lb = the run's lower bound; BKS from reference.csv)")


if __name__ == "__main__":
    main(sys.argv[1])
