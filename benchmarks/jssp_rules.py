"""Benchmark of the JSSP dispatching rules: speed and gap on Taillard's ta01-ta60.

Usage (from the project root)::

    python benchmarks/jssp_rules.py [--repeats 5] [--out benchmarks/jssp_rules.md]

* every rule in both schemes on ta01-ta60: median wall time of ``sk.solve`` (re-check
  included) per instance, and the gap to the best known upper bound of ``reference.csv``;
* the 100 x 20 timing (a random instance drawn like the acceptance check's, and ta71-ta80
  from the generator) against job-shop-lib's MWKR measured in the same run, when its venv
  exists in ``~/.cache/schedkit-acceptance/jsl-venv`` (the acceptance check creates it);
* the numba compile time of the first call, with and without the on-disk cache.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit.solvers.rules.jobshop import DEFAULT_SCHEME, KEYS, dispatch

ROOT = Path(__file__).resolve().parents[1]
TA = Path(os.environ.get("SCHEDKIT_SHARED", ROOT.parent / "shared")) / "instances" / "jssp" / "ta"
JSL = Path.home() / ".cache" / "schedkit-acceptance" / "jsl-venv" / "bin" / "python"
SCHEMES = ("active", "nondelay")

JSL_CODE = """
import statistics, sys, time
from job_shop_lib import JobShopInstance
from job_shop_lib.dispatching.rules import DispatchingRuleSolver
s = DispatchingRuleSolver("most_work_remaining")
repeats = int(sys.argv[1])
for path in sys.argv[2:]:
    inst = JobShopInstance.from_taillard_file(path)
    sched = s.solve(inst)
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); s.solve(inst); ts.append(time.perf_counter() - t)
    print(path, sched.makespan(), statistics.median(ts) if ts else float("nan"))
