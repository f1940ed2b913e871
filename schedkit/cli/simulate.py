"""``schedkit simulate FILE (--events STREAM.json | --breakdowns MTBF,MTTR)``: a policy run online."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import schedkit as sk
from schedkit.cli.common import (
    add_instance_arguments,
    check_output,
    describe,
    load_problem,
    parse_options,
    positive_int,
    seed_int,
    time_limit_or_none,
)
from schedkit.cli.reschedule import add_repair_arguments

EPILOG = """\
The stream: --events STREAM.json, the event records of 'schedkit reschedule --help', each with
"at", the time it is revealed (default: a breakdown's start, an arrival's time; required for
the others), e.g.
  [{"type": "breakdown", "machine": 3, "start": 212, "end": 301},
   {"type": "duration_change", "at": 250, "job": 2, "op": 3, "new_duration": 40}]
or generated (seeded by --seed) over [0, --horizon) (default: 4 x the instance's lower bound):
  --breakdowns MTBF,MTTR   per machine, exponential up-times (mean MTBF) and repairs (mean MTTR)
  --arrivals GAP           new jobs like the instance's, exponential gaps of mean GAP
  --changes GAP[,F]        a random operation runs longer by a factor in [1, F] (default 1.5)
Times are in the instance's unit; a trailing x means a multiple of the mean operation duration
(--breakdowns 20x,3x). --save-stream writes the stream used; with --stream-only nothing else.

The run: the instance is solved first (--initial-method, --initial-time), or --solution gives
the schedule. At each time events are revealed, the policy (a 'schedkit reschedule' method:
right-shift, rules, cpsat, ls, resolve) reschedules from then on with -t seconds, what started
before staying as it ran; then the schedule runs on. Events that no longer apply (after the
end, a change of a finished operation, ...) are skipped and listed in the report.

Printed: the executed schedule's makespan; the hindsight makespan and bound (the instance
re-solved with CP-SAT for --hindsight-time seconds knowing every event from time 0:
breakdowns as known downtime to avoid, arrivals as release times, the durations as they
turned out, cancelled jobs dropped; a lower bound on every policy's makespan with
--interrupted restart); the stability cost (operations moved and total start shift, summed
over the reschedules); compute time per reschedule. Each reschedule and the final executed
schedule pass independent checks. --out writes all of it (steps, skipped events, executed
schedule) as JSON. Progress goes to standard error (--quiet: none).

Example:
  schedkit simulate ta21.txt --breakdowns 20x,3x --seed 1 --policy cpsat -t 5 --out run.json
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "simulate",
        help="run a rescheduling policy through a stream of breakdowns, arrivals and changes",
        description=(
            "Run a rescheduling policy on a job-shop or flexible job-shop instance through a stream "
            "of events revealed over time (a file, or generated), and report the executed makespan, "
            "the hindsight bound, the stability cost and the compute time per event."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_instance_arguments(p)
    p.add_argument("--events", metavar="STREAM.json", help="the event stream (see below)")
    p.add_argument("--breakdowns", type=_pair, metavar="MTBF,MTTR", help="generate breakdowns")
    p.add_argument("--arrivals", type=_time, metavar="GAP", help="generate job arrivals, mean gap GAP")
    p.add_argument("--changes", type=_change, metavar="GAP[,F]", help="generate duration changes")
    p.add_argument("--horizon", type=positive_int, metavar="H", help="generated events before H")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the stream and the solvers (default 0)")
    p.add_argument("--save-stream", metavar="S.json", help="write the stream used")
    p.add_argument("--stream-only", action="store_true", help="only write the stream (--save-stream)")
    p.add_argument("-p", "--policy", default="cpsat", help="right-shift, rules, cpsat (default), ls, resolve")
    p.add_argument(
        "-t",
        "--time-limit",
        type=time_limit_or_none,
        default=5.0,
        metavar="S",
        help="seconds per reschedule (default 5; 'none': no limit)",
    )
    add_repair_arguments(p)
    p.add_argument("--solution", metavar="SOL.json", help="the schedule to start from (default: solve)")
    p.add_argument("--initial-method", default="cpsat", help="method of the first solve (default cpsat)")
    p.add_argument("--initial-time", type=time_limit_or_none, default=10.0, metavar="S", help="default 10")
    p.add_argument(
        "--hindsight-time",
        type=time_limit_or_none,
        default=10.0,
        metavar="S",
        help="seconds of the hindsight solve (default 10; 0: skip it)",
    )
    p.add_argument("--option", action="append", metavar="NAME=VALUE", help="policy option, repeatable")
    p.add_argument("-o", "--out", metavar="REPORT.json", help="save the report as JSON")
    p.add_argument("--gantt", metavar="CHART.png", help="draw the executed schedule with the downtime")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    return p


class _Time:
    """A time: a number, or a multiple of the mean operation duration (``20x``)."""

    def __init__(self, value: float, relative: bool, text: str):
        self.value, self.relative, self.text = value, relative, text

    def resolve(self, mean: float) -> float:
        return self.value * mean if self.relative else self.value


def _time(text: str) -> _Time:
    t = text.strip().lower()
    relative = t.endswith("x")
    try:
        value = float(t[:-1] if relative else t)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a time (a number, or a multiple like 20x), got {text!r}"
        ) from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return _Time(value, relative, text.strip())


