"""Time-limit campaign: overshoot of every method of every class at limits of 1, 5 and 10 s.

Usage (from the project root)::

    python benchmarks/robustness_timelimits.py [--limits 1,5,10] [--sizes small,large] [--out FILE.md]

Every method of every problem class (every rule too), plus the MIP model variants chosen by an
option, runs on two generated instances per class: a *small* one, large enough not to be solved
at once, and a *large* one, where building the model is a large part of the limit. All on 2
workers. The overshoot is the wall time of the whole ``sk.solve`` call (model building,
extraction and the re-check included), measured with ``time.perf_counter()`` in this process,
minus the limit; the method's module is imported before the timed call. The target is at most
10% of the limit + 0.5 s. A method that refuses an instance at once with a one-line schedkit error
(a model too large for memory) counts as within the target. Raw rows go to
``benchmarks/results/robustness_timelimits.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import schedkit as sk
from schedkit import registry

HERE = Path(__file__).resolve().parent
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "small": {
        "jssp": {"n": 30, "m": 15, "seed": 7},
        "fjsp": {"n": 20, "m": 10, "flexibility": 3, "seed": 7},
        "smtt": {"n": 120, "tf": 0.6, "rdd": 0.4, "seed": 7},
        "rcpsp": {"n": 120, "resources": 4, "rs": 0.3, "seed": 7},
        "vmr": {"pms": 279, "seed": 7, "mnl": 50},
    },
    "large": {
        "jssp": {"n": 50, "m": 20, "seed": 7},
        "fjsp": {"n": 100, "m": 20, "flexibility": 3, "seed": 7},
        "smtt": {"n": 500, "tf": 0.6, "rdd": 0.4, "seed": 7},
        "rcpsp": {"n": 300, "resources": 4, "rs": 0.3, "seed": 7},
        "vmr": {"pms": 1000, "seed": 7, "mnl": 50},
    },
}
#: methods run with an option as well as plainly: models built differently
VARIANTS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "smtt": [("mip", {"formulation": "lop"}), ("mip-cbc", {"formulation": "lop"})],
    "rcpsp": [("mip", {"precedence": "aggregated"}), ("cpsat", {"cliques": False, "energy": False})],
}


def target(limit: float) -> float:
    """The largest acceptable overshoot at ``limit`` seconds."""
    return 0.1 * limit + 0.5


def campaign_methods(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """Every method of ``kind`` (rules included) and its option variants, as (name, options)."""
    return [(m.name, {}) for m in sk.methods(kind)] + VARIANTS.get(kind, [])


def label(name: str, options: dict[str, Any]) -> str:
    """``mip`` or ``mip[formulation=lop]``."""
    return name + (f"[{','.join(f'{k}={v}' for k, v in options.items())}]" if options else "")


def run(limits: list[float], sizes: list[str], kinds: list[str], out_jsonl: Path) -> list[dict[str, Any]]:
    """Run the campaign, one row per (size, class, method, limit), appended to ``out_jsonl``."""
    rows: list[dict[str, Any]] = []
    out_jsonl.parent.mkdir(parents=True, exist_ok=True)
    with out_jsonl.open("w") as fh:
        for size in sizes:
            for kind in kinds:
                params = SIZES[size][kind]
                problem = sk.generate(kind, **params)
                for name, options in campaign_methods(kind):
                    registry.load_target(registry.method_info(kind, name).target)
                    for limit in limits:
                        row = _one(problem, kind, name, options, limit)
                        row.update(size=size, params=params)
                        rows.append(row)
                        fh.write(json.dumps(row) + "\n")
                        fh.flush()
                        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def _one(problem: Any, kind: str, name: str, options: dict[str, Any], limit: float) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": kind, "method": label(name, options), "limit": limit}
    t0 = time.perf_counter()
    try:
        res = sk.solve(problem, name, time_limit=limit, workers=2, seed=1, **options)
        wall = time.perf_counter() - t0
        row.update(status=res.status.name, objective=res.objective, feasible=not sk.check(problem, res))
    except sk.SchedkitError as exc:  # a clean, one-line refusal
        wall = time.perf_counter() - t0
        row.update(status="refused", error=str(exc).splitlines()[0][:200])
    except Exception as exc:  # noqa: BLE001 - a crash is a finding, keep going
        wall = time.perf_counter() - t0
        msg = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        row.update(status="error", error=f"{type(exc).__name__}: {msg}")
    row.update(wall=round(wall, 3), overshoot=round(wall - limit, 3))
    row["ok"] = row["overshoot"] <= target(limit) and row["status"] != "error"
    return row


def _stats(values: list[float]) -> str:
    a = np.asarray(values)
    return f"{a.max():+.2f} | {np.percentile(a, 95):+.2f} | {np.median(a):+.2f}"


def report(rows: list[dict[str, Any]], limits: list[float], command: str, seconds: float) -> str:
    """Markdown report of the overshoot distribution."""
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    lines = [
        "# Time-limit robustness: overshoot per method",
        "",
        f"Command: `{command}` ({seconds / 60:.1f} min wall, {platform.python_version()}, "
        "2 workers on the shared 2-core machine; timings are noisy).",
        "",
        "Overshoot = wall time of the whole `sk.solve` call (model building, solving, extraction and "
        "the independent re-check) minus the limit, measured with `time.perf_counter()` in the same "
        "process after the method's module was imported. Negative: the method finished early "
        "(proved optimality or ran out of work). Target: at most 10% of the limit + 0.5 s. "
        "*refused*: the method declined the instance at once with a one-line error (a MIP too large "
        "for memory); it counts as within the target.",
        "",
        "Instances (generated):",
        "",
        *(
            f"* {size}: "
            + "; ".join(f"{k} `{', '.join(f'{a}={b}' for a, b in SIZES[size][k].items())}`" for k in kinds)
            for size in sizes
        ),
        "",
        f"Limits: {', '.join(f'{x:g} s' for x in limits)}. Runs: {len(rows)}, "
        f"above target: {sum(not r['ok'] for r in rows)}, "
        f"errors: {sum(r['status'] == 'error' for r in rows)}, "
        f"refused: {sum(r['status'] == 'refused' for r in rows)}, "
        f"infeasible: {sum(r.get('feasible') is False for r in rows)}.",
        "",
        "| size | class | method | max (s) | p95 (s) | median (s) | runs | above target | statuses |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        for kind in kinds:
            sel = [r for r in rows if r["size"] == size and r["kind"] == kind]
            rules = [r for r in sel if r["method"].startswith("rule:")]
            for name in dict.fromkeys(r["method"] for r in sel if not r["method"].startswith("rule:")):
                mine = [r for r in sel if r["method"] == name]
                statuses = ", ".join(f"{r['limit']:g}s:{r['status']}" for r in mine)
                lines.append(_line(size, kind, name, mine, statuses))
            if rules:
                count = len({r["method"] for r in rules})
                lines.append(_line(size, kind, f"all {count} rules", rules, ""))
    lines.append(_line("**all**", "", "", rows, ""))
    for limit in limits:
        lines.append(_line(f"all @ {limit:g} s", "", "", [r for r in rows if r["limit"] == limit], ""))
    lines += ["", "## Runs above the target", ""]
    bad = [r for r in rows if not r["ok"]]
    if not bad:
        lines.append("None.")
    else:
        lines += [
            "| size | class | method | limit (s) | wall (s) | overshoot (s) | target (s) | status |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in bad:
            lines.append(
                f"| {r['size']} | {r['kind']} | {r['method']} | {r['limit']:g} | {r['wall']:.2f} | "
                f"{r['overshoot']:+.2f} | {target(r['limit']):.2f} | {r['status']} |"
            )
    for title, status in (("Refusals", "refused"), ("Errors", "error")):
        sel = [r for r in rows if r["status"] == status]
        if sel:
            lines += ["", f"## {title}", ""] + [
                f"- {r['size']} {r['kind']} {r['method']} @ {r['limit']:g} s "
                f"({r['wall']:.2f} s): {r['error']}"
                for r in sel
            ]
    return "\n".join(lines) + "\n"


def _line(size: str, kind: str, name: str, rows: list[dict[str, Any]], statuses: str) -> str:
    return (
        f"| {size} | {kind} | {name} | {_stats([r['overshoot'] for r in rows])} | {len(rows)} | "
        f"{sum(not r['ok'] for r in rows)} | {statuses} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", default="1,5,10", help="comma-separated time limits in seconds")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: small, large")
    ap.add_argument("--kinds", default=",".join(SIZES["small"]), help="comma-separated classes")
    ap.add_argument("--out", default=str(HERE / "robustness_timelimits.md"))
    args = ap.parse_args()
    limits = [float(x) for x in args.limits.split(",")]
    sizes, kinds = args.sizes.split(","), args.kinds.split(",")
    for value, known in ((sizes, SIZES), (kinds, SIZES["small"])):
        if unknown := [v for v in value if v not in known]:
            ap.error(f"unknown {', '.join(unknown)} (known: {', '.join(known)})")
    t0 = time.perf_counter()
    rows = run(limits, sizes, kinds, HERE / "results" / "robustness_timelimits.jsonl")
    command = "python benchmarks/robustness_timelimits.py " + " ".join(sys.argv[1:])
    Path(args.out).write_text(report(rows, limits, command.strip(), time.perf_counter() - t0))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