"""


def timed(fn, repeats: int) -> float:
    """Median wall seconds of ``repeats`` calls after one warm-up call."""
    fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def acceptance_like_instance(path: Path) -> None:
    """The 100 x 20 random instance drawn as in the acceptance check (random.Random(7))."""
    rng = random.Random(7)
    n, m = 100, 20
    lines = [f"{n} {m}"]
    for _ in range(n):
        ms = list(range(m))
        rng.shuffle(ms)
        lines.append(" ".join(f"{k} {rng.randint(1, 99)}" for k in ms))
    path.write_text("\n".join(lines) + "\n")


def run_jsl(paths: list[Path], repeats: int) -> dict[str, tuple[int, float]]:
    """job-shop-lib MWKR on each file: (makespan, median seconds); {} without its venv."""
    if not JSL.exists():
        return {}
    out = subprocess.run(
        [str(JSL), "-c", JSL_CODE, str(repeats), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    ).stdout
    res = {}
    for line in out.splitlines():
        path, mk, sec = line.rsplit(" ", 2)
        res[path] = (int(float(mk)), float(sec))
    return res


def compile_times() -> tuple[float, float]:
    """First-call seconds of rule:mwkr in a fresh process: empty numba cache, then warm cache."""
    code = (
        "import time, schedkit as sk; p = sk.generate('jssp', n=10, m=5); "
        "t = time.perf_counter(); sk.solve(p, method='rule:mwkr'); print(time.perf_counter() - t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        first = [
            float(
                subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
            )
            for _ in range(2)
        ]
    return first[0], first[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="timed calls per instance and method")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "jssp_rules.md"))
    args = ap.parse_args()
    if not (TA / "reference.csv").exists():
        sys.exit(f"{TA}/reference.csv not found: the gaps need the shared Taillard set")
    with open(TA / "reference.csv", newline="") as fh:
        ub = {r["instance"]: int(r["ub"]) for r in csv.DictReader(fh)}
    names = [f"ta{i:02d}" for i in range(1, 61)]
    problems = {k: sk.read(TA / f"{k}.txt") for k in names}

    rows = []
    gap_by = {}
    for rule in KEYS:
        for scheme in SCHEMES:
            method = f"rule:{rule}/{scheme}"
            ms, gaps = [], []
            for k in names:
                p = problems[k]
                r = sk.solve(p, method=method)
                gaps.append(100 * (r.objective / ub[k] - 1))
                ms.append(1000 * timed(lambda p=p, method=method: sk.solve(p, method=method), args.repeats))
            gap_by[(rule, scheme)] = float(np.mean(gaps))
            rows.append(
                (rule, scheme, float(np.mean(gaps)), min(gaps), max(gaps), statistics.median(ms), max(ms))
            )
            print(
                f"{method:22s} gap {np.mean(gaps):6.1f}%  median {statistics.median(ms):.2f} ms", flush=True
            )

    tmp = Path(tempfile.mkdtemp())
    big = tmp / "random_100x20_r7.txt"
    acceptance_like_instance(big)
    files = [big]
    for i in range(71, 81):
        f = tmp / f"ta{i}.txt"
        sk.write(sk.generate("jssp", taillard=f"ta{i}"), f)
        files.append(f)
    ours = {}
    for f in files:
        p = sk.read(f)
        solve_s = timed(lambda p=p: sk.solve(p, method="rule:mwkr"), 4 * args.repeats)
        kernel_s = timed(lambda p=p: dispatch(p, "mwkr", DEFAULT_SCHEME["mwkr"]), 4 * args.repeats)
        ours[str(f)] = (sk.solve(p, method="rule:mwkr").objective, solve_s, kernel_s)
    jsl = run_jsl(files, args.repeats)
    jsl_ta = run_jsl([TA / f"{k}.txt" for k in names], 0)
    first_fresh, first_cached = compile_times()

    cmd = "python benchmarks/jssp_rules.py" + (f" --repeats {args.repeats}" if args.repeats != 5 else "")
    out = [
        "# JSSP dispatching rules: speed and gap on Taillard's instances",
        "",
        f"Command: `{cmd}` (from the project root; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores shared with other jobs, so timings are noisy).",
        "",
        "Gap = makespan / best known upper bound (`reference.csv`) - 1, averaged over ta01-ta60. "
        f"Time = median over the 60 instances of the median of {args.repeats} calls of `sk.solve` "
        "(after one warm-up call), the independent re-check included. Ties are broken by the "
        "earliest possible start, then the lowest job index; `random` uses seed 0.",
        "",
        "| rule | scheme | mean gap % | min gap % | max gap % | median ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for rule, scheme, g, lo, hi, med, mx in rows:
        mark = " (default)" if DEFAULT_SCHEME[rule] == scheme else ""
        out.append(f"| {rule} | {scheme}{mark} | {g:.1f} | {lo:.1f} | {hi:.1f} | {med:.2f} | {mx:.2f} |")
    better = {}
    for rule in KEYS:
        a, b = gap_by[(rule, "active")], gap_by[(rule, "nondelay")]
        better[rule] = "tie" if a == b else ("active" if a < b else "nondelay")
    out += [
        "",
        "Scheme with the smaller mean gap per rule (this run): "
        + ", ".join(f"{r}: {s}" for r, s in better.items())
        + ". The plain `rule:<name>` uses `DEFAULT_SCHEME` in `schedkit/solvers/rules/jobshop.py`"
        + (
            ", which agrees."
            if all(
                better[r] == DEFAULT_SCHEME[r] or gap_by[(r, "active")] == gap_by[(r, "nondelay")]
                for r in KEYS
            )
            else ", which DISAGREES with this run: update it."
        ),
        "",
        "## 100 x 20 instances (2000 operations)",
        "",
        f"`rule:mwkr` ({DEFAULT_SCHEME['mwkr']}), median of {4 * args.repeats} calls after a warm-up; "
        f"job-shop-lib {'1.7.2 ' if jsl else ''}`DispatchingRuleSolver('most_work_remaining')` (its default "
        f"filters), median of {args.repeats} calls after a warm-up, same files, same run.",
        "",
        "| instance | ours: makespan | ours: sk.solve ms | ours: SGS kernel ms | job-shop-lib: makespan "
        "| job-shop-lib ms | speed-up (solve) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = []
    for f in files:
        mk, solve_s, kernel_s = ours[str(f)]
        if str(f) in jsl:
            jmk, js = jsl[str(f)]
            ratios.append(js / solve_s)
            tail = f"{jmk} | {1000 * js:.0f} | x{js / solve_s:.0f} |"
        else:
            tail = "- | - | - |"
        out.append(f"| {f.stem} | {mk} | {1000 * solve_s:.2f} | {1000 * kernel_s:.2f} | {tail}")
    if ratios:
        out += ["", f"Median speed-up over job-shop-lib: x{statistics.median(ratios):.0f}."]
    else:
        out += ["", f"job-shop-lib not measured: no venv at `{JSL}` (the acceptance check creates it)."]
    if jsl_ta:
        jg = [100 * (jsl_ta[str(TA / f"{k}.txt")][0] / ub[k] - 1) for k in names]
        out += [
            "",
            f"Quality check on ta01-ta60: job-shop-lib MWKR mean gap {np.mean(jg):.1f}%, "
            f"ours `rule:mwkr` {gap_by[('mwkr', DEFAULT_SCHEME['mwkr'])]:.1f}% "
            f"(`rule:mwkr/active` {gap_by[('mwkr', 'active')]:.1f}%).",
        ]
    out += [
        "",
        "## First call (numba compilation)",
        "",
        f"First `rule:mwkr` call in a fresh process with an empty numba cache: {first_fresh:.2f} s "
        f"(compilation); with the cache written by that run: {first_cached:.2f} s (loading numba and "
        "the cached machine code).",
        "",
    ]
    Path(args.out).write_text("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
