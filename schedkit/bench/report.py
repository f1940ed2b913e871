"""Reports of a results store: tables per set and method, per instance and per run, figures.

:func:`summary` returns the table of the report as a pandas DataFrame, :func:`runs_frame`
every run with its gaps; :func:`write_report` writes Markdown (figures as PNG files beside
it) and/or a self-contained HTML file: the same Markdown rendered by a CommonMark parser
(:mod:`schedkit.bench.html`), figures embedded. Figures are drawn by
:mod:`schedkit.plot.benchmark`.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from schedkit.bench.discover import Reference, load_reference
from schedkit.bench.gaps import ZERO_CONVENTION, with_gaps
from schedkit.bench.html import html_page
from schedkit.bench.store import Store
from schedkit.bench.worker import FAILED
from schedkit.plot.benchmark import MAX_SETS, profile_png

figure_png = profile_png
"""PNG bytes of the report's figure of a :func:`runs_frame`: :func:`schedkit.plot.benchmark.profile_png`."""

SUMMARY_COLUMNS = (
    "set",
    "method",
    "time_limit",
    "instances",
    "runs",
    "feasible",
    "optimal",
    "failed",
    "mean_gap_ub",
    "max_gap_ub",
    "mean_gap_lb",
    "max_gap_lb",
    "mean_time",
)

StoreLike = Store | str | os.PathLike[str] | list[Mapping[str, Any]]


def _rows(store: StoreLike) -> list[dict[str, Any]]:
    if isinstance(store, Store):
        return store.rows()
    if isinstance(store, list):
        return [dict(r) for r in store]
    with Store(store, create=False) as st:
        return st.rows()


def _reference(reference: str | os.PathLike[str] | Mapping[str, Reference] | None) -> Any:
    if reference is None or isinstance(reference, Mapping):
        return reference
    return load_reference(reference)


def runs_frame(store: StoreLike, reference: Any = None) -> pd.DataFrame:
    """Every stored run with ``best_lb``, ``best_ub``, ``feasible``, ``optimal``, ``gap_ub``,
    ``gap_lb`` and ``time`` (solver runtime, wall time for failed runs); gaps as fractions."""
    rows = with_gaps(_rows(store), _reference(reference))
    return pd.DataFrame(rows)


def _order(values: pd.Series) -> list[Any]:
    return list(dict.fromkeys(values.tolist()))


def summary(store: StoreLike, reference: Any = None) -> pd.DataFrame:
    """The report's table: one row per set, method and time limit.

    Columns: ``set, method, time_limit, instances`` (distinct), ``runs``, ``feasible``
    (runs with a checked-feasible solution), ``optimal`` (runs that proved optimality),
    ``failed`` (ERROR, TIMEOUT, CRASHED), ``mean_gap_ub``, ``max_gap_ub``, ``mean_gap_lb``,
    ``max_gap_lb`` (fractions, over feasible runs; see :mod:`schedkit.bench.gaps`) and
    ``mean_time`` (seconds, over all runs).
    """
    return summary_of(runs_frame(store, reference))


