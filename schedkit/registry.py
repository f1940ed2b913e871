"""Which problem classes, formats, methods and generators exist.

Each problem class has a catalog module ``schedkit.catalog.<kind>`` that registers its
formats, methods and generator. Targets are ``"module:function"`` strings imported on first
use, so listing methods or reading a file never imports OR-Tools or PuLP.

Signatures of the targets:

* method:    ``fn(problem, ctx: SolveContext) -> Result``
* reader:    ``fn(text: str, source: str, **options) -> Problem``
* writer:    ``fn(problem) -> str``
* sniffer:   ``fn(head: str) -> bool``   (cheap test on the first few KB of a file)
* generator: ``fn(**params) -> Problem``
* warm-up:   ``fn() -> None``  (compiles a method's numba kernels; see :mod:`schedkit.warmup`)
* precheck:  ``fn(problem, ctx: SolveContext) -> None``  (raises before any work is done)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schedkit.errors import InvalidParameterError, UnknownMethodError

#: problem classes in display order; each has ``schedkit.catalog.<kind>``
KINDS: tuple[str, ...] = ("jssp", "fjsp", "smtt", "rcpsp", "project", "vmr", "pods")


def load_target(target: str | Callable[..., Any]) -> Callable[..., Any]:
    """Import ``"pkg.module:function"`` and return the function."""
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class MethodInfo:
    kind: str
    name: str
    target: str
    summary: str
    family: str  # "cp", "mip", "rule", "ls", "exact", "hybrid"
    exact: bool = False  # can prove optimality
    options: dict[str, str] = field(default_factory=dict)  # option name -> help
    #: "module:function" targets run once per process before the first timed solve
    warm_up: tuple[str, ...] = ()
    #: "module:function" ``fn(problem, ctx)`` that refuses, before any warm-up or work, a problem
    #: the method cannot take (e.g. a MIP too large for memory)
    precheck: str | None = None
    #: objectives beyond the class's default that the method optimises (``solve(objective=)``)
    objectives: tuple[str, ...] = ()
    #: instance features (``Problem.features()``, e.g. "setups") the method handles
    features: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FormatInfo:
    name: str
    kind: str
    reader: str
    writer: str | None
    sniffer: str | None
    extensions: tuple[str, ...]
    summary: str


@dataclass
class KindInfo:
    kind: str
    title: str
    default_method: str = "cpsat"
    default_format: str = ""
    generator: str | None = None
    generator_help: str = ""
    methods: dict[str, MethodInfo] = field(default_factory=dict)
    #: warm-up targets every method of the class needs (their shared compiled kernels)
    warm_up: tuple[str, ...] = ()


_KINDS: dict[str, KindInfo] = {}
_FORMATS: dict[str, FormatInfo] = {}
_loaded = False


def register_kind(
    kind: str,
    title: str,
    *,
    default_method: str,
    default_format: str,
    generator: str | None = None,
    generator_help: str = "",
    warm_up: tuple[str, ...] = (),
) -> None:
    info = _KINDS.setdefault(kind, KindInfo(kind, title))
    info.warm_up = tuple(warm_up)
    info.title = title
    info.default_method = default_method
    info.default_format = default_format
    info.generator = generator
    info.generator_help = generator_help


def register_method(
    kind: str,
    name: str,
    target: str,
    summary: str,
    *,
    family: str,
    exact: bool = False,
    options: dict[str, str] | None = None,
    warm_up: tuple[str, ...] = (),
    precheck: str | None = None,
    objectives: tuple[str, ...] = (),
    features: tuple[str, ...] = (),
) -> None:
    _KINDS.setdefault(kind, KindInfo(kind, kind)).methods[name] = MethodInfo(
        kind,
        name,
        target,
        summary,
        family,
        exact,
        dict(options or {}),
        tuple(warm_up),
        precheck,
        tuple(objectives),
        frozenset(features),
    )


def register_format(
    name: str,
    kind: str,
    *,
    reader: str,
    writer: str | None = None,
    sniffer: str | None = None,
    extensions: tuple[str, ...] = (),
    summary: str = "",
) -> None:
    _FORMATS[name] = FormatInfo(name, kind, reader, writer, sniffer, extensions, summary)


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for kind in KINDS:
        try:
            importlib.import_module(f"schedkit.catalog.{kind}")
        except ModuleNotFoundError as exc:  # a problem class not built yet
            if exc.name != f"schedkit.catalog.{kind}":
                raise


def kinds() -> dict[str, KindInfo]:
    """Registered problem classes."""
    _ensure_loaded()
    return {k: _KINDS[k] for k in KINDS if k in _KINDS}


def kind_info(kind: str) -> KindInfo:
    _ensure_loaded()
    if kind not in _KINDS:
        known = ", ".join(kinds())
        raise InvalidParameterError(f"unknown problem class {kind!r} (known: {known})")
    return _KINDS[kind]


def formats() -> dict[str, FormatInfo]:
    _ensure_loaded()
    return dict(_FORMATS)


def format_info(name: str) -> FormatInfo:
    _ensure_loaded()
    if name not in _FORMATS:
        known = ", ".join(sorted(_FORMATS))
        raise InvalidParameterError(f"unknown format {name!r} (known: {known})")
    return _FORMATS[name]


def method_info(kind: str, name: str) -> MethodInfo:
    """Look a method up, ignoring case (``CPSAT``, ``Rule:MWKR``): the returned info carries the
    registered name. UnknownMethodError names close matches (or the known ones)."""
    info = kind_info(kind)
    if name in info.methods:
        return info.methods[name]
    folded = {m.casefold(): m for m in info.methods}
    if isinstance(name, str) and name.casefold() in folded:
        return info.methods[folded[name.casefold()]]
    import difflib  # only for an unknown name

    close = difflib.get_close_matches(str(name).casefold(), list(folded), n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(folded[c] for c in close) + "?"
    else:
        hint = "known: " + ", ".join(info.methods)
    raise UnknownMethodError(f"unknown method {name!r} for {kind} ({hint})")


def warm_up_targets(kind: str, name: str) -> tuple[str, ...]:
    """The warm-up targets of a method: its class's, then its own (no repeats)."""
    info = method_info(kind, name)
    return tuple(dict.fromkeys(kind_info(kind).warm_up + info.warm_up))
