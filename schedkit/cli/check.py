"""``schedkit check FILE SOL.json``: re-check a saved solution."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import schedkit as sk
from schedkit.cli.common import add_instance_arguments, load_problem

#: violations listed before the rest are only counted
MAX_LISTED = 20


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check",
        help="re-check a saved solution against its instance",
        description="List the violations of a saved solution (the first 20, then a count; exit 1), "
        "or say it is feasible and give its objective (exit 0). Bad files exit with status 2.",
    )
    add_instance_arguments(p)
    p.add_argument("solution", metavar="SOL.json", help="solution file written by 'schedkit solve --out'")
    p.add_argument(
        "--objective",
        help="the objective to report (default: the one the solution file records, else the class's own)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    problem = load_problem(args)
    solution, stated = sk.load_solution(problem, args.solution, any_instance=True)
    saved_for, named, value = _recorded(args.solution)
    if args.objective is not None:
        name = problem.check_objective(args.objective)
    else:  # the file's own objective when this instance has it (e.g. due dates for tardiness)
        name = named if named in problem.objectives() else problem.objective_name
    if name != problem.objective_name:
        stated = value if named == name and isinstance(value, int | float) else None
    if saved_for is not None and saved_for != problem.name:
        print(
            f"schedkit: note: {args.solution} was saved for instance {saved_for}, "
            f"checked here against {problem.name}",
            file=sys.stderr,
        )
    bad = sk.check(problem, solution, objective=stated if name == problem.objective_name else None)
    if not bad and name != problem.objective_name and stated is not None:
        actual = problem.evaluate(solution, name)
        if abs(actual - stated) > 1e-6 * max(1, abs(actual)):
            bad.append(f"objective mismatch: stated {name} {stated}, schedule gives {actual}")
    if bad:
        print(f"infeasible: {len(bad)} violation{'s' if len(bad) != 1 else ''}")
        for line in bad[:MAX_LISTED]:
            print(f"  - {line}")
        if len(bad) > MAX_LISTED:
            print(f"  ... and {len(bad) - MAX_LISTED} more ({len(bad)} violations in all)")
        return 1
    print(f"feasible: {name} {problem.evaluate(solution, name)}")
    detail = getattr(problem, "objective_detail", None)  # classes with a composite objective
    if detail is not None:
        print(detail(solution))
    return 0


def _recorded(path: str) -> tuple[str | None, str | None, Any]:
    """The instance name, objective name and objective value a solution file records (files
    are already validated by now)."""
    with open(path, encoding="utf-8-sig") as fh:
        data = json.load(fh)
    name, objective = data.get("instance"), data.get("objective_name")
    return (
        name if isinstance(name, str) else None,
        objective if isinstance(objective, str) else None,
        data.get("objective"),
    )
