"""The independent checker of a rescheduled schedule.

:func:`violations` re-derives what must hold from the situation's inputs only: the original
problem, the old schedule, the events, ``at`` and the interruption mode; from the situation it
takes just the numbering of the effective problem (``job_origin``) to name the schedule's jobs.
It shares no code with the methods nor with how :class:`Situation` computes the frozen part.
Checked: every operation that must run is there once (cancelled jobs only with what started
before ``at``); an operation that started before ``at`` keeps its machine, start and end (its
end moved by a duration change, or by the downtime it spans when resumed; a cut one with
``restart`` runs again in full); nothing else starts before ``at`` or its job's release;
durations and eligible machines; job order; one operation at a time per machine; no unfrozen
operation overlaps a breakdown of its machine.
"""

from __future__ import annotations

from typing import Any

from schedkit.problems.operations import MAX_REPORTED
from schedkit.rescheduling.events import Arrival, Breakdown, Cancel, DurationChange, alternatives
from schedkit.rescheduling.situation import Situation


def _expected(sit: Situation) -> tuple[list[list[dict[int, int]]], list[int], set[int], dict[int, list]]:
    """Per job (events' numbering) the eligible machines -> duration of each operation after the
    duration changes; releases; cancelled jobs; per machine the breakdowns lasting past ``at``."""
    p = sit.problem
    jobs: list[list[dict[int, int]]] = []
    for j in range(p.num_jobs):
        ops = []
        for o in p.operations(j):
            if sit.flexible:
                ops.append({int(p.alt_machine[a]): int(p.alt_duration[a]) for a in p.alternatives(o)})
            else:
                ops.append({int(p.machine[o]): int(p.duration[o])})
        jobs.append(ops)
    release = [0] * p.num_jobs
    cancelled: set[int] = set()
    down: dict[int, list] = {}
    for ev in sit.events:
        if isinstance(ev, Arrival):
            jobs.append([dict(alternatives(op)) for op in ev.job])
            release.append(ev.time)
    for ev in sit.events:
        if isinstance(ev, DurationChange):
            op = jobs[ev.job][ev.op]
            for m in op:
                if ev.machine is None or ev.machine == m:
                    op[m] = ev.new_duration
        elif isinstance(ev, Cancel):
            cancelled.add(ev.job)
        elif isinstance(ev, Breakdown) and ev.end > sit.at:
            down.setdefault(ev.machine, []).append((ev.start, ev.end))
    return jobs, release, cancelled, down


def _work_done_end(start: int, work: int, down: list[tuple[int, int]]) -> int:
    """First time by which ``work`` units ran from ``start``, not running while any of ``down``
    (possibly overlapping intervals) is on: steps from one interval boundary to the next."""
    time, left = start, work
    while True:
        blocking = [(s, e) for s, e in down if s <= time < e]
        if blocking:
            time = max(e for _, e in blocking)
            continue
        nxt = min([s for s, _ in down if s > time], default=None)
        if nxt is None or nxt >= time + left:
            return time + left
        left -= nxt - time
        time = nxt


def violations(situation: Situation, solution: Any) -> list[str]:
    """Everything wrong with ``solution`` (of ``situation.effective``) as a reschedule; [] if none."""
    sit, t = situation, situation.at
    jobs, release, cancelled, down = _expected(sit)
    p, old = sit.problem, sit.old
    old_of = {
        (int(j), int(k)): (int(m), int(s), int(e))
        for j, k, m, s, e in zip(old.job, old.op, old.machine, old.start, old.end, strict=True)
    }
    frozen: dict[tuple[int, int], tuple[int, int, int]] = {}
    for (j, k), (m, s, _) in old_of.items():
        if j >= p.num_jobs or s >= t:
            continue
        end = s + jobs[j][k][m]
        hit = [(bs, be) for bs, be in down.get(m, []) if bs < end and be > s]
        if end > t and hit:
            if sit.interrupted == "restart":
                continue
            end = _work_done_end(s, jobs[j][k][m], down[m])
        frozen[(j, k)] = (m, s, end)
    required = {
        (j, k)
        for j in range(len(jobs))
        for k in range(len(jobs[j]))
        if j not in cancelled or (j, k) in frozen
    }
    out: list[str] = []

    def bad(message: str) -> None:
        if len(out) < MAX_REPORTED:
            out.append(message)

    origin = sit.job_origin
    seen: dict[tuple[int, int], tuple[int, int, int]] = {}
    for je, k, m, s, e in zip(
        solution.job, solution.op, solution.machine, solution.start, solution.end, strict=True
    ):
        je, k, m, s, e = int(je), int(k), int(m), int(s), int(e)
        key = (origin[je], k) if 0 <= je < len(origin) else (-1, k)
        name = f"job {key[0]}, op {k}"
        if key not in required:
            bad(f"{name}: not an operation to schedule")
            continue
        if key in seen:
            bad(f"{name}: scheduled twice")
            continue
        seen[key] = (m, s, e)
        if key in frozen:
            if (m, s, e) != frozen[key]:
                fm, fs, fe = frozen[key]
                bad(
                    f"{name} started before at={t}: must stay on machine {fm} in [{fs}, {fe}), "
                    f"is on {m} in [{s}, {e})"
                )
            continue
        j = key[0]
        if m not in jobs[j][k]:
            bad(f"{name}: machine {m} is not eligible")
        elif e - s != jobs[j][k][m]:
            bad(f"{name}: lasts {e - s} on machine {m}, duration is {jobs[j][k][m]}")
        if s < t:
            bad(f"{name}: starts at {s}, before at={t}")
        if s < release[j]:
            bad(f"{name}: starts at {s}, before its job's release {release[j]}")
        for bs, be in down.get(m, []):
            if e > s and s < be and e > bs:
                bad(f"{name}: runs in [{s}, {e}) on machine {m}, down during [{bs}, {be})")
    for key in sorted(required - set(seen)):
        bad(f"job {key[0]}, op {key[1]}: missing")
    for (j, k), (_, s, _) in seen.items():
        prev = seen.get((j, k - 1))
        if k > 0 and prev is not None and s < prev[2]:
            bad(f"job {j}, op {k}: starts at {s} before op {k - 1} ends at {prev[2]}")
    per_machine: dict[int, list[tuple[int, int, tuple[int, int]]]] = {}
    for key, (m, s, e) in seen.items():
        if e > s:
            per_machine.setdefault(m, []).append((s, e, key))
    for m, items in sorted(per_machine.items()):
        items.sort()
        for (s1, e1, k1), (s2, e2, k2) in zip(items, items[1:], strict=False):
            if s2 < e1:
                bad(
                    f"machine {m}: job {k1[0]}, op {k1[1]} [{s1}, {e1}) overlaps "
                    f"job {k2[0]}, op {k2[1]} [{s2}, {e2})"
                )
    return out
