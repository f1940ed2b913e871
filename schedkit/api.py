"""The public API: solve, check, generate, methods, solution files."""

from __future__ import annotations

import inspect
import json
import math
import os
import threading
import time
from typing import Any

from schedkit import registry
from schedkit.context import SolveContext
from schedkit.errors import (
    InvalidParameterError,
    SchedkitError,
    SolutionFormatError,
    SolverBugError,
)
from schedkit.io import atomic_write
from schedkit.problems.base import Problem, Solution
from schedkit.result import Result, Status

__version__ = "0.1.0"
_TOL = 1e-9


def default_workers() -> int:
    """Workers used when none are given: the machine's cores, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


#: the largest seed: CP-SAT takes a 32-bit signed seed
MAX_SEED = 2**31 - 1


def _validate_limits(time_limit: Any, workers: Any, seed: Any) -> None:
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, int | float):
            raise InvalidParameterError(f"time limit must be a number of seconds, got {time_limit!r}")
        if not math.isfinite(time_limit) or time_limit < 0:
            raise InvalidParameterError(f"time limit must be >= 0 seconds, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidParameterError(f"workers must be an integer >= 1, got {workers!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidParameterError(f"seed must be an integer in [0, {MAX_SEED}], got {seed!r}")


#: the checks of solve()'s limits, public for the other entry points (sk.reschedule)
validate_limits = _validate_limits


def solve(
    problem: Problem,
    method: str | None = None,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int = 0,
    hint: Any | None = None,
    verbose: bool = False,
    stop: threading.Event | None = None,
    objective: str | None = None,
    **options: Any,
) -> Result:
    """Solve ``problem`` with ``method`` and return a re-checked :class:`Result`.

    Parameters
    ----------
    problem
        A problem object from :func:`read` or :func:`generate`.
    method
        Method name (see :func:`methods`); the problem class's default when omitted.
    time_limit
        Wall-clock seconds for the whole call, model building included; ``None``: no limit.
    workers
        Threads a solver may use (CP-SAT workers, MIP threads); default: cores, at most 8.
    seed
        Random seed; equal seeds give equal results for deterministic methods.
    hint
        A solution (or Result) to start from: a warm start for methods that accept one.
    stop
        An event that, once set, asks anytime methods to return their incumbent at once.
    objective
        What to minimise, among ``problem.objectives()`` (job shop: makespan, the default,
        weighted_tardiness, max_lateness, weighted_completion, tardy_jobs).
    **options
        Method-specific options (``schedkit methods`` lists them).
    """
    if not isinstance(problem, Problem):
        raise InvalidParameterError(f"expected a schedkit problem, got {type(problem).__name__}")
    workers = default_workers() if workers is None else workers
    _validate_limits(time_limit, workers, seed)
    kind = registry.kind_info(problem.kind)
    info = registry.method_info(problem.kind, method or kind.default_method)
    name = info.name  # the registered spelling of a name typed in another case
    for key in options:
        if key not in info.options:
            known = ", ".join(info.options) or "none"
            raise InvalidParameterError(f"method {name} has no option {key!r} (options: {known})")
    objective = check_method_fits(problem, info, objective)
    if isinstance(hint, Result):
        hint = hint.solution
    if hint is not None and not isinstance(hint, problem.solution_type):
        raise InvalidParameterError(f"hint must be a {problem.solution_type.__name__}")
    if hint is not None:
        _refuse_misfit_hint(problem, hint)
    ctx = SolveContext(
        method=name,
        time_limit=None if time_limit is None else float(time_limit),
        workers=workers,
        seed=seed,
        hint=hint,
        options=options,
        verbose=verbose,
        stop=stop or threading.Event(),
        objective=objective,
    )
    precheck(problem, info, ctx)
    from schedkit import warmup  # imported here: numba's event hooks are only needed to solve

    # the clock starts before the method's imports (OR-Tools takes 0.5-2 s on a first call): the
    # limit holds from the call on; only a numba compilation (the first use after installation
    # without 'schedkit warm-up', announced) restarts it
    began = time.perf_counter()
    compiled: list[bool] = []

    def announce() -> None:
        compiled.append(True)
        warmup.announce_default()

    method_fn = warmup.prepare(info, announce)
    ctx.started = time.perf_counter() if compiled else began
    result = method_fn(problem, ctx)
    return _finalise(problem, result, ctx, info)


def check_method_fits(problem: Problem, info: registry.MethodInfo, objective: str | None) -> str | None:
    """The objective (None for the class's default); a one-line error for an unknown one, one
    the method does not optimise, or instance features (setups...) the method does not handle."""
    name = problem.check_objective(objective)
    if name != problem.objective_name and name not in info.objectives:
        able = [m.name for m in methods(problem.kind) if name in m.objectives]
        raise InvalidParameterError(
            f"method {info.name} does not minimise {name} (methods that do: {_short_list(able)})"
        )
    missing = sorted(problem.features() - info.features)
    if missing:
        able = [m.name for m in methods(problem.kind) if problem.features() <= m.features]
        raise InvalidParameterError(
            f"method {info.name} does not handle {', '.join(missing)} (methods that do: {_short_list(able)})"
        )
    return None if name == problem.objective_name else name


def _short_list(names: list[str]) -> str:
    """``a, b, rule:*`` (the rules summarised), or ``none``."""
    rules = [n for n in names if n.startswith("rule:")]
    rest = [n for n in names if not n.startswith("rule:")] + (["rule:*"] if rules else [])
    return ", ".join(rest) or "none"


def _refuse_misfit_hint(problem: Problem, hint: Solution) -> None:
    """A hint made for another instance is a mistake, not a warm start: refuse it."""
    from schedkit import hints

    why = hints.misfit(problem, hint)
    if why is not None:
        size = hints.describe_size(hints.instance_size(problem))
        raise InvalidParameterError(f"hint does not fit instance {problem.name} ({size}): {why}")


def precheck(problem: Problem, info: registry.MethodInfo, ctx: SolveContext) -> None:
    """Run the method's precheck (e.g. a MIP's size limit): refuse before any warm-up or work."""
    if info.precheck is not None:
        registry.load_target(info.precheck)(problem, ctx)


def _finalise(problem: Problem, result: Result, ctx: SolveContext, info: registry.MethodInfo) -> Result:
    """Re-check the method's answer and make objective, bound and status consistent."""
    result.method = ctx.method
    result.problem_kind = problem.kind
    result.objective_name = ctx.objective or problem.objective_name
    trivial = problem.objective_bound(ctx.objective) if ctx.objective else problem.lower_bound()
    lb = trivial if result.lower_bound is None else max(result.lower_bound, trivial)
    if result.solution is not None:
        bad = problem.violations(result.solution)
        if bad:
            more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
            raise SolverBugError(f"method {ctx.method} returned an infeasible schedule: {bad[0]}{more}")
        obj = (
            problem.evaluate(result.solution, ctx.objective)
            if ctx.objective
            else problem.objective(result.solution)
        )
        if result.objective is not None and abs(result.objective - obj) > _TOL * max(1, abs(obj)):
            raise SolverBugError(
                f"method {ctx.method} reported objective {result.objective}, schedule gives {obj}"
            )
        result.objective = obj
        if lb > obj + _TOL * max(1, abs(obj)):
            raise SolverBugError(f"method {ctx.method} claims lower bound {lb} above objective {obj}")
        if result.status in (Status.UNKNOWN, Status.INFEASIBLE):
            result.status = Status.FEASIBLE
        if (
            result.status is Status.OPTIMAL
            and result.lower_bound is not None
            and obj - lb > _TOL * max(1, abs(obj))
        ):
            result.status = Status.FEASIBLE  # an optimality claim whose own bound does not meet the objective
        if obj - lb <= _TOL * max(1, abs(obj)):
            result.status = Status.OPTIMAL
        if result.status is Status.OPTIMAL:
            lb = obj
    elif result.status in (Status.OPTIMAL, Status.FEASIBLE):
        raise SolverBugError(f"method {ctx.method} reported {result.status} without a solution")
    result.lower_bound = lb
    result.runtime = ctx.elapsed()
    return result


