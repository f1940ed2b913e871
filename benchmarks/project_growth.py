"""Growing-constraints study (issue 17): j30 projects with more and more maximum time lags,
unavailability periods and deadlines, solved with CP-SAT at each step.

Usage (from the project root)::

    nice -n 19 python benchmarks/project_growth.py run [--series max-lags,periods,...]
    python benchmarks/project_growth.py report

Instances: every 24th sorted file of ``../shared/instances/rcpsp/j30`` (20 of the 480), read in
place. Each series is :func:`schedkit.generators.project.growth` of the instance with the
increments and the slack of :data:`SERIES` per step (a maximum lag or deadline leaves up to
``slack x`` the longest duration beyond the resource-free earliest schedule), steps
0..:data:`STEPS`, seed :data:`SEED`: step ``k`` holds every constraint of step ``k - 1``, and is
also ``schedkit generate project --base FILE --max-lags <k x lags> --periods <k x periods>
--deadlines <k x deadlines> --slack <slack> --seed 0``. Each step is solved with ``cpsat`` at 10 s,
2 workers, seed 0; every schedule is re-checked with ``sk.check``.

Since the steps are nested, an instance proven infeasible at one step cannot be feasible at a
later one: the report counts such contradictions (must be 0). Resumable: each solve is appended
to ``benchmarks/results/project_growth.jsonl`` and skipped when found there. ``report`` writes
``benchmarks/project_growth.md`` and the figure ``benchmarks/project_growth.png``.
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
from schedkit.generators.project import growth
from schedkit.problems.project import NO_DEADLINE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = Path(os.environ.get("SCHEDKIT_SHARED", ROOT.parent / "shared")) / "instances"
J30 = SHARED / "rcpsp" / "j30"
STORE = HERE / "results" / "project_growth.jsonl"
REPORT = HERE / "project_growth.md"
FIGURE = HERE / "project_growth.png"

#: series -> (constraints added per step, slack)
SERIES: dict[str, tuple[dict[str, int], float]] = {
    "max-lags": ({"max_lags": 2}, 1.0),
    "periods": ({"periods": 2}, 1.0),
    "deadlines": ({"deadlines": 1}, 1.0),
    "mixed": ({"max_lags": 1, "periods": 1, "deadlines": 1}, 1.0),
    "max-lags-loose": ({"max_lags": 4}, 2.0),
    "mixed-loose": ({"max_lags": 2, "periods": 1, "deadlines": 1}, 2.0),
}
STEPS = 10
SEED = 0
EVERY = 24
METHOD = "cpsat"
COUNTS = ("max_lags", "periods", "deadlines")


def files() -> list[Path]:
    return sorted(J30.glob("*.sm"))[::EVERY]


def load_store() -> list[dict[str, Any]]:
    if not STORE.exists():
        return []
    with open(STORE, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def key(rec: dict[str, Any]) -> tuple:
    return (rec["series"], rec["instance"], rec["step"], rec["time_limit"], rec["workers"])


def run(args: argparse.Namespace) -> None:
    done = {key(r) for r in load_store()}
    version = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    STORE.parent.mkdir(parents=True, exist_ok=True)
    paths = files()
    for series in args.series:
        for n, path in enumerate(paths, start=1):
            base = {"series": series, "instance": path.stem, "time_limit": args.time_limit}
            base["workers"] = args.workers
            if all(key({**base, "step": k}) in done for k in range(STEPS + 1)):
                continue
            inc, slack = SERIES[series]
            seq = growth(sk.read(str(path)), STEPS, slack=slack, seed=SEED, **inc)
            for k, p in enumerate(seq):
                rec = {**base, "step": k}
                if key(rec) in done:
                    continue
                t0 = time.perf_counter()
                r = sk.solve(p, METHOD, time_limit=args.time_limit, workers=args.workers, seed=0)
                wall = time.perf_counter() - t0
                rec |= {
                    "status": r.status.name,
                    "objective": None if r.solution is None else int(r.objective),
                    "bound": None if r.lower_bound is None else int(r.lower_bound),
                    "time": round(wall, 3),
                    "violations": len(sk.check(p, r.solution)) if r.solution is not None else 0,
                    "proof": r.stats.get("proof"),  # an infeasibility proven before the model
                    "max_lags": int((p.arc_lag < 0).sum()),
                    "periods": len(p.off_start),
                    "deadlines": int((p.deadline != NO_DEADLINE).sum()),
                    "load": round(os.getloadavg()[0], 2),
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "commit": version,
                }
                with open(STORE, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(rec) + "\n")
                done.add(key(rec))
            print(f"[{series}] {n}/{len(paths)} {path.stem}", file=sys.stderr, flush=True)


# report ---------------------------------------------------------------------------------------
def step_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per step of one series: counts, shares, times and makespan growth over step 0."""
    first = {r["instance"]: r["objective"] for r in runs if r["step"] == 0 and r["objective"]}
    out = []
    for k in sorted({r["step"] for r in runs}):
        rs = [r for r in runs if r["step"] == k]
        feas = [r for r in rs if r["status"] in ("OPTIMAL", "FEASIBLE")]
        growth_ = [r["objective"] / first[r["instance"]] for r in feas if r["instance"] in first]
        out.append(
            {
                "step": k,
                "n": len(rs),
                "constraints": tuple(statistics.fmean(r[c] for r in rs) for c in COUNTS),
                "feasible": len(feas),
                "optimal": sum(r["status"] == "OPTIMAL" for r in rs),
                "infeasible": sum(r["status"] == "INFEASIBLE" for r in rs),
                "presolved": sum(r["status"] == "INFEASIBLE" and presolved(r) for r in rs),
                "unresolved": sum(r["status"] in ("FEASIBLE", "UNKNOWN") for r in rs),
                "mean_time": statistics.fmean(r["time"] for r in rs),
                "median_time": statistics.median(r["time"] for r in rs),
                "max_time": max(r["time"] for r in rs),
                "makespan": statistics.fmean(growth_) if growth_ else None,
            }
        )
    return out


