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
first, then to the lowest job index. Each job's candidate keeps its earliest start and key;
scheduling an operation updates only the candidates waiting for the same machine (kept in a
list per machine), and a step costs one pass over a contiguous array of the jobs (plus, for
the active scheme, one over the candidates of machine ``M*``).
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
    big = np.iinfo(np.int64).max
    start = np.empty(n_ops, dtype=np.int64)
    # per job, its candidate (next unscheduled operation): index, machine, earliest start,
    # earliest completion and key; a finished job keeps est = ect = big and is never chosen
    nxt = job_start[:-1].copy()
    c_m = np.empty(n_jobs, dtype=np.int64)
    c_est = np.zeros(n_jobs, dtype=np.int64)
    c_ect = np.empty(n_jobs, dtype=np.int64)
    c_key = np.empty(n_jobs, dtype=np.int64)
    job_ready = np.zeros(n_jobs, dtype=np.int64)
    mach_ready = np.zeros(num_machines, dtype=np.int64)
    # per machine, the jobs whose candidate runs on it (slot of job j: pos[j])
    on_m = np.empty((num_machines, n_jobs), dtype=np.int64)
    n_on = np.zeros(num_machines, dtype=np.int64)
    pos = np.empty(n_jobs, dtype=np.int64)
    for j in range(n_jobs):
        o = nxt[j]
        m = machine[o]
        c_m[j] = m
        c_ect[j] = duration[o]
        c_key[j] = 0 if fifo else key[o]
        on_m[m, n_on[m]] = j
        pos[j] = n_on[m]
        n_on[m] += 1
    for _ in range(n_ops):
        pick = -1
        pick_k = np.int64(0)
        pick_est = np.int64(0)
        if active:
            # C* and its machine: smallest earliest completion, lowest job index on ties
            best = 0
            for j in range(1, n_jobs):
                if c_ect[j] < c_ect[best]:
                    best = j
            c_star = c_ect[best]
            m_star = c_m[best]
            for a in range(n_on[m_star]):
                j = on_m[m_star, a]
                est = c_est[j]
                if est >= c_star and j != best:
                    continue
                k = c_key[j]
                if (
                    pick < 0
                    or k < pick_k
                    or (k == pick_k and (est < pick_est or (est == pick_est and j < pick)))
                ):
                    pick = j
                    pick_k = k
                    pick_est = est
        else:
            s_star = c_est[0]
            for j in range(1, n_jobs):
                if c_est[j] < s_star:
                    s_star = c_est[j]
            for j in range(n_jobs):  # ascending: ties on the key go to the lowest job index
                if c_est[j] == s_star and (pick < 0 or c_key[j] < pick_k):
                    pick = j
                    pick_k = c_key[j]
        # schedule the picked candidate
        o = nxt[pick]
        m = machine[o]
        s = c_est[pick]
        e = s + duration[o]
        start[o] = s
        job_ready[pick] = e
        mach_ready[m] = e
        # drop it from its machine's list; the others there now wait for the machine
        last = on_m[m, n_on[m] - 1]
        on_m[m, pos[pick]] = last
        pos[last] = pos[pick]
        n_on[m] -= 1
        for a in range(n_on[m]):
            j = on_m[m, a]
            if c_est[j] < e:
                c_est[j] = e
                c_ect[j] = e + duration[nxt[j]]
        # the job's next operation becomes its candidate
        o += 1
        nxt[pick] = o
        if o == job_start[pick + 1]:
            c_est[pick] = big
            c_ect[pick] = big
            continue
        m = machine[o]
        c_m[pick] = m
        est = e if e > mach_ready[m] else mach_ready[m]
        c_est[pick] = est
        c_ect[pick] = est + duration[o]
        c_key[pick] = e if fifo else key[o]
        on_m[m, n_on[m]] = pick
        pos[pick] = n_on[m]
        n_on[m] += 1
    return start


def warm_up() -> None:
    """Compile (or load from numba's cache), with the argument types real calls
    use (read-only int64 arrays), so that a timed solve() never pays for it."""
    one = np.zeros(1, dtype=np.int64)
    starts = np.array([0, 1], dtype=np.int64)
    for a in (one, starts):
        a.setflags(write=False)
    for active in (False, True):
        schedule(one, one, starts, 1, np.zeros(1, dtype=np.int64), False, active)
