"""Progress of a campaign on stderr: runs done, runs left, time left.

On a terminal one bar is redrawn in place; otherwise (a log file, a pipe) one plain line
is printed per finished run.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from schedkit.bench.runs import RunSpec
from schedkit.bench.worker import FAILED

_WIDTH = 24


def clock(seconds: float | None) -> str:
    """``3725`` -> ``"1:02:05"``, ``65`` -> ``"1:05"``; ``None`` -> ``"?"``."""
    if seconds is None:
        return "?"
    s = int(round(max(0.0, seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Counts finished runs and estimates the time left.

    ``already`` runs were done before (stored by an earlier invocation). The estimate is the
    wall time per run finished in this invocation times the runs left; before the first one
    finishes it is ``expected`` (e.g. the runs' time limits over the jobs) minus the elapsed time.
    """

    def __init__(
        self,
        total: int,
        *,
        already: int = 0,
        jobs: int = 1,
        expected: float = 0.0,
        stream: TextIO | None = None,
        tty: bool | None = None,
        enabled: bool = True,
    ):
        self.total = total
        self.jobs = max(1, jobs)
        self.expected = expected
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.enabled = enabled
        self.already = already
        self.done = already
        self.failed = 0
        self.started = time.monotonic()
        self._drawn = False

    @property
    def left(self) -> int:
        return self.total - self.done

    def eta(self) -> float | None:
        elapsed = time.monotonic() - self.started
        if self.done > self.already:
            return elapsed / (self.done - self.already) * self.left
        return max(0.0, self.expected - elapsed) if self.expected else None

    def _bar(self) -> str:
        filled = int(_WIDTH * self.done / self.total) if self.total else _WIDTH
        elapsed = time.monotonic() - self.started
        return (
            f"[{'#' * filled}{'-' * (_WIDTH - filled)}] {self.done}/{self.total} runs done, "
            f"{self.left} left, elapsed {clock(elapsed)}, ETA {clock(self.eta())}"
        )

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def start(self) -> None:
        """Start the clock (and draw the bar on a terminal)."""
        self.started = time.monotonic()
        if self.enabled and self.tty:
            self._write("\r" + self._bar() + "\x1b[K")
            self._drawn = True

    def update(self, spec: RunSpec, record: dict[str, Any]) -> None:
        """Count a finished run and show it."""
        self.done += 1
        failed = record["status"] in FAILED
        self.failed += failed
        if not self.enabled:
            return
        outcome = record["status"]
        if record.get("objective") is not None:
            outcome += f" {record['objective']:g}"
        if record.get("runtime") is not None:
            outcome += f" in {record['runtime']:.2f}s"
        if failed and record.get("error"):
            outcome += f": {record['error']}"
        if self.tty:
            if failed:
                self._write(f"\r\x1b[K{spec.label}: {outcome}\n")
            self._write("\r" + self._bar() + "\x1b[K")
        else:
            self._write(
                f"bench [{self.done}/{self.total}] {spec.label}: {outcome}; "
                f"{self.left} left, ETA {clock(self.eta())}\n"
            )

    def tick(self) -> None:
        if self.enabled and self.tty:
            self._write("\r" + self._bar() + "\x1b[K")

    def close(self) -> None:
        if self.enabled and self.tty and self._drawn:
            self._write("\n")
            self._drawn = False

    def note(self, text: str) -> None:
        """A message line that does not break the bar."""
        if not self.enabled:
            return
        self._write(("\r\x1b[K" if self.tty else "") + text + "\n")
        if self.tty and self._drawn:
            self._write(self._bar() + "\x1b[K")
