"""Where a chart is drawn: the caller's axes, a pyplot figure, or a figure bound to no backend."""

from __future__ import annotations

import os
from typing import Any

DPI = 120


def chart_axes(ax: Any, size: tuple[float, float], to_file: bool) -> tuple[Any, Any, bool]:
    """``(figure, axes, owned)`` to draw in.

    With ``ax`` the chart goes there (``owned`` False: its figure's size and layout are the
    caller's). Without, a figure of ``size`` inches is made: for a file only, a bare
    :class:`matplotlib.figure.Figure` that involves no backend and needs no closing; otherwise
    through ``pyplot`` with whatever backend the user chose, so that ``plt.show()`` shows it.
    """
    if ax is not None:
        return ax.figure, ax, False
    if to_file:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size)
        return fig, fig.subplots(), True
    import matplotlib.pyplot as plt

    fig, new_ax = plt.subplots(figsize=size)
    return fig, new_ax, True


def chart_figure(size: tuple[float, float], rows: int, to_file: bool) -> tuple[Any, Any]:
    """``(figure, axes array)`` of ``rows`` stacked panels sharing the x axis (see chart_axes)."""
    kw = {"sharex": True, "squeeze": False}
    if to_file:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size)
        return fig, fig.subplots(rows, 1, **kw)
    import matplotlib.pyplot as plt

    return plt.subplots(rows, 1, figsize=size, **kw)


def save(fig: Any, path: str | os.PathLike[str] | None) -> None:
    """Write ``fig`` to ``path`` (PNG, SVG or PDF by extension) when a path is given."""
    if path is not None:
        fig.savefig(os.fspath(path), dpi=DPI)


def is_path(value: Any) -> bool:
    """True for a file name (the older call ``gantt(problem, solution, path)``)."""
    return isinstance(value, str | os.PathLike)
