"""The chart of a VM migration plan: one row per step, an arrow from the source PM to the
destination PM (columns: the PMs the plan touches), coloured by the VM's CPU size."""

from __future__ import annotations

import os
from typing import Any

from schedkit.plot.colours import explain, palette
from schedkit.plot.figure import chart_axes, save


def migration_chart(
    problem: Any,
    plan: Any,
    ax: Any = None,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
) -> Any:
    """Draw ``plan`` (see :func:`schedkit.plot.gantt` for ``ax`` and ``path``); return the Figure."""
    frame = problem.to_frame(plan)
    pms = sorted(set(frame["from_name"]) | set(frame["to_name"]))
    col = {p: i for i, p in enumerate(pms)}
    steps = len(frame)
    size = (min(18.0, max(8.0, 0.32 * len(pms) + 3.5)), max(2.6, 0.24 * steps + 1.8))
    fig, ax, owned = chart_axes(ax, size, to_file=path is not None and ax is None)
    sizes = sorted(set(int(c) for c in frame["cpu"]))
    pal = palette(sizes)
    for k, row in enumerate(frame.itertuples(index=False)):
        a, b, c = col[row.from_name], col[row.to_name], pal.colour[int(row.cpu)]
        if a == b:  # to the other NUMA node of the same PM
            ax.plot([a], [k], marker="D", color=c, markersize=5, markeredgecolor="black", markeredgewidth=0.4)
        else:
            ax.annotate(
                "",
                xy=(b, k),
                xytext=(a, k),
                arrowprops={"arrowstyle": "-|>", "color": c, "linewidth": 1.4, "shrinkA": 3, "shrinkB": 3},
            )
            ax.plot([a], [k], marker="o", color="white", markeredgecolor=c, markersize=4)
    ax.set_xlim(-0.6, max(0, len(pms) - 1) + 0.6)
    ax.set_ylim(max(steps, 1) - 0.5, -0.5)
    ax.set_xticks(range(len(pms)), pms, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(steps), [f"{r.step}  {r.vm_name} {_numa(r)}" for r in frame.itertuples(index=False)])
    ax.tick_params(axis="y", labelsize=7 if steps <= 60 else 5)
    ax.grid(axis="x", color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("physical machine")
    ax.set_ylabel("migration step")
    if not steps:
        ax.text(0.5, 0.5, "no migration", transform=ax.transAxes, ha="center", va="center")
    before, after = problem.current_fragment_rate(), problem.objective(plan)
    ax.set_title(
        title or f"{problem.name}: fragment rate {before:.4g} -> {after:.4g} in {steps} migrations",
        fontsize=10,
    )
    from matplotlib.lines import Line2D

    extra = [
        Line2D([], [], color="0.3", marker="o", markerfacecolor="white", linestyle="none", label="from"),
        Line2D([], [], color="0.3", marker=">", linestyle="none", label="to"),
        Line2D([], [], color="0.3", marker="D", linestyle="none", label="other NUMA node"),
    ]
    explain(ax, pal, {s: f"{s} cores" for s in sizes}, "VM CPU per node", extra)
    if owned:
        fig.tight_layout()
    save(fig, path)
    return fig


def _numa(row: Any) -> str:
    def node(code: int) -> str:
        return "0+1" if code == 2 else str(code)

    return f"(node {node(row.from_numa)}->{node(row.to_numa)})"
