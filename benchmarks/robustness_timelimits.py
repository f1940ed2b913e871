"""Time-limit campaign: overshoot of every method of every class at limits of 1, 5 and 10 s.

Usage (from the project root)::

    python benchmarks/robustness_timelimits.py [--limits 1,5,10] [--out benchmarks/robustness_timelimits.md]

Every non-rule method of every problem class plus one rule per class runs on one generated
instance per class, large enough not to be solved at once, on 2 workers. The overshoot is the
wall time of the whole ``sk.solve`` call (model building, extraction and the re-check included),
measured with ``time.perf_counter()`` in this process, minus the limit; the method's module is
imported before the timed call. The target is at most 10% of the limit + 0.5 s. Raw rows go to
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
RULE = {
    "jssp": "rule:spt",
    "fjsp": "rule:mwkr+ect",
    "smtt": "rule:atc",
    "rcpsp": "rule:lft+fbi",
    "vmr": "rule:greedy",
}
INSTANCES: dict[str, dict[str, Any]] = {
    "jssp": {"n": 30, "m": 15, "seed": 7},
    "fjsp": {"n": 20, "m": 10, "flexibility": 3, "seed": 7},
    "smtt": {"n": 120, "tf": 0.6, "rdd": 0.4, "seed": 7},
    "rcpsp": {"n": 120, "resources": 4, "rs": 0.3, "seed": 7},
    "vmr": {"pms": 279, "seed": 7, "mnl": 50},
}


def target(limit: float) -> float:
    """The largest acceptable overshoot at ``limit`` seconds."""
    return 0.1 * limit + 0.5


def campaign_methods(kind: str) -> list[str]:
    """Every non-rule method of ``kind`` plus its one chosen rule."""
    names = [m.name for m in sk.methods(kind) if not m.name.startswith("rule:")]
    return names + [RULE[kind]]


def run(limits: list[float], out_jsonl: Path) -> list[dict[str, Any]]:
    """Run the campaign, one row per (class, method, limit), appended to ``out_jsonl``."""
    rows: list[dict[str, Any]] = []
    out_jsonl.parent.mkdir(parents=True, exist_ok=True)
    with out_jsonl.open("w") as fh:
        for kind, params in INSTANCES.items():
            problem = sk.generate(kind, **params)
            for name in campaign_methods(kind):
                registry.load_target(registry.method_info(kind, name).target)
                for limit in limits:
                    row: dict[str, Any] = {"kind": kind, "method": name, "limit": limit, "params": params}
                    t0 = time.perf_counter()
                    try:
                        res = sk.solve(problem, name, time_limit=limit, workers=2, seed=1)
                        wall = time.perf_counter() - t0
                        row.update(
                            status=res.status.name,
                            objective=res.objective,
                            feasible=not sk.check(problem, res),
                        )
                    except Exception as exc:  # noqa: BLE001 - a crash is a finding, keep going
                        wall = time.perf_counter() - t0
                        msg = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
                        row.update(status="error", error=f"{type(exc).__name__}: {msg}")
                    row.update(wall=round(wall, 3), overshoot=round(wall - limit, 3))
                    row["ok"] = row["overshoot"] <= target(limit)
                    rows.append(row)
                    fh.write(json.dumps(row) + "\n")
                    fh.flush()
                    print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def _stats(values: list[float]) -> str:
    a = np.asarray(values)
    return f"{a.max():+.2f} | {np.percentile(a, 95):+.2f} | {np.median(a):+.2f}"


def report(rows: list[dict[str, Any]], limits: list[float], command: str, seconds: float) -> str:
    """Markdown report of the overshoot distribution."""
    lines = [
        "# Time-limit robustness: overshoot per method",
        "",
        f"Command: `{command}` ({seconds / 60:.1f} min wall, {platform.python_version()}, "
        "2 workers on the shared 2-core machine; timings are noisy).",
        "",
        "Overshoot = wall time of the whole `sk.solve` call (model building, solving, extraction and "
        "the independent re-check) minus the limit, measured with `time.perf_counter()` in the same "
        "process after the method's module was imported. Negative: the method finished early "
        "(proved optimality or ran out of work). Target: at most 10% of the limit + 0.5 s.",
        "",
        "Instances (one generated instance per class): "
        + "; ".join(f"{k} `{', '.join(f'{a}={b}' for a, b in p.items())}`" for k, p in INSTANCES.items()),
        "",
        f"Limits: {', '.join(f'{x:g} s' for x in limits)}. Runs: {len(rows)}, "
        f"above target: {sum(not r['ok'] for r in rows)}, "
        f"errors: {sum(r['status'] == 'error' for r in rows)}, "
        f"infeasible: {sum(r.get('feasible') is False for r in rows)}.",
        "",
        "| class | method | max (s) | p95 (s) | median (s) | runs | above target | statuses |",
        "|---|---|---|---|---|---|---|---|",
    ]
    keys = list(dict.fromkeys((r["kind"], r["method"]) for r in rows))
    for kind, name in keys:
        sel = [r for r in rows if r["kind"] == kind and r["method"] == name]
        statuses = ", ".join(f"{r['limit']:g}s:{r['status']}" for r in sel)
        lines.append(
            f"| {kind} | {name} | {_stats([r['overshoot'] for r in sel])} | {len(sel)} | "
            f"{sum(not r['ok'] for r in sel)} | {statuses} |"
        )
    lines.append(
        f"| **all** | | {_stats([r['overshoot'] for r in rows])} | {len(rows)} | "
        f"{sum(not r['ok'] for r in rows)} | |"
    )
    for limit in limits:
        sel = [r for r in rows if r["limit"] == limit]
        lines.append(
            f"| all @ {limit:g} s | | {_stats([r['overshoot'] for r in sel])} | {len(sel)} | "
            f"{sum(not r['ok'] for r in sel)} | |"
        )
    lines += ["", "## Runs above the target", ""]
    bad = [r for r in rows if not r["ok"]]
    if not bad:
        lines.append("None.")
    else:
        lines += [
            "| class | method | limit (s) | wall (s) | overshoot (s) | target (s) | status |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in bad:
            lines.append(
                f"| {r['kind']} | {r['method']} | {r['limit']:g} | {r['wall']:.2f} | {r['overshoot']:+.2f} | "
                f"{target(r['limit']):.2f} | {r['status']} |"
            )
    errs = [r for r in rows if r["status"] == "error"]
    if errs:
        lines += ["", "## Errors", ""] + [
            f"- {r['kind']} {r['method']} @ {r['limit']:g} s: {r['error']}" for r in errs
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", default="1,5,10")
    ap.add_argument("--out", default=str(HERE / "robustness_timelimits.md"))
    ap.add_argument("--kinds", default=",".join(INSTANCES), help="comma-separated classes")
    args = ap.parse_args()
    limits = [float(x) for x in args.limits.split(",")]
    for k in list(INSTANCES):
        if k not in args.kinds.split(","):
            del INSTANCES[k]
    t0 = time.perf_counter()
    rows = run(limits, HERE / "results" / "robustness_timelimits.jsonl")
    command = "python benchmarks/robustness_timelimits.py " + " ".join(sys.argv[1:])
    Path(args.out).write_text(report(rows, limits, command.strip(), time.perf_counter() - t0))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
