"""``schedkit solve FILE``: solve an instance and print, save and draw the result."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import schedkit as sk
from schedkit.cli.common import (
    add_instance_arguments,
    check_output,
    describe,
    load_problem,
    parse_options,
    positive_int,
    prepare_method,
    seed_int,
    time_limit_or_none,
)
from schedkit.registry import kind_info, method_info
from schedkit.shutdown import abandon, skip_teardown

DEFAULT_TIME_LIMIT = 10.0
_SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "solve",
        help="solve an instance file",
        description=(
            "Solve an instance file and print status, objective, proven lower bound and time. "
            "Ctrl-C (or SIGTERM) stops an anytime method: the best solution so far is printed "
            "and saved, and the exit status is 130 (143 for SIGTERM)."
        ),
    )
    add_instance_arguments(p)
    p.add_argument(
        "-m", "--method", help="method name (default: the problem class's default; see 'schedkit methods')"
    )
    p.add_argument(
        "-t",
        "--time-limit",
        type=time_limit_or_none,
        default=DEFAULT_TIME_LIMIT,
        metavar="S",
        help=(
            f"wall-clock limit in seconds for the whole call (default {DEFAULT_TIME_LIMIT:g}); 'none': "
            "no limit, the method stops on its own (exact methods at the proof, local searches "
            "after their iteration option)"
        ),
    )
    p.add_argument("-w", "--workers", type=positive_int, help="solver threads (default: cores, at most 8)")
    p.add_argument("--seed", type=seed_int, default=0, help="random seed, 0 to 2^31-1 (default 0)")
    p.add_argument(
        "-o",
        "--out",
        metavar="SOL.json",
        help="save the solution as JSON (re-check it with 'schedkit check')",
    )
    p.add_argument(
        "--gantt", metavar="CHART.png", help="draw a Gantt chart (PNG/SVG/PDF; VMR: the migration plan)"
    )
    p.add_argument("--profile", metavar="CHART.png", help="draw the resource-usage profile (RCPSP instances)")
    p.add_argument(
        "--hint", metavar="SOL.json", help="warm start from a saved solution (methods that accept one)"
    )
    p.add_argument("--option", action="append", metavar="NAME=VALUE", help="method option, repeatable")
    p.add_argument(
        "--objective",
        help="what to minimise (job shop: makespan, weighted_tardiness, max_lateness, weighted_completion, "
        "tardy_jobs; default: the class's own)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show the solver's log")
    return p


def run(args: argparse.Namespace) -> int:
    problem = load_problem(args)
    method = method_info(problem.kind, args.method or kind_info(problem.kind).default_method).name
    hint = sk.load_solution(problem, args.hint)[0] if args.hint else None
    options = parse_options(args.option)
    if args.profile and problem.kind != "rcpsp":
        raise sk.InvalidParameterError(f"--profile draws RCPSP resource usage, not {problem.kind}")
    check_output(args.out, "--out")
    check_output(args.gantt, "--gantt", image=True)
    check_output(args.profile, "--profile", image=True)
    prepare_method(problem, method, options, args.objective)
    print(f"instance {describe(problem)}")
    limit = "none" if args.time_limit is None else f"{args.time_limit:g}s"
    print(f"method {method}, time limit {limit}, seed {args.seed}")
    sys.stdout.flush()
    stop = threading.Event()
    caught: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        if caught:  # second signal: give up at once
            raise KeyboardInterrupt
        caught.append(signum)
        stop.set()
        print(
            f"\nschedkit: {signal.Signals(signum).name} received, stopping with the best solution so far",
            file=sys.stderr,
        )

    previous = {s: signal.signal(s, on_signal) for s in _SIGNAL_EXIT}
    skip_teardown()
    try:
        result = _solve_off_main_thread(
            lambda: sk.solve(
                problem,
                method,
                time_limit=args.time_limit,
                workers=args.workers,
                seed=args.seed,
                hint=hint,
                verbose=args.verbose,
                stop=stop,
                objective=args.objective,
                **options,
            )
        )
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    name = result.objective_name or problem.objective_name
    print(f"status {result.status}")
    print(f"{name} {_fmt(result.objective)}")
    detail = getattr(problem, "objective_detail", None)  # classes with a composite objective
    if detail is not None and result.solution is not None:
        print(detail(result.solution))
    print(f"lower bound {_fmt(result.lower_bound)}")
    if result.gap is not None and result.status is not sk.Status.OPTIMAL:
        pct = 100 * result.gap
        print(f"gap {pct:.2f}%" if pct >= 0.01 else f"gap {pct:.2g}%")
    print(f"time {result.runtime:.2f}s")
    for key in ("proof", "note"):  # why there is no schedule (projects: INFEASIBLE, UNKNOWN)
        if result.solution is None and result.stats.get(key):
            print(f"{key} {result.stats[key]}")
    if result.solution is not None:
        if args.out:
            sk.save_solution(problem, result, args.out)
            print(f"solution saved to {args.out}")
        if args.gantt:
            from schedkit.plot.gantt import gantt, title_for

            title = title_for(problem, result.solution, result.objective_name)
            gantt(problem, result.solution, args.gantt, title=title)
            print(f"Gantt chart saved to {args.gantt}")
        if args.profile:
            from schedkit.plot.profile import resource_profile

            resource_profile(problem, result.solution, args.profile)
            print(f"resource profile saved to {args.profile}")
    elif args.out or args.gantt or args.profile:
        print("no solution found: nothing saved", file=sys.stderr)
    if caught:
        return _SIGNAL_EXIT[signal.Signals(caught[0])]
    return 0 if result.solution is not None or result.status is sk.Status.INFEASIBLE else 1


def _solve_off_main_thread(solve: Callable[[], sk.Result]) -> sk.Result:
    """Run ``solve`` in a worker thread while the main thread waits: Python runs signal handlers
    in the main thread only, between bytecodes, so a method whose compiled search ran in the
    main thread would not see Ctrl-C until it finished (the SMTT exact search: 18 s)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = solve()
        except BaseException as exc:  # re-raised in the main thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="schedkit-solve", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.05)
    except KeyboardInterrupt:  # a second signal: leave the solve behind
        abandon(worker)
        raise
    if "error" in box:
        raise box["error"]
    return box["result"]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.6g}"
    return str(int(value))
