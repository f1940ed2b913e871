"""Resource-profile charts of RCPSP schedules (matplotlib, imported on first use)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from schedkit.plot.figure import chart_figure, save


def usage_profile(problem: Any, solution: Any) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints ``times`` (sorted) and ``usage[i, r]``: the demand on resource ``r`` during
    ``[times[i], times[i + 1])``; the last row is all zero."""
    start = np.asarray(solution.start, dtype=np.int64)
    end = start + problem.duration[: len(start)]
    demand = problem.demand[: len(start)]
    times = np.unique(np.concatenate([start, end, [0]]))
    delta = np.zeros((len(times), problem.num_resources), dtype=np.int64)
    np.add.at(delta, np.searchsorted(times, start), demand)
    np.add.at(delta, np.searchsorted(times, end), -demand)
    return times, np.cumsum(delta, axis=0)


def resource_profile(
    problem: Any, solution: Any, path: str | os.PathLike[str] | None = None, title: str | None = None
) -> Any:
    """Draw the usage of every resource over time against its capacity, one panel per
    resource, and return the matplotlib Figure; write it to ``path`` (PNG, SVG or PDF by
    extension) when given. A figure made for a file only is bound to no backend; without
    ``path`` it comes from ``pyplot`` and its current backend."""
    times, usage = usage_profile(problem, solution)
    k = max(1, problem.num_resources)
    fig, axes = chart_figure((11, 1.6 * k + 1.0), k, to_file=path is not None)
    for r in range(problem.num_resources):
        ax = axes[r, 0]
        cap = int(problem.capacity[r])
        ax.fill_between(times, usage[:, r], step="post", alpha=0.6, color="tab:blue", linewidth=0)
        ax.step(times, usage[:, r], where="post", color="tab:blue", linewidth=0.8)
        ax.axhline(cap, color="tab:red", linestyle="--", linewidth=1.0, label="capacity")
        ax.set_ylim(0, max(cap, int(usage[:, r].max(initial=0))) * 1.15 + 0.5)
        ax.set_ylabel(f"R{r + 1}")
        if r == 0:
            ax.legend(loc="upper right", fontsize=7)
    axes[-1, 0].set_xlabel("time")
    span = problem.objective(solution)
    fig.suptitle(title or f"{problem.name}: resource usage, makespan {span}")
    fig.tight_layout()
    save(fig, path)
    return fig
