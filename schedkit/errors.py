"""Errors a user can cause. Each carries a one-line message naming the file, line or value.

The CLI prints ``str(error)`` and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations


class SchedkitError(Exception):
    """Base class of every error caused by input, parameters or requests of the user."""


class ParseError(SchedkitError):
    """A file could not be read: names the file and, where known, the line."""

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        self.reason = message
        where = source or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class InvalidProblemError(SchedkitError):
    """The data parse but describe an impossible or inconsistent problem."""


class UnknownMethodError(SchedkitError):
    """The method name is not registered for the problem class."""


class InvalidParameterError(SchedkitError):
    """A parameter (time limit, workers, generator size...) has an invalid value."""


class SolutionFormatError(SchedkitError):
    """A saved solution file cannot be read or belongs to another problem class."""


class SolverBugError(RuntimeError):
    """A method returned a schedule the independent checker rejects: a bug in schedkit."""
