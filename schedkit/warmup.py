"""Explicit warm-up of the compiled (numba) kernels, outside any timed call.

Importing a method never runs work: the methods whose kernels are compiled with numba name
warm-up functions in their catalog entry (``warm_up=`` of
:func:`schedkit.registry.register_method` / ``register_kind``). :func:`prepare` runs them once
per process before a solve starts its clock; numba caches the machine code on disk, so after
the first use on an installation a warm-up only loads it (well under a second).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from schedkit import registry

_done: set[str] = set()
_lock = threading.Lock()


def run(target: str) -> bool:
    """Run one warm-up target unless this process already did; True when it ran now."""
    with _lock:
        if target in _done:
            return False
        registry.load_target(target)()
        _done.add(target)
        return True


def pending(kind: str, method: str) -> tuple[str, ...]:
    """Warm-up targets of ``method`` that this process has not run yet."""
    return tuple(t for t in registry.warm_up_targets(kind, method) if t not in _done)


def prepare(info: registry.MethodInfo) -> Callable[..., Any]:
    """Import a method and run its pending warm-ups; return the method's function."""
    fn = registry.load_target(info.target)
    for target in registry.warm_up_targets(info.kind, info.name):
        run(target)
    return fn


def warm_up_all(kinds: tuple[str, ...] | None = None) -> list[str]:
    """Import every method of ``kinds`` (default: all classes) and run every warm-up target;
    return the targets, in the order run."""
    targets: list[str] = []
    for kind, info in registry.kinds().items():
        if kinds is not None and kind not in kinds:
            continue
        for method in info.methods.values():
            registry.load_target(method.target)
            for target in registry.warm_up_targets(kind, method.name):
                if target not in targets:
                    targets.append(target)
    for target in targets:
        run(target)
    return targets