def presolved(rec: dict[str, Any]) -> bool:
    """The infeasibility was proven before any model was built (not by CP-SAT's search)."""
    proof = rec.get("proof") or ""
    return bool(proof) and not proof.startswith("CP-SAT")


def contradictions(runs: list[dict[str, Any]]) -> list[str]:
    """Instances feasible at a step after one proven infeasible (impossible: steps are nested),
    or with a schedule failing the check."""
    bad = [
        f"{r['series']} {r['instance']} step {r['step']}: schedule fails the check"
        for r in runs
        if r["violations"]
    ]
    by: dict[tuple[str, str], dict[int, str]] = {}
    for r in runs:
        by.setdefault((r["series"], r["instance"]), {})[r["step"]] = r["status"]
    for (series, inst), steps in sorted(by.items()):
        infeasible = [k for k, s in steps.items() if s == "INFEASIBLE"]
        if infeasible:
            k0 = min(infeasible)
            later = [k for k, s in steps.items() if k > k0 and s in ("OPTIMAL", "FEASIBLE")]
            if later:
                bad.append(f"{series} {inst}: infeasible at step {k0}, a schedule at step {later[0]}")
    return bad


def first_infeasible(runs: list[dict[str, Any]]) -> list[int | None]:
    by: dict[str, list[int]] = {}
    for r in runs:
        by.setdefault(r["instance"], [])
        if r["status"] == "INFEASIBLE":
            by[r["instance"]].append(r["step"])
    return [min(v) if v else None for v in by.values()]


