"""PSPLIB multi-mode ``.mm`` files (MRCPSP): read and write.

Every job of the file, the dummy source and sink included, is an activity (job ``j`` is
activity ``j - 1``, messages number them from 1 as the file does). Precedences are
finish-to-start arcs with lag 0 from a job to each successor. In ``REQUESTS/DURATIONS`` a
job's first mode line is ``jobnr mode duration R1 .. Rk N1 .. Nn``, its other mode lines omit
the job number. Errors name file and line: a truncated block, a job or mode number out of
order, a wrong number of columns, a successor that does not exist, a precedence cycle,
doubly constrained resources. Modes demanding more than a capacity are kept (they cannot be
chosen; PSPLIB's files have some).
"""

from __future__ import annotations

import numpy as np

from schedkit.errors import InvalidParameterError, ParseError
from schedkit.formats.psplib import after_colon, block_rows, expect_job, instance_name, is_multi_mode
from schedkit.formats.text import Line, Lines
from schedkit.problems.project import NO_DEADLINE, Project
from schedkit.problems.rcpsp import find_cycle


def sniff_mm(head: str) -> bool:
    """A PSPLIB block file with non-renewable resources or more than one mode per job."""
    low = head.lower()
    return "precedence relations" in low and "requests/durations" in low and is_multi_mode(head)


def read_mm(text: str, source: str) -> Project:
    """Parse a PSPLIB multi-mode ``.mm`` file (renewable and non-renewable resources)."""
    lines = Lines(text, source, comment=None)
    head: dict[str, tuple[int, Line]] = {}
    sections: dict[str, int] = {}
    for i, line in enumerate(lines.items):
        low = " ".join(line.tokens).lower()
        if low.startswith("jobs (incl. supersource/sink") and ":" in low:
            head["jobs"] = (after_colon(lines, line, "number of jobs"), line)
        elif low.startswith("- renewable") and ":" in low:
            head["R"] = (after_colon(lines, line, "number of renewable resources"), line)
        elif low.startswith("- nonrenewable") and ":" in low:
            head["N"] = (after_colon(lines, line, "number of non-renewable resources"), line)
        elif low.startswith("- doubly constrained") and ":" in low:
            if after_colon(lines, line, "number of doubly constrained resources") != 0:
                raise lines.error(line, "doubly constrained resources are not supported")
        elif low.startswith("precedence relations"):
            sections["prec"] = i
        elif low.startswith("requests/durations"):
            sections["req"] = i
        elif low.startswith("resourceavailabilities"):
            sections["cap"] = i
    if "jobs" not in head:
        raise ParseError("no 'jobs (incl. supersource/sink ):' line: not a PSPLIB .mm file", source)
    n, header = head["jobs"]
    for key, title in (("R", "- renewable"), ("N", "- nonrenewable")):
        if key not in head:
            raise ParseError(f"no '{title} :' line in the header", source, header.number)
    k, nn = head["R"][0], head["N"][0]
    if n < 1:
        raise lines.error(header, f"number of jobs must be >= 1, got {n}")
    for key in ("R", "N"):
        if head[key][0] < 0:
            raise lines.error(head[key][1], f"negative number of resources {head[key][0]}")

    def require(key: str, title: str) -> int:
        if key not in sections:
            raise ParseError(
                f"no {title} block: file truncated or not a PSPLIB .mm file", source, lines.last_line + 1
            )
        return sections[key]

    rows = block_rows(lines, require("prec", "PRECEDENCE RELATIONS"), n, "PRECEDENCE RELATIONS")
    n_modes: list[int] = []
    successors: list[list[int]] = []
    for j, line in enumerate(rows):
        vals = lines.ints(line, "precedence entry")
        if len(vals) < 3:
            raise lines.error(line, f"job {j + 1}: expected 'jobnr #modes #successors successors...'")
        expect_job(lines, line, vals[0], j)
        if vals[1] < 1:
            raise lines.error(line, f"job {j + 1}: {vals[1]} modes (at least 1 expected)")
        if vals[2] < 0 or len(vals) != 3 + vals[2]:
            raise lines.error(line, f"job {j + 1}: {vals[2]} successors declared, {len(vals) - 3} listed")
        for s in vals[3:]:
            if not 1 <= s <= n:
                raise lines.error(line, f"job {j + 1}: successor {s} does not exist (jobs 1..{n})")
            if s == j + 1:
                raise lines.error(line, f"job {j + 1} is its own successor")
        n_modes.append(vals[1])
        successors.append([s - 1 for s in vals[3:]])
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in successors])]).astype(np.int64)
    idx = np.array([s for ss in successors for s in ss], dtype=np.int64)
    cycle = find_cycle(n, ptr, idx)
    if cycle is not None:
        path = " -> ".join(str(j + 1) for j in [*cycle, cycle[0]])
        raise lines.error(rows[cycle[0]], f"precedence cycle: {path}")

    total = sum(n_modes)
    req = block_rows(lines, require("req", "REQUESTS/DURATIONS"), total, "REQUESTS/DURATIONS", unit="mode")
    width = 2 + k + nn
    values: list[list[int]] = []
    pos = 0
    for j, count in enumerate(n_modes):
        for m in range(count):
            line = req[pos]
            pos += 1
            vals = lines.ints(line, "request entry")
            if m == 0:
                if len(vals) != width + 1:
                    raise lines.error(
                        line,
                        f"job {j + 1}: expected 'jobnr mode duration', {k} renewable and {nn} "
                        f"non-renewable demands ({width + 1} numbers), got {len(vals)}",
                    )
                expect_job(lines, line, vals[0], j)
                vals = vals[1:]
            elif len(vals) != width:
                raise lines.error(
                    line,
                    f"job {j + 1}, mode {m + 1}: expected 'mode duration', {k} renewable and {nn} "
                    f"non-renewable demands ({width} numbers), got {len(vals)}",
                )
            if vals[0] != m + 1:
                raise lines.error(line, f"job {j + 1}: expected mode {m + 1}, got {vals[0]}")
            if vals[1] < 0:
                raise lines.error(line, f"job {j + 1}, mode {m + 1}: negative duration {vals[1]}")
            bad = next((v for v in vals[2:] if v < 0), None)
            if bad is not None:
                raise lines.error(line, f"job {j + 1}, mode {m + 1}: negative demand {bad}")
            values.append(vals[1:])

    cap_line = block_rows(lines, require("cap", "RESOURCEAVAILABILITIES"), 1, "RESOURCEAVAILABILITIES")[0]
    caps = lines.ints(cap_line, "capacity")
    if len(caps) != k + nn:
        raise lines.error(
            cap_line, f"expected {k} renewable and {nn} non-renewable capacities, got {len(caps)}"
        )
    if any(c < 0 for c in caps):
        raise lines.error(cap_line, f"negative capacity {min(caps)}")
    mat = np.array(values, dtype=np.int64).reshape(total, 1 + k + nn)
    e = len(idx)
    empty = np.zeros(0, dtype=np.int64)
    problem = Project(
        np.concatenate([[0], np.cumsum(n_modes)]),
        mat[:, 0],
        mat[:, 1 : 1 + k],
        mat[:, 1 + k :],
        np.array(caps[:k], dtype=np.int64),
        np.array(caps[k:], dtype=np.int64),
        np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr)),
        idx,
        np.zeros(e, dtype=np.int64),
        np.ones(e, dtype=bool),
        np.zeros(n, dtype=np.int64),
        np.full(n, NO_DEADLINE, dtype=np.int64),
        empty,
        empty,
        empty,
        empty,
        name=instance_name(source),
        number_from=1,
    )
    return problem


