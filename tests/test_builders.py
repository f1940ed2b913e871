"""The list builders exported from schedkit: each builds a problem that solves, and every bad
input gives a one-line InvalidProblemError that names the entry and its value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import schedkit as sk
from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.jobshop import JobShop
from schedkit.problems.rcpsp import Rcpsp
from schedkit.problems.vmr import VMRescheduling

JOBS = [[(0, 3), (1, 2), (2, 2)], [(0, 2), (2, 1), (1, 4)], [(1, 4), (2, 3)]]
FLEX = [[[(0, 3), (1, 5)], [(1, 2), (2, 2)]], [[(2, 4)], [(0, 1), (1, 3)]], [[(0, 2), (2, 2)]]]
RCPSP = dict(
    durations=[0, 3, 2, 4, 0],
    demands=[[0, 0], [2, 1], [1, 2], [2, 2], [0, 0]],
    capacities=[3, 3],
    successors=[[1, 2], [3], [4], [4], []],
)
PMS = [(32, 64), (32, 64), (32, 64)]
VMS = [(8, 16, 0, 0), (4, 8, 0, 1), (2, 4, 1, (0, 1)), (6, 12, 1, 0), (2, 4, 2, 1)]


def _solve(problem: Any, method: str) -> sk.Result:
    result = sk.solve(problem, method=method)
    assert result.solution is not None
    assert sk.check(problem, result.solution) == []
    return result


def test_builders_are_exported() -> None:
    for name in ("jobshop", "flexible_jobshop", "tardiness", "rcpsp", "vm_rescheduling"):
        assert name in sk.__all__ and callable(getattr(sk, name))


def test_jobshop_builds_and_solves() -> None:
    p = sk.jobshop(JOBS, name="three")
    assert isinstance(p, JobShop) and p.name == "three"
    assert (p.num_jobs, p.num_machines, p.num_operations) == (3, 3, 8)
    assert p.jobs() == JOBS
    assert p == JobShop.from_jobs(JOBS)  # the classmethod builds the same
    result = _solve(p, "rule:mwkr")
    assert result.objective >= p.lower_bound() == 10  # machine 1: 2 + 4 + 4
    assert sk.jobshop(JOBS, num_machines=5).num_machines == 5


def test_flexible_jobshop_builds_and_solves() -> None:
    p = sk.flexible_jobshop(FLEX)
    assert isinstance(p, FlexibleJobShop)
    assert (p.num_jobs, p.num_operations, p.num_alternatives, p.num_machines) == (3, 5, 9, 3)
    assert p.jobs() == FLEX and p == FlexibleJobShop.from_jobs(FLEX)
    result = _solve(p, "rule:spt+ect")
    assert result.objective >= p.lower_bound()


def test_tardiness_builds_and_solves() -> None:
    p = sk.tardiness([3, 2, 4, 1], [2, 6, 5, 1], w=[1, 2, 1, 3])
    assert p.num_jobs == 4 and p.weighted
    result = _solve(p, "rule:wspt")
    assert result.objective == p.tardiness_of(result.solution.sequence)
    assert not sk.tardiness([3, 2], [1, 1]).weighted


def test_rcpsp_builds_and_solves() -> None:
    p = sk.rcpsp(**RCPSP)
    assert isinstance(p, Rcpsp) and p == Rcpsp.from_lists(*RCPSP.values())
    assert (p.num_activities, p.num_resources) == (5, 2)
    assert p.successor_lists() == RCPSP["successors"]
    result = _solve(p, "rule:lft")
    assert result.objective >= p.critical_path_length() == 7


def test_vm_rescheduling_builds_and_solves() -> None:
    p = sk.vm_rescheduling(PMS, VMS, mnl=3, anti_affinity=[[0, 3]], migratable=[True] * 4 + [False])
    assert isinstance(p, VMRescheduling)
    assert (p.num_pms, p.num_vms, p.mnl) == (3, 5, 3)
    assert p.vm_numa.tolist() == [0, 1, 2, 0, 1] and p.vm_pm.tolist() == [0, 0, 1, 1, 2]
    assert p.pm_cpu.tolist() == [[32, 32]] * 3 and not p.migratable[4]
    result = _solve(p, "rule:greedy")
    assert len(result.solution) <= 3
    assert result.objective <= p.current_fragment_rate()


BAD: dict[str, tuple[Callable[[], Any], str]] = {
    "jssp no jobs": (lambda: sk.jobshop([]), "jobs: expected at least one job, got []"),
    "jssp not a list": (lambda: sk.jobshop(5), "jobs: expected a list of jobs, got 5"),
    "jssp empty job": (lambda: sk.jobshop([[(0, 1)], []]), "job 1: expected at least one (machine"),
    "jssp negative machine": (lambda: sk.jobshop([[(-1, 3)]]), "job 0, operation 0: machine -1 must be >= 0"),
    "jssp negative duration": (
        lambda: sk.jobshop([[(0, 1), (1, -4)]]),
        "job 0, operation 1: duration -4 must be >= 0",
    ),
    "jssp not a pair": (
        lambda: sk.jobshop([[(0, 1)], [(0, 1, 2)]]),
        "job 1, operation 0: expected a (machine, duration) pair, got (0, 1, 2)",
    ),
    "jssp float": (lambda: sk.jobshop([[(0, 2.5)]]), "job 0, operation 0: duration 2.5 is not an integer"),
    "jssp machine over limit": (
        lambda: sk.jobshop([[(0, 1)], [(1, 1), (3, 2)]], num_machines=2),
        "job 1, operation 1: machine 3 out of range 0..1",
    ),
    "jssp machines count": (
        lambda: sk.jobshop([[(0, 1)]], num_machines=0),
        "number of machines must be an integer >= 1, got 0",
    ),
    "fjsp no alternative": (
        lambda: sk.flexible_jobshop([[[(0, 1)], []]]),
        "job 0, operation 1: expected at least one (machine, duration) alternative, got []",
    ),
    "fjsp negative machine": (
        lambda: sk.flexible_jobshop([[[(0, 1)]], [[(1, 1), (-2, 2)]]]),
        "job 1, operation 0, alternative 1: machine -2 must be >= 0",
    ),
    "fjsp twice": (
        lambda: sk.flexible_jobshop([[[(0, 1)]], [[(1, 1), (1, 2)]]]),
        "job 1, operation 0: machine 1 listed twice",
    ),
    "smtt no jobs": (lambda: sk.tardiness([], []), "p: expected at least one job"),
    "smtt negative": (lambda: sk.tardiness([3, -1], [2, 2]), "job 1: negative processing time -1"),
    "smtt weight": (lambda: sk.tardiness([3, 1], [2, 2], [1, -5]), "job 1: negative weight -5"),
    "smtt lengths": (lambda: sk.tardiness([3, 1], [2]), "2 processing times but 1 due dates"),
    "smtt text": (lambda: sk.tardiness([3, "x"], [2, 2]), "p: 'x' is not an integer"),
    "rcpsp no activity": (lambda: sk.rcpsp([], [], [1], []), "durations: expected at least one activity"),
    "rcpsp negative duration": (
        lambda: sk.rcpsp([1, -2], [[0], [0]], [1], [[], []]),
        "durations[1]: negative duration -2",
    ),
    "rcpsp demand row": (
        lambda: sk.rcpsp([1, 1], [[0], [0, 1]], [1], [[], []]),
        "demands[1]: 2 values for 1 resources",
    ),
    "rcpsp over capacity": (
        lambda: sk.rcpsp([1, 1], [[0, 0], [0, 3]], [2, 2], [[], []]),
        "demands[1][1]: demand 3 exceeds capacity 2 (capacities[1])",
    ),
    "rcpsp successor": (
        lambda: sk.rcpsp([1, 1], [[0], [0]], [1], [[1], [7]]),
        "successors[1]: activity 7 does not exist (activities are 0..1)",
    ),
    "rcpsp cycle": (
        lambda: sk.rcpsp([1, 1, 1], [[0], [0], [0]], [1], [[1], [2], [1]]),
        "successors: precedence cycle 1 -> 2 -> 1",
    ),
    "rcpsp lengths": (lambda: sk.rcpsp([1, 1], [[0], [0]], [1], [[]]), "2 durations but 1 successor lists"),
    "vmr no pm": (lambda: sk.vm_rescheduling([], VMS), "pms: expected at least one (cpu, memory) PM"),
    "vmr bad pm": (lambda: sk.vm_rescheduling([(32, -1)], [(1, 1, 0, 0)]), "pms[0]: memory -1 must be >= 0"),
    "vmr vm shape": (lambda: sk.vm_rescheduling(PMS, [(8, 16, 0)]), "vms[0]: expected (cpu, memory, pm"),
    "vmr vm pm": (lambda: sk.vm_rescheduling(PMS, VMS + [(1, 1, 3, 0)]), "vms[5]: pm 3 out of range 0..2"),
    "vmr numa": (lambda: sk.vm_rescheduling(PMS, [(1, 1, 0, 2)]), "vms[0]: numa must be 0, 1 or (0, 1)"),
    "vmr too large": (lambda: sk.vm_rescheduling(PMS, [(40, 1, 0, 0)]), "VM vm0 (40 cores"),
    "vmr group": (
        lambda: sk.vm_rescheduling(PMS, VMS, anti_affinity=[[0, 9]]),
        "anti_affinity[0]: VM 9 out of range 0..4",
    ),
    "vmr mnl": (lambda: sk.vm_rescheduling(PMS, VMS, mnl=-1), "migration number limit must be"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_line_error(case: str) -> None:
    build, message = BAD[case]
    with pytest.raises(sk.InvalidProblemError) as info:
        build()
    text = str(info.value)
    assert message in text and "\n" not in text


def test_classmethods_give_the_same_errors() -> None:
    with pytest.raises(sk.InvalidProblemError, match=r"^job 0, operation 0: machine -1 must be >= 0$"):
        JobShop.from_jobs([[(-1, 3)]])
    with pytest.raises(sk.InvalidProblemError, match=r"^jobs: expected at least one job, got \[\]$"):
        FlexibleJobShop.from_jobs([])
    with pytest.raises(sk.InvalidProblemError, match="successors: precedence cycle 0 -> 1 -> 0"):
        Rcpsp.from_lists([1, 1], [[0], [0]], [1], [[1], [0]])
