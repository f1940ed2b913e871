"""Sizes for legible charts: how wide a label is, whether it fits in a bar, how big a figure is.

Widths are in typographic points (1/72 inch), the unit of font sizes, so the rule is the same
at any DPI. A label's width is estimated from its length (DejaVu Sans, matplotlib's default
font, averages about 0.62 em per character for the digits and capitals used in labels).
"""

from __future__ import annotations

from collections.abc import Sequence

CHAR_EM = 0.62
"""Average character width, in em (multiples of the font size)."""
LABEL_PAD = 1.5
"""Points kept free on each side of a label inside its bar."""
MIN_FONT, MAX_FONT = 5.0, 8.0
"""Font sizes of bar labels (points)."""


def text_width(text: str, fontsize: float) -> float:
    """Estimated width of ``text`` in points at ``fontsize``."""
    return CHAR_EM * fontsize * len(text)


def label_fits(text: str, bar_width: float, fontsize: float) -> bool:
    """True when ``text`` at ``fontsize`` fits inside a bar ``bar_width`` points wide."""
    return bool(text) and text_width(text, fontsize) + 2 * LABEL_PAD <= bar_width


def fitting_label(candidates: Sequence[str], bar_width: float, fontsize: float) -> str:
    """The first of ``candidates`` (longest first) that fits the bar, ``""`` if none does."""
    for text in candidates:
        if label_fits(text, bar_width, fontsize):
            return text
    return ""


def placed_label(
    candidates: Sequence[str], bar_width: float, bar_height: float, fontsize: float
) -> tuple[str, bool]:
    """``(text, vertical)``: the first candidate that fits across the bar, else the first that
    fits upright in a bar tall enough and at least a line wide; ``("", False)`` if none."""
    text = fitting_label(candidates, bar_width, fontsize)
    if text:
        return text, False
    if 1.2 * fontsize + 2 * LABEL_PAD <= bar_width:
        text = fitting_label(candidates, bar_height, fontsize)
        if text:
            return text, True
    return "", False


def bar_font(row_height: float) -> float:
    """Label font size for rows ``row_height`` points tall (bars fill 80 % of a row)."""
    return max(MIN_FONT, min(MAX_FONT, 0.45 * row_height))


def gantt_size(rows: int, bars_per_row: int) -> tuple[float, float]:
    """Figure size in inches: 0.32 in per row up to 20 rows, 0.22 in per row beyond (at least
    2.6 in in all); wider (11 to 18 in) when a row holds many bars, so that more carry a label."""
    width = min(18.0, max(11.0, 0.16 * bars_per_row))
    height = max(2.6, (0.32 * rows if rows <= 20 else 6.4 + 0.22 * (rows - 20)) + 1.4)
    return width, height
