"""Gantt charts of every problem class (matplotlib, imported on first use).

Bars come from the solution's table (:mod:`schedkit.frames`): one row of the chart per machine
(shops, SMTT) or activity (RCPSP, projects), colours per job (shops, SMTT) or most-used resource
(RCPSP, projects: of the chosen mode), explained by a legend or, past 20 jobs, a colour bar.
A bar carries its label (``J3.2``, or the shorter ``J3``) only where the label fits
(:mod:`schedkit.plot.layout`). SMTT tardy jobs are hatched with a red edge, and due dates are
ticks on a row of their own, joined to the end of the job when it is late. A VM migration plan
has no time axis: :func:`gantt` draws its migrations instead (:mod:`schedkit.plot.migrations`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schedkit.errors import InvalidParameterError
from schedkit.plot.colours import explain, palette
from schedkit.plot.figure import chart_axes, is_path, save
from schedkit.plot.layout import bar_font, gantt_size, placed_label
from schedkit.problems.base import Problem

BAR_HEIGHT = 0.8
"""Bar height as a share of a row."""
DUE_ROW = "due dates"


@dataclass(frozen=True)
class _Spec:
    row: str  # frame column naming the chart row
    colour: str  # frame column picking the colour
    colour_title: str
    name: Callable[[Any], str]  # legend entry of a colour group
    labels: Callable[[Any], list[str]] | None  # label candidates of a frame row, longest first


_SPECS = {
    "jssp": _Spec("resource", "job", "job", lambda j: f"J{j}", lambda r: [r.label, f"J{r.job}"]),
    "fjsp": _Spec("resource", "job", "job", lambda j: f"J{j}", lambda r: [r.label, f"J{r.job}"]),
    "smtt": _Spec("resource", "job", "job", lambda j: f"J{j}", lambda r: [r.label]),
    "rcpsp": _Spec(
        "label",
        "resource",
        "colour: resource\nused most (share\nof capacity);\nlabel: demands",
        lambda g: g or "no demand",
        lambda r: _demands(r),
    ),
}
_SPECS["project"] = _SPECS["rcpsp"]  # the chosen mode's demands


def _demands(row: Any) -> list[str]:
    """Label candidates of an RCPSP bar: every positive demand, then the most-used resource's."""
    fields = row._asdict()
    every = [f"{k}:{v}" for k, v in fields.items() if k[:1] == "R" and k[1:].isdigit() and v > 0]
    main = [f"{row.resource}:{fields[row.resource]}"] if row.resource else []
    return [" ".join(every), *main] if len(every) > 1 else main


def gantt(
    problem: Problem,
    solution: Any,
    ax: Any = None,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
    downtime: Sequence[tuple[int, int, int]] = (),
    frozen_before: float | None = None,
) -> Any:
    """Draw ``solution``'s Gantt chart and return its matplotlib Figure.

    ``ax``: draw into these axes (their figure keeps its size and layout); otherwise a figure
    sized to the chart's rows is made. ``path``: also write the chart there (PNG, SVG or PDF by
    extension). A figure made for a file only is bound to no backend (nothing to close); one
    made without ``path`` comes from ``pyplot`` and its current backend. The older call
    ``gantt(problem, solution, path)`` still writes the file.

    A rescheduled schedule (:func:`schedkit.reschedule`): ``frozen_before`` shades the time
    before it (the executed, frozen part) and marks it with a line; for shops ``downtime``
    draws each ``(machine, start, end)`` as a hatched grey box on the machine's row.
    """
    if is_path(ax):
        ax, path = None, ax
    if problem.kind == "vmr":
        from schedkit.plot.migrations import migration_chart

        return migration_chart(problem, solution, ax=ax, path=path, title=title)
    spec = _SPECS.get(problem.kind)
    if spec is None:
        raise InvalidParameterError(f"no Gantt chart for problem class {problem.kind!r}")
    frame = problem.to_frame(solution)
    shop_due = _shop_due(problem)
    job_end = frame.groupby("job")["end"].max() if shop_due is not None else None
    frame = frame[frame["duration"] > 0]
    smtt = problem.kind == "smtt"
    if downtime and problem.kind not in ("jssp", "fjsp"):
        raise InvalidParameterError("downtime is drawn for jssp and fjsp schedules only (on machine rows)")
    if frozen_before is not None and problem.kind not in ("jssp", "fjsp", "rcpsp", "project"):
        raise InvalidParameterError("frozen_before is drawn for shop and project schedules only")
    down_rows = {f"M{m}" for m, _, _ in downtime}
    due_row = smtt or shop_due is not None
    rows = sorted(set(frame[spec.row]) | down_rows, key=_natural) + ([DUE_ROW] if due_row else [])
    per_row = int(frame.groupby(spec.row).size().max()) if len(frame) else 0
    fig, ax, owned = chart_axes(ax, gantt_size(len(rows), per_row), to_file=path is not None and ax is None)
    index = {r: i for i, r in enumerate(rows)}
    groups = sorted(set(frame[spec.colour]), key=_natural)
    pal = palette(groups)
    y = frame[spec.row].map(index).to_numpy()
    colours = [pal.colour[g] for g in frame[spec.colour]]
    late = (frame["tardiness"] > 0).to_numpy() if smtt else None
    if shop_due is not None:  # every operation of a tardy job is hatched
        tardy = {int(j) for j, e in job_end.items() if e > shop_due[int(j)]}
        late = frame["job"].isin(tardy).to_numpy()
    _bars(ax, frame, y, colours, late)
    extra = _due_dates(ax, frame, index, pal, late) if smtt else []
    if shop_due is not None:
        extra = _shop_due_dates(ax, frame, job_end, shop_due, index, pal, spec.row)
    extra += _disruptions(ax, index, downtime, frozen_before)
    end = float(frame["end"].max()) if len(frame) else 1.0
    end = max([end] + [float(e) for _, _, e in downtime])
    ax.set_xlim(0, end * 1.01)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), rows)
    ax.tick_params(axis="y", labelsize=8 if len(rows) <= 40 else 6)
    ax.set_xlabel("time")
    ax.set_title(title or _title(problem, solution, frame), fontsize=10)
    explain(ax, pal, {g: spec.name(g) for g in groups}, spec.colour_title, extra)
    if owned:
        fig.tight_layout()
    if spec.labels is not None:
        _labels(ax, frame, y, colours, late, spec.labels, len(rows))
    save(fig, path)
    return fig


