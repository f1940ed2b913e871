"""Schedule-generation schemes for the job shop, compiled with numba.

One kernel serves every priority rule: the caller passes a static key per operation (the
smaller, the more urgent) or asks for the dynamic FIFO key (the time the operation became
ready, i.e. its job's previous operation ended), or a dynamic key computed when it is compared
(:data:`DYNAMIC`: setup + processing, ATC, slack per remaining operation, critical ratio).

Both schemes build the schedule operation by operation, appending each chosen operation
after everything already placed on its machine, so a start is always
``max(job ready, machine ready)`` and the result is feasible by construction.

* active (Giffler & Thompson 1960): among the next operation of every unfinished job, take
  the one with the smallest earliest completion time ``C*`` (ties: lowest job index); its
  machine is ``M*``. The conflict set holds the next operations on ``M*`` that can start
  before ``C*`` (plus that operation itself, which matters only for zero durations).
* non-delay: ``S*`` is the smallest earliest start of any next operation; the conflict set
  holds every next operation that can start at ``S*`` (on any machine).

Release dates and sequence-dependent setups enter the earliest start: an operation of job ``j``
on machine ``k`` starts at ``max(job ready, machine ready + setup[k, last job on k, j])`` (the
job ready at its release first), so setups delay starts and the schedule stays feasible.

The rule picks from the conflict set the operation with the smallest
``(key, earliest start, job index)``: ties on the key go to the operation that can start
first, then to the lowest job index. Each job's candidate keeps its earliest start and key;
scheduling an operation updates only the candidates waiting for the same machine (kept in a
list per machine), and a step costs one pass over a contiguous array of the jobs (plus, for
the active scheme, one over the candidates of machine ``M*``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: dynamic keys (``dyn``): 0 the static key, then the ones computed at the comparison
DYNAMIC = {"ssp": 1, "atc": 2, "sopn": 3, "cr": 4}
_SCALE = 1e9  # float keys (ATC, ratios) are compared as int64 after this scaling


@njit(cache=True)
def _dyn_key(
    dyn: int,
    o: int,
    j: int,
    t: int,
    setup_before: int,
    duration: np.ndarray,
    due: np.ndarray,
    weight: np.ndarray,
    rem: np.ndarray,
    ops_left: np.ndarray,
    kpbar: float,
) -> np.int64:
    """The dynamic key of operation ``o`` (job ``j``) starting at ``t`` after ``setup_before``."""
    if dyn == 1:  # shortest setup + processing
        return np.int64(setup_before + duration[o])
    slack = due[j] - t - rem[o]
    if dyn == 2:  # apparent tardiness cost, the largest index first
        index = weight[j] / max(duration[o] + setup_before, 1) * math.exp(-max(0.0, slack) / kpbar)
        return np.int64(-index * _SCALE)
    if dyn == 3:  # slack per remaining operation
        return np.int64(slack / ops_left[o] * 1e6)
    return np.int64((due[j] - t) / max(rem[o], 1) * 1e6)  # critical ratio


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
    """:func:`schedule_full` on a plain job shop (no releases, setups or dynamic keys)."""
    zeros = np.zeros(job_start.shape[0] - 1, dtype=np.int64)
    ops = np.zeros(machine.shape[0], dtype=np.int64)
    no_setup = np.zeros((1, 1, 1), dtype=np.int64)
    return schedule_full(
        machine, duration, job_start, num_machines, key, fifo, active, zeros, no_setup, False, 0, zeros,
        zeros, ops, ops, 1.0,
    )  # fmt: skip


@njit(cache=True)
def schedule_full(
    machine: np.ndarray,
    duration: np.ndarray,
    job_start: np.ndarray,
    num_machines: int,
    key: np.ndarray,
    fifo: bool,
    active: bool,
    release: np.ndarray,
    setup: np.ndarray,
    has_setup: bool,
    dyn: int,
    due: np.ndarray,
    weight: np.ndarray,
    rem: np.ndarray,
    ops_left: np.ndarray,
    kpbar: float,
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
    release
        Release date per job.
    setup, has_setup
        Setups ``[machine, from job (n: initial), to job]``; ignored (any shape) unless ``has_setup``.
    dyn, due, weight, rem, ops_left, kpbar
        The dynamic key (0: none) and what it reads: due date and weight per job, work and
        operations remaining per operation (this one included), ATC's ``k x mean duration``.
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
    c_setup = np.zeros(n_jobs, dtype=np.int64)  # setup before the candidate on its machine
    job_ready = release.copy()
    mach_ready = np.zeros(num_machines, dtype=np.int64)
    last_job = np.full(num_machines, n_jobs, dtype=np.int64)
    # per machine, the jobs whose candidate runs on it (slot of job j: pos[j])
    on_m = np.empty((num_machines, n_jobs), dtype=np.int64)
    n_on = np.zeros(num_machines, dtype=np.int64)
    pos = np.empty(n_jobs, dtype=np.int64)
    for j in range(n_jobs):
        o = nxt[j]
        m = machine[o]
        c_m[j] = m
        if has_setup and duration[o] > 0:  # zero-duration operations need no setup
            c_setup[j] = setup[m, n_jobs, j]
        c_est[j] = max(release[j], c_setup[j])
        c_ect[j] = c_est[j] + duration[o]
        c_key[j] = release[j] if fifo else key[o]
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
                if dyn:
                    k = _dyn_key(dyn, nxt[j], j, est, c_setup[j], duration, due, weight, rem, ops_left, kpbar)
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
                if c_est[j] != s_star:
                    continue
                k = c_key[j]
                if dyn:
                    k = _dyn_key(
                        dyn, nxt[j], j, s_star, c_setup[j], duration, due, weight, rem, ops_left, kpbar
                    )
                if pick < 0 or k < pick_k:
                    pick = j
                    pick_k = k
        # schedule the picked candidate
        o = nxt[pick]
        m = machine[o]
        s = c_est[pick]
        e = s + duration[o]
        start[o] = s
        job_ready[pick] = e
        mach_ready[m] = e
        if duration[o] > 0:  # a zero-duration operation leaves the machine's setup state
            last_job[m] = pick
        # drop it from its machine's list; the others there now wait for the machine
        last = on_m[m, n_on[m] - 1]
        on_m[m, pos[pick]] = last
        pos[last] = pos[pick]
        n_on[m] -= 1
        for a in range(n_on[m]):
            j = on_m[m, a]
            if has_setup:  # after pick now: the setup from the machine's last job (may be shorter)
                c_setup[j] = setup[m, last_job[m], j] if duration[nxt[j]] > 0 else 0
                est = max(job_ready[j], e + c_setup[j])
                c_est[j] = est
                c_ect[j] = est + duration[nxt[j]]
            elif c_est[j] < e:
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
        if has_setup:
            c_setup[pick] = setup[m, last_job[m], pick] if duration[o] > 0 else 0
        ready_m = mach_ready[m] + c_setup[pick]
        est = e if e > ready_m else ready_m
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
    setup = np.zeros((1, 2, 1), dtype=np.int64)
    for a in (one, starts, setup):
        a.setflags(write=False)
    for active in (False, True):
        schedule(one, one, starts, 1, np.zeros(1, dtype=np.int64), False, active)
        for dyn in (0, 2):
            key = np.zeros(1, dtype=np.int64)
            schedule_full(
                one, one, starts, 1, key, False, active, one, setup, True, dyn, one, one, one, one, 2.0
            )
