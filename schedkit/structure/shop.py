"""Job-shop logic several methods share (CP-SAT, MIP): a horizon that holds every semi-active
schedule, and the earliest schedule for given machine sequences, setups and releases counted."""

from __future__ import annotations

import numpy as np

from schedkit.problems.jobshop import JobShop


def max_setup_into(problem: JobShop) -> np.ndarray:
    """Per operation, the largest setup its machine may need before it (zeros without setups)."""
    if problem.setup is None:
        return np.zeros(problem.num_operations, dtype=np.int64)
    worst = problem.setup.max(axis=1)  # (machine, to job)
    return worst[problem.machine, problem.job_of]


def horizon(problem: JobShop) -> int:
    """An upper bound on every end in a semi-active schedule: the latest release, plus all the
    work, plus the largest setup before each operation (the total work on plain instances)."""
    return int(problem.release.max(initial=0) + problem.duration.sum() + max_setup_into(problem).sum())


def earliest_schedule(problem: JobShop, sequences: list[np.ndarray]) -> np.ndarray | None:
    """Earliest start per operation with the machine sequences ``sequences`` (one array of flat
    operations per machine), releases and setups counted; operations of zero duration only
    follow their job (they hold no machine and need no setup). None when the sequences make a
    cycle with the job order."""
    n_ops, n = problem.num_operations, problem.num_jobs
    dur = problem.duration
    est = problem.release[problem.job_of].astype(np.int64).copy()
    # arcs start[b] >= start[a] + lag: job order, machine order, setups
    tails: list[np.ndarray] = [np.flatnonzero(problem.rank[1:] > 0)]
    heads: list[np.ndarray] = [tails[0] + 1]
    lags: list[np.ndarray] = [dur[tails[0]]]
    for m, seq in enumerate(sequences):
        busy = seq[dur[seq] > 0]  # zero-duration operations never hold a machine
        if not len(busy):
            continue
        tails.append(busy[:-1])
        heads.append(busy[1:])
        if problem.setup is None:
            lags.append(dur[busy[:-1]])
        else:
            jobs = problem.job_of[busy]
            lags.append(dur[busy[:-1]] + problem.setup[m, jobs[:-1], jobs[1:]])
            est[busy[0]] = max(est[busy[0]], problem.setup[m, n, jobs[0]])
    tail, head, lag = np.concatenate(tails), np.concatenate(heads), np.concatenate(lags)
    order = np.argsort(tail, kind="stable")
    tail, head, lag = tail[order], head[order], lag[order]
    first = np.searchsorted(tail, np.arange(n_ops + 1)).tolist()
    indeg = np.bincount(head, minlength=n_ops).tolist()
    e, hd, lg = est.tolist(), head.tolist(), lag.tolist()
    stack = [o for o in range(n_ops) if indeg[o] == 0]
    done = 0
    while stack:
        o = stack.pop()
        done += 1
        for k in range(first[o], first[o + 1]):
            b = hd[k]
            if e[o] + lg[k] > e[b]:
                e[b] = e[o] + lg[k]
            indeg[b] -= 1
            if indeg[b] == 0:
                stack.append(b)
    if done != n_ops:
        return None
    return np.array(e, dtype=np.int64)


def sequences_from_starts(problem: JobShop, start: np.ndarray) -> list[np.ndarray]:
    """Per machine, its operations sorted by ``start`` (ties: flat index)."""
    out = []
    for m in range(problem.num_machines):
        ops = np.flatnonzero(problem.machine == m)
        out.append(ops[np.lexsort((ops, np.round(start[ops], 6)))])
    return out
