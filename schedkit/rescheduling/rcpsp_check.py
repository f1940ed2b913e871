"""The independent checker of a rescheduled RCPSP schedule.

:func:`violations` re-derives what must hold from the situation's inputs only (the original
problem, the old schedule, the events, ``at``, the interruption mode); it uses nothing the
:class:`~schedkit.rescheduling.rcpsp_situation.RcpspSituation` computed nor its effective
problem. Checked: one start per activity; an activity that started before ``at`` keeps its
start (one a breakdown cuts with ``restart`` runs again in full instead); nothing else starts
before ``at``; precedences with the changed durations (a resumed activity ends after the
downtime it spans); and at every time from ``at`` on the demand of the working activities
stays within each capacity less the breakdowns then (a resumed activity holds nothing while a
resource it demands is down).

When the problem given was a project from an earlier reschedule
(:mod:`~schedkit.rescheduling.rcpsp_project`), the durations, demands, capacities and arcs
are read from that project's own arrays, and two more things hold: every activity not frozen
starts at or after its release date, and from ``at`` on the capacity is also reduced by the
project's unavailability periods (with the breakdowns, at most the whole capacity); they
never cut an activity (the schedule being repaired already respects them).
"""

from __future__ import annotations

from typing import Any

from schedkit.problems.operations import MAX_REPORTED
from schedkit.problems.project import Project
from schedkit.rescheduling.rcpsp_events import ActivityCancel, ActivityDurationChange, ResourceBreakdown


def _down_at(periods: list[tuple[int, int, int]], x: int) -> int:
    return sum(a for s, e, a in periods if s <= x < e)


def _broken(periods: list[tuple[int, int]], x: int) -> int | None:
    """End of the latest period containing ``x`` (None if none does)."""
    ends = [e for s, e in periods if s <= x < e]
    return max(ends) if ends else None


def _run(start: int, work: int, down: list[tuple[int, int]], t: int) -> list[tuple[int, int]]:
    """The pieces during which an activity started at ``start`` does ``work`` units, pausing
    from ``t`` on whenever one of ``down`` is on (steps from boundary to boundary)."""
    pieces: list[tuple[int, int]] = []
    pos, left = start, work
    while left > 0:
        end_of_break = _broken(down, pos) if pos >= t else None
        if end_of_break is not None:
            pos = end_of_break
            continue
        nxt = min([s for s, _ in down if s > pos and s >= t], default=None)
        if nxt is None or nxt >= pos + left:
            pieces.append((pos, pos + left))
            return pieces
        pieces.append((pos, nxt))
        left -= nxt - pos
        pos = nxt
    return pieces


def _inputs(p: Any) -> tuple[list[int], list[list[int]], list[int], list[tuple[int, int]], list[int], list]:
    """Durations, demands, capacities, arcs, release dates and unavailability periods
    ``(resource, start, end, amount)`` of the problem given: an RCPSP or a project (its first
    mode per activity; a project of another form is refused before a situation exists)."""
    if isinstance(p, Project):
        first = p.mode_ptr[:-1]
        dur = [int(d) for d in p.duration[first]]
        dem = [[int(x) for x in row] for row in p.demand[first]]
        arcs = list(zip(p.arc_from.tolist(), p.arc_to.tolist(), strict=True))
        columns = (p.off_resource, p.off_start, p.off_end, p.off_amount)
        off = list(zip(*(c.tolist() for c in columns), strict=True))
        return dur, dem, [int(c) for c in p.capacity], arcs, [int(r) for r in p.release], off
    arcs = list(zip(p.edge_from.tolist(), p.edge_to.tolist(), strict=True))
    n = p.num_activities
    dur = [int(d) for d in p.duration]
    dem = [[int(x) for x in r] for r in p.demand]
    return dur, dem, [int(c) for c in p.capacity], arcs, [0] * n, []


def violations(situation: Any, solution: Any) -> list[str]:
    """Everything wrong with ``solution`` (starts of the activities, in order) as a reschedule
    of ``situation``; [] if none."""
    sit, t = situation, situation.at
    dur, dem, capacity, arcs, release, off = _inputs(sit.input_problem)
    n, k = len(dur), len(capacity)
    carried: list[list[tuple[int, int, int]]] = [[] for _ in range(k)]
    for r, s, e, a in off:
        if e > t:
            carried[r].append((max(s, t), e, a))
    down: list[list[tuple[int, int, int]]] = [[] for _ in range(k)]
    for ev in sit.events:
        if isinstance(ev, ActivityDurationChange):
            dur[ev.activity] = ev.new_duration
        elif isinstance(ev, ActivityCancel):
            dur[ev.activity] = 0
            dem[ev.activity] = [0] * k
        elif isinstance(ev, ResourceBreakdown) and ev.end > t:
            amount = capacity[ev.resource] if ev.amount is None else ev.amount
            down[ev.resource].append((max(t, ev.start), ev.end, amount))
    out: list[str] = []

    def bad(message: str) -> None:
        if len(out) < MAX_REPORTED:
            out.append(message)

    start = [int(s) for s in solution.start]
    present = [bool(x) for x in solution.present] if solution.present is not None else [True] * len(start)
    if len(start) != n:
        return [f"schedule has {len(start)} start times, the instance {n} activities"]
    old = [int(s) for s in sit.input_old.start]
    pieces: list[list[tuple[int, int]]] = []
    for j in range(n):
        used = [r for r in range(k) if dem[j][r] > 0]
        stops = [(s, e) for r in used for s, e, _ in down[r]]
        pauses = stops + [(s, e) for r in used for s, e, _ in carried[r]]
        if not present[j]:
            bad(f"activity {j + 1}: missing")
            pieces.append([])
            continue
        frozen = old[j] < t
        if frozen and old[j] + dur[j] > t and any(s < old[j] + dur[j] and e > t for s, e in stops):
            frozen = sit.interrupted == "resume"
            run = _run(old[j], dur[j], pauses, t) if frozen else [(start[j], start[j] + dur[j])]
        else:
            run = [(start[j], start[j] + dur[j])]
        if frozen and start[j] != old[j]:
            bad(f"activity {j + 1} started at {old[j]}, before at={t}: it must stay, starts at {start[j]}")
        if not frozen and start[j] < t:
            bad(f"activity {j + 1}: starts at {start[j]}, before at={t}")
        elif not frozen and start[j] < release[j]:
            bad(f"activity {j + 1}: starts at {start[j]}, before its release date {release[j]}")
        pieces.append(run)
    finish = [pc[-1][1] if pc else start[j] for j, pc in enumerate(pieces)]
    for a, b in arcs:
        if present[a] and present[b] and start[b] < finish[a]:
            bad(
                f"precedence: activity {b + 1} starts at {start[b]} "
                f"before activity {a + 1} ends at {finish[a]}"
            )
    for r in range(k):
        cap = capacity[r]
        items = [(s, e, dem[j][r]) for j in range(n) if dem[j][r] > 0 for s, e in pieces[j] if e > s]
        times = sorted({s for s, _, _ in items} | {s for s, _, _ in down[r] + carried[r]})
        for x in times:
            used = sum(d for s, e, d in items if s <= x < e)
            avail = cap - (min(cap, _down_at(down[r] + carried[r], x)) if x >= t else 0)
            if used > avail:
                bad(f"resource R{r + 1} overloaded at time {x}: usage {used} > capacity {avail}")
    return out
