"""Colours of chart groups (jobs, resources, VM sizes) and how the chart explains them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_LEGEND = 20
"""Groups named in a legend at most; above, a colour bar over the group numbers explains them."""


@dataclass
class Palette:
    """Colour per group; ``legend`` is True when each group gets a legend entry, False when a
    colour bar (``norm``, ``cmap``) over the numeric groups explains the colours."""

    colour: dict[Any, Any]
    legend: bool
    cmap: Any = None
    norm: Any = None


def palette(groups: Sequence[Any]) -> Palette:
    """Distinct qualitative colours for up to MAX_LEGEND groups; a continuous colour map over
    the group numbers (or ranks, for non-numeric groups) for more."""
    import matplotlib as mpl

    if len(groups) <= MAX_LEGEND:
        cmap = mpl.colormaps["tab10" if len(groups) <= 10 else "tab20"]
        return Palette({g: cmap(i) for i, g in enumerate(groups)}, True)
    values = [float(g) if isinstance(g, int | float) else float(i) for i, g in enumerate(groups)]
    cmap = mpl.colormaps["turbo"]
    norm = mpl.colors.Normalize(min(values), max(values))
    return Palette({g: cmap(norm(v)) for g, v in zip(groups, values, strict=True)}, False, cmap, norm)


def explain(ax: Any, pal: Palette, names: dict[Any, str], title: str, extra: Sequence[Any] = ()) -> None:
    """A legend (one entry per group, plus ``extra`` handles) right of ``ax``, or a colour bar
    titled ``title`` with ``extra`` in a small legend above the axes."""
    from matplotlib.patches import Patch

    if pal.legend:
        handles = [
            Patch(facecolor=c, edgecolor="black", linewidth=0.3, label=names[g])
            for g, c in pal.colour.items()
        ]
        handles += list(extra)
        per_col = max(4, int(ax.figure.get_figheight() * 72 / 15) - 3)
        ax.legend(
            handles=handles,
            title=title,
            loc="upper left",
            bbox_to_anchor=(1.005, 1.0),
            ncol=-(-len(handles) // per_col),
            fontsize=7,
            title_fontsize=7,
            frameon=False,
            borderaxespad=0.0,
        )
        return
    from matplotlib.cm import ScalarMappable

    bar = ax.figure.colorbar(ScalarMappable(pal.norm, pal.cmap), ax=ax, pad=0.01, fraction=0.04)
    bar.set_label(title, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    if extra:
        ax.legend(
            handles=list(extra),
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncol=len(extra),
            fontsize=7,
            frameon=False,
            borderaxespad=0.2,
        )
