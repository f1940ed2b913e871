"""Process-wide state for ending a process cleanly after a solve: native solver threads that
could not be cancelled, and the request to skip the interpreter's teardown.

Solvers record an abandoned thread here (:func:`abandon`); the console entry point reads it
(:func:`abandoned_alive`, :func:`teardown_skipped`) to decide whether to end with ``os._exit``.
The per-call parameters of a solve are in :mod:`schedkit.context`.
"""

from __future__ import annotations

import threading

_abandoned: list[threading.Thread] = []
_teardown_skipped: list[bool] = []


def abandon(thread: threading.Thread) -> None:
    """Record a daemon solver thread left running after a stop (it cannot be cancelled)."""
    _abandoned.append(thread)


def skip_teardown() -> None:
    """Ask the console entry point to end with ``os._exit`` once everything is printed and
    saved: tearing down a solve's large models (millions of PuLP objects) takes up to a second
    after the result is out."""
    _teardown_skipped.append(True)


def teardown_skipped() -> bool:
    """True when :func:`skip_teardown` was called."""
    return bool(_teardown_skipped)


def abandoned_alive() -> bool:
    """True while a thread recorded by :func:`abandon` still runs: the process should then end
    with ``os._exit``, since finalising the interpreter under a running native solver can abort."""
    return any(t.is_alive() for t in _abandoned)
