"""Schedule-generation schemes for the job shop, compiled with numba.

One kernel serves every priority rule: the caller passes a static key per operation (the
smaller, the more urgent) or asks for the dynamic FIFO key (the time the operation became
ready, i.e. its job's previous operation ended).

Both schemes build the schedule operation by operation, appending each chosen operation
after everything already placed on its machine, so a start is always
``max(job ready, machine ready)`` and the result is feasible by construction.

* active (Giffler & Thompson 1960): among the next operation of every unfinished job, take
  the one with the smallest earliest completion time ``C*`` (ties: lowest job index); its
  machine is ``M*``. The conflict set holds the next operations on ``M*`` that can start
  before ``C*`` (plus that operation itself, which matters only for zero durations).
* non-delay: ``S*`` is the smallest earliest start of any next operation; the conflict set
  holds every next operation that can start at ``S*`` (on any machine).

The rule picks from the conflict set the operation with the smallest
``(key, earliest start, job index)``: ties on the key go to the operation that can start
first, then to the lowest job index. Cost: O(operations x jobs), in compiled code.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def schedule(
    machine: np.ndarray,
    duration: np.ndarray,
    job_start: np.ndarray,
    num_machines: int,
    key: np.ndarray,
    fifo: bool,
    active: bool,
) -> np.ndarray:
    """Start time per flat operation of one schedule built by the chosen scheme and rule.

    Parameters
    ----------
    machine, duration, job_start
        The flat job-shop arrays (int64), as in :class:`schedkit.problems.jobshop.JobShop`.
    num_machines
        Number of machines.
    key
        Static priority per operation, smaller first (ignored when ``fifo``).
    fifo
        Use the ready time of the operation as its key (first in, first out).
    active
        Giffler-Thompson active scheme when true, non-delay scheme otherwise.
    """
    n_jobs = job_start.shape[0] - 1
    n_ops = machine.shape[0]
    start = np.empty(n_ops, dtype=np.int64)
    nxt = job_start[:-1].copy()  # next unscheduled operation of each job
    job_ready = np.zeros(n_jobs, dtype=np.int64)
    mach_ready = np.zeros(num_machines, dtype=np.int64)
    alive = np.arange(n_jobs)  # unfinished jobs, compacted as jobs finish
    n_alive = n_jobs
    for _ in range(n_ops):
        # pass 1: the reference time (C* or S*) and, for the active scheme, its machine
        best_t = np.int64(0)
        best_j = -1
        best_m = -1
        for a in range(n_alive):
            j = alive[a]
            o = nxt[j]
            m = machine[o]
            est = job_ready[j] if job_ready[j] > mach_ready[m] else mach_ready[m]
            t = est + duration[o] if active else est
            if best_j < 0 or t < best_t or (t == best_t and j < best_j):
                best_t = t
                best_j = j
                best_m = m
        # pass 2: the conflict set, and the rule's choice in it
        pick = -1
        pick_k = np.int64(0)
        pick_est = np.int64(0)
        for a in range(n_alive):
            j = alive[a]
            o = nxt[j]
            m = machine[o]
            est = job_ready[j] if job_ready[j] > mach_ready[m] else mach_ready[m]
            if active:
                if m != best_m or (est >= best_t and j != best_j):
                    continue
            elif est != best_t:
                continue
            k = job_ready[j] if fifo else key[o]
            if pick < 0 or k < pick_k or (k == pick_k and (est < pick_est or (est == pick_est and j < pick))):
                pick = j
                pick_k = k
                pick_est = est
        o = nxt[pick]
        m = machine[o]
        s = job_ready[pick] if job_ready[pick] > mach_ready[m] else mach_ready[m]
        e = s + duration[o]
        start[o] = s
        job_ready[pick] = e
        mach_ready[m] = e
        nxt[pick] = o + 1
        if o + 1 == job_start[pick + 1]:  # job finished: drop it from the alive list
            for a in range(n_alive):
                if alive[a] == pick:
                    alive[a] = alive[n_alive - 1]
                    break
            n_alive -= 1
    return start
