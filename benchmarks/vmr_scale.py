"""VM rescheduling at scale (issue 18): fragment rate against time limit per method.

Usage (from the project root)::

    python benchmarks/vmr_scale.py run [--quick] [--workers 2]
    python benchmarks/vmr_scale.py report
    python benchmarks/vmr_scale.py estimate

Instances: the real Medium mapping ``reset_vm_pm0.json`` (279 PMs, 2089 VMs, from
``../shared/instances/vmr2l``, skipped when absent), ``generate vmr --pms 1200 --vms 4500
--churn 0.2 --seed 1`` (as in ``benchmarks/vmr.md``) and ``generate vmr --pms 5000 --seed 1``
(38,158 VMs, as in ``benchmarks/robustness_scale.md``); MNL 50 and 200.

Methods: ``rule:greedy`` and ``rule:bestfit`` (no limit), ``cpsat`` at 1, 2, 5, 10, 30 s,
``mip`` at 5 and 30 s, ``auto`` at 1, 2, 5, 10, 30 s with seed 0 and at 1 and 5 s also with
seeds 1 and 2; 2 workers. One child process per instance and MNL generates (or reads) the
instance once, warms every method up on a tiny instance, then runs its pending runs one after
the other; wall time is measured around ``sk.solve`` (the re-check included) and every plan is
re-checked with ``sk.check``.

Resumable: each finished run is appended to ``benchmarks/results/vmr_scale.jsonl`` as one JSON
line and skipped when found there. ``--quick``: the 5 s runs only (they count toward the full
campaign). ``report`` writes ``benchmarks/vmr_scale.md`` and ``benchmarks/vmr_scale.png`` from the
store (marked PARTIAL while runs of the campaign are missing). ``estimate`` prints the seconds the
missing runs will take.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STORE = HERE / "results" / "vmr_scale.jsonl"
SHARED = Path(os.environ.get("SCHEDKIT_SHARED", ROOT.parent / "shared")) / "instances" / "vmr2l"
INSTANCES: dict[str, dict[str, Any]] = {
    "real-medium": {"path": "reset_vm_pm0.json"},
    "gen-1200": {"gen": {"pms": 1200, "vms": 4500, "churn": 0.2, "seed": 1}},
    "gen-5000": {"gen": {"pms": 5000, "seed": 1}},
}
MNLS = (50, 200)
LIMITS = (1.0, 2.0, 5.0, 10.0, 30.0)
RULES = ("rule:greedy", "rule:bestfit")
MIP_LIMITS = (5.0, 30.0)
AUTO_SEEDS = {1.0: (0, 1, 2), 5.0: (0, 1, 2)}
#: seconds a child needs besides the runs: generating or reading, warm-up
SETUP = {"real-medium": 3.0, "gen-1200": 4.0, "gen-5000": 25.0}


def describe(name: str) -> str:
    spec = INSTANCES[name]
    if "path" in spec:
        return f"`{spec['path']}` (real Medium mapping)"
    args = " ".join(f"--{k} {v}" for k, v in spec["gen"].items())
    return f"`schedkit generate vmr {args}`"


def plan(quick: bool = False) -> list[dict[str, Any]]:
    """Every run of the campaign (of the quick plan with ``quick``)."""
    runs: list[dict[str, Any]] = []
    for name, spec in INSTANCES.items():
        if "path" in spec and not (SHARED / spec["path"]).exists():
            continue
        for mnl in MNLS:
            base = {"instance": name, "mnl": mnl}
            runs += [{**base, "method": m, "limit": None, "seed": 0} for m in RULES]
            for t in LIMITS:
                runs.append({**base, "method": "cpsat", "limit": t, "seed": 0})
                runs += [{**base, "method": "auto", "limit": t, "seed": s} for s in AUTO_SEEDS.get(t, (0,))]
            runs += [{**base, "method": "mip", "limit": t, "seed": 0} for t in MIP_LIMITS]
    if quick:
        runs = [r for r in runs if r["limit"] in (None, 5.0)]
    return runs


def key(run: dict[str, Any]) -> tuple:
    return (run["instance"], run["mnl"], run["method"], run["limit"], run["seed"])


def load_store() -> dict[tuple, dict[str, Any]]:
    out: dict[tuple, dict[str, Any]] = {}
    if STORE.exists():
        for line in STORE.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                out[key(row)] = row
    return out


def child(name: str, mnl: int, runs: list[dict[str, Any]], workers: int) -> None:
    """Build the instance once, warm up, run ``runs``; one JSON line per run on stdout."""
    import schedkit as sk

    spec = INSTANCES[name]
    if "path" in spec:
        problem = sk.read(str(SHARED / spec["path"]), mnl=mnl)
    else:
        problem = sk.generate("vmr", mnl=mnl, **spec["gen"])
    tiny = sk.generate("vmr", pms=6, seed=0, mnl=2, utilisation=0.8)
    for m in {r["method"] for r in runs}:
        sk.solve(tiny, m, time_limit=1, workers=1)
    for run in runs:
        t0 = time.perf_counter()
        res = sk.solve(problem, run["method"], time_limit=run["limit"], workers=workers, seed=run["seed"])
        wall = time.perf_counter() - t0
        bad = sk.check(problem, res)
        row = {
            **run,
            "workers": workers,
            "fr": res.objective,
            "bound": res.lower_bound,
            "status": res.status.name,
            "wall": round(wall, 3),
            "migrations": len(res.solution) if res.solution is not None else None,
            "feasible": not bad,
            "initial_fr": problem.current_fragment_rate(),
            "stats": {k: v for k, v in res.stats.items() if isinstance(v, int | float | str | bool)},
        }
        print(json.dumps(row), flush=True)


def run(args: argparse.Namespace) -> None:
    done = load_store()
    todo = [r for r in plan(args.quick) if key(r) not in done]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in todo:
        groups.setdefault((r["instance"], r["mnl"]), []).append(r)
    STORE.parent.mkdir(parents=True, exist_ok=True)
    for (name, mnl), runs in groups.items():
        print(f"{name} MNL {mnl}: {len(runs)} runs", file=sys.stderr, flush=True)
        cmd = [sys.executable, __file__, "child", "--instance", name, "--mnl", str(mnl)]
        cmd += ["--workers", str(args.workers), "--runs", json.dumps(runs)]
        budget = sum(r["limit"] or 5.0 for r in runs) * 1.5 + 120
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT) as proc:
            assert proc.stdout is not None
            t_end = time.time() + budget
            for line in proc.stdout:
                with STORE.open("a") as f:
                    f.write(line)
                row = json.loads(line)
                print(f"  {row['method']} {row['limit']} s seed {row['seed']}: FR {row['fr']:.4f} "
                      f"({row['wall']:.2f} s)", file=sys.stderr, flush=True)  # fmt: skip
                if time.time() > t_end:
                    proc.kill()
                    break
            proc.wait()


def estimate(args: argparse.Namespace) -> float:
    done = load_store()
    todo = [r for r in plan(args.quick) if key(r) not in done]
    groups = {(r["instance"], r["mnl"]) for r in todo}
    secs = sum((r["limit"] or 1.0) + 0.3 for r in todo) + sum(SETUP[g[0]] for g in groups)
    print(f"{len(todo)} runs missing, about {secs / 60:.1f} min")
    return secs


def _cell(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "-"
    frs = [r["fr"] for r in rows]
    if len(frs) == 1:
        return f"{frs[0]:.4f}"
    return f"{statistics.mean(frs):.4f} ({min(frs):.4f}-{max(frs):.4f})"


def write_report(args: argparse.Namespace) -> None:
    from schedkit.plot.curves import Panel, time_curves

    store = load_store()
    full = plan()
    missing = [r for r in full if key(r) not in store]
    rows = [store[key(r)] for r in full if key(r) in store]
    infeasible = [r for r in rows if not r["feasible"]]
    lines = ["# VM rescheduling at scale: fragment rate against time (issue 18)", ""]
    if missing:
        lines += [f"**PARTIAL**: {len(rows)} of the {len(full)} runs of the campaign are in the store.", ""]
    lines += [
        "Commands: `python benchmarks/vmr_scale.py run` (normal priority, 2 workers, on the 2-core "
        "machine shared with other jobs, which ran niced), then `python benchmarks/vmr_scale.py report`; "
        "raw lines in `benchmarks/results/vmr_scale.jsonl`. "
        f"Report written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {_commit()}, "
        f"Python {platform.python_version()}.",
        "",
        "FR = sum over NUMA nodes of (free CPU mod 16) / total free CPU after the plan (lower is better); "
        "every plan re-checked step by step with `sk.check` "
        f"({len(rows) - len(infeasible)} of {len(rows)} feasible). `auto` cells with several seeds: mean "
        "(min-max) over seeds 0, 1, 2. *bound*: the best lower bound any run reported (the problem's "
        "migration bound, or a model's when higher).",
        "",
        "Instances: " + "; ".join(f"`{n}` = {describe(n)}" for n in INSTANCES) + ".",
        "",
    ]
    panels = []
    share: dict[tuple[str, float], list[bool]] = {}
    for name in INSTANCES:
        for mnl in MNLS:
            group = [r for r in rows if r["instance"] == name and r["mnl"] == mnl]
            if not group:
                continue
            by = {}
            for r in group:
                by.setdefault((r["method"], r["limit"]), []).append(r)
            greedy = by.get(("rule:greedy", None), [None])[0]
            bestfit = by.get(("rule:bestfit", None), [None])[0]
            bound = max(r["bound"] for r in group)
            walls = max(r["wall"] for r in group if r["limit"] is not None and r["method"] != "mip")
            head = f"## `{name}`, MNL {mnl}"
            lines += [head, ""]
            if greedy:
                lines.append(
                    f"Initial FR {greedy['initial_fr']:.4f}; rule:greedy {greedy['fr']:.4f} "
                    f"({greedy['migrations']} migrations, {greedy['wall']:.2f} s); "
                    + (f"rule:bestfit {bestfit['fr']:.4f} ({bestfit['wall']:.2f} s); " if bestfit else "")
                    + f"bound {bound:.4f}; longest wall of a timed cpsat/auto run {walls:.2f} s."
                )
                lines.append("")
            lines += ["| method | " + " | ".join(f"{t:g} s" for t in LIMITS) + " |",
                      "|---|" + "---|" * len(LIMITS)]  # fmt: skip
            panel = Panel(f"{name}, MNL {mnl}")
            for m in ("cpsat", "mip", "auto"):
                cells = [_cell(by.get((m, t), [])) for t in LIMITS]
                lines.append(f"| {m} | " + " | ".join(cells) + " |")
                pts = [(t, [r["fr"] for r in by[(m, t)]]) for t in LIMITS if (m, t) in by]
                if pts:
                    xs = [t for t, _ in pts]
                    many = any(len(v) > 1 for _, v in pts)
                    panel.lines[m] = (
                        xs,
                        [statistics.mean(v) for _, v in pts],
                        [min(v) for _, v in pts] if many else None,
                        [max(v) for _, v in pts] if many else None,
                    )
                for t in (1.0, 5.0):
                    if greedy and (m, t) in by:
                        share.setdefault((m, t), []).extend(
                            r["fr"] < greedy["fr"] - 1e-12 for r in by[(m, t)]
                        )
            lines.append("")
            migr = {m: by[(m, 5.0)][0]["migrations"] for m in ("cpsat", "auto") if (m, 5.0) in by}
            if migr:
                lines += [
                    "Migrations at 5 s (seed 0): " + ", ".join(f"{m} {k}" for m, k in migr.items()) + ".",
                    "",
                ]
            if greedy:
                panel.levels["rule:greedy"] = greedy["fr"]
            panel.levels["bound"] = bound
            panels.append(panel)
    lines += ["## Share of runs improving on rule:greedy", "",
              "| method | at 1 s | at 5 s |", "|---|---|---|"]  # fmt: skip
    for m in ("cpsat", "mip", "auto"):
        cells = []
        for t in (1.0, 5.0):
            v = share.get((m, t), [])
            cells.append(f"{sum(v)} of {len(v)}" if v else "-")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", "## Wall time against the limit", "",
              "Largest `sk.solve` wall time over the limit per method and limit, over every instance, MNL "
              "and seed (the promise: limit + 10 % + 0.5 s).", "",
              "| method | " + " | ".join(f"{t:g} s" for t in LIMITS) + " |",
              "|---|" + "---|" * len(LIMITS)]  # fmt: skip
    for m in ("cpsat", "mip", "auto"):
        cells = []
        for t in LIMITS:
            walls = [r["wall"] for r in rows if r["method"] == m and r["limit"] == t]
            cells.append(
                f"{max(walls):.2f} s" + (" (over)" if max(walls) > 1.1 * t + 0.5 else "") if walls else "-"
            )
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", "![FR against time](vmr_scale.png)", ""]
    if panels:
        time_curves(panels, HERE / "vmr_scale.png", "fragment rate")
    (HERE / "vmr_scale.md").write_text("\n".join(lines))
    print(f"wrote {HERE / 'vmr_scale.md'}", file=sys.stderr)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("run", "report", "estimate", "child"))
    ap.add_argument("--quick", action="store_true", help="the 5 s runs and the rules only")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--instance")
    ap.add_argument("--mnl", type=int)
    ap.add_argument("--runs")
    args = ap.parse_args()
    if args.command == "child":
        child(args.instance, args.mnl, json.loads(args.runs), args.workers)
        return
    {"run": run, "report": write_report, "estimate": estimate}[args.command](args)


if __name__ == "__main__":
    main()
