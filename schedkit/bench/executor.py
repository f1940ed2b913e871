"""The local process pool: each run in its own process, at most ``jobs`` at a time.

A run's process only computes; the parent receives its record through a pipe and stores
it. A run that crashes (segfault, killed by the OOM killer, ``os._exit``) or that is still
running long after its time limit (``factor * limit + extra`` seconds) is recorded as
CRASHED or TIMEOUT and the campaign goes on. Run processes ignore SIGINT: on Ctrl-C the
parent kills them and stores nothing more, so an interrupted run leaves no trace and runs
again next time. Run processes die with the parent (Linux ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import schedkit as sk
from schedkit import registry, warmup
from schedkit.bench.runs import RunSpec
from schedkit.bench.worker import CRASHED, TIMEOUT, execute_run, failure, needs_warm_up, warm_up

#: a run still going after ``KILL_FACTOR * time_limit + KILL_EXTRA`` seconds is killed
KILL_FACTOR = 1.5
KILL_EXTRA = 10.0
_BLOCKED = {signal.SIGINT, signal.SIGTERM}
#: a run process killed by one of these was stopped on purpose: not recorded, it runs next time
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

OnDone = Callable[[RunSpec, dict[str, Any]], None]


def kill_deadline(time_limit: float, factor: float = KILL_FACTOR, extra: float = KILL_EXTRA) -> float:
    """Seconds after which a run with ``time_limit`` is considered hung."""
    return factor * time_limit + extra


def preload_methods(specs: Iterable[RunSpec]) -> None:
    """Import every method module once in this process, so forked run processes start warm.

    Rule methods (see :func:`~schedkit.bench.worker.needs_warm_up`) are also called once on
    the campaign's smallest instance file, so that their one-off cost (JIT compilation) is
    paid here rather than in every run.
    """
    specs = list(specs)
    for kind, method in sorted({(s.instance.kind, s.method) for s in specs}):
        try:
            warmup.prepare(registry.method_info(kind, method))
        except Exception:  # noqa: BLE001 - the run itself will record the error
            continue
        if needs_warm_up(kind, method):
            mine = [s for s in specs if s.instance.kind == kind and s.method == method]
            spec = min(mine, key=lambda s: (os.path.getsize(s.instance.file), s.instance.path))
            with contextlib.suppress(Exception):
                warm_up(sk.read(spec.instance.path), spec.to_dict())


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _child(conn: Connection, spec: dict[str, Any], solutions_dir: str | None, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _BLOCKED)
    record = execute_run(spec, solutions_dir)
    conn.send(record)
    conn.close()


@dataclass
class _Slot:
    spec: RunSpec
    proc: Any
    conn: Connection
    started: float
    deadline: float


class LocalPool:
    """Runs specs in forked processes; see :func:`run_local`."""

    def __init__(
        self,
        jobs: int,
        on_done: OnDone,
        *,
        solutions_dir: str | None = None,
        kill_factor: float = KILL_FACTOR,
        kill_extra: float = KILL_EXTRA,
        on_lost: Callable[[RunSpec, str], None] | None = None,
        on_tick: Callable[[], None] | None = None,
    ):
        self.jobs = jobs
        self.on_done = on_done
        self.on_lost = on_lost
        self.on_tick = on_tick
        self.solutions_dir = solutions_dir
        self.kill_factor = kill_factor
        self.kill_extra = kill_extra
        self.ctx = mp.get_context("fork")
        self.running: list[_Slot] = []

    def _start(self, spec: RunSpec) -> None:
        recv, send = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(
            target=_child,
            args=(send, spec.to_dict(), self.solutions_dir, os.getpid()),
            name=f"schedkit-run-{spec.key[:8]}",
        )
        now = time.monotonic()
        slot = _Slot(
            spec, proc, recv, now, now + kill_deadline(spec.time_limit, self.kill_factor, self.kill_extra)
        )
        # the child starts with SIGINT/SIGTERM blocked and ignores SIGINT before unblocking:
        # a Ctrl-C can never reach it half-way through its set-up
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED)
        try:
            proc.start()
            self.running.append(slot)
        finally:
            send.close()
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _finish(self, slot: _Slot) -> None:
        self.running.remove(slot)
        record = None
        try:
            if slot.conn.poll():
                record = slot.conn.recv()
        except (EOFError, OSError):
            record = None
        slot.conn.close()
        slot.proc.join(5.0)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join()
        elapsed = time.monotonic() - slot.started
        if record is None:
            code = slot.proc.exitcode
            if code is not None and code < 0 and -code in _STOP_SIGNALS:
                if self.on_lost is not None:
                    self.on_lost(slot.spec, f"stopped by {signal.Signals(-code).name}")
                return
            if code is not None and code < 0:
                why = f"run process killed by {signal.Signals(-code).name}"
            else:
                why = f"run process exited with status {code} without a result"
            record = failure(slot.spec.to_dict(), CRASHED, why, elapsed)
        self.on_done(slot.spec, record)

    def _expire(self, slot: _Slot) -> None:
        self.running.remove(slot)
        slot.proc.kill()
        slot.proc.join()
        slot.conn.close()
        elapsed = time.monotonic() - slot.started
        limit = slot.spec.time_limit
        why = (
            f"killed after {elapsed:.1f}s: no result within {self.kill_factor:g} x the time limit "
            f"+ {self.kill_extra:g}s (limit {limit:g}s)"
        )
        self.on_done(slot.spec, failure(slot.spec.to_dict(), TIMEOUT, why, elapsed))

    def kill_all(self) -> None:
        for slot in self.running:
            if slot.proc.is_alive():
                slot.proc.kill()
        for slot in self.running:
            slot.proc.join()
            slot.conn.close()
        self.running.clear()

    def run(self, specs: Iterable[RunSpec]) -> None:
        pending = deque(specs)
        try:
            while pending or self.running:
                while pending and len(self.running) < self.jobs:
                    self._start(pending.popleft())
                now = time.monotonic()
                timeout = max(0.0, min(s.deadline for s in self.running) - now)
                if self.on_tick is not None:
                    timeout = min(timeout, 1.0)
                handles = [s.conn for s in self.running] + [s.proc.sentinel for s in self.running]
                ready = set(wait(handles, timeout))
                for slot in list(self.running):
                    if slot.conn in ready or slot.proc.sentinel in ready:
                        self._finish(slot)
                now = time.monotonic()
                for slot in list(self.running):
                    if now >= slot.deadline:
                        self._expire(slot)
                if self.on_tick is not None:
                    self.on_tick()
        finally:
            self.kill_all()


def run_local(
    specs: Iterable[RunSpec],
    on_done: OnDone,
    *,
    jobs: int = 1,
    solutions_dir: str | None = None,
    kill_factor: float = KILL_FACTOR,
    kill_extra: float = KILL_EXTRA,
    on_lost: Callable[[RunSpec, str], None] | None = None,
    on_tick: Callable[[], None] | None = None,
    preload: bool = True,
) -> None:
    """Perform ``specs`` in at most ``jobs`` processes at a time; ``on_done(spec, record)`` each.

    ``on_done`` is called in this process, in completion order, for every run that
    finished, crashed or was killed for exceeding ``kill_factor * limit + kill_extra``
    seconds. ``preload``: call :func:`preload_methods` first. A KeyboardInterrupt (or any
    error of ``on_done``) kills the running processes and propagates; their runs are not
    reported.
    """
    specs = list(specs)
    if preload:
        preload_methods(specs)
    LocalPool(
        jobs,
        on_done,
        solutions_dir=solutions_dir,
        kill_factor=kill_factor,
        kill_extra=kill_extra,
        on_lost=on_lost,
        on_tick=on_tick,
    ).run(specs)
