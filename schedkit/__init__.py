"""schedkit: combinatorial scheduling through one interface.

>>> import schedkit as sk
>>> problem = sk.read("instances/jssp_ft06.txt")          # doctest: +SKIP
>>> result = sk.solve(problem, method="cpsat", time_limit=10)  # doctest: +SKIP
>>> sk.check(problem, result.solution)                    # doctest: +SKIP
[]
"""

from schedkit.api import (
    __version__,
    check,
    generate,
    load_solution,
    methods,
    save_solution,
    solve,
)
from schedkit.errors import (
    InvalidParameterError,
    InvalidProblemError,
    ParseError,
    SchedkitError,
    SolutionFormatError,
    SolverBugError,
    UnknownMethodError,
)
from schedkit.io import read, write
from schedkit.result import Result, Status

__all__ = [
    "__version__",
    "check",
    "generate",
    "load_solution",
    "methods",
    "read",
    "reschedule",
    "save_solution",
    "solve",
    "write",
    "Result",
    "Status",
    "SchedkitError",
    "ParseError",
    "InvalidProblemError",
    "InvalidParameterError",
    "UnknownMethodError",
    "SolutionFormatError",
    "SolverBugError",
    # builders (schedkit.problems.builders), imported on first use
    "jobshop",
    "flexible_jobshop",
    "tardiness",
    "rcpsp",
    "vm_rescheduling",
]

_BUILDERS = ("jobshop", "flexible_jobshop", "tardiness", "rcpsp", "vm_rescheduling")


def __getattr__(name: str) -> object:
    """``sk.plot`` (charts), ``sk.reschedule`` and the builders (``sk.jobshop`` ...) are imported
    on first use: matplotlib and numpy stay out of ``import schedkit``."""
    if name == "plot":
        import importlib

        return importlib.import_module("schedkit.plot")
    if name == "reschedule":  # schedkit.rescheduling.api; numpy stays out of 'import schedkit'
        from schedkit.rescheduling.api import reschedule

        return reschedule
    if name in _BUILDERS:
        from schedkit.problems import builders

        return getattr(builders, name)
    raise AttributeError(f"module 'schedkit' has no attribute {name!r}")
