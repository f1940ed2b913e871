"""Checks the problem classes share when they validate their data.

Every check raises :class:`~schedkit.errors.InvalidProblemError` with one line that names the
field or the item (``job 0, operation 2``, ``activity 3``, ``VM vm7``) and the offending value.
The array checks serve the dataclasses' ``__post_init__``; the record checks (:func:`entries`,
:func:`record`, :func:`integer`) serve the builders that read nested Python lists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from schedkit.errors import InvalidProblemError

#: names an item from its index (one int per dimension of the checked array)
Item = Callable[..., str]


def preview(values: Any, most: int = 8) -> str:
    """A short text form of ``values`` for messages: the first ``most`` entries, then '...'."""
    items = list(np.asarray(values).ravel()[: most + 1].tolist()) if not isinstance(values, str) else values
    if isinstance(items, str) or len(items) <= most:
        return repr(items)
    return repr(items[:most])[:-1] + ", ...]"


# arrays -------------------------------------------------------------------------------------
def int_array(
    name: str, values: Any, ndim: int | None = 1, shape: tuple[int, ...] | None = None
) -> np.ndarray:
    """``values`` as a new C-contiguous int64 array.

    ``shape`` (which may hold one -1) reshapes the values; otherwise the array must have
    ``ndim`` dimensions (``None``: flattened to one). Floats are accepted when integral.
    """
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        raise InvalidProblemError(f"{name}: not an array of integers: {values!r:.80}") from None
    if arr.dtype.kind == "f" and arr.size:
        bad = first(~np.isfinite(arr) | (arr != np.round(arr)))
        if bad is not None:
            raise InvalidProblemError(f"{name}: {arr[bad].item()!r} is not an integer")
    elif arr.size and arr.dtype.kind not in "iu":
        bad = _first_non_int(values if arr.dtype.kind in "USb" else arr.ravel().tolist())
        if bad is not None or arr.dtype.kind != "O":
            shown = arr.ravel()[0].item() if bad is None else bad
            raise InvalidProblemError(f"{name}: {shown!r} is not an integer")
    out = np.array(arr, dtype=np.int64, order="C")
    if shape is not None:
        try:
            return out.reshape(shape)
        except ValueError:
            raise InvalidProblemError(f"{name}: {out.size} values do not fit shape {shape}") from None
    if ndim is None:
        return out.ravel()
    if out.ndim != ndim and not (out.size == 0 and ndim == 1):
        raise InvalidProblemError(f"{name}: expected {ndim} dimension(s), got shape {out.shape}")
    return out.reshape(-1) if ndim == 1 else out


def bool_array(name: str, values: Any, length: int, other: str, default: bool = True) -> np.ndarray:
    """``values`` as a new bool array with one entry per ``other`` (all ``default`` when None)."""
    if values is None:
        return np.full(length, default, dtype=bool)
    arr = np.array(values, dtype=bool).reshape(-1)
    same_length(name, arr, length, other)
    return arr


def same_length(name: str, values: Sequence[Any] | np.ndarray, expected: int, other: str) -> None:
    """``values`` has ``expected`` entries, as many as ``other`` has: else
    '3 machines but 2 durations' (``expected`` ``other`` but len(values) ``name``)."""
    if len(values) != expected:
        raise InvalidProblemError(f"{expected} {other} but {len(values)} {name}")


def first(mask: np.ndarray) -> tuple[int, ...] | None:
    """Index (one int per dimension) of the first True entry of ``mask``, or None."""
    hits = np.argwhere(mask)
    return tuple(int(i) for i in hits[0]) if len(hits) else None


def nonnegative(values: np.ndarray, label: str, item: Item) -> None:
    """Every entry of ``values`` is >= 0; else '``item(i)``: negative ``label`` v'."""
    bad = first(values < 0)
    if bad is not None:
        raise InvalidProblemError(f"{item(*bad)}: negative {label} {values[bad]}")


def in_range(values: np.ndarray, low: int, high: int | None, label: str, item: Item) -> None:
    """Every entry of ``values`` is in ``low..high`` (no upper limit when ``high`` is None)."""
    over = np.zeros(values.shape, dtype=bool) if high is None else values > high
    bad = first((values < low) | over)
    if bad is None:
        return
    limit = f"must be >= {low}" if high is None else f"out of range {low}..{high}"
    raise InvalidProblemError(f"{item(*bad)}: {label} {values[bad]} {limit}")


def count(label: str, value: Any, minimum: int) -> int:
    """A scalar integer >= ``minimum`` (bools refused), e.g. the number of machines."""
    if not _is_int(value) or int(value) < minimum:
        raise InvalidProblemError(f"{label} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def segments(
    name: str,
    ptr: np.ndarray,
    total: int,
    *,
    parts: int | None = None,
    item: str = "segment",
    empty: str | None = None,
) -> np.ndarray:
    """Lengths of the segments the offsets ``ptr`` cut ``0..total`` into.

    ``ptr`` runs from 0 to ``total`` without decreasing, and has ``parts + 1`` entries when
    ``parts`` is given, at least two otherwise. With ``empty`` (e.g. ``"no operations"``)
    every segment must be non-empty: '``item`` j has ``empty``'.
    """
    n = len(ptr)
    want = f"{parts + 1} offsets" if parts is not None else f"offsets for at least one {item}"
    if (parts is not None and n != parts + 1) or n < 2 or ptr[0] != 0 or ptr[-1] != total:
        raise InvalidProblemError(f"{name} must run from 0 to {total} in {want}, got {preview(ptr)}")
    lengths = np.diff(ptr)
    bad = first(lengths < 0)
    if bad is not None:
        raise InvalidProblemError(f"{name} must not decrease: {ptr[bad[0]]} then {ptr[bad[0] + 1]}")
    if empty is not None and (lengths < 1).any():
        raise InvalidProblemError(f"{item} {int(np.argmin(lengths))} has {empty}")
    return lengths


def segment_index(ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For offsets ``ptr``: per element, its segment and its rank inside the segment."""
    lengths = np.diff(ptr)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return owner, np.arange(int(ptr[-1]), dtype=np.int64) - ptr[owner]


