"""Find benchmark instances: files, folders, globs and ``file#k`` specs, with their reference bounds.

An instance is named after its file stem (``la01.txt`` -> ``la01``); the k-th instance of a
file holding several (OR-Library ``wt40.txt``) is ``wt40_001``, ``wt40_002``, ... A
``reference.csv`` beside the instance files (columns ``instance,lb,ub,optimal,source``)
supplies best-known bounds, unless a reference file is given explicitly. The set of an
instance is the name of the folder holding its file.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import schedkit as sk
from schedkit.errors import InvalidParameterError, ParseError, SchedkitError

REFERENCE_NAME = "reference.csv"
REFERENCE_COLUMNS = ("instance", "lb", "ub", "optimal", "source")
#: files a folder scan never treats as instances
_SKIP_SUFFIXES = {
    *(".csv", ".md", ".rst", ".html", ".pdf", ".png", ".svg", ".py", ".sh"),
    *(".db", ".sqlite", ".db-journal", ".db-wal", ".db-shm", ".log", ".out", ".err", ".tmp"),
    *(".gz", ".zip", ".tar", ".bz2", ".xz"),
}
_SKIP_STEMS = {"readme", "license", "sources", "changelog"}
_SPEC = re.compile(r"^(?P<path>.+)#(?P<first>\d+)(?:-(?P<last>\d+))?$")
_MAX_PROBE = 1 << 16


@dataclass(frozen=True)
class Reference:
    """Best-known bounds of one instance (``None``: not known)."""

    lb: float | None
    ub: float | None
    optimal: bool
    source: str = ""


@dataclass(frozen=True)
class Instance:
    """One benchmark instance.

    Attributes
    ----------
    path
        Absolute file path, with ``#k`` for the k-th instance of a multi-instance file.
    file
        Absolute path of the file itself.
    index
        Position in a multi-instance file (1-based), ``None`` for a one-instance file.
    name, set, kind
        Instance name, set name (the folder), problem class.
    digest
        SHA-256 (hex, 16 characters) of the file's bytes: a changed file gives new runs.
    reference
        Best-known bounds, when a reference lists the instance.
    """

    path: str
    file: str
    index: int | None
    name: str
    set: str
    kind: str
    digest: str
    reference: Reference | None = None


def _number(text: str, source: str, line: int, column: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ParseError(f"column {column}: not a number: {text!r}", source, line) from None
    return int(value) if value.is_integer() else value


def load_reference(path: str | os.PathLike[str]) -> dict[str, Reference]:
    """Read a reference file (``instance,lb,ub,optimal,source``) into ``{name: Reference}``."""
    spath = os.fspath(path)
    try:
        with open(spath, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise ParseError("no such reference file", spath) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot read reference file ({exc})", spath) from None
    if not rows:
        raise ParseError("empty reference file", spath)
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("instance", "lb", "ub") if c not in header]
    if missing:
        raise ParseError(
            f"reference header must have columns {','.join(REFERENCE_COLUMNS)}; missing {','.join(missing)}",
            spath,
            1,
        )
    col = {name: header.index(name) for name in REFERENCE_COLUMNS if name in header}
    out: dict[str, Reference] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        name = cells[col["instance"]].strip()
        if not name:
            raise ParseError("empty instance name", spath, number)
        lb = _number(cells[col["lb"]], spath, number, "lb")
        ub = _number(cells[col["ub"]], spath, number, "ub")
        if lb is not None and ub is not None and lb > ub:
            raise ParseError(f"{name}: lb {lb} above ub {ub}", spath, number)
        optimal = "optimal" in col and cells[col["optimal"]].strip().lower() in ("true", "1", "yes")
        source = cells[col["source"]].strip() if "source" in col else ""
        out[name] = Reference(lb, ub, optimal, source)
    return out


def file_digest(path: str) -> str:
    """First 16 hex digits of the SHA-256 of the file's bytes."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise ParseError(f"cannot read file ({exc.strerror})", path) from None
    return h.hexdigest()[:16]


def instance_count(file: str) -> int:
    """How many instances ``file`` holds: 1 unless its reader accepts ``index`` and finds a 2nd.

    Probes ``index=2, 4, 8, ...`` then bisects; works for any format whose reader takes an
    ``index`` option and raises a schedkit error for an index out of range.
    """

    def ok(k: int) -> bool:
        try:
            sk.read(file, index=k)
        except SchedkitError:
            return False
        return True

    if not ok(2):
        return 1
    low, high = 2, 4
    while high <= _MAX_PROBE and ok(high):
        low, high = high, high * 2
    if high > _MAX_PROBE:
        raise ParseError(
            f"the reader accepts any instance index (tried up to {_MAX_PROBE}); use FILE#K", file
        )
    while high - low > 1:
        mid = (low + high) // 2
        if ok(mid):
            low = mid
        else:
            high = mid
    return low


