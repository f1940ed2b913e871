"""``schedkit check FILE SOL.json``: re-check a saved solution."""

from __future__ import annotations

import argparse
from typing import Any

import schedkit as sk
from schedkit.cli.common import add_instance_arguments, load_problem


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check",
        help="re-check a saved solution against its instance",
        description="List every violation of a saved solution (exit 1), or say it is feasible "
        "and give its objective (exit 0). Bad files exit with status 2.",
    )
    add_instance_arguments(p)
    p.add_argument("solution", metavar="SOL.json", help="solution file written by 'schedkit solve --out'")
    return p


def run(args: argparse.Namespace) -> int:
    problem = load_problem(args)
    solution, stated = sk.load_solution(problem, args.solution)
    bad = sk.check(problem, solution, objective=stated)
    if bad:
        print(f"infeasible: {len(bad)} violation{'s' if len(bad) != 1 else ''}")
        for line in bad:
            print(f"  - {line}")
        return 1
    print(f"feasible: {problem.objective_name} {problem.objective(solution)}")
    return 0
