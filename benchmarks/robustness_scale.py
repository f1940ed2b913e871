"""Scale campaign: rules, the default method and every other method on large generated instances.

Usage (from the project root)::

    python benchmarks/robustness_scale.py [--limit 60] [--other-limit 30] [--out FILE.md]

Sizes (issue 8): job-shop 1000x20, FJSP 200 jobs x 20 machines, RCPSP with 2000 activities,
single machine with 5000 jobs, VM rescheduling with 5000 PMs, all generated. Each run is a
separate child process (``--child``) that generates the instance, solves it (rules: no time
limit; the class's default method: ``--limit`` seconds on 2 workers; every other non-rule
method: ``--other-limit`` seconds, 0 to skip them), checks the schedule with ``sk.check`` and
prints one JSON line. The parent reads the child's peak resident memory from ``os.wait4``
(``ru_maxrss``). A run passes when it is feasible, its solve wall time is within the limit + 10%
+ 0.5 s, and its peak memory is below 4 GiB; or when the method refuses the instance at once
(within 5 s) with a one-line schedkit error, as the MIPs do for models too large for memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GIB = 1 << 30
INSTANCES: dict[str, dict[str, Any]] = {
    "jssp": {"n": 1000, "m": 20, "seed": 1},
    "fjsp": {"n": 200, "m": 20, "seed": 1},
    "rcpsp": {"n": 2000, "rs": 0.2, "seed": 1},
    "smtt": {"n": 5000, "tf": 0.6, "rdd": 0.4, "seed": 1},
    "vmr": {"pms": 5000, "seed": 1},
}
RULES = {
    "jssp": ["rule:spt", "rule:mwkr"],
    "fjsp": ["rule:spt+ect", "rule:mwkr+ect"],
    "rcpsp": ["rule:lft", "rule:lft+fbi"],
    "smtt": ["rule:edd", "rule:atc"],
    "vmr": ["rule:greedy", "rule:bestfit"],
}


def child(kind: str, method: str, limit: float | None) -> None:
    """Generate, solve, check; print one JSON line (runs in the child process)."""
    import schedkit as sk
    from schedkit import registry

    t0 = time.perf_counter()
    problem = sk.generate(kind, **INSTANCES[kind])
    gen = time.perf_counter() - t0
    registry.load_target(registry.method_info(kind, method).target)
    t0 = time.perf_counter()
    try:
        res = sk.solve(problem, method, time_limit=limit, workers=2, seed=1)
    except sk.SchedkitError as exc:  # a clean refusal (e.g. a MIP too large for memory)
        wall = round(time.perf_counter() - t0, 2)
        print(json.dumps({"refused": str(exc), "wall": wall, "size": problem.name}), flush=True)
        return
    wall = time.perf_counter() - t0
    t0 = time.perf_counter()
    bad = sk.check(problem, res)
    chk = time.perf_counter() - t0
    row = {
        "generate": round(gen, 2),
        "wall": round(wall, 2),
        "check": round(chk, 2),
        "status": res.status.name,
        "objective": res.objective,
        "bound": res.lower_bound,
        "feasible": not bad,
        "size": problem.name,
    }
    print(json.dumps(row), flush=True)


def run_child(kind: str, method: str, limit: float | None, hard: float) -> dict[str, Any]:
    """Run one child process; return its row with peak memory (``os.wait4``) and exit status."""
    import tempfile

    cmd = [sys.executable, __file__, "--child", kind, method, "" if limit is None else str(limit)]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        timer = threading.Timer(hard, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    row: dict[str, Any] = {"kind": kind, "method": method, "limit": limit}
    row["process"] = round(time.perf_counter() - t0, 1)
    row["returncode"] = proc.returncode
    row["peak_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    lines = [x for x in stdout.splitlines() if x.startswith("{")]
    if proc.returncode == 0 and lines:
        row.update(json.loads(lines[-1]))
    else:
        row["error"] = (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:200]
    return row


def report(rows: list[dict[str, Any]], command: str, seconds: float) -> str:
    """Markdown table of the scale runs."""
    lines = [
        "# Scale robustness: rules, the default method and every other method on large instances",
        "",
        f"Command: `{command}` ({seconds / 60:.1f} min wall, Python {platform.python_version()}, "
        "2 workers on the shared 2-core machine; timings are noisy).",
        "",
        "One child process per run: generate, solve, `sk.check`. *solve* is the wall time of the "
        "`sk.solve` call (re-check included); *peak* is the child's `ru_maxrss` (whole process: "
        "interpreter, imports, instance, solver). Pass: feasible, solve within limit + 10% + 0.5 s "
        "(rules: no limit), peak below 4 GiB.",
        "",
        "Instances: "
        + "; ".join(f"{k} `{', '.join(f'{a}={b}' for a, b in p.items())}`" for k, p in INSTANCES.items()),
        "",
        "| class | instance | method | limit (s) | solve (s) | check (s) | status | objective | bound "
        "| feasible | peak (MiB) | pass |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lim = "-" if r["limit"] is None else f"{r['limit']:g}"
        if "refused" in r:
            lines.append(
                f"| {r['kind']} | {r['size']} | {r['method']} | {lim} | {r['wall']:.2f} | | "
                f"refused: {r['refused']} | | | | {r['peak_mib']:.0f} | {'yes' if r['pass'] else 'no'} |"
            )
            continue
        if "error" in r:
            lines.append(
                f"| {r['kind']} | | {r['method']} | {lim} | | | error: {r['error']} | | | | "
                f"{r['peak_mib']:.0f} | no |"
            )
            continue
        lines.append(
            f"| {r['kind']} | {r['size']} | {r['method']} | {lim} | {r['wall']:.2f} | {r['check']:.2f} | "
            f"{r['status']} | {r['objective']:g} | {r['bound']:g} | {r['feasible']} | {r['peak_mib']:.0f} | "
            f"{'yes' if r['pass'] else 'no'} |"
        )
    lines += ["", f"Runs: {len(rows)}, passed: {sum(r.get('pass', False) for r in rows)}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, method, lim = sys.argv[2], sys.argv[3], sys.argv[4]
        child(kind, method, float(lim) if lim else None)
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=60.0, help="time limit of the default method")
    ap.add_argument(
        "--other-limit", type=float, default=30.0, help="time limit of the other methods (0: skip them)"
    )
    ap.add_argument("--kinds", default=",".join(INSTANCES))
    ap.add_argument("--out", default=str(HERE / "robustness_scale.md"))
    args = ap.parse_args()
    import schedkit as sk

    t0 = time.perf_counter()
    rows = []
    jsonl = HERE / "results" / "robustness_scale.jsonl"
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    with jsonl.open("w") as fh:
        for kind in args.kinds.split(","):
            default = _default(kind)
            others = [m.name for m in sk.methods(kind) if m.family != "rule" and m.name != default]
            runs = [(r, None) for r in RULES[kind]] + [(default, args.limit)]
            if args.other_limit > 0:
                runs += [(m, args.other_limit) for m in others]
            for method, limit in runs:
                row = run_child(kind, method, limit, hard=600.0 if limit is None else 3 * limit + 120)
                in_time = limit is None or row.get("wall", 1e9) <= limit * 1.1 + 0.5
                refused_at_once = "refused" in row and row["wall"] <= 5.0
                row["pass"] = bool(
                    (row.get("feasible") and in_time or refused_at_once) and row["peak_mib"] < 4096
                )
                rows.append(row)
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(json.dumps(row), file=sys.stderr, flush=True)
    command = "python benchmarks/robustness_scale.py " + " ".join(sys.argv[1:])
    Path(args.out).write_text(report(rows, command.strip(), time.perf_counter() - t0))
    print(f"wrote {args.out}")


def _default(kind: str) -> str:
    from schedkit import registry

    return registry.kind_info(kind).default_method


if __name__ == "__main__":
    main()
