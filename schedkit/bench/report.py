"""Reports of a results store: tables per set and method, figures, Markdown and HTML.

:func:`summary` returns the table of the report as a pandas DataFrame, :func:`runs_frame`
every run with its gaps; :func:`write_report` writes Markdown (figures as PNG files beside
it) and/or a self-contained HTML file (figures embedded).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from schedkit.bench.discover import Reference, load_reference
from schedkit.bench.gaps import ZERO_CONVENTION, with_gaps
from schedkit.bench.store import Store
from schedkit.bench.worker import FAILED

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
_MAX_PANELS = 6

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


# figures ----------------------------------------------------------------------------------------
def figure_png(df: pd.DataFrame) -> bytes | None:
    """Performance profile (share of runs within a gap to UB) and time-to-optimality profile,
    one row of panels per set (the first six sets); PNG bytes, None without runs."""
    if df.empty:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sets = sorted(_order(df["instance_set"]))[:_MAX_PANELS]
    colour = {m: f"C{i % 10}" for i, m in enumerate(sorted(_order(df["method"])))}
    fig = Figure(figsize=(10, 3.2 * len(sets)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(sets), 2, squeeze=False)
    for (ax_gap, ax_time), set_name in zip(axes, sets, strict=True):
        part = df[df["instance_set"] == set_name]
        finite = [g for g in part["gap_ub"] if g is not None and not math.isnan(g) and not math.isinf(g)]
        top = max(max(finite, default=0.0) * 100 * 1.05, 1.0)
        tmax = max(float(part["time_limit"].max()), float(part["time"].max() or 0), 1e-3)
        for method in sorted(_order(part["method"])):
            sub = part[part["method"] == method]
            n = len(sub)
            gaps = sorted(
                100 * g for g in sub["gap_ub"] if g is not None and not math.isnan(g) and not math.isinf(g)
            )
            xs, ys = [0.0], [sum(1 for g in gaps if g <= 0) / n]
            for k, g in enumerate(gaps, start=1):
                xs.append(g)
                ys.append(k / n)
            xs.append(top)
            ys.append(len(gaps) / n)
            ax_gap.step(xs, ys, where="post", label=method, color=colour[method])
            times = sorted(float(t) for t in sub.loc[sub["optimal"], "time"])
            if not times:
                continue
            tx, ty = [0.0], [0.0]
            for k, t in enumerate(times, start=1):
                tx.append(t)
                ty.append(k / n)
            tx.append(tmax)
            ty.append(len(times) / n)
            ax_time.step(tx, ty, where="post", label=method, color=colour[method])
        ax_gap.set_xlim(0, top)
        ax_gap.set_ylim(-0.02, 1.02)
        ax_gap.set_xlabel("gap to best-known UB (%)")
        ax_gap.set_ylabel("share of runs within the gap")
        ax_gap.set_title(f"{set_name}: performance profile")
        ax_gap.grid(alpha=0.3)
        ax_gap.legend(fontsize="small")
        ax_time.set_xlim(0, tmax)
        ax_time.set_ylim(-0.02, 1.02)
        ax_time.set_xlabel("time (s)")
        ax_time.set_ylabel("share of runs proven optimal")
        ax_time.set_title(f"{set_name}: optimality proven over time")
        ax_time.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


# documents -----------------------------------------------------------------------------------------
def _facts(df: pd.DataFrame, source: str) -> list[str]:
    failed = int(df["status"].isin(FAILED).sum())
    limits = ", ".join(f"{x:g}" for x in sorted(df["time_limit"].unique()))
    seeds = ", ".join(str(int(x)) for x in sorted(df["seed"].unique()))
    versions: dict[str, set[str]] = {}
    for text in df["versions"].dropna().unique():
        for k, v in json.loads(text).items():
            if v:
                versions.setdefault(k, set()).add(v)
    ver = ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in versions.items())
    workers = ", ".join(str(int(x)) for x in sorted(df["workers"].unique()))
    commands = [c for c in _order(df["command"]) if isinstance(c, str) and c]
    return [
        f"Store `{source}`: {len(df)} runs ({failed} failed) on {df['instance_path'].nunique()} instances "
        f"in {df['instance_set'].nunique()} set(s); classes: {', '.join(_order(df['kind']))}.",
        f"Methods: {', '.join(sorted(_order(df['method'])))}; time limit(s) {limits} s; seeds {seeds}; "
        f"workers per run {workers}.",
        f"Recorded {df['finished_at'].min()} to {df['finished_at'].max()} on "
        f"{', '.join(sorted(df['host'].dropna().unique()))} ({', '.join(_order(df['executor']))}).",
        f"Software: {ver}.",
        *(f"Command: `{c}`" for c in commands),
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


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    esc = [[c.replace("|", "\\|") for c in row] for row in rows]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in esc]
    return "\n".join(lines)


def html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{th}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _sections(
    df: pd.DataFrame, reference: Mapping[str, Reference] | None, per_instance: bool
) -> list[tuple[str, Any]]:
    """(kind, content) pieces common to both renderings."""
    parts: list[tuple[str, Any]] = [
        ("h2", "Summary per set and method"),
        ("table", summary_table(summary_of(df))),
    ]
    parts.append(("p", _DEFINITIONS))
    parts.append(("figure", None))
    head, rows = _failures(df)
    if rows:
        parts += [("h2", f"Failed runs ({len(rows)})"), ("table", (head, rows))]
    warn = consistency_warnings(df, reference)
    if warn:
        parts += [("h2", f"Warnings ({len(warn)})"), ("list", warn)]
    if per_instance:
        parts += [
            ("h2", "Per instance"),
            ("p", "Best objective over seeds per method, * = proven optimal, gap to best-known UB in %."),
            ("table", _instance_table(df)),
        ]
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
    """Markdown of a :func:`runs_frame`; ``figure`` is the relative path of the PNG to link."""
    out = [f"# {title}", "", *(f"- {line}" for line in _facts(df, source)), ""]
    for kind, content in _sections(df, reference, per_instance):
        if kind == "h2":
            out += [f"## {content}", ""]
        elif kind == "table":
            out += [markdown_table(*content), ""]
        elif kind == "p":
            out += [content, ""]
        elif kind == "list":
            out += [f"- {line}" for line in content] + [""]
        elif kind == "figure" and figure:
            out += [f"![performance profile and time to optimality]({figure})", ""]
    return "\n".join(out)


def render_html(
    df: pd.DataFrame,
    *,
    source: str,
    png: bytes | None = None,
    reference: Mapping[str, Reference] | None = None,
    per_instance: bool = False,
    title: str = "Benchmark report",
) -> str:
    """A self-contained HTML page of a :func:`runs_frame` (the figure embedded as PNG)."""
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:90%}th,td{border:1px solid #ccc;padding:2px 6px;"
        "text-align:right}th{background:#eee}td:first-child,td:nth-child(2){text-align:left}"
    )
    out = [
        "<!DOCTYPE html>",
        f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{style}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    out += [f"<p>{html.escape(line)}</p>" for line in _facts(df, source)]
    for kind, content in _sections(df, reference, per_instance):
        if kind == "h2":
            out.append(f"<h2>{html.escape(content)}</h2>")
        elif kind == "table":
            out.append(html_table(*content))
        elif kind == "p":
            out.append(f"<p>{html.escape(content)}</p>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in content) + "</ul>")
        elif kind == "figure" and png:
            data = base64.b64encode(png).decode()
            out.append(f'<p><img alt="performance profile" src="data:image/png;base64,{data}"></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


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

    Returns the Markdown text (without a figure link when ``out`` is None).
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
        page = render_html(
            df,
            source=os.path.basename(source),
            png=png,
            reference=ref,
            per_instance=per_instance,
            title=title,
        )
        atomic_write(os.fspath(html_out), page)
    return text
