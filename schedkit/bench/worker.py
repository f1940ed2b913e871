"""What happens inside one run's process: read, solve, check, describe the outcome.

Used by the local process pool and by Dask workers alike, so both give the same records.
Only the public API is used: :func:`schedkit.read`, :func:`schedkit.solve`,
:func:`schedkit.check` and :func:`schedkit.save_solution`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import importlib.metadata
import json
import math
import os
import platform
import socket
import time
import traceback
from typing import Any

import schedkit as sk
from schedkit.errors import SchedkitError, SolverBugError

#: statuses a run can end with besides the solver's own (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN)
ERROR, TIMEOUT, CRASHED = "ERROR", "TIMEOUT", "CRASHED"
FAILED = (ERROR, TIMEOUT, CRASHED)
_PACKAGES = ("schedkit", "ortools", "pulp", "highspy", "numpy")
_MAX_TEXT = 2000


@functools.cache
def versions() -> dict[str, str]:
    """Versions of schedkit, its solver libraries, numpy and Python in this process."""
    out = {}
    for pkg in _PACKAGES:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = ""
    out["python"] = platform.python_version()
    return out


def now() -> str:
    """UTC timestamp, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _stats(stats: dict[str, Any]) -> str:
    try:
        text = json.dumps(stats, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = json.dumps({k: str(v) for k, v in stats.items()})
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def failure(spec: dict[str, Any], status: str, error: str, wall_time: float) -> dict[str, Any]:
    """The record of a run that produced no result (error, timeout, crash)."""
    return {
        "key": spec["key"],
        "status": status,
        "objective": None,
        "lower_bound": None,
        "runtime": None,
        "wall_time": round(wall_time, 3),
        "check": None,
        "error": error[:_MAX_TEXT],
        "stats": None,
        "versions": json.dumps(versions(), sort_keys=True),
        "host": socket.gethostname(),
        "finished_at": now(),
    }


def needs_warm_up(kind: str, method: str) -> bool:
    """True for methods of family ``rule``: fast enough that a first call's one-off cost
    (JIT compilation, caches) would dominate their time, so they are called once before."""
    from schedkit import registry

    try:
        return registry.method_info(kind, method).family == "rule"
    except SchedkitError:
        return False


def warm_up(problem: Any, spec: dict[str, Any]) -> None:
    """Call the run's method once, unmeasured (errors are left to the measured call)."""
    with contextlib.suppress(Exception):
        sk.solve(
            problem,
            spec["method"],
            time_limit=spec["time_limit"],
            workers=spec["workers"],
            seed=spec["seed"],
            **spec["options"],
        )


def execute_run(spec: dict[str, Any], solutions_dir: str | None = None, warm: bool = False) -> dict[str, Any]:
    """Perform one run described by ``RunSpec.to_dict()`` and return its record.

    ``warm``: for rule methods (:func:`needs_warm_up`) call the method once before the
    measured call. Errors of the method (a schedkit error, a solver bug, any other
    exception) are recorded with status ERROR; nothing escapes except
    KeyboardInterrupt/SystemExit.
    """
    started = time.perf_counter()
    problem = None
    try:
        problem = sk.read(spec["instance"]["path"])
        if warm and needs_warm_up(problem.kind, spec["method"]):
            warm_up(problem, spec)
        result = sk.solve(
            problem,
            spec["method"],
            time_limit=spec["time_limit"],
            workers=spec["workers"],
            seed=spec["seed"],
            **spec["options"],
        )
        bad = sk.check(problem, result.solution) if result.solution is not None else None
        if bad is None:
            verdict = "no solution"
        elif bad:
            verdict = f"infeasible: {bad[0]}" + (f" (+{len(bad) - 1} more)" if len(bad) > 1 else "")
        else:
            verdict = "feasible"
        if solutions_dir and result.solution is not None:
            os.makedirs(solutions_dir, exist_ok=True)
            sk.save_solution(problem, result, os.path.join(solutions_dir, solution_file(spec)))
    except SolverBugError as exc:
        return failure(spec, ERROR, f"solver bug: {exc}", time.perf_counter() - started)
    except SchedkitError as exc:
        return failure(spec, ERROR, str(exc), time.perf_counter() - started)
    except Exception as exc:  # a crash of the method must not stop the campaign
        where = traceback.extract_tb(exc.__traceback__)[-1]
        text = f"{type(exc).__name__}: {exc} ({os.path.basename(where.filename)}:{where.lineno})"
        return failure(spec, ERROR, text, time.perf_counter() - started)
    record = failure(spec, str(result.status), "", time.perf_counter() - started)
    record.update(
        objective=_number(result.objective),
        lower_bound=_number(result.lower_bound),
        runtime=round(result.runtime, 4),
        check=verdict,
        error=None,
        stats=_stats(result.stats),
    )
    return record


def solution_file(spec: dict[str, Any]) -> str:
    """File name of a run's saved solution: instance, method, seed and the run key."""
    method = spec["method"].replace(":", "-").replace("/", "-")
    return f"{spec['instance']['name']}__{method}__s{spec['seed']}__{spec['key'][:8]}.json"


def run_isolated(
    spec: dict[str, Any],
    data: bytes | None = None,
    solutions_dir: str | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Perform one run in a fresh Python process and return its record (for Dask workers).

    ``data``: the instance file's bytes, written to a temporary folder under the file's own
    name, so workers need no shared file system. A run still going after ``deadline``
    seconds is killed (TIMEOUT); a process that dies without a result gives CRASHED.
    """
    import subprocess
    import sys
    import tempfile

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="schedkit-run-") as tmp:
        spec = json.loads(json.dumps(spec))
        inst = spec["instance"]
        if data is not None:
            local = os.path.join(tmp, os.path.basename(inst["file"]))
            with open(local, "wb") as fh:
                fh.write(data)
            inst["path"] = local if inst["index"] is None else f"{local}#{inst['index']}"
        spec_file, out_file = os.path.join(tmp, "spec.json"), os.path.join(tmp, "record.json")
        with open(spec_file, "w", encoding="utf-8") as fh:
            json.dump({"spec": spec, "solutions_dir": solutions_dir}, fh)
        cmd = [sys.executable, "-m", "schedkit.bench.runone", spec_file, out_file]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, timeout=deadline, start_new_session=True, check=False
            )
        except subprocess.TimeoutExpired:
            took = time.perf_counter() - started
            why = f"killed after {took:.1f}s: no result (limit {spec['time_limit']:g}s)"
            return failure(spec, TIMEOUT, why, time.perf_counter() - started)
        if os.path.isfile(out_file):
            with open(out_file, encoding="utf-8") as fh:
                return json.load(fh)
        code = proc.returncode
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        if code < 0:
            import signal

            why = f"run process killed by {signal.Signals(-code).name}"
        else:
            why = f"run process exited with status {code} without a result"
        return failure(spec, CRASHED, f"{why} {tail[0]}".strip(), time.perf_counter() - started)
