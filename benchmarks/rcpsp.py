"""RCPSP benchmark on PSPLIB j30, j60 and j120.

Usage (from the project root; each part stays within about 15 minutes on 2 cores)::

    python benchmarks/rcpsp.py j30        # cpsat on all 480 j30 at 20 s, every rule on all 480
    python benchmarks/rcpsp.py mip        # mip (both precedence forms) on a 20-instance j30 sample
    python benchmarks/rcpsp.py j60        # 20-instance j60 sample: cpsat 30 s, mip 30 s, every rule
    python benchmarks/rcpsp.py j120       # 10-instance j120 sample: cpsat 60 s, every rule
    python benchmarks/rcpsp.py ablation   # cpsat with/without cliques and energy, hard j30 groups
    python benchmarks/rcpsp.py report     # benchmarks/rcpsp.md from the stored parts

Each part stores its runs in ``benchmarks/results/rcpsp_<part>.json`` (local, not committed:
the j30 file alone is 2 MB) and re-renders ``benchmarks/rcpsp.md`` from every stored part.
Figures: for j30, proven optima and median/max time of cpsat; for j60 and j120, per method the
mean gap to the best-known upper bound of ``reference.csv``, (obj - ub) / ub, and the mean
deviation from the critical-path bound, (obj - cp) / cp, the usual PSPLIB measure there.
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

import schedkit as sk

ROOT = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SCHEDKIT_SHARED", ROOT.parent.parent / "shared")) / "instances" / "rcpsp"
RESULTS = ROOT / "results"
RULES = [m.name for m in sk.methods("rcpsp") if m.name.startswith("rule:")]
WORKERS = 2

PARTS = {
    # part: (set, instance slice, [(method, time limit, options)], rules on the sample?)
    "j30": ("j30", slice(None), [("cpsat", 20.0, {})], True),
    "mip": (
        "j30",
        slice(None, None, 24),
        [("mip", 10.0, {}), ("mip", 10.0, {"precedence": "aggregated"})],
        False,
    ),
    # strides coprime to 10 so that the samples mix parameter groups and instance numbers
    "j60": ("j60", slice(None, 460, 23), [("cpsat", 30.0, {}), ("mip", 30.0, {})], True),
    "j120": ("j120", slice(None, 590, 59), [("cpsat", 60.0, {})], True),
    "ablation": (
        "j30",
        None,  # groups 13, 29 and 45 (tight resources), instances 1, 4, 7, 10
        [
            ("cpsat", 10.0, {}),
            ("cpsat", 10.0, {"cliques": False}),
            ("cpsat", 10.0, {"energy": False}),
        ],
        False,
    ),
}


def reference(group: str) -> dict[str, dict[str, str]]:
    with open(SHARED / group / "reference.csv", newline="") as fh:
        return {row["instance"]: row for row in csv.DictReader(fh)}


def label(method: str, options: dict) -> str:
    extra = ",".join(f"{k}={v}" for k, v in options.items())
    return f"{method}[{extra}]" if extra else method


def files_of(part: str) -> list[Path]:
    group, sl, _, _ = PARTS[part]
    files = sorted((SHARED / group).glob("*.sm"))
    if sl is None:
        wanted = {f"j30{g}_{i}" for g in (13, 29, 45) for i in (1, 4, 7, 10)}
        return [f for f in files if f.stem in wanted]
    return files[sl]


def run_part(part: str) -> None:
    group, _, methods, with_rules = PARTS[part]
    ref = reference(group)
    files = files_of(part)
    runs = []
    started = time.time()
    for k, path in enumerate(files, start=1):
        p = sk.read(path)
        row = ref[path.stem]
        base = {
            "instance": path.stem,
            "cp": p.critical_path_length(),
            "lb": int(row["lb"]),
            "ub": int(row["ub"]),
            "optimal": row["optimal"] == "true",
        }
        todo = [(m, lim, opt) for m, lim, opt in methods]
        if with_rules:
            todo += [(r, None, {}) for r in RULES]
        for method, limit, options in todo:
            r = sk.solve(p, method, time_limit=limit, workers=WORKERS, seed=0, **options)
            assert not sk.check(p, r.solution), (path.stem, method)
            runs.append(
                {
                    **base,
                    "method": label(method, options),
                    "limit": limit,
                    "status": r.status.name,
                    "objective": r.objective,
                    "bound": r.lower_bound,
                    "time": round(r.runtime, 4),
                }
            )
        if k % 10 == 0 or k == len(files):
            print(f"[{part}] {k}/{len(files)} instances, {time.time() - started:.0f}s", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "part": part,
        "command": f"python benchmarks/rcpsp.py {part}",
        "set": group,
        "instances": len(files),
        "wall_seconds": round(time.time() - started, 1),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores shared with other jobs, workers={WORKERS}",
        "schedkit": sk.__version__,
    }
    (RESULTS / f"rcpsp_{part}.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=0) + "\n")
    print(f"[{part}] done in {meta['wall_seconds']}s", file=sys.stderr)


# report ---------------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def table(runs: list[dict]) -> list[dict]:
    """Per method: runs, proven, at best-known ub, mean gap to ub, mean deviation from cp, times."""
    by: dict[str, list[dict]] = {}
    for r in runs:
        by.setdefault(r["method"], []).append(r)
    rows = []
    for method, rs in by.items():
        times = [r["time"] for r in rs]
        rows.append(
            {
                "method": method,
                "limit": rs[0]["limit"],
                "n": len(rs),
                "proven": sum(r["status"] == "OPTIMAL" for r in rs),
                "at_ub": sum(r["objective"] <= r["ub"] for r in rs),
                "gap": statistics.fmean((r["objective"] - r["ub"]) / r["ub"] for r in rs),
                "dev_cp": statistics.fmean((r["objective"] - r["cp"]) / r["cp"] for r in rs),
                "median_time": statistics.median(times),
                "max_time": max(times),
                "mean_time": statistics.fmean(times),
            }
        )
    return rows


def render_table(rows: list[dict], sort_rules: bool = True) -> list[str]:
    out = [
        "| method | limit | runs | proven optimal | = best-known ub | mean gap to ub | mean dev. from CP "
        "| median time | max time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    exact = [r for r in rows if not r["method"].startswith("rule:")]
    rules = [r for r in rows if r["method"].startswith("rule:")]
    if sort_rules:
        rules.sort(key=lambda r: r["gap"])
    for r in exact + rules:
        limit = "-" if r["limit"] is None else f"{r['limit']:g} s"
        out.append(
            f"| `{r['method']}` | {limit} | {r['n']} | {r['proven']} | {r['at_ub']} | {_pct(r['gap'])} "
            f"| {_pct(r['dev_cp'])} | {r['median_time']:.2f} s | {r['max_time']:.2f} s |"
        )
    return out


def c_limit(rows: list[dict]) -> str:
    limits = sorted({r["limit"] for r in rows if r["limit"] is not None})
    return ", ".join(f"{x:g} s" for x in limits)


def report() -> None:
    parts = {}
    for part in PARTS:
        path = RESULTS / f"rcpsp_{part}.json"
        if path.exists():
            parts[part] = json.loads(path.read_text())
    lines = [
        "# RCPSP benchmark (PSPLIB j30, j60, j120)",
        "",
        "Produced by `benchmarks/rcpsp.py` (one command per part, listed under each heading; then",
        "`python benchmarks/rcpsp.py report`). Gap = (makespan - best-known ub) / ub with ub from",
        "`reference.csv`; deviation from CP = (makespan - critical path) / critical path, the usual",
        "PSPLIB measure for j60/j120. `proven optimal` = status OPTIMAL (bound = makespan). Times",
        "are wall seconds of `sk.solve` including model building and the re-check, on a 2-core",
        "machine shared with other jobs, so they are noisy. Rules are deterministic (random: seed 0).",
        "Raw runs: `benchmarks/results/rcpsp_<part>.json` (written by each part, not committed).",
        "",
    ]
    headline: list[str] = []
    for part, data in parts.items():
        meta, runs = data["meta"], data["runs"]
        rows = table(runs)
        lines += [
            f"## {part}: {meta['set']}, {meta['instances']} instances",
            "",
            f"Command: `{meta['command']}` — {meta['date']}, {meta['wall_seconds']:.0f} s wall, "
            f"{meta['machine']}.",
        ]
        if part == "j30":
            lines.append("All 480 j30 instances (every one has a proven optimum in `reference.csv`).")
        elif part == "ablation":
            lines.append("Groups 13, 29, 45 (tightest resources), instances 1, 4, 7, 10.")
        else:
            group, sl, _, _ = PARTS[part]
            names = ", ".join(sorted({r["instance"] for r in runs}))
            lines.append(f"Sample: every {sl.step}th file of the sorted `{group}` folder: {names}.")
        lines += [""] + render_table(rows) + [""]
        by = {r["method"]: r for r in rows}
        rule_rows = [r for r in rows if r["method"].startswith("rule:")]
        best_rule = min(rule_rows, key=lambda r: r["gap"]) if rule_rows else None
        if part == "j30" and "cpsat" in by:
            c = by["cpsat"]
            headline.append(
                f"* j30: `cpsat` proves {c['proven']}/{c['n']} optima at {c['limit']:g} s "
                f"(median {c['median_time']:.2f} s, max {c['max_time']:.2f} s); best rule "
                f"`{best_rule['method']}` mean gap {_pct(best_rule['gap'])}."
            )
        if part in ("j60", "j120") and "cpsat" in by:
            c = by["cpsat"]
            headline.append(
                f"* {part} ({meta['instances']}-instance sample): `cpsat` at {c['limit']:g} s mean gap "
                f"{_pct(c['gap'])} (dev. from CP {_pct(c['dev_cp'])}); best rule `{best_rule['method']}` "
                f"{_pct(best_rule['gap'])} (dev. from CP {_pct(best_rule['dev_cp'])})."
            )
        if part == "ablation":
            parts_txt = ", ".join(
                f"`{r['method']}` {r['proven']}/{r['n']} proven, median {r['median_time']:.2f} s"
                for r in rows
            )
            headline.append(f"* cpsat ablation on tight j30 groups ({c_limit(rows)}): {parts_txt}.")
        if part == "mip":
            parts_txt = ", ".join(f"`{r['method']}` {r['proven']}/{r['n']} proven" for r in rows)
            headline.append(f"* j30 MIP sample ({c_limit(rows)}): {parts_txt}.")
    if headline:
        lines[10:10] = ["## Headline", "", *headline, ""]
    (ROOT / "rcpsp.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=[*PARTS, "report"])
    args = ap.parse_args()
    if args.part == "report":
        report()
    else:
        run_part(args.part)
        report()


if __name__ == "__main__":
    main()