def freeze(*arrays: np.ndarray) -> None:
    """Make the arrays read-only (problem data never change after validation)."""
    for a in arrays:
        a.setflags(write=False)


# nested Python records (the builders) --------------------------------------------------------
def entries(where: str, value: Any, what: str, minimum: int = 1) -> Sequence[Any]:
    """``value`` as a sequence of at least ``minimum`` entries, each one ``what``."""
    if isinstance(value, str | bytes | dict) or not isinstance(value, Sequence | np.ndarray):
        raise InvalidProblemError(f"{where}: expected a list of {what}s, got {value!r:.80}")
    if len(value) < minimum:
        raise InvalidProblemError(f"{where}: expected at least {_n(minimum)} {what}, got {value!r:.80}")
    return value


def record(where: str, value: Any, fields: Sequence[str], minimum: int | None = None) -> tuple[int, ...]:
    """``value`` as a tuple of integers (each >= ``minimum`` if given), one per name in
    ``fields`` (e.g. machine, duration)."""
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, Sequence | np.ndarray)
        or len(value) != len(fields)
    ):
        shape = "(" + ", ".join(fields) + ")" + (" pair" if len(fields) == 2 else "")
        raise InvalidProblemError(f"{where}: expected a {shape}, got {value!r:.80}")
    return tuple(integer(where, f, v, minimum) for f, v in zip(fields, value, strict=True))


def integer(where: str, label: str, value: Any, minimum: int | None = None) -> int:
    """``value`` as an int (Python or numpy integer; bools and floats refused), >= ``minimum``
    if given."""
    if not _is_int(value):
        raise InvalidProblemError(f"{where}: {label} {value!r:.40} is not an integer")
    if minimum is not None and int(value) < minimum:
        raise InvalidProblemError(f"{where}: {label} {int(value)} must be >= {minimum}")
    return int(value)


def _first_non_int(values: Any) -> Any:
    """The first entry of (nested lists) ``values`` that is not an integer, or None."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return None
    if isinstance(values, Sequence | np.ndarray) and not isinstance(values, str | bytes):
        return next((b for b in map(_first_non_int, values) if b is not None), None)
    return None if _is_int(values) else values


def _is_int(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _n(k: int) -> str:
    return "one" if k == 1 else str(k)
