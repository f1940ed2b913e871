"""Benchmark harness with real run processes: resume, failures, the CLI, SIGINT on the process group."""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import schedkit as sk
from schedkit import registry
from schedkit.bench import Campaign, Store, build_campaign, find_instances
from schedkit.cli import main


def _write_set(folder: Path, n: int = 3, size: tuple[int, int] = (4, 3), seed: int = 10) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for k in range(n):
        name = f"g{k + 1:02d}"
        sk.write(sk.generate("jssp", n=size[0], m=size[1], seed=seed + k), folder / f"{name}.txt")
        names.append(name)
    return names


def _rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "select key, instance, method, seed, status, objective, finished_at from runs"
        ).fetchall()
    finally:
        con.close()


# resume after an interruption -------------------------------------------------------------------------
def test_resume_keeps_every_finished_run_once(tmp_path: Path) -> None:
    _write_set(tmp_path / "set")
    specs = build_campaign(find_instances([str(tmp_path / "set")]), ["cpsat", "rule:spt"], [0, 1], 5)
    db = tmp_path / "r.db"

    class Interrupted(Store):
        def add(self, spec, record, executor="local", command=None):  # type: ignore[no-untyped-def]
            stored = super().add(spec, record, executor, command)
            if len(self) == 5:
                raise KeyboardInterrupt  # Ctrl-C right after the 5th run was recorded
            return stored

    store = Interrupted(db)
    first = Campaign(specs, store, jobs=2)
    with pytest.raises(KeyboardInterrupt):
        first.run()
    store.close()
    assert multiprocessing.active_children() == []  # no run process left behind
    before = {r[0]: r for r in _rows(db)}
    assert len(before) == 5

    with Store(db) as st:
        again = Campaign(specs, st, jobs=2)
        todo = again.missing()
        assert len(todo) == len(specs) - 5 and not {s.key for s in todo} & set(before)
        again.run(todo)
        assert again.recorded == len(specs) - 5 and again.failed == 0
        assert Campaign(specs, st).missing() == []
    after = _rows(db)
    assert len(after) == len(specs) == len({r[0] for r in after})
    assert {r[0]: r for r in after if r[0] in before} == before  # finished runs untouched
    assert {r[4] for r in after} <= {"OPTIMAL", "FEASIBLE"}
    # equal seeds, equal deterministic results; cpsat proves the optimum on these tiny instances
    by = {(r[1], r[2], r[3]): r for r in after}
    for inst in ("g01", "g02", "g03"):
        assert by[(inst, "cpsat", 0)][4] == "OPTIMAL"
        assert by[(inst, "cpsat", 0)][5] == by[(inst, "cpsat", 1)][5] <= by[(inst, "rule:spt", 0)][5]


# failures are recorded and do not stop the campaign ---------------------------------------------------
def _raise(problem, ctx):  # type: ignore[no-untyped-def]
    raise RuntimeError("deliberate failure")


def _segfault(problem, ctx):  # type: ignore[no-untyped-def]
    faulthandler.disable()  # pytest's fault handler would print a traceback of the crash
    os.kill(os.getpid(), signal.SIGSEGV)


def _hang(problem, ctx):  # type: ignore[no-untyped-def]
    time.sleep(120)


def _terminated(problem, ctx):  # type: ignore[no-untyped-def]
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)


@pytest.fixture
def broken_methods():
    fakes = {
        "test:raise": _raise,
        "test:segfault": _segfault,
        "test:hang": _hang,
        "test:terminated": _terminated,
    }
    for name, fn in fakes.items():
        registry.register_method("jssp", name, fn, "deliberately broken (tests)", family="test")  # type: ignore[arg-type]
    yield list(fakes)
    methods = registry.kind_info("jssp").methods
    for name in fakes:
        methods.pop(name, None)


def test_crash_error_and_hang_are_recorded(tmp_path: Path, broken_methods: list[str]) -> None:
    _write_set(tmp_path / "set", n=1)
    methods = ["rule:spt", *broken_methods]
    specs = build_campaign(find_instances([str(tmp_path / "set")]), methods, [0], 0.5)
    with Store(tmp_path / "r.db") as st:
        campaign = Campaign(specs, st, jobs=2, kill_factor=1.0, kill_extra=1.0)
        started = time.monotonic()
        campaign.run()
        assert time.monotonic() - started < 60  # the hung run was killed, not waited for
        rows = {r["method"]: r for r in st.rows()}
        assert {s.method for s in Campaign(specs, st).missing()} == {"test:terminated"}
        again = Campaign(specs, st).missing(retry_failed=True)  # failed runs are removed, to run again
        assert {s.method for s in again} == set(broken_methods) and len(st) == 1
    assert rows["rule:spt"]["status"] == "FEASIBLE" and rows["rule:spt"]["verdict"] == "feasible"
    assert rows["test:raise"]["status"] == "ERROR"
    assert "RuntimeError: deliberate failure" in rows["test:raise"]["error"]
    assert rows["test:segfault"]["status"] == "CRASHED" and "SIGSEGV" in rows["test:segfault"]["error"]
    assert rows["test:hang"]["status"] == "TIMEOUT" and "killed after" in rows["test:hang"]["error"]
    assert "test:terminated" not in rows  # stopped from outside: not recorded, runs again next time
    assert len(campaign.lost) == 1 and "SIGTERM" in campaign.lost[0]
    assert campaign.failed == 3 and multiprocessing.active_children() == []