def write_mm(problem: Project) -> str:
    """PSPLIB ``.mm`` text; the project must have only finish-to-start arcs with lag 0 and no
    release dates, deadlines or unavailability periods (InvalidParameterError otherwise)."""
    p = problem
    why = _not_psplib(p)
    if why:
        raise InvalidParameterError(f"a PSPLIB .mm file cannot hold this project: {why}")
    n, k, nn = p.num_activities, p.num_resources, p.num_nonrenewable
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(p.arc_from.tolist(), p.arc_to.tolist(), strict=True):
        if b not in succ[a]:
            succ[a].append(b)
    star = "*" * 72
    shortest = p.min_durations()
    out = [
        star,
        f"file with basedata            : {p.name}.bas",
        "initial value random generator: 0",
        star,
        "projects                      :  1",
        f"jobs (incl. supersource/sink ):  {n}",
        f"horizon                       :  {int(p.max_durations().sum())}",
        "RESOURCES",
        f"  - renewable                 :  {k}   R",
        f"  - nonrenewable              :  {nn}   N",
        "  - doubly constrained        :  0   D",
        star,
        "PROJECT INFORMATION:",
        "pronr.  #jobs rel.date duedate tardcost  MPM-Time",
        f"    1  {max(0, n - 2):5d}      0  {int(shortest.sum()):6d}        0  {p.lower_bound():6d}",
        star,
        "PRECEDENCE RELATIONS:",
        "jobnr.    #modes  #successors   successors",
    ]
    for j in range(n):
        tail = "".join(f"  {s + 1:3d}" for s in succ[j])
        out.append(f"  {j + 1:3d}        {len(p.modes(j))}       {len(succ[j]):3d}       {tail}".rstrip())
    names = [f" R{r + 1:2d}" for r in range(k)] + [f" N{r + 1:2d}" for r in range(nn)]
    out += [star, "REQUESTS/DURATIONS:", "jobnr. mode duration " + " ".join(names), "-" * 72]
    for j in range(n):
        for rank, m in enumerate(p.modes(j)):
            dem = " ".join(f"{int(d):4d}" for d in [*p.demand[m], *p.consumption[m]])
            job = f"{j + 1:3d}" if rank == 0 else "   "
            out.append(f"  {job}    {rank + 1}  {int(p.duration[m]):4d}     {dem}".rstrip())
    out += [star, "RESOURCEAVAILABILITIES:", "  " + " ".join(names)]
    out.append("  " + " ".join(f"{int(c):4d}" for c in [*p.capacity, *p.budget]))
    out.append(star)
    return "\n".join(out) + "\n"


def _not_psplib(p: Project) -> str:
    if not p.arc_fs.all() or (p.arc_lag != 0).any():
        return "it has time lags other than finish-to-start with lag 0"
    if (p.release > 0).any() or (p.deadline != NO_DEADLINE).any():
        return "it has release dates or deadlines"
    if len(p.off_start):
        return "it has unavailability periods"
    return ""
