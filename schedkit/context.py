"""What a method receives besides the problem: limits, seed, hint, stop signal."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SolveContext:
    """Parameters of one solve call, handed to the method.

    ``time_limit`` is a wall-clock limit for the whole call counted from ``started`` (a
    ``time.perf_counter()`` value); ``None`` means no limit. ``stop`` is set when the user
    interrupts (Ctrl-C in the CLI): anytime methods poll it and return their incumbent.
    ``incumbent`` may be updated by anytime methods so that an interrupted call still has
    the best solution found so far.
    """

    method: str
    time_limit: float | None = None
    workers: int = 1
    seed: int = 0
    hint: Any | None = None
    options: dict[str, Any] = field(default_factory=dict)
    verbose: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.perf_counter)
    incumbent: Any | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self, reserve: float = 0.0) -> float | None:
        """Seconds left before the deadline, minus ``reserve``; ``None`` without a limit."""
        if self.time_limit is None:
            return None
        return max(0.0, self.time_limit - self.elapsed() - reserve)

    def expired(self) -> bool:
        """True once the deadline passed or a stop was requested."""
        if self.stop.is_set():
            return True
        return self.time_limit is not None and self.elapsed() >= self.time_limit

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


_abandoned: list[threading.Thread] = []


def abandon(thread: threading.Thread) -> None:
    """Record a daemon solver thread left running after a stop (it cannot be cancelled)."""
    _abandoned.append(thread)


def abandoned_alive() -> bool:
    """True while a thread recorded by :func:`abandon` still runs: the process should then end
    with ``os._exit``, since finalising the interpreter under a running native solver can abort."""
    return any(t.is_alive() for t in _abandoned)