# the command line -----------------------------------------------------------------------------------------
def test_cli_bench_resume_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = _write_set(tmp_path / "set")
    (tmp_path / "set" / "reference.csv").write_text(
        "instance,lb,ub,optimal,source\n" + "".join(f"{n},1,100000,false,test\n" for n in names)
    )
    db, md = tmp_path / "r.db", tmp_path / "r.md"
    args = ["bench", str(tmp_path / "set"), "--methods", "cpsat,rule:mwkr", "-t", "5", "--store", str(db)]
    assert (
        main(
            [
                *args,
                "--seeds",
                "0,1",
                "--jobs",
                "2",
                "--report",
                str(md),
                "--solutions",
                str(tmp_path / "sol"),
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert "12 runs; 0 already" in err and "12/12 runs stored" in err and "bench [12/12]" in err
    assert "| set | cpsat | 5 | 3 | 6 | 6 | 6 | 0 |" in out
    assert len(_rows(db)) == 12 and len(list((tmp_path / "sol").glob("*.json"))) == 12
    assert "gap" in md.read_text() and (tmp_path / "r.png").exists()
    # the same command again runs nothing; one more seed runs only the new runs
    assert main([*args, "--seeds", "0,1"]) == 0
    assert "12 already in" in capsys.readouterr().err
    assert main([*args, "--seeds", "0-2", "-q"]) == 0
    assert "12 already in" in capsys.readouterr().err and len(_rows(db)) == 18
    # report on stdout and as HTML
    assert main(["report", str(db), "--html", str(tmp_path / "r.html"), "--per-instance"]) == 0
    assert "base64" in (tmp_path / "r.html").read_text()
    assert main(["report", str(db)]) == 0
    assert "| set | cpsat | 5 | 3 | 9 | 9 | 9 | 0 |" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--methods", "nosuch"], "unknown method 'nosuch' for jssp"),
        (["--methods", "cpsat", "--seeds", "x"], "seeds must look like"),
        (["--methods", "cpsat", "--option", "bogus=1"], "no method of the campaign takes option 'bogus'"),
    ],
)
def test_cli_bench_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    _write_set(tmp_path / "set", n=1)
    assert main(["bench", str(tmp_path / "set"), "--store", str(tmp_path / "r.db"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_bench_and_report_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_set(tmp_path / "set", n=1)
    (tmp_path / "empty").mkdir()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 50)
    cases = [
        ["bench", str(tmp_path / "empty"), "--methods", "cpsat"],
        ["bench", str(tmp_path / "set"), "--methods", "cpsat", "--store", str(junk)],
        ["report", str(junk)],
        ["report", str(tmp_path / "none.db")],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("schedkit: error:") and len(err.strip().splitlines()) == 1, err
    with pytest.raises(SystemExit) as exc:
        main(["bench", str(tmp_path / "set"), "--methods", "cpsat", "--time-limit", "-1"])
    assert exc.value.code == 2
    assert "must be a finite number >= 0" in capsys.readouterr().err


# Ctrl-C on the whole process group, as a terminal sends it ----------------------------------------------
def _default_sigint() -> None:
    """In the child: SIGINT as a terminal's process has it (a shell's background job, e.g. a
    suite started with '&', would hand it down ignored, and Python then never raises on it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_to_process_group_then_resume(tmp_path: Path) -> None:
    _write_set(tmp_path / "set", n=3, size=(12, 8))
    db = tmp_path / "r.db"
    cmd = [sys.executable, "-c", "from schedkit.cli import entry; entry()", "bench", str(tmp_path / "set")]
    cmd += ["--methods", "cpsat,rule:spt", "--time-limit", "1", "--jobs", "2", "--store", str(db)]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists() and _count(db) >= 2:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()
    assert b"interrupted" in err and b"Traceback" not in err
    kept = {r[0]: r for r in _rows(db)}
    assert 2 <= len(kept) < 6
    done = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert f"{len(kept)} already in".encode() in done.stderr
    rows = _rows(db)
    assert len(rows) == 6 == len({r[0] for r in rows})
    assert {r[0]: r for r in rows if r[0] in kept} == kept


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return con.execute("select count(*) from runs").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


# the fresh-process path used on Dask workers ------------------------------------------------------------
def test_run_isolated_ships_the_file_and_kills_on_deadline(tmp_path: Path) -> None:
    from schedkit.bench.worker import run_isolated

    _write_set(tmp_path / "set", n=1)
    (spec,) = build_campaign(find_instances([str(tmp_path / "set")]), ["cpsat"], [0], 5)
    data = Path(spec.instance.file).read_bytes()
    moved = spec.to_dict()
    moved["instance"]["path"] = moved["instance"]["file"] = str(
        tmp_path / "elsewhere" / "g01.txt"
    )  # not there
    record = run_isolated(moved, data, None, 120.0)
    assert (record["key"], record["status"], record["check"]) == (spec.key, "OPTIMAL", "feasible")
    killed = run_isolated(spec.to_dict(), data, None, 0.01)  # no Python starts in 10 ms
    assert killed["status"] == "TIMEOUT" and "killed after" in killed["error"]
