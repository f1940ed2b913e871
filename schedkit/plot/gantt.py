"""Gantt charts (matplotlib, imported on first use)."""

from __future__ import annotations

import os
from typing import Any

from schedkit.problems.base import Problem


def gantt(problem: Problem, solution: Any, path: str | os.PathLike[str], title: str | None = None) -> None:
    """Draw ``solution``'s Gantt chart to an image file (PNG, SVG or PDF by extension)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = problem.gantt(solution)
    rows = sorted({b.resource for b in bars}, key=_natural)
    index = {r: i for i, r in enumerate(rows)}
    groups = sorted({b.group for b in bars}, key=str)
    cmap = plt.get_cmap("tab20")
    colour = {g: cmap(i % 20) for i, g in enumerate(groups)}
    height = max(2.5, 0.35 * len(rows) + 1.2)
    fig, ax = plt.subplots(figsize=(11, height))
    for b in bars:
        y = index[b.resource]
        ax.barh(
            y,
            b.end - b.start,
            left=b.start,
            height=0.8,
            color=colour[b.group],
            edgecolor="black",
            linewidth=0.3,
        )
        if b.label and len(bars) <= 400:
            ax.text((b.start + b.end) / 2, y, b.label, ha="center", va="center", fontsize=6)
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()
    ax.set_xlabel("time")
    obj = problem.objective(solution)
    ax.set_title(title or f"{problem.name}: {problem.objective_name} {obj}")
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=120)
    plt.close(fig)


def _natural(label: str) -> tuple[str, int]:
    head = label.rstrip("0123456789")
    tail = label[len(head) :]
    return head, int(tail) if tail else -1
