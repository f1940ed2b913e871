"""Benchmark charts of a results store (matplotlib, Agg canvas, imported on first use).

:func:`profile_figure` draws, per instance set, the performance profile (share of runs within
a gap to the best-known upper bound) and the time-to-optimality profile of every method;
:func:`profile_png` is that figure as PNG bytes.
"""

from __future__ import annotations

import io
import math
from typing import Any

MAX_SETS = 6
"""Sets drawn at most (one row of panels each); the first ones in name order."""


def _finite_gaps_pct(values: Any) -> list[float]:
    return sorted(100 * float(g) for g in values if g is not None and not math.isnan(g) and not math.isinf(g))


def _steps(points: list[float], n: int, start: float, end: float) -> tuple[list[float], list[float]]:
    """Empirical cumulative share (of ``n`` runs) of sorted ``points`` as a step curve on [start, end]."""
    xs, ys = [start], [sum(1 for p in points if p <= start) / n]
    for k, p in enumerate(points, start=1):
        xs.append(p)
        ys.append(k / n)
    xs.append(end)
    ys.append(len(points) / n)
    return xs, ys


def profile_figure(df: Any) -> Any:
    """The performance and time-to-optimality profiles of a runs frame (a matplotlib Figure).

    ``df`` is a :func:`schedkit.bench.report.runs_frame` (columns ``instance_set``, ``method``,
    ``gap_ub``, ``optimal``, ``time``, ``time_limit``). One row of two panels per set (the first
    :data:`MAX_SETS` sets), each with axis labels, a title and a legend of the methods. None
    without runs.
    """
    if df.empty:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    methods = sorted(dict.fromkeys(df["method"].tolist()))
    sets = sorted(dict.fromkeys(df["instance_set"].tolist()))[:MAX_SETS]
    colour = {m: f"C{i % 10}" for i, m in enumerate(methods)}
    fig = Figure(figsize=(11, 3.4 * len(sets)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(sets), 2, squeeze=False)
    for (ax_gap, ax_time), set_name in zip(axes, sets, strict=True):
        part = df[df["instance_set"] == set_name]
        top = max(max(_finite_gaps_pct(part["gap_ub"]), default=0.0) * 1.05, 1.0)
        tmax = max(float(part["time_limit"].max()), float(part["time"].max() or 0), 1e-3)
        proven = False
        for method in sorted(dict.fromkeys(part["method"].tolist())):
            sub = part[part["method"] == method]
            n = len(sub)
            label = f"{method} (n={n})"
            ax_gap.step(
                *_steps(_finite_gaps_pct(sub["gap_ub"]), n, 0.0, top),
                where="post",
                label=label,
                color=colour[method],
            )
            times = sorted(float(t) for t in sub.loc[sub["optimal"], "time"])
            proven = proven or bool(times)
            ax_time.step(*_steps(times, n, 0.0, tmax), where="post", label=label, color=colour[method])
        ax_gap.set_xlim(0, top)
        ax_gap.set_ylim(-0.02, 1.02)
        ax_gap.set_xlabel("gap to best-known upper bound (%)")
        ax_gap.set_ylabel("share of runs within the gap")
        ax_gap.set_title(f"{set_name}: performance profile")
        ax_gap.grid(alpha=0.3)
        ax_gap.legend(title="method", fontsize="small", loc="best")
        ax_time.set_xlim(0, tmax)
        ax_time.set_ylim(-0.02, 1.02)
        ax_time.set_xlabel("solver time (s)")
        ax_time.set_ylabel("share of runs proven optimal")
        ax_time.set_title(f"{set_name}: optimality proven over time")
        ax_time.grid(alpha=0.3)
        ax_time.legend(title="method", fontsize="small", loc="best")
        if not proven:
            ax_time.text(0.5, 0.5, "no run proved optimality", transform=ax_time.transAxes, ha="center")
    return fig


def profile_png(df: Any, dpi: int = 100) -> bytes | None:
    """:func:`profile_figure` as PNG bytes; None without runs."""
    fig = profile_figure(df)
    if fig is None:
        return None
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
