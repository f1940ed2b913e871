"""Objective against time limit: one panel per instance, one line per method (benchmark reports)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from schedkit.plot.figure import save


@dataclass
class Panel:
    """One panel: ``lines`` label -> (time limits, values, spread low, spread high) where the
    spreads may be None; ``levels`` label -> a horizontal reference (a rule's value, a bound)."""

    title: str
    lines: dict[str, tuple[list[float], list[float], list[float] | None, list[float] | None]] = field(
        default_factory=dict
    )
    levels: dict[str, float] = field(default_factory=dict)


def time_curves(panels: Sequence[Panel], path: str | os.PathLike[str], ylabel: str, columns: int = 2) -> None:
    """Draw ``panels`` (log time axis) in a grid of ``columns`` and write the file at ``path``."""
    from matplotlib.figure import Figure

    rows = max(1, math.ceil(len(panels) / columns))
    fig = Figure(figsize=(5.2 * columns, 3.3 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        for i, (label, (xs, ys, lo, hi)) in enumerate(sorted(panel.lines.items())):
            colour = f"C{i % 10}"
            ax.plot(xs, ys, marker="o", ms=3.5, lw=1.4, color=colour, label=label)
            if lo is not None and hi is not None:
                ax.fill_between(xs, lo, hi, color=colour, alpha=0.15, lw=0)
        styles = ("--", ":", "-.")
        for k, (label, y) in enumerate(sorted(panel.levels.items())):
            ax.axhline(y, color="0.35", ls=styles[k % len(styles)], lw=1.0, label=label)
        ax.set_xscale("log")
        ax.set_title(panel.title, fontsize=10)
        ax.set_xlabel("time limit (s)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    save(fig, path)
