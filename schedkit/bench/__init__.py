"""The benchmark harness: campaigns of runs, a resumable SQLite store, gaps and reports.

>>> from schedkit import bench
>>> store = bench.bench("../shared/instances/jssp/ft", "cpsat,rule:mwkr", time_limit=5)  # doctest: +SKIP
>>> bench.summary(store)            # pandas DataFrame: per set and method  # doctest: +SKIP
>>> bench.write_report(store, "report.md", html_out="report.html")      # doctest: +SKIP

The same from the command line: ``schedkit bench`` and ``schedkit report``. The harness
uses only the public API (read, solve, check, save_solution) and the registry, so it
serves every problem class.
"""

from schedkit.bench.campaign import Campaign, bench
from schedkit.bench.discover import Instance, Reference, find_instances, load_reference
from schedkit.bench.gaps import best_known, gap, with_gaps
from schedkit.bench.runs import RunSpec, build_campaign, parse_methods, parse_seeds
from schedkit.bench.store import Store

_REPORT = ("runs_frame", "summary", "write_report")


def __getattr__(name: str) -> object:  # the report functions import pandas: load on first use
    if name in _REPORT:
        from schedkit.bench import report

        return getattr(report, name)
    raise AttributeError(f"module 'schedkit.bench' has no attribute {name!r}")


__all__ = [
    "Campaign",
    "Instance",
    "Reference",
    "RunSpec",
    "Store",
    "bench",
    "best_known",
    "build_campaign",
    "find_instances",
    "gap",
    "load_reference",
    "parse_methods",
    "parse_seeds",
    "runs_frame",
    "summary",
    "with_gaps",
    "write_report",
]