def check(problem: Problem, solution: Any, objective: float | None = None) -> list[str]:
    """Every violation of ``solution`` (a solution object or a Result); [] when feasible.

    If ``objective`` is given (e.g. the value a solution file claims), a mismatch with the
    schedule's own objective is reported too.
    """
    if isinstance(solution, Result):
        solution = solution.solution
    if solution is None:
        return ["no solution"]
    bad = list(problem.violations(solution))
    if objective is not None and not bad:
        actual = problem.objective(solution)
        if abs(actual - objective) > _TOL * max(1, abs(actual)):
            bad.append(f"objective mismatch: stated {objective}, schedule gives {actual}")
    return bad


def generate(kind: str, **params: Any) -> Problem:
    """A random instance of problem class ``kind`` (``schedkit generate KIND --help``)."""
    info = registry.kind_info(kind)
    if info.generator is None:
        raise InvalidParameterError(f"no generator for {kind}")
    fn = registry.load_target(info.generator)
    from schedkit.io import check_options

    check_options(fn, params, f"generator {kind}")
    required = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    missing = [
        name
        for name, par in inspect.signature(fn).parameters.items()
        if par.kind in required and par.default is inspect.Parameter.empty and name not in params
    ]
    if missing:
        example = f"--{missing[0]} VALUE"
        raise InvalidParameterError(f"generator {kind} needs {', '.join(missing)} (e.g. {example})")
    try:
        return fn(**params)
    except (TypeError, ValueError) as exc:  # a parameter of the wrong type, e.g. --n abc
        raise InvalidParameterError(f"generator {kind}: bad parameter value ({exc})") from None


