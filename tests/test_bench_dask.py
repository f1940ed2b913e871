"""Cluster mode: a real Dask cluster on loopback gives the same results as the local pool."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import schedkit as sk
from schedkit.cli import main

distributed = pytest.importorskip("distributed")


def _results(db: Path) -> dict[tuple, tuple]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "select instance, method, seed, status, objective, lower_bound, verdict, executor from runs"
        ).fetchall()
    finally:
        con.close()
    return {r[:3]: r[3:] for r in rows}


def test_dask_cluster_agrees_with_local_pool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    for k in range(2):
        sk.write(sk.generate("jssp", n=5, m=4, seed=20 + k), folder / f"d{k}.txt")
    args = [str(folder), "--methods", "cpsat,rule:random", "--seeds", "0,1", "-t", "10", "-q"]
    assert main(["bench", *args, "--store", str(tmp_path / "local.db"), "--jobs", "2"]) == 0
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        assert main(["bench", *args, "--store", str(tmp_path / "dask.db"), "--scheduler", address]) == 0
    local, remote = _results(tmp_path / "local.db"), _results(tmp_path / "dask.db")
    assert len(local) == 8 and local.keys() == remote.keys()
    for key, (status, obj, lb, verdict, executor) in local.items():
        assert executor == "local" and remote[key][4] == "dask"
        assert remote[key][:4] == (status, obj, lb, verdict), key
        assert verdict == "feasible"
    assert {local[(n, "cpsat", 0)][0] for n in ("d0", "d1")} == {"OPTIMAL"}
    out = capsys.readouterr()
    assert "Traceback" not in out.err


def test_scheduler_unreachable_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    sk.write(sk.generate("jssp", n=3, m=2, seed=1), folder / "a.txt")
    argv = ["bench", str(folder), "--methods", "cpsat", "--store", str(tmp_path / "r.db")]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to the Dask scheduler" in err and len(err.strip().splitlines()) == 1
    assert main([*argv, "--scheduler", "127.0.0.1:9"]) == 2
    assert "tcp://HOST:PORT" in capsys.readouterr().err
