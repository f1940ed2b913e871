"""Reading and writing problem files: format detection, clear parse errors."""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any

from schedkit import registry
from schedkit.errors import InvalidParameterError, ParseError, SchedkitError
from schedkit.problems.base import Problem

_SNIFF_BYTES = 8192
_INDEX_SUFFIX = re.compile(r"^(?P<path>.+)#(?P<index>\d+)$")


def _split_index(path: str) -> tuple[str, int | None]:
    """``"wt40.txt#17"`` -> ``("wt40.txt", 17)`` unless a file of that literal name exists."""
    m = _INDEX_SUFFIX.match(path)
    if m and not os.path.exists(path):
        return m["path"], int(m["index"])
    return path, None


def read_text(path: str) -> str:
    """The file's text; ParseError for a missing, binary, non-UTF-8 or empty file."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ParseError("no such file", path) from None
    except IsADirectoryError:
        raise ParseError("is a directory, not an instance file", path) from None
    except OSError as exc:
        raise ParseError(f"cannot read file ({exc.strerror})", path) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseError("binary data (NUL byte): not an instance file", path, line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", path, line) from None
    if not text.strip():
        raise ParseError("empty file", path)
    return text


def detect_format(path: str, text: str) -> str:
    """Name of the format of ``path`` from its extension and content."""
    return _detect(path, text)[0]


def _detect(path: str, text: str) -> tuple[str, list[str]]:
    """The detected format and, when it is only a guess among several, the other candidates."""
    ext = Path(path).suffix.lower()
    head = text[:_SNIFF_BYTES]
    fmts = registry.formats()
    by_ext = [f for f in fmts.values() if ext and ext in f.extensions]
    ordered = by_ext + [f for f in fmts.values() if f not in by_ext]
    if len(by_ext) == 1:  # an extension only one format claims decides
        return by_ext[0].name, []
    for f in ordered:
        if f.sniffer is not None and registry.load_target(f.sniffer)(head):
            return f.name, []
    if by_ext:  # no content matched: the extension's first format, but say so on failure
        return by_ext[0].name, [f.name for f in by_ext[1:]]
    known = ", ".join(sorted(fmts))
    raise ParseError(f"cannot tell the file format; name it with --format ({known})", path)


def read(path: str | os.PathLike[str], format: str | None = None, **options: Any) -> Problem:
    """Read a problem file.

    Parameters
    ----------
    path
        Instance file. For files holding several instances, ``"file#k"`` selects the k-th
        (1-based), the same as ``index=k``.
    format
        Format name (see ``schedkit formats``); detected from extension and content if omitted.
    **options
        Format-specific options, e.g. ``index=17`` or ``mnl=50``.
    """
    spath, index = _split_index(os.fspath(path))
    if index is not None:
        if options.get("index", index) != index:
            other = options["index"]
            raise InvalidParameterError(f"{path}: names instance {index}, but index={other} was given")
        options["index"] = index
    text = read_text(spath)
    name, others = (format, []) if format else _detect(spath, text)
    info = registry.format_info(name)
    reader = registry.load_target(info.reader)
    if "index" in options and not _takes(reader, "index"):
        raise InvalidParameterError(
            f"{path}: instance number {options['index']} does not apply to format {name} "
            "(its files hold one instance)"
        )
    check_options(reader, options, f"format {name}")
    try:
        return reader(text, spath, **options)
    except ParseError as exc:
        if others:
            hint = f" (read as {name}, guessed; if it is {' or '.join(others)}, say so with --format)"
        else:
            hint = _looks_like(text, name) if format else ""
        if not hint:
            raise
        raise ParseError(exc.reason + hint, exc.source, exc.line) from None
    except SchedkitError:
        raise
    except Exception as exc:  # a reader bug must still give the user one clear line
        hint = _looks_like(text, name) if format else ""
        raise ParseError(f"cannot parse as {name}: {type(exc).__name__}: {exc}{hint}", spath) from exc


def _looks_like(text: str, named: str) -> str:
    """``" (the content looks like format jssp)"`` when ``named``'s own sniffer does not
    recognise ``text`` (else it is a damaged file of that format) but another format's does."""
    head = text[:_SNIFF_BYTES]
    fmts = registry.formats()
    own = fmts[named].sniffer
    if own is not None and registry.load_target(own)(head):
        return ""
    kind = fmts[named].kind
    ordered = sorted(fmts.values(), key=lambda f: f.kind != kind)  # the same class's formats first
    for f in ordered:
        if f.name != named and f.sniffer is not None and registry.load_target(f.sniffer)(head):
            return f" (the content looks like format {f.name})"
    return ""


def _takes(fn: Any, key: str) -> bool:
    params = inspect.signature(fn).parameters
    return key in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def write(problem: Problem, path: str | os.PathLike[str] | None = None, format: str | None = None) -> str:
    """Serialise ``problem`` (default format of its class); write it to ``path`` if given."""
    kind = registry.kind_info(problem.kind)
    name = format or kind.default_format
    info = registry.format_info(name)
    if info.kind != problem.kind or info.writer is None:
        raise InvalidParameterError(f"format {name!r} cannot write a {problem.kind} problem")
    text = registry.load_target(info.writer)(problem)
    if path is not None:
        atomic_write(os.fspath(path), text)
    return text


def atomic_write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a crash never leaves half a file."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def check_options(fn: Any, options: dict[str, Any], what: str) -> None:
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    for key in options:
        if key not in params:
            raise InvalidParameterError(f"option {key!r} does not apply to {what}")
