"""ts and auto on job shops with due dates and setups (issue 19), against cpsat and the best rule.

Usage (from the project root)::

    python benchmarks/jssp_tardiness_search.py run [--part wt,setup] [--tightness 1.3,1.5,1.6]
        [--limit 10] [--workers 2] [--store benchmarks/results/jssp_tardiness_search.jsonl]
    python benchmarks/jssp_tardiness_search.py report [--store ...]
        [--out benchmarks/jssp_tardiness_search.md]

Part ``wt``: la16-la20, orb01-orb10, abz5, abz6, ft10 with ``d_j = floor(f x work of job j)`` and
weights 4/2/1 for the first 20 % / next 60 % / last 20 % of the jobs by index
(:func:`schedkit.generators.jobshop.weighted_tardiness_instance`), total weighted tardiness.
Part ``setup``: ta01-ta10 with generated setups (``generate(base=..., setups=True, seed=1)``:
Manhattan distances, triangle inequality, at most 20), makespan. Each method runs once per
instance in this process at ``--limit`` seconds and ``--workers`` threads; the wall time is
the whole ``sk.solve`` call. The store (JSON lines) is resumable: a run already stored is not
repeated. Instances missing from ``../shared/instances/jssp`` are skipped.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import schedkit as sk
from schedkit.generators.jobshop import weighted_tardiness_instance
from schedkit.problems.jobshop import JobShop
from schedkit.solvers.search.jobshop_extras import best_rule, value_of

ROOT = Path(__file__).resolve().parents[2] / "shared" / "instances" / "jssp"
WT_INSTANCES = (
    [f"la{k}" for k in range(16, 21)] + [f"orb{k:02d}" for k in range(1, 11)] + ["abz5", "abz6", "ft10"]
)
SETUP_INSTANCES = [f"ta{k:02d}" for k in range(1, 11)]
METHODS = {"wt": ("cpsat", "ts", "auto"), "setup": ("cpsat", "ts", "auto")}
STORE = Path(__file__).resolve().parent / "results" / "jssp_tardiness_search.jsonl"


def _path(name: str) -> Path | None:
    folder = "".join(c for c in name if c.isalpha())
    path = ROOT / folder / f"{name}.txt"
    return path if path.exists() else None


def instance(part: str, name: str, f: float | None) -> tuple[JobShop, str] | None:
    """The benchmark instance and its objective, or None when the base file is absent."""
    path = _path(name)
    if path is None:
        return None
    base = sk.read(path)
    if part == "wt":
        assert f is not None
        return weighted_tardiness_instance(base, f), "weighted_tardiness"
    return sk.generate("jssp", base=base, setups=True, seed=1), "makespan"


def _load(store: Path) -> list[dict]:
    if not store.exists():
        return []
    return [json.loads(line) for line in store.read_text().splitlines() if line.strip()]


def _key(rec: dict) -> tuple:
    return rec["part"], rec["instance"], rec["f"], rec["method"]


def run(args: argparse.Namespace) -> None:
    store = Path(args.store)
    store.parent.mkdir(parents=True, exist_ok=True)
    done = {_key(r) for r in _load(store)}
    jobs: list[tuple[str, str, float | None]] = []
    for part in args.part.split(","):
        if part == "wt":
            jobs += [("wt", n, float(f)) for f in args.tightness.split(",") for n in WT_INSTANCES]
        else:
            jobs += [("setup", n, None) for n in SETUP_INSTANCES]
    tiny = sk.generate("jssp", n=3, m=2, seed=1, setups=True, due_tightness=1.3)
    for method in ("cpsat", "ts", "auto"):  # numba warm-ups before any measured call
        sk.solve(tiny, method=method, objective="weighted_tardiness", time_limit=1, workers=args.workers)
    for part, name, f in jobs:
        made = None
        for method in ("rule", *METHODS[part]):
            key = (part, name, f, method)
            if key in done:
                continue
            if made is None:
                made = instance(part, name, f)
                if made is None:
                    break
            p, objective = made
            t0 = time.perf_counter()
            if method == "rule":
                start, rule = best_rule(p, objective)
                rec = {
                    "value": value_of(p, start, objective),
                    "bound": None,
                    "status": "feasible",
                    "rule": rule,
                }
            else:
                r = sk.solve(
                    p, method=method, objective=objective, time_limit=args.limit, workers=args.workers
                )
                assert sk.check(p, r.solution) == [], (name, method)
                rec = {
                    "value": r.objective,
                    "bound": r.lower_bound,
                    "status": str(r.status),
                    "runtime": r.runtime,
                }
            rec.update(part=part, instance=name, f=f, method=method, objective=objective)
            rec.update(wall=round(time.perf_counter() - t0, 3), limit=args.limit, workers=args.workers)
            with store.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            print(json.dumps(rec), flush=True)


def _ratio(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def report(args: argparse.Namespace) -> None:
    recs = {_key(r): r for r in _load(Path(args.store))}
    lines = [
        "# ts and auto on job shops with due dates and setups (issue 19)",
        "",
        "Generated by `python benchmarks/jssp_tardiness_search.py report` from the store of "
        "`python benchmarks/jssp_tardiness_search.py run` (commands and settings below).",
        "",
    ]
    for part, title in (
        ("wt", "Total weighted tardiness, 10 x 10 classics, d_j = floor(f x work), weights 4/2/1 by index"),
        ("setup", "Makespan with setups, ta01-ta10 with generated triangle setups (<= 20)"),
    ):
        rows = sorted({(k[1], k[2]) for k in recs if k[0] == part}, key=lambda x: (x[1] or 0, x[0]))
        if not rows:
            continue
        lines += [f"## {title}", ""]
        lines += [
            "| instance | f | best rule | rule | cpsat | cpsat bound | ts | auto | auto bound "
            "| ts / cpsat | auto / cpsat | max wall s |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        summary: dict[tuple[float | None, str], list] = {}
        for name, f in rows:
            got = {m: recs.get((part, name, f, m)) for m in ("rule", "cpsat", "ts", "auto")}
            if any(v is None for v in got.values()):
                continue
            c = got["cpsat"]["value"]
            cells = [name, "-" if f is None else f"{f:g}", got["rule"]["rule"], str(got["rule"]["value"])]
            cells += [str(c), str(got["cpsat"]["bound"]), str(got["ts"]["value"]), str(got["auto"]["value"])]
            cells.append(str(got["auto"]["bound"]))
            for m in ("ts", "auto"):
                ratio = _ratio(got[m]["value"], c)
                cells.append("-" if ratio is None else f"{ratio:.3f}")
                summary.setdefault((f, m), []).append((got[m]["value"], c, got["rule"]["value"]))
            cells.append(f"{max(got[m]['wall'] for m in ('cpsat', 'ts', 'auto')):.2f}")
            lines.append("| " + " | ".join(cells) + " |")
        head = "| f | method | instances | better than cpsat | equal | worse | geometric mean vs cpsat | "
        lines += ["", head + "never worse than the rule |", "|---|---|---|---|---|---|---|---|"]
        for (f, m), vals in sorted(summary.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
            better = sum(v < c for v, c, _ in vals)
            equal = sum(v == c for v, c, _ in vals)
            worse = sum(v > c for v, c, _ in vals)
            logs = [math.log(v / c) for v, c, _ in vals if v > 0 and c > 0]
            gm = f"{math.exp(sum(logs) / len(logs)):.3f} ({len(logs)} with both > 0)" if logs else "-"
            never = all(v <= r for v, _, r in vals)
            fs = "-" if f is None else f"{f:g}"
            lines.append(f"| {fs} | {m} | {len(vals)} | {better} | {equal} | {worse} | {gm} | {never} |")
        lines.append("")
    out = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(out)
    print(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--part", default="wt,setup")
    r.add_argument("--tightness", default="1.3,1.5,1.6")
    r.add_argument("--limit", type=float, default=10.0)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--store", default=str(STORE))
    rep = sub.add_parser("report")
    rep.add_argument("--store", default=str(STORE))
    rep.add_argument("--out", default=None)
    args = ap.parse_args()
    run(args) if args.cmd == "run" else report(args)


if __name__ == "__main__":
    main()