def figure(tables: dict[str, list[dict[str, Any]]]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax_share, ax_time = fig.subplots(1, 2)
    for i, (series, rows) in enumerate(tables.items()):
        steps = [r["step"] for r in rows]
        colour = f"C{i}"
        ax_share.plot(steps, [r["feasible"] / r["n"] for r in rows], "o-", color=colour, label=series)
        if any(r["unresolved"] for r in rows):  # else the rest is proven infeasible
            share = [r["unresolved"] / r["n"] for r in rows]
            ax_share.plot(steps, share, "x:", color=colour, label=f"{series}: unresolved")
        ax_time.plot(steps, [r["mean_time"] for r in rows], "o-", color=colour, label=series)
    ax_share.set(
        xlabel="step (constraints added)",
        ylabel="share of instances",
        title="Share feasible (unresolved drawn dotted if any)",
    )
    ax_share.set_ylim(-0.03, 1.03)
    ax_share.legend(fontsize=8)
    ax_time.set(
        xlabel="step (constraints added)", ylabel="mean wall seconds", title="CP-SAT solve time (10 s limit)"
    )
    ax_time.legend(fontsize=8)
    fig.savefig(FIGURE, dpi=100)


def report(args: argparse.Namespace) -> None:
    runs = [r for r in load_store() if r["time_limit"] == args.time_limit and r["workers"] == args.workers]
    total = len(files()) * (STEPS + 1)
    loads = [r["load"] for r in runs]
    lines = [
        "# Growing constraints on j30 projects (CP-SAT)",
        "",
        "Produced by `benchmarks/project_growth.py`, from the project root:",
        "",
        "```bash",
        "nice -n 19 python benchmarks/project_growth.py run",
        "python benchmarks/project_growth.py report",
        "```",
        "",
        f"Instances: every {EVERY}th sorted PSPLIB j30 file ({len(files())}). Each series adds, per step,",
        "the constraints in its heading to the instance (`schedkit.generators.project.growth`, seed "
        f"{SEED}; nested:",
        "step k+1 holds every constraint of step k). Step k of a series is also",
        "`schedkit generate project --base FILE --max-lags <k x lags> --periods <k x periods> "
        f"--deadlines <k x deadlines> --slack <slack> --seed {SEED}`.",
        "Maximum lags and deadlines are set around the resource-free earliest schedule, leaving up to",
        "slack x the longest duration (10 on j30) beyond it; unavailability periods (up to 10 long,",
        "part of one resource's capacity) fall inside that schedule's span. "
        f"`{METHOD}` at {args.time_limit:g} s, {args.workers} workers, seed 0; every schedule re-checked",
        "with `sk.check`. Times are wall seconds of `sk.solve`. **Caveat**: the machine "
        f"({platform.machine()}, {os.cpu_count()} cores) was shared with other sessions and the runs were",
        "niced; load average "
        + (f"{statistics.fmean(loads):.1f} (max {max(loads):.1f})" if loads else "-")
        + ", so the times are pessimistic.",
        "",
        "Columns: *feasible*: a schedule found (of which *optimal*: proven); *infeasible*: proven;",
        "in brackets how many before any model was built (an empty time window or a positive cycle",
        "of lags in `cpsat`'s windows), the others by CP-SAT's search; *unresolved*: a schedule",
        "without proof of optimality, or neither schedule nor proof; *makespan*: mean makespan",
        "relative to step 0 over the feasible instances. The constraint counts are means over the",
        "instances: a deadline drawn again on the same activity tightens it instead of adding one,",
        "and a period falling where the resource has no capacity left is dropped.",
        "",
    ]
    bad = contradictions(runs)
    tables: dict[str, list[dict[str, Any]]] = {}
    summary: list[str] = []
    body: list[str] = []
    for series, (inc, slack) in SERIES.items():
        rs = [r for r in runs if r["series"] == series]
        if not rs:
            continue
        rows = step_rows(rs)
        tables[series] = rows
        per_step = (
            ", ".join(f"+{v} {k.replace('_', ' ')}" for k, v in inc.items()) + f" per step, slack {slack:g}"
        )
        partial = "" if len(rs) == total else f" (**PARTIAL**: {len(rs)} of {total} solves)"
        body += [
            f"## Series `{series}`: {per_step}{partial}",
            "",
            "| step | max lags / periods / deadlines | feasible | optimal | infeasible | unresolved "
            "| mean time | median time | max time | makespan |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            lags, per, dl = r["constraints"]
            mk = "-" if r["makespan"] is None else f"{r['makespan']:.3f}"
            body.append(
                f"| {r['step']} | {lags:.1f} / {per:.1f} / {dl:.1f} | {r['feasible']}/{r['n']} "
                f"| {r['optimal']} "
                f"| {r['infeasible']} ({r['presolved']}) | {r['unresolved']} | {r['mean_time']:.2f} s "
                f"| {r['median_time']:.2f} s | {r['max_time']:.2f} s | {mk} |"
            )
        body.append("")
        lost = first_infeasible(rs)
        hit = sorted(k for k in lost if k is not None)
        half = next((r["step"] for r in rows if r["infeasible"] * 2 > r["n"]), None)
        peak = max(rows, key=lambda r: r["mean_time"])
        text = f"* `{series}` ({per_step}): "
        if hit:
            text += (
                f"{len(hit)}/{len(lost)} instances proven infeasible by step {rows[-1]['step']}, "
                f"first at step {hit[0]}, median first step {statistics.median(hit):g}; "
                + (f"most infeasible from step {half}; " if half is not None else "never most infeasible; ")
            )
        else:
            text += "no instance becomes infeasible; "
        text += (
            f"mean time {rows[0]['mean_time']:.2f} s at step 0, peak {peak['mean_time']:.2f} s at step "
            f"{peak['step']}, {rows[-1]['mean_time']:.2f} s at step {rows[-1]['step']}, longest solve "
            f"{max(r['max_time'] for r in rows):.2f} s; "
            f"unresolved {sum(r['unresolved'] for r in rows)} of {len(rs)} solves; of the "
            f"{sum(r['infeasible'] for r in rows)} infeasible solves {sum(r['presolved'] for r in rows)} "
            "proven before the model."
        )
        summary.append(text)
    lines += ["## Summary", "", *summary, ""]
    lines += [
        f"Contradictions (a schedule after a proven infeasible step, or failing the check): **{len(bad)}**."
    ]
    lines += [*(f"* {b}" for b in bad), ""]
    if tables:
        figure(tables)
        lines += [f"![feasibility and solve time against the step]({FIGURE.name})", ""]
    lines += body
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["run", "report"])
    ap.add_argument("--series", type=lambda s: s.split(","), default=list(SERIES))
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    for s in args.series:
        if s not in SERIES:
            ap.error(f"unknown series {s!r} (choose from {', '.join(SERIES)})")
    if args.command == "run":
        run(args)
    report(args)


if __name__ == "__main__":
    main()