def methods(kind: str | None = None) -> list[registry.MethodInfo]:
    """Registered methods, of one problem class or of all."""
    kinds = [registry.kind_info(kind)] if kind else list(registry.kinds().values())
    return [m for k in kinds for m in k.methods.values()]


def save_solution(problem: Problem, result: Result | Solution, path: str | os.PathLike[str]) -> None:
    """Write a solution (or a Result's solution with its figures) as JSON, atomically."""
    from schedkit.hints import instance_size

    envelope: dict[str, Any] = {"schedkit": __version__, "problem": problem.kind, "instance": problem.name}
    envelope["size"] = instance_size(problem)  # load_solution refuses the file for other sizes
    if isinstance(result, Result):
        if result.solution is None:
            raise InvalidParameterError("the result has no solution to save")
        envelope.update(
            method=result.method,
            status=str(result.status),
            objective=result.objective,
            lower_bound=result.lower_bound,
            runtime=round(result.runtime, 3),
        )
        solution = result.solution
    else:
        solution = result
        envelope["objective"] = problem.objective(solution)
    named = result.objective_name if isinstance(result, Result) else ""
    envelope["objective_name"] = named or problem.objective_name
    envelope["solution"] = solution.to_dict()
    atomic_write(os.fspath(path), json.dumps(_jsonable(envelope), indent=1) + "\n")


def load_solution(
    problem: Problem, path: str | os.PathLike[str], *, any_instance: bool = False
) -> tuple[Solution, float | None]:
    """Read a solution file written by :func:`save_solution`: (solution, stated objective; None
    when the file has none or states another objective than the class's own).

    A file saved for another instance is refused (SolutionFormatError): one recorded with other
    sizes, one whose solution does not fit the instance, or one saved under another name that
    is infeasible here (a feasible one is accepted: e.g. the instance file was renamed).
    ``any_instance=True`` skips these checks (``schedkit check`` reports such a file's violations).
    """
    spath = os.fspath(path)
    try:
        with open(spath, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise SolutionFormatError(f"{spath}: no such file") from None
    except IsADirectoryError:
        raise SolutionFormatError(f"{spath}: is a directory, not a solution file") from None
    except OSError as exc:
        raise SolutionFormatError(f"{spath}: cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SolutionFormatError(f"{spath}: not a JSON solution file ({exc})") from None
    except RecursionError:
        raise SolutionFormatError(f"{spath}: JSON nested too deeply for a solution file") from None
    if not isinstance(data, dict) or "solution" not in data:
        raise SolutionFormatError(f"{spath}: no 'solution' object in the file")
    if data.get("problem", problem.kind) != problem.kind:
        raise SolutionFormatError(
            f"{spath}: solution of a {data['problem']} problem, instance is {problem.kind}"
        )
    try:
        solution = problem.solution_from_dict(data["solution"])
    except SchedkitError as exc:
        raise SolutionFormatError(f"{spath}: {exc}") from None
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise SolutionFormatError(f"{spath}: malformed solution ({type(exc).__name__}: {exc})") from None
    stated = data.get("objective")
    if stated is not None and not isinstance(stated, int | float):
        raise SolutionFormatError(f"{spath}: objective must be a number, got {stated!r}")
    if data.get("objective_name", problem.objective_name) != problem.objective_name:
        stated = None  # saved for another objective (solve(objective=)): not the class's own value
    if not any_instance:
        why = _saved_for_another_instance(problem, data, solution)
        if why is not None:
            raise SolutionFormatError(f"{spath}: {why}")
    return solution, stated


def _saved_for_another_instance(problem: Problem, data: dict[str, Any], solution: Solution) -> str | None:
    """Why the solution file ``data`` belongs to another instance than ``problem``'s, or None."""
    from schedkit import hints

    saved_for = data.get("instance")
    origin = f"instance {saved_for}" if isinstance(saved_for, str) else "another instance"
    here = f"{problem.name} ({hints.describe_size(hints.instance_size(problem))})"
    sizes = hints.size_mismatch(data.get("size"), problem)
    if sizes is not None:
        return f"saved for {origin} ({sizes}), not for {here}"
    why = hints.misfit(problem, solution)
    if why is not None:
        return f"saved for {origin}, which does not fit {here}: {why}"
    if isinstance(saved_for, str) and saved_for != problem.name:
        bad = problem.violations(solution)
        if bad:
            count = f"{len(bad)} violations, the first" if len(bad) > 1 else "1 violation"
            return f"saved for {origin}, not for {problem.name}: infeasible there ({count}: {bad[0]})"
    return None


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj
