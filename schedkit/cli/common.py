"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any

import schedkit as sk
from schedkit.problems.base import Problem


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def time_limit_or_none(text: str) -> float | None:
    """Seconds, or ``none`` for no limit (methods then stop on their own criteria)."""
    if text.strip().lower() == "none":
        return None
    return non_negative_float(text)


def _int_at_least(text: str, minimum: int, requirement: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    return _int_at_least(text, 1, ">= 1")


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0."""
    return _int_at_least(text, 0, "a finite number >= 0")


def seed_int(text: str) -> int:
    from schedkit.api import MAX_SEED

    value = non_negative_int(text)
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SEED}, got {text}")
    return value


def add_instance_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="instance file; FILE#K selects instance K of a multi-instance file")
    p.add_argument("--format", help="file format (default: detected; see 'schedkit formats')")
    p.add_argument("--index", type=positive_int, help="instance number in a multi-instance file (1-based)")
    p.add_argument("--mnl", type=non_negative_int, help="VM rescheduling: migration number limit")


def load_problem(args: argparse.Namespace) -> Problem:
    options: dict[str, Any] = {}
    if getattr(args, "index", None) is not None:
        options["index"] = args.index
    if getattr(args, "mnl", None) is not None:
        options["mnl"] = args.mnl
    return sk.read(args.file, format=args.format, **options)


def parse_value(text: str) -> Any:
    """``"3"`` -> 3, ``"0.5"`` -> 0.5, ``"true"`` -> True, else the string."""
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_options(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise sk.InvalidParameterError(f"option must look like NAME=VALUE, got {item!r}")
        out[key.strip().replace("-", "_")] = parse_value(value.strip())
    return out


def describe(problem: Problem) -> str:
    s = problem.summary()
    counts = [
        (k, v)
        for k, v in list(s.items())[1:4]
        if isinstance(v, int) and not isinstance(v, bool) and not k.startswith(("min ", "max "))
    ]
    sizes = ", ".join(f"{v} {k}" for k, v in counts)
    return f"{problem.name} ({problem.title}: {sizes})"


def prepare_method(
    problem: Problem, method: str, options: dict[str, Any], objective: str | None = None
) -> None:
    """Check the method, the objective (known, fits the instance and the method), its option
    names and its precheck (e.g. a MIP's size limit), then import it and warm its compiled
    kernels up before the timed solve. A numba compilation (only the first use after
    installation, unless ``schedkit warm-up`` ran) is announced on stderr."""
    from schedkit import registry, warmup
    from schedkit.api import check_method_fits, precheck
    from schedkit.context import SolveContext

    info = registry.method_info(problem.kind, method)
    check_method_fits(problem, info, objective)
    for key in options:
        if key not in info.options:
            known = ", ".join(info.options) or "none"
            raise sk.InvalidParameterError(f"method {method} has no option {key!r} (options: {known})")
    precheck(problem, info, SolveContext(method=method, options=dict(options)))
    warmup.prepare(info, announce=lambda: print(warmup.COMPILING, file=sys.stderr, flush=True))


#: image formats the charts can be written in (matplotlib's, by extension)
IMAGE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


def check_output(path: str | None, flag: str, image: bool = False) -> None:
    """Refuse an output path that cannot be written before any long work starts."""
    if path is None:
        return
    if os.path.isdir(path):
        raise sk.InvalidParameterError(f"{flag} {path}: is a directory, expected a file name")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise sk.InvalidParameterError(f"{flag} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise sk.InvalidParameterError(f"{flag} {path}: directory {parent} is not writable")
    if image and os.path.splitext(path)[1].lower() not in IMAGE_SUFFIXES:
        known = ", ".join(s.lstrip(".") for s in IMAGE_SUFFIXES)
        raise sk.InvalidParameterError(f"{flag} {path}: unknown image type (use one of {known})")
