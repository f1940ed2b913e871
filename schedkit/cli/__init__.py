"""The ``schedkit`` command line. Thin: parses arguments, calls the public API, prints.

Each sub-command lives in ``schedkit.cli.<name>`` with ``add_parser(subparsers)`` and
``run(args) -> int``. Errors a user caused print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from schedkit.errors import SchedkitError, SolverBugError
from schedkit.shutdown import abandoned_alive, teardown_skipped

COMMANDS = (
    "solve",
    "reschedule",
    "simulate",
    "check",
    "info",
    "methods",
    "formats",
    "generate",
    "bench",
    "report",
    "warmup",
)
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, like every other user error, pointing at the command's help."""
        self.exit(EXIT_USAGE, f"schedkit: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from schedkit import __version__

    parser = _Parser(
        prog="schedkit",
        description="Combinatorial scheduling: read an instance, solve it, check and report.",
        epilog="Run 'schedkit COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"schedkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"schedkit.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"schedkit.cli.{name}":
                raise
            continue
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except SchedkitError as exc:
        print(f"schedkit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SolverBugError as exc:
        print(f"schedkit: internal error, please report: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("schedkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    """Console-script entry point.

    A solver abandoned at a stop (e.g. HiGHS inside its model hand-over, or CBC past its limit)
    may still run in a daemon thread; letting the interpreter finalise under it can abort the
    process from C++ ("terminate called without an active exception"). Everything has been
    printed and saved by then, so such a run ends with ``os._exit`` after flushing; so does a
    ``solve``, whose large models would take up to a second to tear down."""
    code = main()
    if abandoned_alive() or teardown_skipped():
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)
