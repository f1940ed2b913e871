"""SIGINT / SIGTERM during ``schedkit solve``: status 130 / 143, best result printed and saved
(re-checked with ``schedkit check``), and no process left behind.

Each case is a real ``schedkit solve`` subprocess on a generated instance, interrupted after
about 2.5 s; the measured campaign over every anytime method is
``benchmarks/robustness_interrupts.py``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
DELAY = 2.5
STOP_BUDGET = 10.0  # generous: the campaign measures ~0.1-1.5 s; this only catches hangs

# (class, generator parameters, method, extra solve arguments, signal)
CASES = [
    ("jssp", ["--n", "30", "--m", "15", "--seed", "7"], "cpsat", [], signal.SIGINT),
    ("jssp", ["--n", "30", "--m", "15", "--seed", "7"], "ts", [], signal.SIGTERM),
    ("jssp", ["--n", "30", "--m", "15", "--seed", "7"], "mip", [], signal.SIGINT),
    ("smtt", ["--n", "400", "--tf", "0.6", "--rdd", "0.2", "--seed", "1"], "ls", [], signal.SIGINT),
    ("smtt", ["--n", "400", "--tf", "0.6", "--rdd", "0.2", "--seed", "1"], "mip", [], signal.SIGTERM),
    # a compiled search that runs ~20 s in one native call: the signal must still be seen
    ("smtt", ["--n", "500", "--tf", "0.6", "--rdd", "0.2", "--seed", "1"], "exact", [], signal.SIGINT),
    ("fjsp", ["--n", "30", "--m", "10", "--flexibility", "3", "--seed", "2"], "auto", [], signal.SIGTERM),
    ("rcpsp", ["--n", "120", "--rs", "0.2", "--seed", "3"], "mip", [], signal.SIGINT),
    ("vmr", ["--pms", "279", "--seed", "1"], "mip", [], signal.SIGINT),
]


def _case_id(value: object) -> str:
    if isinstance(value, list):
        return "-".join(str(v).lstrip("-") for v in value) or "none"
    if isinstance(value, signal.Signals):
        return value.name
    return str(value)


def _schedkit() -> list[str]:
    return [sys.executable, "-c", "from schedkit.cli import entry; entry()"]


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _group_has_live_member(pgid: int) -> bool:
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Path]:
    out: dict[tuple[str, ...], Path] = {}
    d = tmp_path_factory.mktemp("interrupts")
    for kind, params, *_ in CASES:
        key = (kind, *params)
        if key not in out:
            path = d / f"{kind}_{len(out)}.{'json' if kind == 'vmr' else 'txt'}"
            subprocess.run(
                [*_schedkit(), "generate", kind, *params, "-o", str(path)], check=True, timeout=120
            )
            out[key] = path
    return out


@pytest.mark.skipif(not hasattr(os, "killpg") or not Path("/proc").is_dir(), reason="POSIX /proc needed")
@pytest.mark.parametrize(("kind", "params", "method", "extra", "sig"), CASES, ids=_case_id)
def test_signal_stops_with_saved_feasible_solution(
    instances: dict, tmp_path: Path, kind: str, params: list[str], method: str, extra: list[str], sig: int
) -> None:
    inst = instances[(kind, *params)]
    sol = tmp_path / "sol.json"
    cmd = [*_schedkit(), "solve", str(inst), "-m", method, "-t", "60", "--out", str(sol), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(DELAY)
        assert proc.poll() is None, f"{method} finished before the signal: the instance is too easy"
        proc.send_signal(sig)
        sent = time.perf_counter()
        try:
            out, _ = proc.communicate(timeout=STOP_BUDGET)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{kind} {method} still running {STOP_BUDGET} s after {signal.Signals(sig).name}")
        took = time.perf_counter() - sent
        time.sleep(0.2)
        left = _group_has_live_member(proc.pid)
    finally:
        _kill_group(proc.pid)
        proc.wait()
    log = out.decode(errors="replace")
    assert proc.returncode == EXIT[sig], log
    assert "Traceback" not in log
    assert any(line.startswith("status ") for line in log.splitlines()), log
    assert not left, "a child process of the solve survived it"
    assert took < STOP_BUDGET
    chk = subprocess.run(
        [*_schedkit(), "check", str(inst), str(sol), *extra], capture_output=True, text=True, timeout=120
    )
    assert chk.returncode == 0, chk.stdout + chk.stderr


def test_cli_exit_with_an_abandoned_solver_thread_keeps_output_and_status(tmp_path: Path) -> None:
    """A solver thread left running after a stop must not decide how the process ends: the CLI
    flushes its output and exits with its own status at once (interpreter finalisation under a
    running HiGHS aborted with SIGABRT before). The stand-in thread here is not a daemon, so a
    normal interpreter exit would wait for it past the timeout."""
    script = (
        "import sys, threading, time\n"
        "from schedkit.shutdown import abandon\n"
        "t = threading.Thread(target=time.sleep, args=(300,))\n"
        "t.start()\n"
        "abandon(t)\n"
        "sys.argv = ['schedkit', 'info', sys.argv[1]]\n"
        "from schedkit.cli import entry\n"
        "entry()\n"
    )
    inst = Path(__file__).resolve().parents[1] / "instances" / "jssp_10x10.txt"

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-c", script, str(path)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    done = run(inst)
    assert done.returncode == 0, done.stderr
    assert "jssp_10x10" in done.stdout
    missing = run(tmp_path / "missing.txt")
    assert missing.returncode == 2
    assert missing.stderr.startswith("schedkit: error:")
