"""Solve a PuLP model under a SolveContext with HiGHS (default) or CBC; report the bound."""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Container
from dataclasses import dataclass

import numpy as np
import pulp

from schedkit.context import SolveContext
from schedkit.errors import InvalidParameterError
from schedkit.result import Status
from schedkit.shutdown import abandon

BACKENDS = ("highs", "cbc")
STOP_GRACE = 0.2  # seconds a stop request may wait for the solver before the solve is abandoned
CBC_STOP_GRACE = 0.8  # CBC needs to stop on SIGINT, write its incumbent, and PuLP to read it
CBC_LATE_GRACE = 0.3  # the same when CBC overran the time limit (0.03 s measured on a 10x10 JSSP)
#: largest constant or variable bound of a model whose optimality proof and bound are trusted:
#: the solvers' feasibility and integrality tolerances (~1e-6, relative or scaled by big-Ms)
#: reach a whole time unit above it, and proofs at 1e8 were seen off by up to 7 units
NUMERIC_LIMIT = 1e5
#: absolute gap that proves an integer objective optimal (relative gaps are off: HiGHS's 1e-4
#: default stopped 2 units above the optimum of a makespan of 20004)
INTEGER_ABS_GAP = 1 - 1e-4  # with the bound rounded up after subtracting 1e-6: proves the optimum


def _swallow_highs_banner() -> None:
    """HiGHS prints a banner on stdout when the first solver object of a process is made;
    make that first object here with stdout closed, so schedkit's output stays its own."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_swallow_highs_banner()


#: most binaries (or rows) a model is built with: PuLP and the solver take ~10 KB for each
#: (ta71's disjunctive model, 99,000 binaries: 1.05 GB peak), so this is ~3 GB; beyond it a
#: long or unlimited solve would exhaust the memory before the solver could do anything
MAX_MODEL_SIZE = 300_000


def check_model_size(count: int, what: str, instead: str) -> None:
    """Refuse, with a one-line error, a model with more than :data:`MAX_MODEL_SIZE` ``what``."""
    if count > MAX_MODEL_SIZE:
        raise InvalidParameterError(
            f"this instance's MIP would have {count:,} {what} (limit {MAX_MODEL_SIZE:,}, about 3 GB "
            f"of memory); use {instead}"
        )


def different_job_pairs(machine: np.ndarray, job: np.ndarray) -> int:
    """Pairs of operations (or alternatives) of different jobs on the same machine, given each
    one's machine and job: the ordering binaries of a disjunctive model."""

    def pairs(groups: np.ndarray) -> int:
        counts = np.unique(groups, return_counts=True)[1].astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    return pairs(machine) - pairs(machine.astype(np.int64) * (int(job.max(initial=0)) + 1) + job)


