"""ProGen/max ``.sch`` files (RCPSP/max, single mode): read and write.

Layout: a header ``n K [0 0]`` (real activities, renewable resources, then non-renewable and
doubly constrained counts, which must be 0); ``n + 2`` precedence lines
``id #modes #successors succ_1 .. succ_s [lag_1] .. [lag_s]`` for activities ``0 .. n + 1``
(0 the dummy source, ``n + 1`` the dummy sink); ``n + 2`` lines ``id mode duration r_1 .. r_K``;
a line of ``K`` capacities. An arc ``i -> j`` with lag ``d`` means ``S_j >= S_i + d``
(start-to-start; a negative lag is a maximum time lag read the other way). Activities keep
the file's numbers in messages (``number_from = 0``). Multi-mode ``.sch`` files (MRCPSP/max,
lags per mode pair) are refused with a one-line error.
"""

from __future__ import annotations

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.formats.psplib import instance_name
from schedkit.formats.text import Line, Lines, to_int
from schedkit.problems.project import NO_DEADLINE, Project


def sniff_sch(head: str) -> bool:
    """First line 2 to 4 integers, a bracketed lag on one of the next lines."""
    rows = [ln.split() for ln in head.splitlines() if ln.strip()]
    if len(rows) < 3 or not 2 <= len(rows[0]) <= 4 or not all(t.isdigit() for t in rows[0]):
        return False
    return any(t.startswith("[") for row in rows[1:4] for t in row)


def _lag(lines: Lines, line: Line, token: str) -> int:
    inner = token[1:-1] if token.startswith("[") and token.endswith("]") else token
    if " " in inner or not inner:
        raise lines.error(line, f"time lag {token!r} is not one integer in brackets")
    return to_int(inner, lines.source, line.number, "time lag")


def read_sch(text: str, source: str) -> Project:
    """Parse a ProGen/max single-mode ``.sch`` file."""
    lines = Lines(text, source, comment=None)
    header = lines.next("the header 'activities resources [0 0]'")
    head = lines.ints(header, "header value")
    if not 2 <= len(head) <= 4:
        raise lines.error(header, f"header must be 'activities resources [0 0]', got {len(head)} numbers")
    n_real, k = head[0], head[1]
    if n_real < 0 or k < 0:
        raise lines.error(header, f"need >= 0 activities and resources, got {n_real} {k}")
    if any(v != 0 for v in head[2:]):
        raise lines.error(header, "non-renewable or doubly constrained resources are not supported in .sch")
    n = n_real + 2
    frm: list[int] = []
    to: list[int] = []
    lag: list[int] = []
    for j in range(n):
        line = lines.next(f"the precedence line of activity {j} ({n} expected): truncated file")
        tok = line.tokens
        if len(tok) < 3:
            raise lines.error(line, f"activity {j}: expected 'id #modes #successors successors [lags]'")
        ident, modes, count = (to_int(t, source, line.number, "precedence entry") for t in tok[:3])
        if ident != j:
            raise lines.error(line, f"expected activity number {j}, got {ident}")
        if modes != 1:
            raise lines.error(line, f"activity {j} has {modes} modes; only single-mode .sch is supported")
        if count < 0 or len(tok) != 3 + 2 * count:
            raise lines.error(
                line,
                f"activity {j}: {count} successors need {count} ids and {count} bracketed lags, "
                f"got {len(tok) - 3} tokens",
            )
        for t, lt in zip(tok[3 : 3 + count], tok[3 + count :], strict=True):
            s = to_int(t, source, line.number, "successor")
            if not 0 <= s < n:
                raise lines.error(line, f"activity {j}: successor {s} does not exist (activities 0..{n - 1})")
            if s == j:
                raise lines.error(line, f"activity {j} is its own successor")
            frm.append(j)
            to.append(s)
            lag.append(_lag(lines, line, lt))
    durations: list[int] = []
    demands: list[list[int]] = []
    for j in range(n):
        line = lines.next(f"the duration line of activity {j} ({n} expected): truncated file")
        vals = lines.ints(line, "duration entry")
        if len(vals) != 3 + k:
            raise lines.error(
                line,
                f"activity {j}: expected 'id mode duration' and {k} demands ({3 + k} numbers), "
                f"got {len(vals)}",
            )
        if vals[0] != j:
            raise lines.error(line, f"expected activity number {j}, got {vals[0]}")
        if vals[1] != 1:
            raise lines.error(line, f"activity {j}: mode {vals[1]}; only single-mode (1) is supported")
        if vals[2] < 0:
            raise lines.error(line, f"activity {j}: negative duration {vals[2]}")
        bad = next((v for v in vals[3:] if v < 0), None)
        if bad is not None:
            raise lines.error(line, f"activity {j}: negative demand {bad}")
        durations.append(vals[2])
        demands.append(vals[3:])
    cap_line = lines.next(f"the line of {k} capacities: truncated file")
    caps = lines.ints(cap_line, "capacity")
    if len(caps) != k:
        raise lines.error(cap_line, f"expected {k} capacities, got {len(caps)}")
    if any(c < 0 for c in caps):
        raise lines.error(cap_line, f"negative capacity {min(caps)}")
    lines.expect_end("the capacities")
    empty = np.zeros(0, dtype=np.int64)
    e = len(frm)
    return Project(
        np.arange(n + 1),
        np.array(durations, dtype=np.int64),
        np.array(demands, dtype=np.int64).reshape(n, k),
        np.zeros((n, 0), dtype=np.int64),
        np.array(caps, dtype=np.int64),
        empty,
        np.array(frm, dtype=np.int64),
        np.array(to, dtype=np.int64),
        np.array(lag, dtype=np.int64),
        np.zeros(e, dtype=bool),
        np.zeros(n, dtype=np.int64),
        np.full(n, NO_DEADLINE, dtype=np.int64),
        empty,
        empty,
        empty,
        empty,
        name=instance_name(source),
        number_from=0,
    )


def write_sch(problem: Project) -> str:
    """ProGen/max ``.sch`` text. The project must be single-mode with at least 2 activities and
    no non-renewable resources, release dates, deadlines or unavailability periods;
    finish-to-start arcs are written as start-to-start with the duration added."""
    p = problem
    why = ""
    if not p.single_mode:
        why = "it has several modes per activity"
    elif p.num_activities < 2:
        why = "a .sch file has a dummy source and sink (at least 2 activities)"
    elif p.num_nonrenewable:
        why = "it has non-renewable resources"
    elif (p.release > 0).any() or (p.deadline != NO_DEADLINE).any():
        why = "it has release dates or deadlines"
    elif len(p.off_start):
        why = "it has unavailability periods"
    if why:
        raise InvalidParameterError(f"a ProGen/max .sch file cannot hold this project: {why}")
    n, k = p.num_activities, p.num_resources
    lags = p.arc_lag + np.where(p.arc_fs, p.duration[p.arc_from], 0)
    out = [f"{n - 2}\t{k}\t0\t0"]
    for j in range(n):
        arcs = np.flatnonzero(p.arc_from == j)
        succ = [str(int(p.arc_to[a])) for a in arcs]
        brackets = [f"[{int(lags[a])}]" for a in arcs]
        out.append("\t".join([str(j), "1", str(len(arcs)), *succ, *brackets]))
    for j in range(n):
        out.append("\t".join([str(j), "1", str(int(p.duration[j])), *(str(int(d)) for d in p.demand[j])]))
    out.append("\t".join(str(int(c)) for c in p.capacity))
    return "\n".join(out) + "\n"
