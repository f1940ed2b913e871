"""Interrupt campaign: SIGINT / SIGTERM during ``schedkit solve`` for every anytime method.

Each run starts ``schedkit solve INSTANCE -m METHOD -t 60 --out sol.json`` as a real subprocess
(in its own process group), sends the signal to the schedkit process only after ``--delay``
seconds, and records the time from the signal to the process's exit, the exit status, whether
the best result was printed, whether the saved solution passes ``schedkit check``, and whether any
child process of the solve survived it. Usage, from the project root::

    python benchmarks/robustness_interrupts.py [--delay 4] [--only jssp:mip,vmr:mip] \
        [--out benchmarks/robustness_interrupts.md]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "instances"

# (class, method, instance path relative to SHARED or "gen:<args>", extra solve arguments)
CASES: list[tuple[str, str, str, list[str]]] = [
    ("jssp", "cpsat", "jssp/ta/ta51.txt", []),
    ("jssp", "mip", "jssp/ta/ta51.txt", []),
    ("jssp", "ts", "jssp/ta/ta41.txt", []),
    ("jssp", "auto", "jssp/ta/ta51.txt", []),
    ("fjsp", "cpsat", "fjsp/brandimarte/mk10.fjs", []),
    ("fjsp", "mip", "fjsp/brandimarte/mk10.fjs", []),
    ("fjsp", "ts", "fjsp/brandimarte/mk10.fjs", []),
    ("fjsp", "auto", "fjsp/brandimarte/mk10.fjs", []),
    ("smtt", "ls", "gen:smtt --n 500 --tf 0.6 --rdd 0.2 --seed 1", []),
    ("smtt", "exact", "gen:smtt --n 500 --tf 0.6 --rdd 0.2 --seed 1", []),
    ("smtt", "mip", "gen:smtt --n 500 --tf 0.6 --rdd 0.2 --seed 1", []),
    ("smtt", "cpsat", "gen:smtt --n 500 --tf 0.6 --rdd 0.2 --seed 1", []),
    ("rcpsp", "cpsat", "rcpsp/j120/j1201_1.sm", []),
    ("rcpsp", "mip", "rcpsp/j120/j1201_1.sm", []),
    ("vmr", "cpsat", "vmr2l/reset_vm_pm0.json", ["--mnl", "50"]),
    ("vmr", "mip", "vmr2l/reset_vm_pm0.json", ["--mnl", "50"]),
    ("jssp", "mip-cbc", "jssp/ta/ta51.txt", []),
    ("fjsp", "mip-cbc", "fjsp/brandimarte/mk10.fjs", []),
    ("smtt", "mip-cbc", "gen:smtt --n 500 --tf 0.6 --rdd 0.2 --seed 1", []),
    ("rcpsp", "mip-cbc", "rcpsp/j120/j1201_1.sm", []),
    ("vmr", "mip-cbc", "vmr2l/reset_vm_pm0.json", ["--mnl", "50"]),
]


def instance_path(spec: str, workdir: Path) -> Path:
    """Return the instance file for a case, generating it when the spec starts with ``gen:``."""
    if not spec.startswith("gen:"):
        return SHARED / spec
    args = spec[4:].split()
    out = workdir / ("gen_" + "_".join(a.lstrip("-") for a in args) + ".txt")
    if not out.exists():
        subprocess.run(["schedkit", "generate", *args, "-o", str(out)], check=True, capture_output=True)
    return out


def group_alive(pgid: int) -> bool:
    """True when some process of the process group ``pgid`` still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # zombies count as gone: look for a live member
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def measure(
    instance: Path,
    method: str,
    sig: signal.Signals,
    delay: float,
    extra: list[str],
    workdir: Path,
    time_limit: float = 60.0,
    budget: float = 30.0,
) -> dict:
    """Run one interrupted solve and return its measurements."""
    sol = workdir / f"sol_{instance.stem}_{method}_{sig.name}.json"
    sol.unlink(missing_ok=True)
    cmd = ["schedkit", "solve", str(instance), "-m", method, "-t", str(time_limit), "--out", str(sol), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    finished_early = False
    try:
        try:
            proc.wait(delay)
            finished_early = True
        except subprocess.TimeoutExpired:
            pass
        sent = time.perf_counter()
        if not finished_early:
            os.kill(proc.pid, sig)
        try:
            proc.wait(budget)
            took = time.perf_counter() - sent
        except subprocess.TimeoutExpired:
            took = None
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(0.3)
        orphans = group_alive(proc.pid)
    finally:
        if proc.poll() is None or group_alive(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    printed = any(line.startswith("status ") for line in log.splitlines())
    feasible = False
    if sol.exists():
        chk = subprocess.run(
            ["schedkit", "check", str(instance), str(sol), *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
        feasible = chk.returncode == 0
    objective = next(
        (
            line.split(maxsplit=1)[1]
            for line in log.splitlines()
            if line
            and not line.startswith(("status", "lower", "gap", "time", "instance", "method", "solution"))
            and not line.startswith(("schedkit", " "))
            and len(line.split()) >= 2
        ),
        "-",
    )
    status_line = next((line[7:] for line in log.splitlines() if line.startswith("status ")), "-")
    return {
        "early": finished_early,
        "took": took,
        "code": proc.returncode,
        "printed": printed,
        "status": status_line,
        "objective": objective,
        "feasible": feasible,
        "orphans": orphans,
        "traceback": "Traceback" in log,
        "log": log,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=4.0, help="seconds before the signal (default 4)")
    ap.add_argument("--out", default="benchmarks/robustness_interrupts.md")
    ap.add_argument("--only", help="comma-separated class:method filter, e.g. jssp:ts,vmr:mip")
    ap.add_argument("--signals", default="INT,TERM")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    sigs = [signal.Signals["SIG" + s] for s in args.signals.split(",")]
    want = {signal.SIGINT: 130, signal.SIGTERM: 143}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for kind, method, spec, extra in CASES:
            if only and f"{kind}:{method}" not in only:
                continue
            inst = instance_path(spec, workdir)
            for sig in sigs:
                r = measure(inst, method, sig, args.delay, extra, workdir)
                ok = (
                    not r["early"]
                    and r["took"] is not None
                    and r["took"] <= 1.5
                    and r["code"] == want[sig]
                    and r["printed"]
                    and r["feasible"]
                    and not r["orphans"]
                    and not r["traceback"]
                )
                took = "did not stop" if r["took"] is None else f"{r['took']:.2f}"
                if r["early"]:
                    took = "finished before the signal"
                name = spec[4:] if spec.startswith("gen:") else Path(spec).name
                rows.append(
                    f"| {kind} | {method} | {name} | {sig.name} | {took} | {r['code']} | "
                    f"{'yes' if r['printed'] else 'no'} | {r['status']} {r['objective']} | "
                    f"{'yes' if r['feasible'] else 'no'} | {'yes' if r['orphans'] else 'no'} | "
                    f"{'OK' if ok else 'FAIL'} |"
                )
                print(rows[-1], flush=True)
                if not ok:
                    print(r["log"][-1500:], file=sys.stderr, flush=True)
    head = [
        "| class | method | instance | signal | stop time after signal (s) | exit | printed | result "
        "| saved feasible | children left | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    Path(args.out).write_text("\n".join(head + rows) + "\n") if args.out != "-" else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
