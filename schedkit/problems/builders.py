"""Build a problem from plain Python lists: one function per problem class.

``sk.jobshop``, ``sk.flexible_jobshop``, ``sk.tardiness``, ``sk.rcpsp`` and
``sk.vm_rescheduling`` return the problem, ready for ``sk.solve``. Everything is numbered
from 0; a bad entry raises :class:`~schedkit.errors.InvalidProblemError` with one line naming
it (``job 0, operation 1: machine -1 must be >= 0``). They are the classes' own builders
(``JobShop.from_jobs``, ``FlexibleJobShop.from_jobs``, ``Rcpsp.from_lists``,
``VMRescheduling.from_lists``; ``Tardiness`` itself takes lists):

>>> jobshop([[(0, 3), (1, 2)], [(1, 4), (0, 1)]]).num_operations
4
>>> flexible_jobshop([[[(0, 3), (1, 5)], [(1, 2)]], [[(0, 4)]]]).num_alternatives
4
>>> tardiness([3, 2, 4], [2, 6, 5], w=[1, 2, 1]).num_jobs
3
>>> rcpsp([2, 3, 1], [[1], [2], [1]], [2], [[2], [2], []]).num_activities
3
>>> vm_rescheduling([(32, 64), (32, 64)], [(8, 16, 0, 0), (4, 8, 0, (0, 1))], mnl=2).num_vms
2
"""

from __future__ import annotations

from collections.abc import Sequence

from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.jobshop import JobShop
from schedkit.problems.rcpsp import Rcpsp
from schedkit.problems.tardiness import Tardiness
from schedkit.problems.vmr import VMRescheduling

jobshop = JobShop.from_jobs
flexible_jobshop = FlexibleJobShop.from_jobs
rcpsp = Rcpsp.from_lists
vm_rescheduling = VMRescheduling.from_lists


def tardiness(
    p: Sequence[int], d: Sequence[int], w: Sequence[int] | None = None, name: str = "smtt"
) -> Tardiness:
    """Single-machine tardiness: processing times ``p``, due dates ``d`` and optional weights
    ``w``, one per job (without ``w``: the unweighted problem)."""
    return Tardiness(p, d, w, name)
