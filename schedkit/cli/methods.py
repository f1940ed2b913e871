"""``schedkit methods [KIND]``: the methods of each problem class."""

from __future__ import annotations

import argparse
from typing import Any

from schedkit import registry


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "methods",
        help="list the methods per problem class",
        description="List the methods of each problem class; * marks the default, "
        "'exact' those that can prove optimality.",
    )
    p.add_argument("kind", nargs="?", help="only this problem class (" + ", ".join(registry.KINDS) + ")")
    return p


def run(args: argparse.Namespace) -> int:
    kinds = [registry.kind_info(args.kind)] if args.kind else list(registry.kinds().values())
    for k in kinds:
        print(f"{k.kind}: {k.title}")
        width = max((len(n) for n in k.methods), default=0)
        for name, m in k.methods.items():
            mark = "*" if name == k.default_method else " "
            tag = "exact" if m.exact else "     "
            print(f"  {mark} {name:<{width}}  {tag}  {m.summary}")
            for opt, text in m.options.items():
                print(f"      {'':<{width}}       --option {opt}=...  {text}")
        print()
    return 0
