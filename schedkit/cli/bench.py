"""``schedkit bench INSTANCES... --methods A,B --time-limit S``: a resumable benchmark campaign."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
from typing import Any

from schedkit.cli.common import check_output, non_negative_float, parse_options, positive_int

_SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "bench",
        help="run methods on instance sets into a resumable results store",
        description=(
            "Run every method on every instance with every seed under one time limit, each run in its "
            "own process, and record each finished run at once in an SQLite store. Interrupt it (Ctrl-C, "
            "a killed process) and run the same command again: stored runs are kept and only the missing "
            "ones run. A run that crashes or exceeds 1.5 x its limit + 10 s is killed and recorded as "
            "CRASHED/TIMEOUT. Best-known bounds come from a reference.csv beside the instances "
            "(columns instance,lb,ub,optimal,source) or --reference."
        ),
        epilog=(
            "example: schedkit bench ../shared/instances/jssp/la --methods cpsat,rule:mwkr "
            "--time-limit 10 --seeds 0,1 --store la.db --report la.md"
        ),
    )
    p.add_argument(
        "instances",
        nargs="+",
        metavar="INSTANCES",
        help="instance files, folders or globs; FILE#K / FILE#A-B pick instances of a multi-instance file",
    )
    p.add_argument(
        "-m", "--methods", required=True, help="comma-separated method names (see 'schedkit methods')"
    )
    p.add_argument(
        "-t",
        "--time-limit",
        type=non_negative_float,
        default=10.0,
        metavar="S",
        help="seconds per run (default 10)",
    )
    p.add_argument("--seeds", default="0", help="seeds, e.g. 0,1,2 or 0-4 (default 0)")
    p.add_argument(
        "--workers-per-run",
        type=positive_int,
        default=1,
        metavar="W",
        help="solver threads per run (default 1)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=positive_int,
        metavar="N",
        help="runs at the same time (default: cores / workers per run; with --scheduler: all queued)",
    )
    p.add_argument(
        "--store", default="results.db", metavar="DB", help="SQLite results store (default results.db)"
    )
    p.add_argument(
        "--report", metavar="REPORT.md", help="write the Markdown report (and its figure) when done"
    )
    p.add_argument("--html", metavar="REPORT.html", help="write the HTML report when done")
    p.add_argument("--reference", metavar="FILE", help="reference bounds CSV (instance,lb,ub,optimal,source)")
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="send the runs to this Dask distributed scheduler instead of local processes",
    )
    p.add_argument(
        "--option",
        action="append",
        metavar="[METHOD:]NAME=VALUE",
        help="method option for every method that takes it, or for METHOD only; repeatable",
    )
    p.add_argument("--solutions", metavar="DIR", help="also save every run's solution as JSON in DIR")
    p.add_argument(
        "--retry-failed", action="store_true", help="run again the runs stored as ERROR/TIMEOUT/CRASHED"
    )
    p.add_argument("--dry-run", action="store_true", help="list the runs still to do and exit")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar (the campaign line and the summary table are still printed)",
    )
    return p


def _stop_on(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(signum)


def run(args: argparse.Namespace) -> int:
    from schedkit.bench.campaign import Campaign
    from schedkit.bench.discover import find_instances
    from schedkit.bench.progress import Progress
    from schedkit.bench.runs import build_campaign, parse_methods, parse_seeds
    from schedkit.bench.store import Store

    err = sys.stderr

    def skipped(path: str, why: str) -> None:
        print(f"schedkit bench: skipped {why if why.startswith(path) else f'{path}: {why}'}", file=err)

    for path, flag in ((args.store, "--store"), (args.report, "--report"), (args.html, "--html")):
        check_output(path, flag)
    methods = parse_methods(args.methods)
    seeds = parse_seeds(args.seeds)
    options = parse_options(args.option)
    instances = find_instances(args.instances, args.reference, on_skip=skipped)
    specs = build_campaign(
        instances, methods, seeds, args.time_limit, workers=args.workers_per_run, options=options
    )
    jobs = args.jobs or (0 if args.scheduler else max(1, (os.cpu_count() or 1) // args.workers_per_run))
    store = Store(args.store)
    client = None
    try:
        if args.scheduler:
            from schedkit.bench.cluster import connect

            client = connect(args.scheduler)
        campaign = Campaign(
            specs,
            store,
            jobs=jobs,
            scheduler=args.scheduler,
            client=client,
            solutions_dir=args.solutions,
            command=shlex.join(["schedkit", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else None,
        )
        todo = campaign.missing(args.retry_failed)
        where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{jobs} local process(es)"
        print(
            f"schedkit bench: {len(instances)} instance(s) x {len(methods)} method(s) x {len(seeds)} "
            f"seed(s) = {len(specs)} runs; {campaign.stored_before} already in {args.store}, "
            f"{len(todo)} to run on {where}",
            file=err,
        )
        if args.dry_run:
            for spec in todo:
                print(f"{spec.instance.path}\t{spec.method}\tseed {spec.seed}\t{spec.time_limit:g}s")
            return 0
        if todo:
            expected = sum(s.time_limit for s in todo) / max(1, jobs or len(todo))
            campaign.progress = Progress(
                len(specs),
                already=campaign.stored_before,
                jobs=jobs or 1,
                expected=expected,
                enabled=not args.quiet,
            )
        previous = signal.signal(signal.SIGTERM, _stop_on)
        try:
            campaign.run(todo)
        except KeyboardInterrupt as exc:
            signum = exc.args[0] if exc.args and isinstance(exc.args[0], int) else signal.SIGINT
            left = len(specs) - campaign.stored_before - campaign.recorded
            print(
                f"schedkit bench: interrupted; {campaign.recorded} run(s) recorded now, "
                f"{campaign.stored_before + campaign.recorded}/{len(specs)} stored in {args.store}; "
                f"run the same command again for the {left} left",
                file=err,
            )
            return _SIGNAL_EXIT.get(signal.Signals(signum), 130)
        finally:
            signal.signal(signal.SIGTERM, previous)
        total = campaign.stored_before + campaign.recorded
        print(
            f"schedkit bench: {total}/{len(specs)} runs stored in {args.store} ({campaign.recorded} new, "
            f"{campaign.failed} failed, {len(campaign.lost)} lost)",
            file=err,
        )
    finally:
        store.close()
        if client is not None:
            client.close(timeout=5)
    return _finish(args, specs)


def _finish(args: argparse.Namespace, specs: list[Any]) -> int:
    from schedkit.bench.report import markdown_table, summary_table, write_report
    from schedkit.bench.report import summary as summarise
    from schedkit.bench.store import Store

    if args.report or args.html:
        write_report(args.store, args.report, html_out=args.html, reference=args.reference)
        for path in (args.report, args.html):
            if path:
                print(f"schedkit bench: report written to {path}", file=sys.stderr)
    keys = {s.key for s in specs}
    with Store(args.store, create=False) as st:
        rows = [r for r in st.rows() if r["key"] in keys]
    print(markdown_table(*summary_table(summarise(rows, args.reference))))
    return 0
