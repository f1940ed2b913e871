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
    operations per machine), releases and setups counted; None when they make a cycle with the
    job order."""
    n_ops, n = problem.num_operations, problem.num_jobs
    succ_m = np.full(n_ops, -1, dtype=np.int64)
    gap = np.zeros(n_ops, dtype=np.int64)  # setup before an operation, from its machine predecessor
    est = problem.release[problem.job_of].astype(np.int64).copy()
    indeg = np.zeros(n_ops, dtype=np.int64)
    indeg[problem.rank > 0] += 1
    for m, seq in enumerate(sequences):
        if not len(seq):
            continue
        succ_m[seq[:-1]] = seq[1:]
        indeg[seq[1:]] += 1
        if problem.setup is not None:
            jobs = problem.job_of[seq]
            gap[seq[1:]] = problem.setup[m, jobs[:-1], jobs[1:]]
            first = seq[0]
            est[first] = max(est[first], problem.setup[m, n, jobs[0]])
    is_last = np.zeros(n_ops, dtype=bool)
    is_last[problem.job_start[1:] - 1] = True
    e = est.tolist()
    dur, succ, deg, g = problem.duration.tolist(), succ_m.tolist(), indeg.tolist(), gap.tolist()
    stack = [o for o in range(n_ops) if deg[o] == 0]
    done = 0
    while stack:
        o = stack.pop()
        done += 1
        end = e[o] + dur[o]
        for nxt, extra in ((-1 if is_last[o] else o + 1, 0), (succ[o], None)):
            if nxt < 0:
                continue
            ready = end + (g[nxt] if extra is None else 0)
            if ready > e[nxt]:
                e[nxt] = ready
            deg[nxt] -= 1
            if deg[nxt] == 0:
                stack.append(nxt)
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