def _pair(text: str) -> tuple[_Time, _Time]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected MTBF,MTTR, got {text!r}")
    return _time(parts[0]), _time(parts[1])


def _change(text: str) -> tuple[_Time, float]:
    parts = text.split(",")
    if len(parts) > 2:
        raise argparse.ArgumentTypeError(f"expected GAP or GAP,FACTOR, got {text!r}")
    factor = 1.5
    if len(parts) == 2:
        try:
            factor = float(parts[1])
        except ValueError:
            raise argparse.ArgumentTypeError(f"factor must be a number >= 1, got {parts[1]!r}") from None
        if not 1 <= factor < float("inf"):
            raise argparse.ArgumentTypeError(f"factor must be a number >= 1, got {parts[1]!r}")
    return _time(parts[0]), factor


def _stream(args: argparse.Namespace, problem: Any) -> tuple[list[Any], str]:
    from schedkit.rescheduling.stream import check_stream, generate_stream, mean_duration, read_stream

    generated = args.breakdowns is not None or args.arrivals is not None or args.changes is not None
    if args.events is not None:
        if generated or args.horizon is not None:
            raise sk.InvalidParameterError(
                "give either --events or --breakdowns/--arrivals/--changes, not both"
            )
        stream = read_stream(args.events)
        check_stream(problem, stream, args.events)
        return stream, f"from {args.events}"
    if not generated:
        raise sk.InvalidParameterError("give the events: --events STREAM.json or --breakdowns MTBF,MTTR")
    mean = mean_duration(problem)
    mtbf = mttr = None
    if args.breakdowns is not None:
        mtbf, mttr = (t.resolve(mean) for t in args.breakdowns)
    gap = None if args.arrivals is None else args.arrivals.resolve(mean)
    change_gap, factor = (
        (None, 1.5) if args.changes is None else (args.changes[0].resolve(mean), args.changes[1])
    )
    stream = generate_stream(
        problem,
        mtbf,
        mttr,
        horizon=args.horizon,
        seed=args.seed,
        arrival_gap=gap,
        change_gap=change_gap,
        change_factor=factor,
    )
    parts = []
    if mtbf is not None and mttr is not None:
        parts.append(f"breakdowns MTBF {mtbf:.4g}, MTTR {mttr:.4g}")
    if gap is not None:
        parts.append(f"arrivals every {gap:.4g} on average")
    if change_gap is not None:
        parts.append(f"duration changes every {change_gap:.4g} (factor <= {factor:g})")
    return stream, f"generated (seed {args.seed}, mean operation duration {mean:.4g}): " + "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    from schedkit.rescheduling.api import method_info
    from schedkit.rescheduling.events import type_name
    from schedkit.rescheduling.simulate import simulate
    from schedkit.rescheduling.stream import write_stream

    problem = load_problem(args)
    if problem.kind not in ("jssp", "fjsp"):
        raise sk.InvalidParameterError(f"simulate supports jssp and fjsp instances, not {problem.kind}")
    policy, _ = method_info(args.policy)
    options = parse_options(args.option)
    for flag in ("--out", "--save-stream"):
        check_output(getattr(args, flag[2:].replace("-", "_")), flag)
    check_output(args.gantt, "--gantt", image=True)
    if args.stream_only and not args.save_stream:
        raise sk.InvalidParameterError("--stream-only needs --save-stream S.json")
    stream, origin = _stream(args, problem)
    counts: dict[str, int] = {}
    for r in stream:
        counts[type_name(r.event)] = counts.get(type_name(r.event), 0) + 1
    print(f"instance {describe(problem)}")
    kinds = ", ".join(f"{n} {k}" for k, n in counts.items()) or "none"
    print(f"stream {len(stream)} events ({kinds}), {origin}")
    if args.save_stream:
        write_stream(stream, args.save_stream)
        print(f"stream saved to {args.save_stream}")
    if args.stream_only:
        return 0
    solution = None
    if args.solution:
        solution, _ = sk.load_solution(problem, args.solution)
        print(f"initial schedule from {args.solution}: makespan {problem.objective(solution)}")
    else:
        limit = "no limit" if args.initial_time is None else f"{args.initial_time:g}s"
        print(f"initial schedule: {args.initial_method}, {limit}")
    limit = "no limit" if args.time_limit is None else f"{args.time_limit:g}s"
    weight = f"stability {args.stability:g}"
    print(f"policy {policy}, {limit} per reschedule, {weight}, interrupted {args.interrupted}")
    sys.stdout.flush()

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    sim = simulate(
        problem,
        stream,
        policy,
        time_limit=args.time_limit,
        stability=args.stability,
        solution=solution,
        initial_method=args.initial_method,
        initial_time=args.initial_time,
        hindsight_time=args.hindsight_time,
        workers=args.workers,
        seed=args.seed,
        interrupted=args.interrupted,
        progress=None if args.quiet else progress,
        **options,
    )
    _print(sim)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(sim.to_json(), fh, indent=1)
            fh.write("\n")
        print(f"report saved to {args.out}")
    if args.gantt:
        from schedkit.plot.gantt import gantt

        gantt(sim.final_problem, sim.final_solution, args.gantt, downtime=sim.breakdowns())
        print(f"Gantt chart saved to {args.gantt}")
    return 0


def _print(sim: Any) -> None:
    s = sim.summary()
    print(f"initial makespan {s['initial_makespan']}")
    print(f"reschedules {s['reschedules']} ({s['applied']} events took effect, {len(sim.moot)} skipped)")
    print(f"makespan {s['makespan']} (executed)")
    if s["tardiness"]:
        print(f"weighted tardiness {s['tardiness']}")
    hs = sim.hindsight
    if hs is not None:
        above = 100.0 * (sim.makespan - hs.makespan) / hs.makespan if hs.makespan else 0.0
        note = "" if hs.valid_bound else " (not a bound with --interrupted resume)"
        print(
            f"hindsight makespan {hs.makespan}, bound {hs.bound} ({hs.status}, {hs.runtime:.1f}s){note}; "
            f"executed {above:+.2f}% vs hindsight"
        )
    print(f"stability: moved {s['moved']} operations, total shift {s['shift']}")
    print(f"compute time per reschedule: mean {s['time_mean']:.2f}s, max {s['time_max']:.2f}s")
    print(f"final check: {s['final_check']}")
