"""The independent check of a schedule as executed through a whole event stream.

:func:`violations` takes the original problem, the events that took effect (in the
stream's numbering: the instance's jobs, then the arrivals in the order revealed; a duration
change of a running operation with the duration it ended up having), the executed operations
and the runs a breakdown cut short, and checks, from those alone (no Situation, no
reschedule code):

* every operation of every job is executed once, except that a cancelled job keeps exactly
  the operations that started before its cancellation (a prefix of the job);
* each on an eligible machine for its duration after the duration changes; with
  ``interrupted="restart"`` an operation never overlaps a breakdown of its machine; with
  ``"resume"`` it does not start inside one and pauses during those it meets (its end is where
  its work is done);
* no operation starts before its job arrived; job order; one operation (or cut run) at a time
  per machine; a cut run ends when a breakdown of its machine that it would have met was
  revealed.

What each reschedule had to keep (the frozen prefix at each event) is checked event by event
by the simulator; this check covers the end result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schedkit.problems.flexible import FlexibleJobShop
from schedkit.problems.operations import MAX_REPORTED
from schedkit.rescheduling.events import Arrival, Breakdown, Cancel, DurationChange, alternatives
from schedkit.rescheduling.stream import Revealed

#: one executed operation or cut run: (job, op, machine, start, end)
Run = tuple[int, int, int, int, int]


def _jobs(problem: Any, applied: Sequence[Revealed]) -> tuple[list[list[dict[int, int]]], list[int]]:
    """Per job the eligible machines -> duration of each operation after the changes; releases."""
    jobs: list[list[dict[int, int]]] = []
    for job in problem.jobs():
        if isinstance(problem, FlexibleJobShop):
            jobs.append([dict(op) for op in job])
        else:
            jobs.append([{int(m): int(d)} for m, d in job])
    release = [0] * len(jobs)
    for r in applied:
        ev = r.event
        if isinstance(ev, Arrival):
            jobs.append([dict(alternatives(op)) for op in ev.job])
            release.append(ev.time)
        elif isinstance(ev, DurationChange):
            op = jobs[ev.job][ev.op]
            for m in op:
                if ev.machine is None or ev.machine == m:
                    op[m] = ev.new_duration
    return jobs, release


def _paused_end(start: int, work: int, down: list[tuple[int, int]]) -> int:
    """When ``work`` units started at ``start`` are done, not running during ``down``."""
    time, left = start, work
    for bs, be in sorted(down):
        if be <= time:
            continue
        if bs >= time + left:
            break
        left -= max(0, bs - time)
        time = max(time, be)
    return time + left


def violations(
    problem: Any,
    applied: Sequence[Revealed],
    executed: Sequence[Run],
    cut_runs: Sequence[Run] = (),
    interrupted: str = "restart",
) -> list[str]:
    """Everything wrong with ``executed`` as the outcome of ``applied`` (see the module doc)."""
    jobs, release = _jobs(problem, applied)
    cancelled: dict[int, int] = {}
    down: dict[int, list[tuple[int, int]]] = {}
    revealed: dict[tuple[int, int, int], int] = {}
    for r in applied:
        ev = r.event
        if isinstance(ev, Cancel):
            cancelled.setdefault(ev.job, r.at)
        elif isinstance(ev, Breakdown):
            down.setdefault(ev.machine, []).append((ev.start, ev.end))
            revealed[(ev.machine, ev.start, ev.end)] = r.at
    out: list[str] = []

    def bad(message: str) -> None:
        if len(out) < MAX_REPORTED:
            out.append(message)

    seen: dict[tuple[int, int], tuple[int, int, int]] = {}
    for j, k, m, s, e in executed:
        name = f"job {j}, op {k}"
        if not (0 <= j < len(jobs) and 0 <= k < len(jobs[j])):
            bad(f"{name}: no such operation")
            continue
        if (j, k) in seen:
            bad(f"{name}: executed twice")
            continue
        seen[(j, k)] = (m, s, e)
        if m not in jobs[j][k]:
            bad(f"{name}: machine {m} is not eligible")
            continue
        d = jobs[j][k][m]
        hits = [(bs, be) for bs, be in down.get(m, []) if bs < e and be > s and e > s]
        if interrupted == "resume":
            if any(bs <= s < be for bs, be in hits):
                bad(f"{name}: starts at {s} on machine {m} while it is down")
            elif e != _paused_end(s, d, down.get(m, [])):
                bad(f"{name}: runs [{s}, {e}) on machine {m}; {d} units of work pausing in downtime end at "
                    f"{_paused_end(s, d, down.get(m, []))}")  # fmt: skip
        else:
            if e - s != d:
                bad(f"{name}: lasts {e - s} on machine {m}, duration is {d}")
            if hits:
                bad(f"{name}: runs in [{s}, {e}) on machine {m}, down during {list(hits[0])}")
        if s < release[j]:
            bad(f"{name}: starts at {s}, before its job arrived at {release[j]}")
        if j in cancelled and s >= cancelled[j]:
            bad(f"{name}: starts at {s}, after its job was cancelled at {cancelled[j]}")
    for j, ops in enumerate(jobs):
        for k in range(len(ops)):
            if (j, k) in seen:
                if k > 0 and (j, k - 1) not in seen:
                    bad(f"job {j}, op {k}: executed without op {k - 1}")
                elif k > 0 and seen[(j, k)][1] < seen[(j, k - 1)][2]:
                    s, e = seen[(j, k)][1], seen[(j, k - 1)][2]
                    bad(f"job {j}, op {k}: starts at {s} before op {k - 1} ends at {e}")
            elif j not in cancelled:
                bad(f"job {j}, op {k}: never executed")
    busy: dict[int, list[tuple[int, int, str]]] = {}
    for (j, k), (m, s, e) in seen.items():
        busy.setdefault(m, []).append((s, e, f"job {j}, op {k}"))
    for j, k, m, s, c in cut_runs:
        name = f"cut run of job {j}, op {k}"
        d = jobs[j][k].get(m, 0) if 0 <= j < len(jobs) and 0 <= k < len(jobs[j]) else 0
        why = [b for b in down.get(m, []) if b[0] < s + d and b[1] > s and revealed.get((m, *b)) == c]
        if not why:
            bad(f"{name}: stopped at {c} on machine {m}, when no breakdown it would meet was revealed")
        busy.setdefault(m, []).append((s, c, name))
    for m, items in sorted(busy.items()):
        items = sorted(i for i in items if i[1] > i[0])
        for (s1, e1, n1), (s2, e2, n2) in zip(items, items[1:], strict=False):
            if s2 < e1:
                bad(f"machine {m}: {n1} [{s1}, {e1}) overlaps {n2} [{s2}, {e2})")
    return out
