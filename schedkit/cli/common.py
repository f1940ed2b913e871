"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import math
from typing import Any

import schedkit as sk
from schedkit.problems.base import Problem


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
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
    sizes = ", ".join(f"{v} {k}" for k, v in list(s.items())[1:4])
    return f"{problem.name} ({problem.title}: {sizes})"
