"""``schedkit reschedule FILE SOL.json EVENTS.json --at T``: repair a schedule after disruptions."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

import schedkit as sk
from schedkit.cli.common import (
    add_instance_arguments,
    check_output,
    describe,
    load_problem,
    non_negative_int,
    parse_options,
    positive_int,
    seed_int,
    time_limit_or_none,
)

DEFAULT_TIME_LIMIT = 10.0

EPILOG = """\
EVENTS.json is a JSON list of events (or {"events": [...]}); machines, jobs and operations
are numbered from 0, times are integers:
  {"type": "breakdown", "machine": 0, "start": 230, "end": 380}     machine 0 down in [230, 380)
  {"type": "arrival", "time": 240, "job": [[1, 20], [0, 35]]}       a new job (FJSP: per
                                     operation a list of [machine, duration] alternatives)
  {"type": "duration_change", "job": 2, "op": 3, "new_duration": 40}
  {"type": "cancel", "job": 4}                                      drop its unstarted operations
  {"type": "rush", "job": 3, "due_date": 600, "weight": 5}          adds weighted tardiness
Arrivals get the job numbers after the instance's own, in list order.

Operations that started before --at keep their machine, start and end; one a breakdown cuts
restarts in full (--interrupted restart) or resumes after the downtime (resume). Nothing else
starts before --at. The objective is makespan (+ weighted tardiness of rushed jobs) + W x the
stability measure (--option stability_measure=shift|moved; shift = total |start change|).
Methods: right-shift (keep the machine sequences), rules (re-dispatch, --option rule=mwkr),
cpsat (CP-SAT repair from right-shift, never worse), ls (tabu search on the unstarted
operations from right-shift, never worse), resolve (CP-SAT ignoring stability).
--out writes a solution of the rescheduled instance; with arrivals, cancellations or changed
durations that instance differs from FILE: --problem-out writes it (a job-shop whose jobs no
longer visit every machine once as a flexible job-shop, .fjs, with --out to match), so that
'schedkit check NEW.txt NEW.json' and the next 'schedkit reschedule NEW.txt NEW.json ...' work.

RCPSP (PSPLIB .sm files): activities and resources are numbered from 1, as in the file:
  {"type": "breakdown", "resource": 1, "start": 10, "end": 25, "amount": 3}   3 units of R1
                                     gone in [10, 25) (no amount: all of them)
  {"type": "duration_change", "activity": 7, "new_duration": 9}
  {"type": "cancel", "activity": 12}          not started: duration 0, precedences kept
Methods right-shift (keep the old order), cpsat, resolve; --out and --problem-out write the
rescheduled instance as a project (pinned frozen activities, breakdowns as unavailability),
which the next 'schedkit reschedule NEW.json SOL.json ...' takes as its instance.

