"""``schedkit report results.db``: Markdown/HTML report of a results store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from schedkit.cli.common import check_output


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "report",
        help="write the report of a results store (Markdown, HTML, figures)",
        description=(
            "Summarise a store written by 'schedkit bench': per set and method the instances, feasible and "
            "proven-optimal counts, mean and max gap to the best-known bounds and mean time, with a "
            "performance-profile figure. The HTML page is the Markdown rendered, with the per-instance "
            "and per-run tables. Without --out or --html the Markdown goes to stdout."
        ),
    )
    p.add_argument("store", metavar="STORE", help="results store (SQLite) written by 'schedkit bench'")
    p.add_argument("-o", "--out", metavar="REPORT.md", help="write Markdown here (its figure as REPORT.png)")
    p.add_argument(
        "--html",
        metavar="REPORT.html",
        help="write a self-contained HTML report (figure embedded, every table)",
    )
    p.add_argument(
        "--reference", metavar="FILE", help="reference bounds CSV replacing the ones stored with the runs"
    )
    p.add_argument(
        "--per-instance",
        action="store_true",
        help="add the per-instance and per-run tables to the Markdown (the HTML always has them)",
    )
    p.add_argument("--no-figures", action="store_true", help="skip the figure")
    p.add_argument("--title", default="Benchmark report", help="report title")
    return p


def run(args: argparse.Namespace) -> int:
    from schedkit.bench.report import write_report

    check_output(args.out, "--out")
    check_output(args.html, "--html")
    text = write_report(
        args.store,
        args.out,
        html_out=args.html,
        reference=args.reference,
        per_instance=args.per_instance,
        figures=not args.no_figures,
        title=args.title,
    )
    if args.out is None and args.html is None:
        sys.stdout.write(text)
    for path in (args.out, args.html):
        if path:
            print(f"report written to {path}", file=sys.stderr)
    return 0
