"""``schedkit generate KIND [--PARAM VALUE ...]``: write a random instance."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import schedkit as sk
from schedkit import registry
from schedkit.cli.common import check_output, parse_value


def add_parser(sub: Any) -> argparse.ArgumentParser:
    kinds = registry.kinds()
    lines = [f"  {k}: {info.generator_help}" for k, info in kinds.items() if info.generator]
    p = sub.add_parser(
        "generate",
        help="write a random (seeded) instance",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write a random instance of a problem class. Generator parameters are given "
        "as --NAME VALUE pairs, e.g. 'schedkit generate jssp --n 15 --m 10 --seed 3'.\n\n"
        "Parameters per class:\n" + "\n".join(lines),
    )
    p.add_argument("kind", choices=list(kinds), help="problem class")
    p.add_argument("-o", "--out", metavar="FILE", help="output file (default: standard output)")
    p.add_argument("--format", help="output format (default: the class's own)")
    p.add_argument("params", nargs=argparse.REMAINDER, help="generator parameters: --NAME VALUE ...")
    return p


def run(args: argparse.Namespace) -> int:
    params = _pairs(args.params)
    out = params.pop("out", args.out)  # -o/--format may also follow the parameters
    fmt = params.pop("format", args.format)
    check_output(None if out is None else str(out), "--out")
    if "base" in params:  # a file: the generator adds its constraints to that instance
        params["base"] = sk.read(str(params["base"]))
    problem = sk.generate(args.kind, **params)
    text = sk.write(problem, None if out is None else str(out), format=fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {problem.name} to {out}", file=sys.stderr)
    return 0


def _pairs(tokens: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "-o":
            tok = "--out"
        if not tok.startswith("--"):
            raise sk.InvalidParameterError(f"expected --NAME VALUE, got {tok!r}")
        key, eq, value = tok[2:].partition("=")
        if not eq:
            if i + 1 >= len(tokens):
                raise sk.InvalidParameterError(f"parameter --{key} needs a value")
            value = tokens[i + 1]
            i += 1
        name = key.replace("-", "_")
        out[name] = value if name in ("out", "format") else parse_value(value)
        i += 1
    return out