Example:
  schedkit solve ft10.txt -t 5 --out old.json
  schedkit reschedule ft10.txt old.json events.json --at 230 -t 5 --out new.json
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "reschedule",
        help="repair a schedule after breakdowns, arrivals, duration changes, cancellations, rushes",
        description=(
            "Reschedule a job-shop, flexible job-shop or RCPSP schedule being executed (SOL.json, as "
            "'schedkit solve --out' writes it) after the events in EVENTS.json, at time --at, and "
            "print makespan, objective, operations moved, total shift and time."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_instance_arguments(p)
    p.add_argument("solution", metavar="SOL.json", help="the schedule being executed")
    p.add_argument("events", metavar="EVENTS.json", help="the events (see below)")
    p.add_argument("--at", type=non_negative_int, required=True, metavar="T", help="the current time")
    p.add_argument("-m", "--method", default="cpsat", help="right-shift, rules, cpsat (default), ls, resolve")
    p.add_argument(
        "-t",
        "--time-limit",
        type=time_limit_or_none,
        default=DEFAULT_TIME_LIMIT,
        metavar="S",
        help=f"wall-clock limit in seconds (default {DEFAULT_TIME_LIMIT:g}; 'none': no limit)",
    )
    add_repair_arguments(p)
    p.add_argument("--seed", type=seed_int, default=0, help="random seed (default 0)")
    p.add_argument("-o", "--out", metavar="NEW.json", help="save the new schedule as JSON")
    p.add_argument("--problem-out", metavar="NEW.txt", help="save the rescheduled instance")
    p.add_argument("--gantt", metavar="CHART.png", help="draw the new schedule with downtime and frozen part")
    p.add_argument("--option", action="append", metavar="NAME=VALUE", help="method option, repeatable")
    p.add_argument("-v", "--verbose", action="store_true", help="show the solver's log")
    return p


def add_repair_arguments(p: argparse.ArgumentParser) -> None:
    """--stability, --interrupted and --workers (shared with 'schedkit simulate')."""
    p.add_argument(
        "--stability", type=stability_weight, default=0.0, metavar="W", help="stability weight (default 0)"
    )
    p.add_argument(
        "--interrupted",
        choices=("restart", "resume"),
        default="restart",
        help="an operation a breakdown cuts restarts in full (default) or resumes after the downtime",
    )
    p.add_argument("-w", "--workers", type=positive_int, help="solver threads (default: cores, at most 8)")


def stability_weight(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    from schedkit.rescheduling.events import read_events
    from schedkit.rescheduling.rcpsp_events import read_events as read_rcpsp_events

    problem = load_problem(args)
    old, _ = sk.load_solution(problem, args.solution)
    project = problem.kind in ("rcpsp", "project")  # a project: saved by an RCPSP reschedule
    events = (read_rcpsp_events if project else read_events)(args.events)
    options = parse_options(args.option)
    check_output(args.out, "--out")
    check_output(args.problem_out, "--problem-out")
    check_output(args.gantt, "--gantt", image=True)
    print(f"instance {describe(problem)}")
    print(f"{len(events)} events at t={args.at}, method {args.method}")
    sys.stdout.flush()
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        result = sk.reschedule(
            problem,
            old,
            events,
            at=args.at,
            method=args.method,
            stability=args.stability,
            time_limit=args.time_limit,
            workers=args.workers,
            seed=args.seed,
            interrupted=args.interrupted,
            verbose=args.verbose,
            stop=stop,
            **options,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    st = result.stats
    print(f"status {result.status}")
    print(f"makespan {st['makespan']} (old {problem.objective(old)})")
    if st["tardiness"]:
        print(f"weighted tardiness {st['tardiness']}")
    print(f"objective {_fmt(result.objective)}")
    what = "activities" if project else "operations"
    print(f"moved {st['moved']} {what}, shift {st['shift']}")
    print(f"frozen {st['frozen']}, cut {st['cut']}, rescheduled {st['to schedule']}")
    print(f"time {result.runtime:.2f}s")
    problem_out, solution_out = _writable(result.problem, result.solution, bool(args.problem_out))
    if args.problem_out:
        sk.write(problem_out, args.problem_out)
        how = " (as a flexible job-shop: the job-shop formats need rectangular jobs)"
        print(f"instance saved to {args.problem_out}{how if problem_out is not result.problem else ''}")
    if args.out:
        sk.save_solution(problem_out, solution_out, args.out)
        print(f"solution saved to {args.out}")
    if args.gantt:
        from schedkit.plot.gantt import gantt

        # a project's rows are activities: its breakdowns are in the instance (unavailability)
        down = () if project else result.situation.breakdowns()
        gantt(result.problem, result.solution, args.gantt, downtime=down, frozen_before=args.at)
        print(f"Gantt chart saved to {args.gantt}")
    return 130 if stop.is_set() else 0


def _writable(problem: Any, solution: Any, to_file: bool) -> tuple[Any, Any]:
    """The instance and schedule to save: a job-shop whose jobs no longer visit every machine once
    (arrivals, cancellations) has no job-shop format, so it is saved as a flexible job-shop with
    one eligible machine per operation, the schedule with it."""
    if not to_file or problem.kind != "jssp" or problem.is_rectangular():
        return problem, solution
    from schedkit.problems.flexible import FlexibleJobShop, FlexibleSolution

    s = solution
    return FlexibleJobShop.from_jobshop(problem), FlexibleSolution(s.job, s.op, s.machine, s.start, s.end)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.6g}"
    return str(int(value))
