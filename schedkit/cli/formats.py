"""``schedkit formats``: the file formats schedkit reads and writes."""

from __future__ import annotations

import argparse
from typing import Any

from schedkit import registry


def add_parser(sub: Any) -> argparse.ArgumentParser:
    return sub.add_parser(
        "formats",
        help="list the file formats",
        description="List the file formats, their problem class and extensions.",
    )


def run(args: argparse.Namespace) -> int:
    fmts = registry.formats()
    width = max(len(n) for n in fmts)
    for f in fmts.values():
        ext = ",".join(f.extensions) or "-"
        rw = "read/write" if f.writer else "read"
        print(f"{f.name:<{width}}  {f.kind:<5}  {rw:<10}  {ext:<16}  {f.summary}")
    return 0