def _is_candidate(path: Path) -> bool:
    name = path.name
    if name.startswith(".") or not path.is_file():
        return False
    if path.suffix.lower() in _SKIP_SUFFIXES or name.endswith("~"):
        return False
    return path.stem.lower() not in _SKIP_STEMS


def _expand(spec: str) -> list[tuple[str, int | None, int | None, bool]]:
    """``spec`` -> [(file, first, last, explicit)]; ``first``/``last`` from ``#k`` or ``#a-b``."""
    m = _SPEC.match(spec)
    if m and not os.path.exists(spec):
        first = int(m["first"])
        last = int(m["last"]) if m["last"] else first
        if first < 1 or last < first:
            raise InvalidParameterError(f"bad instance range in {spec!r} (want FILE#K or FILE#A-B, K >= 1)")
        if not os.path.isfile(m["path"]):
            raise ParseError("no such file", m["path"])
        return [(m["path"], first, last, True)]
    if os.path.isdir(spec):
        files = sorted(p for p in Path(spec).iterdir() if _is_candidate(p))
        return [(str(p), None, None, False) for p in files]
    if os.path.isfile(spec):
        return [(spec, None, None, True)]
    if glob.has_magic(spec):
        hits = sorted(glob.glob(spec, recursive=True))
        out: list[tuple[str, int | None, int | None, bool]] = []
        for hit in hits:
            if os.path.isdir(hit):
                out.extend(_expand(hit))
            elif _is_candidate(Path(hit)):
                out.append((hit, None, None, False))
        return out
    raise ParseError("no such file or folder", spec)


class _References:
    """Reference bounds: an explicit file, else ``reference.csv`` beside each instance file."""

    def __init__(self, explicit: str | os.PathLike[str] | None):
        self.explicit = load_reference(explicit) if explicit is not None else None
        self.by_folder: dict[str, dict[str, Reference]] = {}

    def lookup(self, file: str, name: str) -> Reference | None:
        if self.explicit is not None:
            return self.explicit.get(name)
        folder = os.path.dirname(file)
        if folder not in self.by_folder:
            ref = os.path.join(folder, REFERENCE_NAME)
            self.by_folder[folder] = load_reference(ref) if os.path.isfile(ref) else {}
        return self.by_folder[folder].get(name)


def find_instances(
    specs: list[str],
    reference: str | os.PathLike[str] | None = None,
    *,
    on_skip: object = None,
) -> list[Instance]:
    """Resolve instance specs (files, folders, globs, ``file#k``, ``file#a-b``) to instances.

    Every instance is read once to learn its problem class, so a broken explicitly named
    file raises its ParseError here. Files met while scanning a folder or a glob that no
    reader understands are skipped; ``on_skip(path, message)`` is called for each.
    Raises InvalidParameterError when nothing is found.
    """
    refs = _References(reference)
    seen: set[str] = set()
    out: list[Instance] = []
    for spec in specs:
        if glob.has_magic(spec) and not os.path.exists(spec) and not glob.glob(spec, recursive=True):
            if callable(on_skip):
                on_skip(spec, "no file matches the pattern")
            continue
        for file, first, last, explicit in _expand(spec):
            file = os.path.abspath(file)
            try:
                found = _instances_of(file, first, last, refs)
            except SchedkitError as exc:
                if explicit:
                    raise
                if callable(on_skip):
                    on_skip(file, str(exc))
                continue
            for inst in found:
                if inst.path not in seen:
                    seen.add(inst.path)
                    out.append(inst)
    if not out:
        raise InvalidParameterError(f"no instances found in {' '.join(specs) or '(nothing given)'}")
    return out


def _instances_of(file: str, first: int | None, last: int | None, refs: _References) -> list[Instance]:
    digest = file_digest(file)
    stem = Path(file).stem
    folder = os.path.basename(os.path.dirname(file)) or "."
    if first is None:
        count = instance_count(file)
        if count == 1:
            problem = sk.read(file)
            return [Instance(file, file, None, stem, folder, problem.kind, digest, refs.lookup(file, stem))]
        first, last = 1, count
    assert last is not None
    out = []
    for k in range(first, last + 1):
        problem = sk.read(file, index=k)
        name = f"{stem}_{k:03d}"
        out.append(
            Instance(f"{file}#{k}", file, k, name, folder, problem.kind, digest, refs.lookup(file, name))
        )
    return out
