"""Job shops with due dates and setups (issue 19): every method against the best proven bound.

Two parts:

* ``wt``: the 10 x 10 classics la16-la20, orb01-orb10, abz5, abz6, ft10 as in the
  weighted-tardiness job-shop literature (Singer and Pinedo 1998): releases 0, due dates
  ``d_j = floor(f x work of job j)`` for f = 1.3, 1.5, 1.6, weights 4/2/1 for the first 20 %,
  the next 60 % and the last 20 % of the jobs by index
  (:func:`schedkit.generators.jobshop.weighted_tardiness_instance`); objective total weighted
  tardiness.
* ``setup``: Taillard's ta01-ta20 (``sk.generate("jssp", taillard=..., setups=True)``: per
  machine, setups obeying the triangle inequality, 0..20, drawn from the instance's time seed);
  objective makespan.

Methods: ``cpsat``, ``mip``, ``auto``, ``ts`` (a method that refuses the instance is recorded
as refused and skipped), each at every ``--limits`` value with ``--workers`` workers, each run
in its own process (a hard timeout of 2 x limit + 60 s); plus the best dispatching rule that
fits the objective (all due-date rules, or the makespan rules and ``ssp``), in both schemes.
Every schedule is re-checked with ``sk.check``. Results go to a resumable JSON-lines store
(one line per run, keyed by part, instance, tightness, method and limit; rerunning skips what
is there) and the report is written from the store.

Usage (from the project root)::

    python benchmarks/jssp_tardiness.py [--parts wt,setup] [--limits 10,60] [--methods cpsat,mip,auto,ts]
        [--instances la16,...] [--tightness 1.3,1.5,1.6] [--workers 2]
        [--store benchmarks/results/jssp_tardiness.jsonl] [--report benchmarks/jssp_tardiness.md]
    python benchmarks/jssp_tardiness.py --report-only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
ROOT = PROJECT.parent / "shared" / "instances" / "jssp"
WT_INSTANCES = [f"la{i}" for i in range(16, 21)] + [f"orb{i:02d}" for i in range(1, 11)]
WT_INSTANCES += ["abz5", "abz6", "ft10"]
SETUP_INSTANCES = [f"ta{i:02d}" for i in range(1, 21)]
DUE_RULES = ("atc", "edd", "slack", "sopn", "cr")
MAKESPAN_RULES = ("spt", "lpt", "mwkr", "lwkr", "mopnr", "fifo", "ssp")
STORE = Path(__file__).resolve().parent / "results" / "jssp_tardiness.jsonl"


def _path(name: str) -> Path | None:
    folder = "".join(c for c in name if c.isalpha())
    path = ROOT / folder / f"{name}.txt"
    return path if path.exists() else None


def instance(part: str, name: str, tightness: float | None) -> Any:
    """The benchmark instance ``name`` of ``part`` (None when its file is missing)."""
    import schedkit as sk
    from schedkit.generators.jobshop import weighted_tardiness_instance

    if part == "setup":
        return sk.generate("jssp", taillard=name, setups=True, triangle=True)
    path = _path(name)
    if path is None:
        return None
    return weighted_tardiness_instance(sk.read(path), float(tightness))


def objective_of(part: str) -> str:
    return "makespan" if part == "setup" else "weighted_tardiness"


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Solve one instance with one method (or the best rule when ``method == "rule"``)."""
    import schedkit as sk

    p = instance(spec["part"], spec["instance"], spec["f"])
    objective = objective_of(spec["part"])
    out = dict(spec)
    if spec["method"] == "rule":
        names = DUE_RULES if objective != "makespan" else MAKESPAN_RULES
        best: tuple[int, str] | None = None
        t0 = time.perf_counter()
        for r in names:
            for scheme in ("active", "nondelay"):
                res = sk.solve(p, method=f"rule:{r}/{scheme}", objective=objective)
                assert sk.check(p, res.solution) == [], r
                if best is None or res.objective < best[0]:
                    best = (int(res.objective), f"rule:{r}/{scheme}")
        assert best is not None
        out.update(objective=best[0], bound=None, status="FEASIBLE", rule=best[1])
        out["wall"] = round(time.perf_counter() - t0, 3)
        return out
    if spec["method"] == "bound1m":  # the one-machine relaxations, each solved to optimality
        from schedkit.solvers.cpsat.jobshop_bounds import machine_bound

        t0 = time.perf_counter()
        found = [machine_bound(p, objective, m, 30.0, spec["workers"]) for m in range(p.num_machines)]
        proven = all(ok for _, ok in found)
        best = max((b for b, _ in found if b is not None), default=None)
        out.update(objective=None, bound=best, status="BOUND" if proven else "PARTIAL BOUND")
        out["wall"] = round(time.perf_counter() - t0, 3)
        return out
    t0 = time.perf_counter()
    try:
        res = sk.solve(
            p, method=spec["method"], objective=objective, time_limit=spec["limit"], workers=spec["workers"]
        )
    except sk.SchedkitError as exc:  # a method that does not take the instance
        out.update(refused=str(exc).splitlines()[0])
        return out
    wall = time.perf_counter() - t0
    violations = sk.check(p, res.solution)
    out.update(
        objective=None if res.objective is None else int(res.objective),
        bound=None if res.lower_bound is None else int(res.lower_bound),
        status=str(res.status),
        wall=round(wall, 3),
        runtime=round(res.runtime, 3),
        feasible=violations == [],
    )
    if "one_machine_bound" in res.stats:
        out["one_machine_bound"] = res.stats["one_machine_bound"]
    return out