def variable(prob: pulp.LpProblem, name: str, lo: float, hi: float, cat: str) -> pulp.LpVariable:
    """A variable attached to ``prob`` (PuLP >= 3.3 deprecates free-standing variables)."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lo, hi, cat=cat)
    return pulp.LpVariable(name, lo, hi, cat=cat)


@dataclass
class MipOutcome:
    status: Status
    has_solution: bool
    objective: float | None
    bound: float | None  # proven bound on the objective (rounded up if integer_objective)


def backend_of(method: str) -> str:
    """``"mip"`` -> highs, ``"mip-cbc"`` -> cbc, ``"mip-highs"`` -> highs."""
    _, _, suffix = method.partition("-")
    backend = suffix or "highs"
    if backend not in BACKENDS:
        raise InvalidParameterError(f"unknown MIP backend {backend!r} (known: {', '.join(BACKENDS)})")
    return backend


def run_pulp(
    prob: pulp.LpProblem,
    ctx: SolveContext,
    *,
    backend: str = "highs",
    reserve: float = 0.1,
    integer_objective: bool = True,
    warm_start: bool = False,
) -> MipOutcome:
    """Solve ``prob`` within what is left of the time limit.

    ``warm_start`` passes the variables' initial values (set with ``var.setInitialValue``).
    """
    remaining = ctx.remaining(reserve)
    limit = None if remaining is None else max(0.01, remaining)
    gaps: dict[str, float] = {"gapRel": 0.0, "gapAbs": INTEGER_ABS_GAP} if integer_objective else {}
    if backend == "highs":
        solver = _Highs(
            ctx, reserve, warm_start, msg=ctx.verbose, timeLimit=limit, random_seed=ctx.seed, **gaps
        )
    elif backend == "cbc":
        solver = pulp.PULP_CBC_CMD(
            msg=ctx.verbose,
            timeLimit=limit,
            threads=ctx.workers,
            warmStart=warm_start,
            options=[f"randomSeed {ctx.seed + 1}"],
            **gaps,
        )
    else:
        raise InvalidParameterError(f"unknown MIP backend {backend!r}")
    if not _solve_interruptibly(prob, solver, ctx, backend):
        return MipOutcome(Status.UNKNOWN, False, None, None)  # abandoned after a stop request
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = pulp.value(prob.objective) if has_solution else None
    if prob.status == pulp.LpStatusInfeasible:
        return MipOutcome(Status.INFEASIBLE, False, None, None)
    bound: float | None = None
    if backend == "highs":
        info = prob.solverModel.getInfo()
        b = info.mip_dual_bound
        if math.isfinite(b):
            bound = b
    optimal = prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal
    if backend == "highs" and has_solution and bound is not None and objective is not None:
        optimal = optimal and _hit_gap(prob)
    if optimal and objective is not None:
        bound = objective if bound is None else bound
    if bound is not None and integer_objective:
        bound = math.ceil(bound - 1e-6)
    if integer_objective and magnitude(prob) > NUMERIC_LIMIT:
        optimal, bound = False, None  # the solution stands (it is re-checked), the proof does not
    if has_solution:
        return MipOutcome(Status.OPTIMAL if optimal else Status.FEASIBLE, True, objective, bound)
    return MipOutcome(Status.UNKNOWN, False, None, bound)


def magnitude(prob: pulp.LpProblem) -> float:
    """The largest absolute constant of a constraint or finite bound of a variable."""
    big = max((abs(c.constant) for c in prob.constraints.values()), default=0.0)
    for v in prob.variables():
        for b in (v.lowBound, v.upBound):
            if b is not None and math.isfinite(b):
                big = max(big, abs(b))
    return big


def _solve_interruptibly(prob: pulp.LpProblem, solver: object, ctx: SolveContext, backend: str) -> bool:
    """Run the solve in a thread and stop it when ``ctx.stop`` is set.

    HiGHS is cancelled (it keeps its incumbent). CBC gets SIGINT, on which it stops and writes
    its incumbent for PuLP to read. Returns False when the solve was abandoned: a stop request
    the solver did not honour within :data:`STOP_GRACE` (:data:`CBC_STOP_GRACE` for CBC) seconds,
    e.g. during PuLP's hand-over of the model. The thread is a daemon and ``prob`` must not be
    read then."""
    box: dict[str, BaseException] = {}

    def target() -> None:
        try:
            prob.solve(solver)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="mip", daemon=True)
    thread.start()
    stopped_at: float | None = None
    interrupted: set[int] = set()
    while thread.is_alive():
        thread.join(0.05)
        if (ctx.stop.is_set() or _late(ctx)) and thread.is_alive():
            grace = STOP_GRACE
            if interrupted:
                # CBC ends within ~0.03 s of SIGINT in its search and writes its incumbent, which
                # PuLP then reads (a user's stop may wait longer for it); a CBC still reading its
                # model ignores SIGINT and is given up after the short grace
                ended = not _any_running(interrupted)
                grace = CBC_STOP_GRACE if ended and ctx.stop.is_set() else CBC_LATE_GRACE
            if stopped_at is None:
                stopped_at = time.perf_counter()
            elif time.perf_counter() - stopped_at > grace:
                interrupt_thread(thread)  # ends PuLP's Python hand-over loop, which holds the GIL
                abandon(thread)
                if backend == "cbc":
                    _signal_cbc_children(signal.SIGKILL)
                return False
            if backend == "cbc":
                # once per CBC process: a second SIGINT would abort it without a solution
                interrupted |= _signal_cbc_children(signal.SIGINT, skip=interrupted)
            model = getattr(prob, "solverModel", None)
            if model is not None and backend == "highs":
                # repeated: a cancel before HiGHS's run() starts would be lost
                model.HandleUserInterrupt = True
                model.cancelSolve()
    if "error" in box:
        if backend == "cbc" and isinstance(box["error"], pulp.PulpSolverError):
            return False  # CBC exited abnormally (seen past its -sec limit): the caller's start
        raise box["error"]
    return True


def _late(ctx: SolveContext) -> bool:
    """True once the solve runs past the time limit (the solver's own limit is set a reserve
    before it). Neither solver always honours its limit: CBC not during its root processing
    (15 s over a 5 s limit measured), HiGHS not in some presolves (11 s for a 4.4 s limit on
    the n = 500 positional SMTT model), and PuLP's hand-over of the model precedes both; so
    the solve is then interrupted as on a stop request."""
    return ctx.time_limit is not None and ctx.elapsed() > ctx.time_limit + 0.05


class _Abandoned(Exception):
    """Raised asynchronously in an abandoned solve thread."""


def interrupt_thread(thread: threading.Thread) -> None:
    """Ask ``thread`` to raise :class:`_Abandoned` at its next Python instruction (a thread
    inside a solver's C code gets it when it returns); used to end abandoned model builds and
    PuLP hand-overs, which would otherwise keep the GIL busy."""
    import ctypes

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned))


def _any_running(pids: set[int]) -> bool:
    """True while one of ``pids`` has not ended (a zombie, not yet reaped by PuLP, has ended)."""
    from pathlib import Path

    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


def _signal_cbc_children(signum: int, skip: Container[int] = ()) -> set[int]:
    """Send ``signum`` to this process's CBC children not in ``skip`` (PuLP runs CBC as a
    subprocess it does not expose) and return their pids; needs ``/proc``, does nothing without
    it."""
    import os

    sent: set[int] = set()
    for pid in _children():
        if pid in skip:
            continue
        try:
            with open(f"/proc/{pid}/comm") as fh:
                if "cbc" not in fh.read().lower():
                    continue
            os.kill(pid, signum)
            sent.add(pid)
        except OSError:
            continue
    return sent


def _children() -> list[int]:
    """This process's child pids, from ``/proc/self/task/*/children`` (a handful of reads: a
    scan of all of ``/proc`` made hundreds, each a chance for a busy PuLP thread to take the
    interpreter for 5 ms, and delayed a stop by 1-2 s), or from a scan of ``/proc`` where that
    file does not exist."""
    import os
    from pathlib import Path

    try:
        tasks = list(Path("/proc/self/task").iterdir())
    except OSError:
        return []
    pids: list[int] = []
    listed = False
    for task in tasks:
        try:
            pids += [int(x) for x in (task / "children").read_text().split()]
            listed = True
        except (OSError, ValueError):
            continue
    if listed:
        return pids
    me = os.getpid()
    try:
        entries = [d for d in Path("/proc").iterdir() if d.name.isdigit()]
    except OSError:
        return []
    for d in entries:
        try:
            if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == me:
                pids.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _hit_gap(prob: pulp.LpProblem) -> bool:
    import highspy

    return prob.solverModel.getModelStatus() == highspy.HighsModelStatus.kOptimal


class _Highs(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's HiGHS, with the time limit set when the solve starts (PuLP's hand-over of a
    large model to HiGHS takes seconds and must count against the limit), and the
    variables' initial values passed as a starting solution when ``warm_start`` is set."""

    def __init__(self, ctx: SolveContext, reserve: float, warm_start: bool, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._ctx = ctx
        self._reserve = reserve
        self._warm_start = warm_start

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        import highspy

        remaining = self._ctx.remaining(self._reserve)
        if remaining is not None:
            lp.solverModel.setOptionValue("time_limit", max(0.01, remaining))
        if self._warm_start:
            values = [v.varValue if v.varValue is not None else 0.0 for v in lp.variables()]
            sol = highspy.HighsSolution()
            sol.col_value = values
            sol.value_valid = True
            lp.solverModel.setSolution(sol)
        lp.solverModel.run()