def _bars(ax: Any, frame: Any, y: Any, colours: list[Any], late: Any) -> None:
    start, width = frame["start"].to_numpy(), frame["duration"].to_numpy()
    kw = {"height": BAR_HEIGHT, "edgecolor": "black", "linewidth": 0.3}
    if late is None:
        ax.barh(y, width, left=start, color=colours, **kw)
        return
    on = ~late
    ax.barh(
        y[on], width[on], left=start[on], color=[c for c, t in zip(colours, late, strict=True) if not t], **kw
    )
    kw.update(edgecolor="red", linewidth=0.9, hatch="////")
    ax.barh(
        y[late],
        width[late],
        left=start[late],
        color=[c for c, t in zip(colours, late, strict=True) if t],
        **kw,
    )


def _disruptions(
    ax: Any, index: dict[str, int], downtime: Sequence[tuple[int, int, int]], frozen_before: float | None
) -> list[Any]:
    """Downtime boxes on their machines' rows and the shaded frozen part; their legend handles."""
    from matplotlib.patches import Patch

    handles = []
    for m, s, e in downtime:
        ax.barh(
            index[f"M{m}"],
            e - s,
            left=s,
            height=1.0,
            color="0.85",
            edgecolor="0.3",
            hatch="xxx",
            linewidth=0.5,
            zorder=0,
        )
    if downtime:
        handles.append(Patch(facecolor="0.85", edgecolor="0.3", hatch="xxx", label="downtime"))
    if frozen_before is not None:
        ax.axvspan(0, frozen_before, color="0.5", alpha=0.15, zorder=0, linewidth=0)
        ax.axvline(frozen_before, color="black", linestyle="--", linewidth=0.8)
        handles.append(Patch(facecolor="0.5", alpha=0.3, label=f"frozen (before t={frozen_before:g})"))
    return handles


def _due_dates(ax: Any, frame: Any, index: dict[str, int], pal: Any, late: Any) -> list[Any]:
    """Due-date ticks on their own row, a red line from each late job's due date to its end;
    the legend handles that explain them."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    due_y, bar_y = index[DUE_ROW], index["machine"]
    due = frame["due"].to_numpy()
    ax.scatter(
        due, [due_y] * len(due), marker="|", s=120, c=[pal.colour[j] for j in frame["job"]], linewidths=1.2
    )
    top = due_y - 0.3
    for d, e in zip(due[late], frame["end"].to_numpy()[late], strict=True):
        ax.plot([d, e], [top, bar_y + BAR_HEIGHT / 2], color="red", linewidth=0.4, alpha=0.6)
    return [
        Patch(facecolor="white", edgecolor="red", hatch="////", label="tardy job"),
        Line2D([], [], color="black", marker="|", linestyle="none", markersize=9, label="due date"),
        Line2D([], [], color="red", linewidth=0.6, label="due date -> end of a tardy job"),
    ]


def _shop_due(problem: Problem) -> Any:
    """A shop's due dates per job (job shop, FJSP), None without them or for other classes."""
    if problem.kind not in ("jssp", "fjsp"):
        return None
    return getattr(problem, "due", None)


def _shop_due_dates(
    ax: Any, frame: Any, job_end: Any, due: Any, index: dict[str, int], pal: Any, row: str
) -> list[Any]:
    """A shop's due dates as ticks on their own row; for each tardy job a red line from its due
    date to the end of its last operation; the legend handles that explain them."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    due_y = index[DUE_ROW]
    jobs = sorted(pal.colour)
    ticks = [int(due[j]) for j in jobs]
    ax.scatter(ticks, [due_y] * len(jobs), marker="|", s=120, c=[pal.colour[j] for j in jobs], linewidths=1.2)
    last = frame.sort_values("end").groupby("job").tail(1).set_index("job")
    top = due_y - 0.3
    tardy = 0
    for j in jobs:
        end = job_end.get(j)
        if end is None or end <= due[j] or j not in last.index:
            continue
        tardy += 1
        ax.plot(
            [int(due[j]), end], [top, index[last.loc[j, row]] + BAR_HEIGHT / 2], color="red", linewidth=0.6
        )
    handles: list[Any] = [
        Line2D([], [], color="black", marker="|", linestyle="none", markersize=9, label="due date")
    ]
    if tardy:
        handles += [
            Patch(facecolor="white", edgecolor="red", hatch="////", label=f"tardy job ({tardy})"),
            Line2D([], [], color="red", linewidth=0.6, label="due date -> end of a tardy job"),
        ]
    return handles


def _labels(
    ax: Any,
    frame: Any,
    y: Any,
    colours: list[Any],
    late: Any,
    candidates: Callable[[Any], list[str]],
    rows: int,
) -> None:
    """Each bar's longest label candidate that fits it (across, else upright), measured in points
    on the drawn axes; white on dark bars; on a hatched bar over a patch of the bar's colour."""
    fig = ax.figure
    box = ax.get_position()
    width_pt = box.width * fig.get_figwidth() * 72
    row_pt = box.height * fig.get_figheight() * 72 / max(1, rows)
    x0, x1 = ax.get_xlim()
    per_unit = width_pt / max(1e-9, x1 - x0)
    height_pt = row_pt * BAR_HEIGHT
    font = bar_font(height_pt)
    for k, (row, yy) in enumerate(zip(frame.itertuples(index=False), y, strict=True)):
        text, upright = placed_label(candidates(row), row.duration * per_unit, height_pt, font)
        if not text:
            continue
        box = (
            {"facecolor": colours[k], "edgecolor": "none", "pad": 0.6}
            if late is not None and late[k]
            else None
        )
        ax.text(
            row.start + row.duration / 2,
            yy,
            text,
            ha="center",
            va="center",
            fontsize=font,
            rotation=90 if upright else 0,
            color="white" if _dark(colours[k]) else "black",
            bbox=box,
            clip_on=True,
        )


def _dark(colour: Any) -> bool:
    r, g, b = colour[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b < 0.45


def _title(problem: Problem, solution: Any, frame: Any) -> str:
    obj = problem.objective(solution)
    head = f"{problem.name}: {problem.objective_name} {obj:g}"
    if problem.kind == "smtt":
        head += f", {int((frame['tardiness'] > 0).sum())} of {len(frame)} jobs tardy"
    return head


def title_for(problem: Problem, solution: Any, objective: str | None) -> str | None:
    """The chart title naming ``objective`` (``la16: weighted_tardiness 212, 3 of 10 jobs
    tardy``); None for the class's own objective (the default title)."""
    if objective is None or objective == problem.objective_name:
        return None
    head = f"{problem.name}: {objective} {problem.evaluate(solution, objective):g}"
    due = _shop_due(problem)
    if due is not None:
        end = problem.to_frame(solution).groupby("job")["end"].max()
        tardy = sum(int(e > due[int(j)]) for j, e in end.items())
        head += f", {tardy} of {len(end)} jobs tardy"
    return head


def _natural(label: Any) -> tuple[str, int]:
    if not isinstance(label, str):
        return "", int(label)
    head = label.rstrip("0123456789")
    tail = label[len(head) :]
    return head, int(tail) if tail else -1
