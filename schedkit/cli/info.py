"""``schedkit info FILE``: summarise an instance."""

from __future__ import annotations

import argparse
import json
from typing import Any

from schedkit.cli.common import add_instance_arguments, load_problem


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "info",
        help="summarise an instance (sizes, trivial lower bound, totals)",
        description="Print the size and simple bounds of an instance.",
    )
    add_instance_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


def run(args: argparse.Namespace) -> int:
    problem = load_problem(args)
    facts = {"instance": problem.name, **problem.summary()}
    if args.json:
        print(json.dumps(facts, indent=1, default=str, ensure_ascii=False))
    else:
        width = max(len(k) for k in facts)
        for key, value in facts.items():
            shown = " ".join(map(str, value)) if isinstance(value, list) else value
            print(f"{key:<{width}}  {shown}")
    return 0