def summary_of(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`summary` of a :func:`runs_frame`."""
    if df.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    out = []
    for set_name in sorted(_order(df["instance_set"])):
        part = df[df["instance_set"] == set_name]
        for method in sorted(_order(part["method"])):
            sub = part[part["method"] == method]
            for limit in sorted(_order(sub["time_limit"])):
                g = sub[sub["time_limit"] == limit]
                feas = g[g["feasible"]]
                out.append(
                    {
                        "set": set_name,
                        "method": method,
                        "time_limit": float(limit),
                        "instances": int(g["instance_path"].nunique()),
                        "runs": len(g),
                        "feasible": int(g["feasible"].sum()),
                        "optimal": int(g["optimal"].sum()),
                        "failed": int(g["status"].isin(FAILED).sum()),
                        "mean_gap_ub": _mean(feas["gap_ub"]),
                        "max_gap_ub": _max(feas["gap_ub"]),
                        "mean_gap_lb": _mean(feas["gap_lb"]),
                        "max_gap_lb": _max(feas["gap_lb"]),
                        "mean_time": _mean(g["time"]),
                    }
                )
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))


def _mean(s: pd.Series) -> float:
    v = [float(x) for x in s if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return sum(v) / len(v) if v else math.nan


def _max(s: pd.Series) -> float:
    v = [float(x) for x in s if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return max(v) if v else math.nan


# formatting -----------------------------------------------------------------------------------
def _pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{100 * x:.2f}"


def _num(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.6g}"


def _secs(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.2f}" if x >= 0.01 or x == 0 else f"{x:.1e}"


def summary_table(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and formatted rows of :func:`summary` (gaps in %)."""
    head = [
        "set",
        "method",
        "limit (s)",
        "instances",
        "runs",
        "feasible",
        "optimal",
        "failed",
        "mean gap UB %",
        "max gap UB %",
        "mean gap LB %",
        "max gap LB %",
        "mean time (s)",
    ]
    rows = [
        [
            str(r.set),
            str(r.method),
            f"{r.time_limit:g}",
            str(r.instances),
            str(r.runs),
            str(r.feasible),
            str(r.optimal),
            str(r.failed),
            _pct(r.mean_gap_ub),
            _pct(r.max_gap_ub),
            _pct(r.mean_gap_lb),
            _pct(r.max_gap_lb),
            _secs(r.mean_time),
        ]
        for r in table.itertuples(index=False)
    ]
    return head, rows


def _instance_table(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    methods = sorted(_order(df["method"]))
    head = ["set", "instance", "best LB", "best UB"] + [f"{m}" for m in methods]
    rows = []
    for (set_name, inst), g in df.groupby(["instance_set", "instance"], sort=True):
        row = [str(set_name), str(inst), _num(g["best_lb"].iloc[0]), _num(g["best_ub"].iloc[0])]
        for m in methods:
            sub = g[(g["method"] == m) & g["feasible"]]
            if sub.empty:
                row.append("-" if (g["method"] != m).all() else "no solution")
                continue
            best = sub.loc[sub["objective"].astype(float).idxmin()]
            star = "*" if bool(best["optimal"]) else ""
            row.append(f"{_num(best['objective'])}{star} ({_pct(best['gap_ub'])}%)")
        rows.append(row)
    return head, rows


def _failures(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    bad = df[df["status"].isin(FAILED)]
    head = ["set", "instance", "method", "seed", "status", "error"]
    rows = [
        [str(r.instance_set), str(r.instance), str(r.method), str(r.seed), str(r.status), _short(r.error)]
        for r in bad.itertuples(index=False)
    ]
    return head, rows


def _short(text: Any, width: int = 160) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."


def consistency_warnings(df: pd.DataFrame, reference: Mapping[str, Reference] | None = None) -> list[str]:
    """Runs that contradict the reference (a wrong reference value or a bug): one line each."""
    out = []
    for r in df.itertuples(index=False):
        if reference is not None:
            ref = reference.get(r.instance)
            rlb, rub = (ref.lb, ref.ub) if ref else (None, None)
        else:
            rlb, rub = r.ref_lb, r.ref_ub
        rlb = None if rlb is None or (isinstance(rlb, float) and math.isnan(rlb)) else rlb
        rub = None if rub is None or (isinstance(rub, float) and math.isnan(rub)) else rub
        who = f"{r.instance_set}/{r.instance} {r.method} seed {r.seed}"
        if r.feasible and rlb is not None and r.objective < rlb - 1e-9 * max(1, abs(rlb)):
            out.append(f"{who}: objective {_num(r.objective)} below the reference lower bound {_num(rlb)}")
        lb = r.lower_bound
        if (
            r.status not in FAILED
            and lb is not None
            and not (isinstance(lb, float) and math.isnan(lb))
            and rub is not None
            and lb > rub + 1e-9 * max(1, abs(rub))
        ):
            out.append(f"{who}: proved lower bound {_num(lb)} above the reference upper bound {_num(rub)}")
        if r.verdict is not None and str(r.verdict).startswith("infeasible"):
            out.append(f"{who}: checker verdict {r.verdict}")
    return out


# Markdown ------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_escape(text: Any) -> str:
    """``text`` as literal Markdown: inline markup characters backslash-escaped, whitespace folded.

    Underscores inside a word (``la_01``) are left alone: CommonMark never reads them as emphasis.
    """
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(str(text).split()))


def md_code(text: Any) -> str:
    """``text`` as a Markdown code span (fenced with more backticks than it contains)."""
    text = " ".join(str(text).split())
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    """A pipe table of plain-text cells (escaped with :func:`md_escape`)."""
    lines = ["| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# documents -----------------------------------------------------------------------------------------
def _joined(values: Any) -> str:
    return ", ".join(md_escape(v) for v in values)


def _facts(df: pd.DataFrame, source: str) -> list[str]:
    """The report's opening list, as Markdown lines."""
    failed = int(df["status"].isin(FAILED).sum())
    limits = ", ".join(f"{x:g}" for x in sorted(df["time_limit"].unique()))
    seeds = ", ".join(str(int(x)) for x in sorted(df["seed"].unique()))
    versions: dict[str, set[str]] = {}
    for text in df["versions"].dropna().unique():
        for k, v in json.loads(text).items():
            if v:
                versions.setdefault(k, set()).add(v)
    ver = _joined(f"{k} {'/'.join(sorted(v))}" for k, v in versions.items())
    workers = ", ".join(str(int(x)) for x in sorted(df["workers"].unique()))
    commands = [c for c in _order(df["command"]) if isinstance(c, str) and c]
    return [
        f"Store {md_code(source)}: {len(df)} runs ({failed} failed) on {df['instance_path'].nunique()} "
        f"instances in {df['instance_set'].nunique()} set(s); classes: {_joined(_order(df['kind']))}.",
        f"Methods: {_joined(sorted(_order(df['method'])))}; time limit(s) {limits} s; seeds {seeds}; "
        f"workers per run {workers}.",
        f"Recorded {md_escape(df['finished_at'].min())} to {md_escape(df['finished_at'].max())} on "
        f"{_joined(sorted(df['host'].dropna().unique()))} ({_joined(_order(df['executor']))}).",
        f"Software: {ver}.",
        *(f"Command: {md_code(c)}" for c in commands),
    ]


_DEFINITIONS = (
    "Gap to UB = (objective - UB) / UB, where UB is the best-known upper bound: the smaller of the "
    "reference value and the best checked-feasible objective in this store. Gap to LB = (objective - LB) "
    "/ LB, where LB is the larger of the reference lower bound and the best bound proven by a run in this "
    f"store. All objectives are minimised. Zero convention: {ZERO_CONVENTION}. Gaps are averaged over "
    "the runs with a feasible solution (column *feasible*); *optimal* counts runs that proved optimality; "
    "*failed* counts runs that ended in an error, a crash or a kill for exceeding their limit; mean time "
    "is the solver's wall time over all runs (the process's wall time for failed runs)."
)
_RUNS_LEGEND = (
    "One row per run. *bound*: the lower bound the run proved; *best known*: the best-known upper bound "
    "(reference or best feasible run in this store); *gap*: the run's gap to it in %; *time*: solver time. "
    "An objective the checker rejected is marked *infeasible* in the status and has no gap."
)
_FIGURE_TEXT = (
    "Left, the performance profile: the share of each method's runs whose gap to the best-known upper "
    "bound is at most x %. Right, the share of runs that proved optimality within t seconds."
)


def run_table(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and formatted rows of every run of a :func:`runs_frame` (one set), in instance,
    method and seed order."""
    head = ["instance", "method", "seed", "status", "objective", "bound", "best known", "gap %", "time (s)"]
    rows = []
    for r in df.sort_values(["instance", "method", "seed"], kind="stable").itertuples(index=False):
        status = str(r.status)
        if isinstance(r.verdict, str) and r.verdict.startswith("infeasible"):
            status += ", infeasible"
        rows.append(
            [
                str(r.instance),
                str(r.method),
                str(int(r.seed)),
                status,
                _num(r.objective),
                _num(r.lower_bound),
                _num(r.best_ub),
                _pct(r.gap_ub) if r.feasible else "-",
                _secs(r.time),
            ]
        )
    return head, rows


def _sections(
    df: pd.DataFrame, reference: Mapping[str, Reference] | None, per_instance: bool
) -> list[tuple[str, Any]]:
    """(kind, content) pieces of the report: ``h2``/``h3`` (plain text), ``table`` (plain cells),
    ``p`` (Markdown), ``list`` (plain text items), ``figure``."""
    parts: list[tuple[str, Any]] = [
        ("h2", "Summary per set and method"),
        ("table", summary_table(summary_of(df))),
        ("p", _DEFINITIONS),
        ("figure", None),
    ]
    head, rows = _failures(df)
    if rows:
        parts += [("h2", f"Failed runs ({len(rows)})"), ("table", (head, rows))]
    warn = consistency_warnings(df, reference)
    if warn:
        parts += [("h2", f"Warnings ({len(warn)})"), ("list", warn)]
    if per_instance:
        parts += [
            ("h2", "Per instance"),
            ("p", "Best objective over seeds per method, \\* = proven optimal, gap to best-known UB in %."),
            ("table", _instance_table(df)),
            ("h2", "Every run"),
            ("p", _RUNS_LEGEND),
        ]
        for set_name in sorted(_order(df["instance_set"])):
            parts += [("h3", f"Set {set_name}"), ("table", run_table(df[df["instance_set"] == set_name]))]
    return parts


def render_markdown(
    df: pd.DataFrame,
    *,
    source: str,
    figure: str | None = None,
    reference: Mapping[str, Reference] | None = None,
    per_instance: bool = False,
    title: str = "Benchmark report",
) -> str:
    """Markdown of a :func:`runs_frame`; ``figure`` is the URL of the PNG to show (a relative
    path or a ``data:`` URI); ``per_instance`` adds the per-instance and per-run tables."""
    out = [f"# {md_escape(title)}", "", *(f"- {line}" for line in _facts(df, source)), ""]
    for kind, content in _sections(df, reference, per_instance):
        if kind == "h2":
            out += [f"## {md_escape(content)}", ""]
        elif kind == "h3":
            out += [f"### {md_escape(content)}", ""]
        elif kind == "table":
            out += [markdown_table(*content), ""]
        elif kind == "p":
            out += [content, ""]
        elif kind == "list":
            out += [f"- {md_escape(line)}" for line in content] + [""]
        elif kind == "figure" and figure:
            sets = df["instance_set"].nunique()
            shown = f" Drawn for the first {MAX_SETS} of the {sets} sets." if sets > MAX_SETS else ""
            out += [f"![performance profile and time to optimality]({figure})", "", _FIGURE_TEXT + shown, ""]
    return "\n".join(out)


def render_html(
    df: pd.DataFrame,
    *,
    source: str,
    png: bytes | None = None,
    reference: Mapping[str, Reference] | None = None,
    per_instance: bool = True,
    title: str = "Benchmark report",
) -> str:
    """A self-contained HTML page of a :func:`runs_frame`: :func:`render_markdown` rendered by a
    CommonMark parser, the figure embedded as a PNG ``data:`` URI."""
    figure = f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else None
    text = render_markdown(
        df, source=source, figure=figure, reference=reference, per_instance=per_instance, title=title
    )
    return html_page(text, title)


def write_report(
    store: StoreLike,
    out: str | os.PathLike[str] | None = None,
    *,
    html_out: str | os.PathLike[str] | None = None,
    reference: Any = None,
    per_instance: bool = False,
    figures: bool = True,
    title: str = "Benchmark report",
) -> str:
    """Write the Markdown report to ``out`` (figure ``<stem>.png`` beside it) and/or HTML.

    ``per_instance`` adds the per-instance and per-run tables to the Markdown; the HTML page
    always has them. Returns the Markdown text (without a figure link when ``out`` is None).
    """
    from schedkit.io import atomic_write

    source = os.fspath(store) if isinstance(store, str | os.PathLike) else getattr(store, "path", "runs")
    ref = _reference(reference)
    df = runs_frame(store, ref)
    if df.empty:
        from schedkit.errors import InvalidParameterError

        raise InvalidParameterError(f"{source}: no runs recorded")
    png = figure_png(df) if figures and (out is not None or html_out is not None) else None
    figure = None
    if out is not None and png is not None:
        fig_path = os.path.splitext(os.fspath(out))[0] + ".png"
        with open(fig_path, "wb") as fh:
            fh.write(png)
        figure = os.path.basename(fig_path)
    text = render_markdown(
        df,
        source=os.path.basename(source),
        figure=figure,
        reference=ref,
        per_instance=per_instance,
        title=title,
    )
    if out is not None:
        atomic_write(os.fspath(out), text)
    if html_out is not None:
        page = render_html(df, source=os.path.basename(source), png=png, reference=ref, title=title)
        atomic_write(os.fspath(html_out), page)
    return text
