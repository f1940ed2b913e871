"""Explicit warm-up of the compiled (numba) kernels, outside any timed call.

Importing a method runs no work: the methods whose kernels are compiled with numba name
warm-up targets in their catalog entry (``warm_up=`` of
:func:`schedkit.registry.register_method` / ``register_kind``): a ``"module:function"`` to call,
or a ``"module"`` whose import compiles kernels with explicit signatures. :func:`prepare` runs
them once per process before a solve starts its clock. numba caches the machine code on disk,
so only the first use after an installation compiles (10-60 s); later processes load it in well
under a second. ``schedkit warm-up`` (:func:`warm_up_all`) compiles everything ahead.

Compilation is announced only when numba really compiles: :func:`announce_compilation` listens
to numba's ``numba:compile`` event, which fires on a cache miss and not on a cache load.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from schedkit import registry

COMPILING = (
    "schedkit: compiling the method's kernels (first use after installation or an upgrade; "
    "cached for later runs, not counted in the time limit; 'schedkit warm-up' does it ahead)..."
)

_done: set[str] = set()
_checked: list[bool] = []  # drop_stale_caches() ran in this process
_lock = threading.RLock()
_log = logging.getLogger("schedkit")


def drop_stale_caches(root: Path | None = None) -> bool:
    """Delete numba's on-disk caches of the kernels when any solver source changed since they
    were written; True when it deleted them.

    numba checks a cache against its own source file only, not against the modules whose
    kernels it calls (``search/graph.py`` is called by both shop kernels): after an edit of
    such a module alone, a stale kernel would run. A stamp of the size and modification time of
    every solver source that uses numba, kept beside the caches, catches that. Nothing is done where the
    package is not writable (numba then caches elsewhere, per user)."""
    root = root or Path(__file__).resolve().parent / "solvers"
    sources = sorted(s for s in root.rglob("*.py") if "numba" in s.read_text(errors="replace"))
    stamp = hashlib.sha256()
    for source in sources:
        st = source.stat()
        stamp.update(f"{source.relative_to(root)}:{st.st_size}:{st.st_mtime_ns};".encode())
    stamp_file = root / "__pycache__" / "numba-sources.stamp"
    if not os.access(root, os.W_OK):
        return False
    if stamp_file.exists() and stamp_file.read_text() == stamp.hexdigest():
        return False
    dropped = False
    for cache in [*root.rglob("__pycache__/*.nbi"), *root.rglob("__pycache__/*.nbc")]:
        with contextlib.suppress(OSError):
            cache.unlink()
            dropped = True
    with contextlib.suppress(OSError):
        stamp_file.parent.mkdir(exist_ok=True)
        stamp_file.write_text(stamp.hexdigest())
    return dropped


def run(target: str) -> bool:
    """Run one warm-up target unless this process already did; True when it ran now."""
    with _lock:
        if target in _done:
            return False
        if not _checked:
            _checked.append(True)
            drop_stale_caches()
        if ":" in target:
            registry.load_target(target)()
        else:
            importlib.import_module(target)
        _done.add(target)
        return True


def pending(kind: str, method: str) -> tuple[str, ...]:
    """Warm-up targets of ``method`` that this process has not run yet."""
    return tuple(t for t in registry.warm_up_targets(kind, method) if t not in _done)


@contextlib.contextmanager
def announce_compilation(announce: Callable[[], None]) -> Iterator[list[bool]]:
    """Call ``announce()`` once if numba compiles a schedkit kernel (a cache miss) inside the block.

    Yields a one-element list that is ``[True]`` after a compilation."""
    from numba.core import event

    fired = [False]

    class _FirstCompile(event.Listener):
        def on_start(self, ev: Any) -> None:
            if not fired[0] and _is_ours(ev):
                fired[0] = True
                announce()

        def on_end(self, _event: Any) -> None:
            pass

    listener = _FirstCompile()
    event.register("numba:compile", listener)
    try:
        yield fired
    finally:
        event.unregister("numba:compile", listener)


def _is_ours(ev: Any) -> bool:
    """True for the compilation of a schedkit kernel (numba's typed containers compile their
    constructors in every process, uncached, in a fraction of a second: not announced)."""
    dispatcher = (ev.data or {}).get("dispatcher")
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
    return module.startswith("schedkit.")


def announce_default() -> None:
    """The default announcement of a compilation: a warning on the ``schedkit`` logger."""
    _log.warning(COMPILING.removeprefix("schedkit: "))


def prepare(info: registry.MethodInfo, announce: Callable[[], None] | None = None) -> Callable[..., Any]:
    """Import a method and run its pending warm-ups; return the method's function.

    A compilation on the way is announced through ``announce`` (default: a warning on the
    ``schedkit`` logger). Methods without warm-up targets never import numba here."""
    targets = pending(info.kind, info.name)
    if not targets:
        return registry.load_target(info.target)
    with announce_compilation(announce or announce_default):
        for target in targets:
            run(target)
        return registry.load_target(info.target)


def all_targets(kinds: tuple[str, ...] | None = None) -> list[str]:
    """Every warm-up target of the methods of ``kinds`` (default: every class), without repeats."""
    targets: list[str] = []
    for kind, info in registry.kinds().items():
        if kinds is not None and kind not in kinds:
            continue
        for method in info.methods.values():
            for target in registry.warm_up_targets(kind, method.name):
                if target not in targets:
                    targets.append(target)
    return targets


def warm_up_all(
    kinds: tuple[str, ...] | None = None, on_target: Callable[[str, bool, float], None] | None = None
) -> list[str]:
    """Run every warm-up target of ``kinds`` (default: every class) and import every method.

    ``on_target(target, compiled, seconds)`` is called after each target: ``compiled`` is True
    when numba compiled (a cache miss) rather than loading its cache. Returns the targets."""
    import time

    targets = all_targets(kinds)
    for target in targets:
        began = time.perf_counter()
        with announce_compilation(lambda: None) as fired:
            run(target)
        if on_target is not None:
            on_target(target, fired[0], time.perf_counter() - began)
    for kind, info in registry.kinds().items():
        if kinds is None or kind in kinds:
            for method in info.methods.values():
                registry.load_target(method.target)
    return targets