def _key(row: dict[str, Any]) -> tuple:
    return (row["part"], row["instance"], row["f"], row["method"], row["limit"])


def load(*stores: Path) -> dict[tuple, dict[str, Any]]:
    """The rows of the stores by key (a later line of the same key wins)."""
    rows: dict[tuple, dict[str, Any]] = {}
    for store in stores:
        if store.exists():
            for line in store.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows[_key(row)] = row
    return rows


def campaign(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every run asked for, the shorter limits first (all instances at 10 s before any 60 s)."""
    specs: list[dict[str, Any]] = []
    tight = [float(t) for t in args.tightness.split(",")]
    for part in args.parts.split(","):
        names = SETUP_INSTANCES if part == "setup" else WT_INSTANCES
        if args.instances:
            names = [n for n in names if n in args.instances.split(",")]
        fs: list[float | None] = [None] if part == "setup" else list(tight)
        for name in names:
            if part == "wt" and _path(name) is None:
                continue
            for f in fs:
                specs.append(dict(part=part, instance=name, f=f, method="rule", limit=None, workers=1))
                if args.bounds and part == "wt":
                    specs.append(dict(part=part, instance=name, f=f, method="bound1m", limit=None, workers=2))
    for limit in (float(x) for x in args.limits.split(",")):
        for part in args.parts.split(","):
            base = [s for s in specs if s["part"] == part and s["method"] == "rule"]
            for s in base:
                for method in args.methods.split(","):
                    specs.append(dict(s, method=method, limit=limit, workers=args.workers))
    return specs


def execute(specs: list[dict[str, Any]], store: Path) -> None:
    done = load(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        if _key(spec) in done:
            continue
        timeout = 600 if spec["limit"] is None else 2 * spec["limit"] + 60
        cmd = [sys.executable, __file__, "--one", json.dumps(spec)]
        env = dict(os.environ, PYTHONPATH=str(PROJECT))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            row = json.loads(lines[-1]) if lines else dict(spec, error=proc.stderr.strip().splitlines()[-1:])
        except subprocess.TimeoutExpired:
            row = dict(spec, error=f"no answer within {timeout} s")
        print(json.dumps(row), flush=True)
        if "error" in row and "no answer" not in str(row["error"]):
            continue  # a crash is not a result: a rerun tries again
        with store.open("a") as fh:
            fh.write(json.dumps(row) + "\n")


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def report(stores: list[Path], methods: list[str]) -> str:
    """The Markdown report of the stores' rows (tables per part and limit, then summaries)."""
    rows = list(load(*stores).values())
    out: list[str] = []
    for part in ("wt", "setup"):
        prow = [r for r in rows if r["part"] == part]
        if not prow:
            continue
        cases = sorted({(r["instance"], r["f"]) for r in prow}, key=lambda c: (c[1] or 0, c[0]))
        best: dict[tuple, int] = {}
        bound: dict[tuple, int] = {}
        for r in prow:
            c = (r["instance"], r["f"])
            if r.get("objective") is not None and r.get("feasible", True):
                best[c] = min(best.get(c, r["objective"]), r["objective"])
            if r.get("bound") is not None:
                bound[c] = max(bound.get(c, r["bound"]), r["bound"])
        limits = sorted({r["limit"] for r in prow if r["limit"] is not None})
        ms = [m for m in methods if any(r["method"] == m for r in prow)]
        title = "Setups (triangle), ta01-ta20, makespan"
        if part == "wt":
            title = "Weighted tardiness, 10 x 10 classics"
        out.append(f"## {title}\n")
        for limit in limits:
            out.append(f"### {limit:g} s\n")
            head = ["instance", "f", *[f"{m} (bound)" for m in ms], "best rule", "1-machine bound"]
            head += ["best known", "best bound"]
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "---|" * len(head))
            for c in cases:
                here = [r for r in prow if (r["instance"], r["f"]) == c and r["limit"] in (limit, None)]
                get = {r["method"]: r for r in here}
                cells = [c[0], _fmt(c[1])]
                for m in ms:
                    r = get.get(m)
                    if r is None:
                        cells.append("")
                    elif "refused" in r:
                        cells.append("refused")
                    elif "error" in r:
                        cells.append("error")
                    else:
                        star = "*" if r["status"] == "OPTIMAL" else ""
                        cells.append(f"{_fmt(r['objective'])}{star} ({_fmt(r['bound'])})")
                rule = get.get("rule")
                ok = rule is not None and "objective" in rule
                cells.append(f"{rule['objective']} {rule['rule'][5:]}" if ok else "")
                one = get.get("bound1m")
                cells.append(
                    "" if one is None else f"{_fmt(one['bound'])}{'' if one['status'] == 'BOUND' else '?'}"
                )
                cells += [_fmt(best.get(c)), _fmt(bound.get(c))]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
            out.append("`*` proven optimal. Per method at this limit (cases it ran on):\n")
            out.append(
                "| method | runs | proven | = best known | mean gap to best known (best known > 0) "
                "| mean gap to best bound | wall max s |"
            )
            out.append("|---|---|---|---|---|---|---|")
            for m in ms + ["rule"]:
                rs = [
                    r
                    for r in prow
                    if r["method"] == m and r["limit"] in (limit, None) and r.get("objective") is not None
                ]
                if not rs:
                    continue
                gaps, bgaps, equal = [], [], 0
                for r in rs:
                    c, obj = (r["instance"], r["f"]), r["objective"]
                    equal += obj == best[c]
                    if best[c] > 0:
                        gaps.append((obj - best[c]) / best[c])
                    bgaps.append(0.0 if obj == 0 else (obj - bound.get(c, 0)) / obj)
                proven = sum(r.get("status") == "OPTIMAL" for r in rs)
                wall = max(r.get("wall", 0) for r in rs)
                gap = f"{100 * sum(gaps) / len(gaps):.2f} % ({len(gaps)})" if gaps else "-"
                out.append(
                    f"| {m} | {len(rs)} | {proven} | {equal} | {gap} "
                    f"| {100 * sum(bgaps) / len(bgaps):.2f} % | {wall:.2f} |"
                )
            out.append("")
        closed = sum(best.get(c) is not None and best.get(c) == bound.get(c) for c in cases)
        out.append(f"Cases closed (best known = best proven bound, all runs): {closed} of {len(cases)}.\n")
    bad = [r for r in rows if r.get("feasible") is False or "error" in r]
    out.append(f"Runs: {len(rows)}; infeasible or failed: {len(bad)}.\n")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="wt,setup")
    ap.add_argument("--limits", default="10")
    ap.add_argument("--methods", default="cpsat,mip,auto,ts")
    ap.add_argument("--instances", default="")
    ap.add_argument("--tightness", default="1.3,1.5,1.6")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--store", default=str(STORE), help="JSON-lines store the runs are appended to")
    ap.add_argument("--also", default="", help="more stores (comma-separated) the report reads")
    ap.add_argument("--report", default=None, help="write the report (from the whole store) here")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument(
        "--bounds",
        action="store_true",
        help="wt part: solve every one-machine relaxation (30 s each at most)",
    )
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(json.loads(args.one))), flush=True)
        # a solver thread abandoned at the limit (HiGHS under load) would abort the interpreter's
        # finalisation and lose the printed record: end as the CLI does
        os._exit(0)
    store = Path(args.store)
    if not args.report_only:
        execute(campaign(args), store)
    also = [Path(x) for x in args.also.split(",") if x]
    text = report([store, *also], args.methods.split(","))
    if args.report:
        Path(args.report).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
