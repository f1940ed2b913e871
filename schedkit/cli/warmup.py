"""``schedkit warm-up``: compile every method's numba kernels ahead of the first solve."""

from __future__ import annotations

import argparse
import time
from typing import Any

from schedkit import registry


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "warm-up",
        help="compile the methods' kernels ahead (once after installing or upgrading)",
        description="Compile every method's numba kernels and cache them on disk, so that the "
        "first solve after an installation keeps its time limit. The first run after an "
        "installation or an upgrade takes 30-90 s; later runs load the cache in about a second. "
        "A solve that finds its kernels uncompiled compiles them itself, announced, outside its "
        "time limit.",
    )
    p.add_argument("kinds", nargs="*", metavar="KIND", help="only these problem classes (default: all)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the closing line")
    return p


def run(args: argparse.Namespace) -> int:
    from schedkit import warmup

    for kind in args.kinds:
        registry.kind_info(kind)  # a one-line error for an unknown class
    kinds = tuple(args.kinds) or None
    compiled = 0
    began = time.perf_counter()

    def report(target: str, was_compiled: bool, seconds: float) -> None:
        nonlocal compiled
        compiled += was_compiled
        if not args.quiet:
            what = "compiled" if was_compiled else "loaded from cache"
            print(f"  {target}: {what} in {seconds:.1f}s", flush=True)

    if not args.quiet:
        print("schedkit: warming up the compiled kernels...", flush=True)
    targets = warmup.warm_up_all(kinds, on_target=report)
    total = time.perf_counter() - began
    groups = f"{len(targets)} kernel groups ({compiled} compiled now)"
    print(f"warm-up done: {groups}, every method imported, {total:.1f}s")
    return 0
