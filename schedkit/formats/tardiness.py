"""Single-machine tardiness formats: OR-Library ``wt`` files, schedkit's ``smtt`` text, JSON.

OR-Library (``wt40.txt``, ``wt50.txt``, ``wt100.txt``)
    A stream of whitespace-separated integers holding many instances back to back; each
    instance is ``n`` processing times, ``n`` weights, ``n`` due dates (line breaks carry no
    meaning). ``n`` comes from the file name (``wt<n>``) or the ``n=`` option; pick the k-th
    instance (1-based) with ``FILE#k`` or ``index=k``.

smtt text (``.smtt``, schedkit's own one-instance format)
    Comments run from ``#`` to the end of the line; blank lines are ignored. The first line
    is the keyword ``smtt``, the number of jobs and optionally the word ``weighted``; then one
    line per job: ``p d`` (processing time, due date) or, for weighted files, ``p d w``::

        smtt 3 weighted
        # p  d  w
        4  5  1
        2  2  3
        6  9  2

JSON (``.json``)
    An object with integer lists ``p`` and ``d`` and optionally ``w`` (and optionally
    ``"problem": "smtt"`` and ``"name"``)::

        {"problem": "smtt", "name": "toy", "p": [4, 2, 6], "d": [5, 2, 9], "w": [1, 3, 2]}
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import numpy as np

from schedkit.errors import ParseError
from schedkit.formats.text import MAX_INT, Lines, to_int
from schedkit.problems.tardiness import Tardiness

_WT_NAME = re.compile(r"wt_?(\d+)", re.IGNORECASE)


def instance_name(source: str) -> str:
    return os.path.splitext(os.path.basename(source))[0] or "smtt"


# OR-Library ----------------------------------------------------------------------------------
def sniff_orlib(head: str) -> bool:
    """Only non-negative integers, no line longer than the first (>= 3 numbers); one line: 3k numbers."""
    rows = [ln.split() for ln in head.splitlines() if ln.strip()]
    if len(head) >= 8192 and len(rows) > 1:
        rows = rows[:-1]  # the last line may be cut off
    if not rows or len(rows[0]) < 3:
        return False
    if any(not t.isdigit() for row in rows for t in row):
        return False
    if len(rows) == 1:
        return len(rows[0]) % 3 == 0
    width = len(rows[0])
    return all(len(r) <= width for r in rows)


def read_orlib(text: str, source: str, index: int | None = None, n: int | None = None) -> Tardiness:
    """Instance ``index`` (1-based) of an OR-Library weighted-tardiness file.

    ``n`` (jobs per instance) defaults to the number in the file name (``wt40.txt`` -> 40).
    A file holding a single instance needs no index.
    """
    if n is None:
        m = _WT_NAME.search(os.path.basename(source))
        if m is None:
            raise ParseError(
                "cannot tell the number of jobs per instance: name the file wt<n>... or pass n=<jobs>",
                source,
            )
        n = int(m.group(1))
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParseError(f"number of jobs n must be a positive integer, got {n!r}", source)
    values: list[int] = []
    line_of: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        for tok in raw.split():
            values.append(to_int(tok, source, number, "value"))
            line_of.append(number)
    size = 3 * n
    if len(values) % size:
        raise ParseError(
            f"{len(values)} numbers is not a multiple of 3 x {n} = {size} (p, w, d per instance); "
            f"wrong n or a truncated file",
            source,
        )
    count = len(values) // size
    if index is None:
        if count != 1:
            raise ParseError(
                f"the file holds {count} instances: choose one with FILE#K or --index K (1..{count})", source
            )
        index = 1
    if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= count:
        raise ParseError(f"instance index {index} out of range 1..{count}", source)
    base = (index - 1) * size
    block = np.array(values[base : base + size], dtype=np.int64)
    p, w, d = block[:n], block[n : 2 * n], block[2 * n :]
    for label, arr, offset in (("processing time", p, 0), ("weight", w, n), ("due date", d, 2 * n)):
        if (arr < 0).any():
            j = int(np.flatnonzero(arr < 0)[0])
            raise ParseError(f"job {j}: negative {label} {arr[j]}", source, line_of[base + offset + j])
    stem = instance_name(source)
    name = f"{stem}_{index:03d}" if count > 1 else stem
    return Tardiness(p, d, w, name=name)


def write_orlib(problem: Tardiness) -> str:
    """One instance in OR-Library layout (p, w, d), 20 numbers per line."""
    nums = np.concatenate([problem.p, problem.w, problem.d])
    rows = [" ".join(f"{x:5d}" for x in nums[i : i + 20]) for i in range(0, len(nums), 20)]
    return "\n".join(rows) + "\n"


# smtt text ---------------------------------------------------------------------------------
def sniff_text(head: str) -> bool:
    for raw in head.splitlines():
        tokens = raw.split("#", 1)[0].split()
        if tokens:
            return tokens[0].lower() == "smtt"
    return False


def read_text(text: str, source: str) -> Tardiness:
    """Parse the one-instance ``smtt`` text format (see the module docstring)."""
    lines = Lines(text, source)
    header = lines.next("the header 'smtt <jobs> [weighted]'")
    toks = header.tokens
    if toks[0].lower() != "smtt":
        raise lines.error(header, f"first line must start with 'smtt', got {toks[0]!r}")
    if len(toks) < 2 or len(toks) > 3 or (len(toks) == 3 and toks[2].lower() != "weighted"):
        raise lines.error(
            header, f"header must be 'smtt <jobs>' or 'smtt <jobs> weighted', got {' '.join(toks)!r}"
        )
    n = to_int(toks[1], source, header.number, "number of jobs")
    if n < 1:
        raise lines.error(header, f"number of jobs must be >= 1, got {n}")
    weighted = len(toks) == 3
    width = 3 if weighted else 2
    cols = "p d w" if weighted else "p d"
    rows: list[list[int]] = []
    for j in range(n):  # rows are read before any allocation: a huge n fails as truncated
        line = lines.next(f"the line of job {j} ({n} jobs declared)")
        nums = lines.ints(line)
        if len(nums) != width:
            raise lines.error(line, f"job {j}: expected {width} numbers ({cols}), got {len(nums)}")
        for label, v in zip(("processing time", "due date", "weight"), nums, strict=False):
            if v < 0:
                raise lines.error(line, f"job {j}: negative {label} {v}")
        rows.append(nums)
    lines.expect_end(f"the {n} job lines")
    data = np.array(rows, dtype=np.int64).reshape(n, width)
    return Tardiness(data[:, 0], data[:, 1], data[:, 2] if weighted else None, name=instance_name(source))


def write_text(problem: Tardiness) -> str:
    if problem.weighted:
        rows = [f"smtt {problem.num_jobs} weighted", "# p d w"]
        rows += [f"{p} {d} {w}" for p, d, w in zip(problem.p, problem.d, problem.w, strict=True)]
    else:
        rows = [f"smtt {problem.num_jobs}", "# p d"]
        rows += [f"{p} {d}" for p, d in zip(problem.p, problem.d, strict=True)]
    return "\n".join(rows) + "\n"


# JSON ------------------------------------------------------------------------------------------
_JSON_KIND = re.compile(r'"problem"\s*:\s*"smtt"')
_JSON_P = re.compile(r'"p"\s*:\s*\[')
_JSON_D = re.compile(r'"d"\s*:\s*\[')


def sniff_json(head: str) -> bool:
    if not head.lstrip().startswith("{"):
        return False
    return bool(_JSON_KIND.search(head)) or bool(_JSON_P.search(head) and _JSON_D.search(head))


def read_json(text: str, source: str) -> Tardiness:
    """Parse the JSON format: ``{"p": [...], "d": [...], "w": [...]}`` (``w`` optional)."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", source, exc.lineno) from None
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object with lists 'p' and 'd'", source)
    kind = data.get("problem", "smtt")
    if kind != "smtt":
        raise ParseError(f"'problem' is {kind!r}, expected 'smtt'", source)
    arrays: dict[str, np.ndarray] = {}
    for key, label in (("p", "processing times"), ("d", "due dates"), ("w", "weights")):
        if key not in data:
            if key == "w":
                continue
            raise ParseError(f"missing list {key!r} ({label})", source)
        vals = data[key]
        if not isinstance(vals, list) or not vals:
            raise ParseError(f"{key!r} must be a non-empty list of integers ({label})", source)
        for j, v in enumerate(vals):
            if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
                raise ParseError(f"{key}[{j}] = {v!r} is not an integer", source)
            if v < 0:
                raise ParseError(f"{key}[{j}]: negative {label[:-1]} {v}", source)
            if abs(v) > MAX_INT:
                raise ParseError(f"{key}[{j}] = {v} is too large (limit {MAX_INT})", source)
        arrays[key] = np.array([int(v) for v in vals], dtype=np.int64)
    n = len(arrays["p"])
    for key in ("d", "w"):
        if key in arrays and len(arrays[key]) != n:
            raise ParseError(f"{n} processing times but {len(arrays[key])} entries in {key!r}", source)
    name = data.get("name")
    name = name if isinstance(name, str) and name else instance_name(source)
    return Tardiness(arrays["p"], arrays["d"], arrays.get("w"), name=name)


def write_json(problem: Tardiness) -> str:
    out: dict[str, Any] = {"problem": "smtt", "name": problem.name, "p": problem.p.tolist()}
    out["d"] = problem.d.tolist()
    if problem.weighted:
        out["w"] = problem.w.tolist()
    return json.dumps(out) + "\n"
