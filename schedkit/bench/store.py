"""The results store: an SQLite file holding one row per finished run.

Each row is written in its own transaction, after the run finished, under a unique run
key (see :class:`schedkit.bench.runs.RunSpec`): an interrupted campaign never leaves half a
row, and running it again never records a run twice. The database has a single table,
``runs``; the schema version is kept in ``PRAGMA user_version``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from typing import Any

from schedkit.bench.runs import RunSpec
from schedkit.errors import InvalidParameterError

SCHEMA_VERSION = 1

#: column name -> SQL type, in table order
COLUMNS: dict[str, str] = {
    "key": "TEXT PRIMARY KEY",
    "instance": "TEXT NOT NULL",
    "instance_set": "TEXT NOT NULL",
    "instance_path": "TEXT NOT NULL",
    "instance_digest": "TEXT NOT NULL",
    "kind": "TEXT NOT NULL",
    "method": "TEXT NOT NULL",
    "options": "TEXT NOT NULL",
    "seed": "INTEGER NOT NULL",
    "time_limit": "REAL NOT NULL",
    "workers": "INTEGER NOT NULL",
    "status": "TEXT NOT NULL",
    "objective": "NUMERIC",
    "lower_bound": "NUMERIC",
    "runtime": "REAL",
    "wall_time": "REAL",
    "verdict": "TEXT",
    "error": "TEXT",
    "ref_lb": "NUMERIC",
    "ref_ub": "NUMERIC",
    "ref_optimal": "INTEGER",
    "ref_source": "TEXT",
    "stats": "TEXT",
    "versions": "TEXT",
    "host": "TEXT",
    "executor": "TEXT",
    "command": "TEXT",
    "finished_at": "TEXT NOT NULL",
}
_IDENTITY = ("instance_path", "instance_digest", "method", "seed", "time_limit", "workers", "options")


class Store:
    """An open results store.

    Parameters
    ----------
    path
        SQLite file; created (with its table) when missing and ``create`` is true.
    create
        False to refuse a missing file (``schedkit report``).
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True):
        self.path = os.fspath(path)
        if not create and not os.path.isfile(self.path):
            raise InvalidParameterError(f"{self.path}: no such results store")
        if os.path.isdir(self.path):
            raise InvalidParameterError(f"{self.path}: is a directory, not a results store")
        try:
            self.conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise InvalidParameterError(f"{self.path}: cannot open results store ({exc})") from None
        try:
            self._prepare(create)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise InvalidParameterError(f"{self.path}: not a readable results store ({exc})") from None
        except InvalidParameterError:
            self.conn.close()
            raise

    def _prepare(self, create: bool) -> None:
        tables = {r[0] for r in self.conn.execute("select name from sqlite_master where type='table'")}
        version = self.conn.execute("pragma user_version").fetchone()[0]
        if "runs" in tables:
            have = {r[1] for r in self.conn.execute("pragma table_info(runs)")}
            missing = [c for c in COLUMNS if c not in have]
            if missing or version != SCHEMA_VERSION:
                raise InvalidParameterError(
                    f"{self.path}: not a schedkit results store of schema {SCHEMA_VERSION} "
                    f"(version {version}, missing columns: {', '.join(missing) or 'none'})"
                )
            return
        if tables:
            raise InvalidParameterError(f"{self.path}: an SQLite database without a 'runs' table")
        if not create:
            raise InvalidParameterError(f"{self.path}: empty results store (no runs recorded)")
        cols = ",\n  ".join(f"{name} {sql}" for name, sql in COLUMNS.items())
        self.conn.execute("begin immediate")
        try:
            self.conn.execute(f"create table if not exists runs (\n  {cols}\n)")
            self.conn.execute(
                f"create unique index if not exists runs_identity on runs ({', '.join(_IDENTITY)})"
            )
            self.conn.execute(f"pragma user_version = {SCHEMA_VERSION}")
            self.conn.execute("commit")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("rollback")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.conn.execute("select count(*) from runs").fetchone()[0]

    def keys(self) -> set[str]:
        """Keys of every stored run."""
        return {r[0] for r in self.conn.execute("select key from runs")}

    def failed_keys(self, statuses: Iterable[str]) -> set[str]:
        marks = ",".join("?" for _ in statuses)
        return {
            r[0]
            for r in self.conn.execute(f"select key from runs where status in ({marks})", tuple(statuses))
        }

    def add(
        self, spec: RunSpec, record: dict[str, Any], executor: str = "local", command: str | None = None
    ) -> bool:
        """Record a finished run in one transaction; False when its key was already stored.

        ``executor`` (``local``/``dask``) and ``command`` (the command line that ran it) are
        kept for the report.
        """
        if record["key"] != spec.key:
            raise ValueError(f"record of run {record['key']} given for run {spec.key}")
        inst, ref = spec.instance, spec.instance.reference
        row = {
            "key": spec.key,
            "instance": inst.name,
            "instance_set": inst.set,
            "instance_path": inst.path,
            "instance_digest": inst.digest,
            "kind": inst.kind,
            "method": spec.method,
            "options": json.dumps(spec.options, sort_keys=True, default=str),
            "seed": spec.seed,
            "time_limit": float(spec.time_limit),
            "workers": spec.workers,
            "status": record["status"],
            "objective": record["objective"],
            "lower_bound": record["lower_bound"],
            "runtime": record["runtime"],
            "wall_time": record["wall_time"],
            "verdict": record["check"],
            "error": record["error"],
            "ref_lb": ref.lb if ref else None,
            "ref_ub": ref.ub if ref else None,
            "ref_optimal": int(ref.optimal) if ref else None,
            "ref_source": ref.source if ref else None,
            "stats": record["stats"],
            "versions": record["versions"],
            "host": record["host"],
            "executor": executor,
            "command": command,
            "finished_at": record["finished_at"],
        }
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        try:
            self.conn.execute("begin immediate")
            try:
                cur = self.conn.execute(f"insert or ignore into runs ({names}) values ({marks})", row)
                self.conn.execute("commit")
            except BaseException:
                self._rollback()
                raise
        except sqlite3.Error as exc:
            raise InvalidParameterError(f"{self.path}: cannot record a run ({exc})") from None
        return cur.rowcount == 1

    def delete(self, keys: Iterable[str]) -> int:
        """Remove the runs with these keys (to run failed ones again); returns how many."""
        keys = list(keys)
        if not keys:
            return 0
        self.conn.execute("begin immediate")
        try:
            n = 0
            for key in keys:
                n += self.conn.execute("delete from runs where key = ?", (key,)).rowcount
            self.conn.execute("commit")
        except BaseException:
            self._rollback()
            raise
        return n

    def rows(self) -> list[dict[str, Any]]:
        """Every stored run as a dict of its columns, in insertion order."""
        cur = self.conn.execute(f"select {', '.join(COLUMNS)} from runs order by rowid")
        return [dict(zip(COLUMNS, r, strict=True)) for r in cur]
