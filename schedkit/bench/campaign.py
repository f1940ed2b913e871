"""Run a campaign into a store: skip the stored runs, perform the others, record each at once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schedkit.bench.discover import find_instances
from schedkit.bench.executor import KILL_EXTRA, KILL_FACTOR, preload_methods, run_local
from schedkit.bench.progress import Progress
from schedkit.bench.runs import RunSpec, build_campaign, parse_methods, parse_seeds
from schedkit.bench.store import Store
from schedkit.bench.worker import FAILED
from schedkit.errors import InvalidParameterError


@dataclass
class Campaign:
    """A list of runs bound to a store.

    ``run()`` performs the runs missing from the store. The counters stay valid when it
    is interrupted (KeyboardInterrupt propagates): ``recorded`` runs are stored.
    """

    specs: list[RunSpec]
    store: Store
    jobs: int = 1
    scheduler: str | None = None
    client: Any = None
    solutions_dir: str | None = None
    kill_factor: float = KILL_FACTOR
    kill_extra: float = KILL_EXTRA
    progress: Progress | None = None
    command: str | None = None
    stored_before: int = 0
    recorded: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)

    def missing(self, retry_failed: bool = False) -> list[RunSpec]:
        """Runs of the campaign not in the store (with ``retry_failed``: failed ones removed first)."""
        keys = {s.key for s in self.specs}
        if retry_failed:
            self.store.delete(keys & self.store.failed_keys(FAILED))
        have = self.store.keys() & keys
        self.stored_before = len(have)
        return [s for s in self.specs if s.key not in have]

    def _done(self, spec: RunSpec, record: dict[str, Any]) -> None:
        executor = "dask" if self.scheduler or self.client is not None else "local"
        if self.store.add(spec, record, executor, self.command):
            self.recorded += 1
            self.failed += record["status"] in FAILED
        if self.progress is not None:
            self.progress.update(spec, record)

    def _lost(self, spec: RunSpec, why: str) -> None:
        self.lost.append(f"{spec.label}: {why}")
        if self.progress is not None:
            self.progress.note(f"{spec.label}: {why}; not recorded, it runs again next time")

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress.tick()

    def run(self, todo: Iterable[RunSpec] | None = None) -> None:
        """Perform ``todo`` (default: the missing runs), recording each as it finishes."""
        todo = self.missing() if todo is None else list(todo)
        if not todo:
            return
        common = dict(
            solutions_dir=self.solutions_dir,
            kill_factor=self.kill_factor,
            kill_extra=self.kill_extra,
            on_lost=self._lost,
            on_tick=self._tick,
        )
        local = not (self.scheduler or self.client is not None)
        if local:
            preload_methods(todo)  # before the clock of the progress bar starts
        if self.progress is not None:
            self.progress.start()
        try:
            if not local:
                from schedkit.bench.cluster import run_dask

                jobs = self.jobs if self.jobs > 0 else None
                run_dask(todo, self._done, address=self.scheduler, client=self.client, jobs=jobs, **common)
            else:
                run_local(todo, self._done, jobs=self.jobs, preload=False, **common)
        finally:
            if self.progress is not None:
                self.progress.close()


def bench(
    instances: str | list[str],
    methods: str | list[str],
    time_limit: float,
    *,
    seeds: str | list[int] = (0,),  # type: ignore[assignment]
    store: str | os.PathLike[str] = "results.db",
    jobs: int = 1,
    workers: int = 1,
    options: dict[str, Any] | None = None,
    reference: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    client: Any = None,
    solutions_dir: str | None = None,
    retry_failed: bool = False,
    progress: bool = False,
) -> Store:
    """Run a campaign from Python; returns the (open) store. See ``schedkit bench --help``.

    >>> store = bench("../shared/instances/jssp/ft", "cpsat,rule:mwkr", 5)  # doctest: +SKIP
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidParameterError(f"jobs must be an integer >= 1, got {jobs!r}")
    specs_in = [instances] if isinstance(instances, str | os.PathLike) else list(instances)
    found = find_instances([os.fspath(s) for s in specs_in], reference)
    specs = build_campaign(
        found, parse_methods(methods), parse_seeds(seeds), time_limit, workers=workers, options=options
    )
    st = Store(store)
    campaign = Campaign(specs, st, jobs=jobs, scheduler=scheduler, client=client, solutions_dir=solutions_dir)
    todo = campaign.missing(retry_failed)
    if progress:
        expected = sum(s.time_limit for s in todo) / jobs
        campaign.progress = Progress(len(specs), already=campaign.stored_before, jobs=jobs, expected=expected)
    campaign.run(todo)
    return st
