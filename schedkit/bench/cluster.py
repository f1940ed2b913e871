"""Cluster mode: send the runs to a Dask distributed scheduler instead of the local pool.

Each run becomes one Dask task that performs the run in a fresh Python process on the
worker (:func:`schedkit.bench.worker.run_isolated`), so a crash or a hang is recorded like
in the local pool. The instance file's bytes travel with the task (scattered once per
file): workers need schedkit installed, not a shared file system. Records come back to
this process, which writes them to the same store as a local campaign.
"""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from schedkit.bench.executor import KILL_EXTRA, KILL_FACTOR, OnDone, kill_deadline
from schedkit.bench.runs import RunSpec
from schedkit.bench.worker import CRASHED, failure, run_isolated
from schedkit.errors import InvalidParameterError


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InvalidParameterError(
            "cluster mode needs Dask: pip install 'dask[distributed]' (or schedkit[cluster])"
        ) from None
    return distributed


def connect(address: str, timeout: float = 20.0) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address`` (``tcp://HOST:PORT``)."""
    distributed = _distributed()
    url = urlsplit(address)
    if not url.scheme or not url.hostname:
        raise InvalidParameterError(f"scheduler address must look like tcp://HOST:PORT, got {address!r}")
    if url.scheme == "tcp":  # fail at once on a refused connection instead of retrying until the timeout
        try:
            socket.create_connection((url.hostname, url.port or 8786), timeout=timeout).close()
        except OSError as exc:
            raise InvalidParameterError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InvalidParameterError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None


def run_dask(
    specs: Iterable[RunSpec],
    on_done: OnDone,
    *,
    address: str | None = None,
    client: Any = None,
    jobs: int | None = None,
    solutions_dir: str | None = None,
    kill_factor: float = KILL_FACTOR,
    kill_extra: float = KILL_EXTRA,
    on_lost: Callable[[RunSpec, str], None] | None = None,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Perform ``specs`` on a Dask cluster; ``on_done(spec, record)`` here for each finished run.

    Give the scheduler ``address`` or an existing ``client``. ``jobs`` caps the runs in
    flight (default: all submitted at once, Dask balances them). On KeyboardInterrupt the
    outstanding tasks are cancelled and the interrupt propagates.
    """
    distributed = _distributed()
    own = client is None
    if own:
        if address is None:
            raise InvalidParameterError("run_dask needs a scheduler address or a client")
        client = connect(address)
    pending = deque(specs)
    cap = jobs or len(pending) or 1
    scattered: dict[str, Any] = {}
    in_flight: dict[Any, RunSpec] = {}
    try:
        while pending or in_flight:
            while pending and len(in_flight) < cap:
                spec = pending.popleft()
                file = spec.instance.file
                if file not in scattered:
                    with open(file, "rb") as fh:
                        scattered[file] = client.scatter(fh.read(), hash=False)
                fut = client.submit(
                    run_isolated,
                    spec.to_dict(),
                    scattered[file],
                    solutions_dir and os.path.abspath(solutions_dir),
                    kill_deadline(spec.time_limit, kill_factor, kill_extra),
                    key=f"schedkit-run-{spec.key}-{time.time_ns():x}",
                    pure=False,
                )
                in_flight[fut] = spec
            try:
                with client.as_current():
                    done = distributed.wait(list(in_flight), timeout=1.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            for fut in done:
                spec = in_flight.pop(fut)
                if fut.status == "finished":
                    on_done(spec, fut.result())
                elif fut.status == "cancelled":
                    if on_lost is not None:
                        on_lost(spec, "cancelled by the Dask scheduler")
                else:
                    exc = fut.exception()
                    on_done(spec, failure(spec.to_dict(), CRASHED, f"dask: {type(exc).__name__}: {exc}", 0.0))
            if on_tick is not None:
                on_tick()
    finally:
        if in_flight:
            client.cancel(list(in_flight), force=True)
        if own:
            client.close(timeout=5)
