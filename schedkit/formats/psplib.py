"""RCPSP formats: PSPLIB single-mode ``.sm`` and Patterson ``.rcp``; read and write.

Both readers keep every job of the file, the dummy source and sink included, so that job
``j`` of the file is activity ``j - 1`` of the problem. Errors name file and line: a cycle
in the precedences (the line of a job on the cycle), a demand above a capacity, a successor
that does not exist, a truncated block, a mode count other than 1, a wrong number of
demand columns.
"""

from __future__ import annotations

import os
import re

import numpy as np

from schedkit.errors import ParseError
from schedkit.formats.text import Line, Lines, to_int
from schedkit.problems.rcpsp import Rcpsp, find_cycle


def instance_name(source: str) -> str:
    return os.path.splitext(os.path.basename(source))[0] or "instance"


# shared checks ---------------------------------------------------------------------------------
def _build(
    lines: Lines,
    durations: list[int],
    demands: list[list[int]],
    capacities: list[int],
    successors: list[list[int]],
    succ_lines: list[Line],
    demand_lines: list[Line],
    cap_line: Line,
) -> Rcpsp:
    """Validate (successors exist, demands fit, no cycle) and build; successors are 1-based."""
    n = len(durations)
    for j, succ in enumerate(successors):
        for s in succ:
            if not 1 <= s <= n:
                raise lines.error(succ_lines[j], f"job {j + 1}: successor {s} does not exist (jobs 1..{n})")
            if s == j + 1:
                raise lines.error(succ_lines[j], f"job {j + 1} is its own successor")
        if len(set(succ)) != len(succ):
            dup = next(s for s in succ if succ.count(s) > 1)
            raise lines.error(succ_lines[j], f"job {j + 1}: successor {dup} listed twice")
    for c, v in enumerate(capacities):
        if v < 0:
            raise lines.error(cap_line, f"resource R{c + 1}: negative capacity {v}")
    for j, dem in enumerate(demands):
        if durations[j] < 0:
            raise lines.error(demand_lines[j], f"job {j + 1}: negative duration {durations[j]}")
        for r, (d, cap) in enumerate(zip(dem, capacities, strict=True)):
            if d < 0:
                raise lines.error(demand_lines[j], f"job {j + 1}: negative demand {d} on R{r + 1}")
            if d > cap:
                raise lines.error(
                    demand_lines[j], f"job {j + 1} demands {d} of R{r + 1}, above its capacity {cap}"
                )
    zero_based = [[s - 1 for s in succ] for succ in successors]
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in zero_based])]).astype(np.int64)
    idx = np.array([s for ss in zero_based for s in ss], dtype=np.int64)
    cycle = find_cycle(n, ptr, idx)
    if cycle is not None:
        path = " -> ".join(str(j + 1) for j in [*cycle, cycle[0]])
        raise lines.error(succ_lines[cycle[0]], f"precedence cycle: {path}")
    dem = np.array(demands, dtype=np.int64).reshape(n, len(capacities))
    return Rcpsp(np.array(durations, dtype=np.int64), dem, np.array(capacities), ptr, idx, lines.source)


# PSPLIB .sm ----------------------------------------------------------------------------------
_RULE = re.compile(r"^\*{5,}$|^-{5,}$")


def sniff_sm(head: str) -> bool:
    low = head.lower()
    return "precedence relations" in low and "requests/durations" in low and not is_multi_mode(head)


def is_multi_mode(head: str) -> bool:
    """A PSPLIB block file declaring non-renewable resources or a job with several modes
    (a multi-mode ``.mm`` file), judged from its first lines."""
    in_prec = False
    for raw in head.lower().splitlines():
        text = raw.strip()
        if text.startswith("- nonrenewable") and ":" in text:
            count = text.split(":", 1)[1].split()
            if count and count[0].isdigit() and int(count[0]) > 0:
                return True
        elif text.startswith("precedence relations"):
            in_prec = True
        elif text.startswith("requests/durations"):
            break
        elif in_prec:
            tokens = text.split()
            if len(tokens) >= 3 and tokens[0].isdigit() and tokens[1].isdigit() and int(tokens[1]) > 1:
                return True
    return False


def _is_rule(line: Line) -> bool:
    return len(line.tokens) == 1 and bool(_RULE.match(line.tokens[0]))


def read_sm(text: str, source: str) -> Rcpsp:
    """Parse a PSPLIB single-mode ``.sm`` file (renewable resources only)."""
    lines = Lines(text, source, comment=None)
    n_jobs: int | None = None
    n_res: int | None = None
    header_line: Line | None = None
    sections: dict[str, int] = {}
    for i, line in enumerate(lines.items):
        low = " ".join(line.tokens).lower()
        if low.startswith("jobs (incl. supersource/sink") and ":" in low:
            n_jobs = after_colon(lines, line, "number of jobs")
            header_line = line
        elif low.startswith("- renewable") and ":" in low:
            n_res = after_colon(lines, line, "number of renewable resources")
        elif (low.startswith("- nonrenewable") or low.startswith("- doubly constrained")) and ":" in low:
            if after_colon(lines, line, "number of resources") != 0:
                raise lines.error(line, "non-renewable resources are not supported (multi-mode file?)")
        elif low.startswith("precedence relations"):
            sections["prec"] = i
        elif low.startswith("requests/durations"):
            sections["req"] = i
        elif low.startswith("resourceavailabilities"):
            sections["cap"] = i
    if n_jobs is None or header_line is None:
        raise ParseError("no 'jobs (incl. supersource/sink ):' line: not a PSPLIB .sm file", source)
    if n_res is None:
        raise ParseError("no '- renewable :' line in the header", source, header_line.number)
    if n_jobs < 1:
        raise lines.error(header_line, f"number of jobs must be >= 1, got {n_jobs}")

    def require(key: str, title: str) -> int:
        if key not in sections:
            raise ParseError(
                f"no {title} block: file truncated or not a PSPLIB .sm file", source, lines.last_line + 1
            )
        return sections[key]

    # precedence relations
    rows = block_rows(lines, require("prec", "PRECEDENCE RELATIONS"), n_jobs, "PRECEDENCE RELATIONS")
    successors: list[list[int]] = []
    succ_lines: list[Line] = []
    for j, line in enumerate(rows):
        vals = lines.ints(line, "precedence entry")
        if len(vals) < 3:
            raise lines.error(line, f"job {j + 1}: expected 'jobnr #modes #successors successors...'")
        expect_job(lines, line, vals[0], j)
        if vals[1] != 1:
            raise lines.error(line, f"job {j + 1} has {vals[1]} modes; only single-mode (1) is supported")
        if vals[2] < 0 or len(vals) != 3 + vals[2]:
            raise lines.error(line, f"job {j + 1}: {vals[2]} successors declared, {len(vals) - 3} listed")
        successors.append(vals[3:])
        succ_lines.append(line)

    # requests / durations
    rows = block_rows(lines, require("req", "REQUESTS/DURATIONS"), n_jobs, "REQUESTS/DURATIONS")
    durations: list[int] = []
    demands: list[list[int]] = []
    for j, line in enumerate(rows):
        vals = lines.ints(line, "request entry")
        if len(vals) != 3 + n_res:
            raise lines.error(
                line,
                f"job {j + 1}: expected 'jobnr mode duration' and {n_res} demands "
                f"({3 + n_res} numbers), got {len(vals)}",
            )
        expect_job(lines, line, vals[0], j)
        if vals[1] != 1:
            raise lines.error(line, f"job {j + 1}: mode {vals[1]}; only single-mode (1) is supported")
        durations.append(vals[2])
        demands.append(vals[3:])

    # resource availabilities: a title line, then the capacities
    cap_rows = block_rows(lines, require("cap", "RESOURCEAVAILABILITIES"), 1, "RESOURCEAVAILABILITIES")
    cap_line = cap_rows[0]
    capacities = lines.ints(cap_line, "capacity")
    if len(capacities) != n_res:
        raise lines.error(cap_line, f"expected {n_res} capacities, got {len(capacities)}")
    problem = _build(lines, durations, demands, capacities, successors, succ_lines, rows, cap_line)
    problem.name = instance_name(source)
    return problem


def after_colon(lines: Lines, line: Line, what: str) -> int:
    text = " ".join(line.tokens)
    value = text.split(":", 1)[1].split()
    if not value:
        raise lines.error(line, f"missing {what} after ':'")
    return to_int(value[0], lines.source, line.number, what)


def expect_job(lines: Lines, line: Line, got: int, j: int) -> None:
    if got != j + 1:
        raise lines.error(line, f"expected job number {j + 1}, got {got}")


def block_rows(lines: Lines, title_at: int, count: int, title: str, unit: str = "job") -> list[Line]:
    """The ``count`` numeric rows of the block whose title is item ``title_at``; column-title
    and dashed lines are skipped, the block ends at a line of asterisks or the next title.
    ``unit`` names a row in messages (``job``; ``mode`` for multi-mode requests)."""
    rows: list[Line] = []
    i = title_at + 1
    items = lines.items
    while i < len(items) and len(rows) < count:
        line = items[i]
        if _is_rule(line) and line.tokens[0].startswith("*"):
            break
        if not _is_rule(line) and line.tokens[0].lstrip("-").isdigit():
            rows.append(line)
        elif rows:  # text after the numeric rows began: the block ended
            break
        i += 1
    if len(rows) < count:
        where = items[i].number if i < len(items) else lines.last_line + 1
        what = "capacity line" if title == "RESOURCEAVAILABILITIES" else f"{count} {unit} lines"
        raise ParseError(
            f"{title} block ends after {len(rows)} of {count} rows: truncated block (expected {what})",
            lines.source,
            where,
        )
    if i < len(items) and title != "RESOURCEAVAILABILITIES":
        nxt = items[i]
        if not _is_rule(nxt) and nxt.tokens[0].lstrip("-").isdigit():
            raise lines.error(nxt, f"{title} block has more than the {count} declared {unit}s")
    return rows


def write_sm(problem: Rcpsp) -> str:
    """PSPLIB ``.sm`` text (all activities written as jobs, numbered from 1)."""
    n, k = problem.num_activities, problem.num_resources
    star = "*" * 72
    cp = problem.critical_path_length()
    out = [
        star,
        f"file with basedata            : {problem.name}.bas",
        "initial value random generator: 0",
        star,
        "projects                      :  1",
        f"jobs (incl. supersource/sink ):  {n}",
        f"horizon                       :  {int(problem.duration.sum())}",
        "RESOURCES",
        f"  - renewable                 :  {k}   R",
        "  - nonrenewable              :  0   N",
        "  - doubly constrained        :  0   D",
        star,
        "PROJECT INFORMATION:",
        "pronr.  #jobs rel.date duedate tardcost  MPM-Time",
        f"    1  {max(0, n - 2):5d}      0  {cp:6d}        0  {cp:6d}",
        star,
        "PRECEDENCE RELATIONS:",
        "jobnr.    #modes  #successors   successors",
    ]
    for j in range(n):
        succ = problem.successors(j)
        tail = "".join(f"  {s + 1:3d}" for s in succ)
        out.append(f"  {j + 1:3d}        1       {len(succ):3d}       {tail}".rstrip())
    out += [
        star,
        "REQUESTS/DURATIONS:",
        "jobnr. mode duration " + " ".join(f" R{r + 1:2d}" for r in range(k)),
    ]
    out.append("-" * 72)
    for j in range(n):
        dem = " ".join(f"{int(d):4d}" for d in problem.demand[j])
        out.append(f"  {j + 1:3d}    1  {int(problem.duration[j]):4d}     {dem}".rstrip())
    out += [star, "RESOURCEAVAILABILITIES:", "  " + " ".join(f" R{r + 1:2d}" for r in range(k))]
    out.append("  " + " ".join(f"{int(c):4d}" for c in problem.capacity))
    out.append(star)
    return "\n".join(out) + "\n"


# Patterson .rcp --------------------------------------------------------------------------------
def sniff_rcp(head: str) -> bool:
    """Two integers on the first line (activities, resources), then that many capacities."""
    rows = [ln.split() for ln in head.splitlines() if ln.strip()]
    if len(rows) < 3 or len(rows[0]) != 2 or not all(t.isdigit() for t in rows[0] + rows[1]):
        return False
    return len(rows[1]) == int(rows[0][1])


def read_rcp(text: str, source: str) -> Rcpsp:
    """Parse Patterson's format: ``n K``, the K capacities, then one line per activity:
    duration, K demands, number of successors, successors (numbered from 1)."""
    lines = Lines(text, source, comment=None)
    header, (n, k) = lines.header("activities resources")
    if n < 1 or k < 0:
        raise lines.error(header, f"need >= 1 activities and >= 0 resources, got {n} {k}")
    cap_line = lines.next(f"the line of {k} capacities")
    capacities = lines.ints(cap_line, "capacity")
    if len(capacities) != k:
        raise lines.error(cap_line, f"expected {k} capacities, got {len(capacities)}")
    durations: list[int] = []
    demands: list[list[int]] = []
    successors: list[list[int]] = []
    rows: list[Line] = []
    for j in range(n):
        line = lines.next(f"the line of activity {j + 1} ({n} declared): truncated file")
        vals = lines.ints(line, "activity entry")
        if len(vals) < k + 2:
            raise lines.error(
                line,
                f"activity {j + 1}: expected duration, {k} demands and a successor count, "
                f"got {len(vals)} numbers",
            )
        ns = vals[k + 1]
        if ns < 0 or len(vals) != k + 2 + ns:
            raise lines.error(
                line,
                f"activity {j + 1}: {len(vals)} numbers do not fit 'duration, {k} demands, "
                f"successor count ({ns}), successors' (wrong number of demand columns?)",
            )
        durations.append(vals[0])
        demands.append(vals[1 : k + 1])
        successors.append(vals[k + 2 :])
        rows.append(line)
    lines.expect_end(f"the {n} activity lines")
    problem = _build(lines, durations, demands, capacities, successors, rows, rows, cap_line)
    problem.name = instance_name(source)
    return problem


def write_rcp(problem: Rcpsp) -> str:
    n, k = problem.num_activities, problem.num_resources
    out = [f"{n:6d}{k:6d}", "".join(f"{int(c):6d}" for c in problem.capacity)]
    for j in range(n):
        succ = problem.successors(j)
        vals = [
            int(problem.duration[j]),
            *map(int, problem.demand[j]),
            len(succ),
            *(int(s) + 1 for s in succ),
        ]
        out.append("".join(f"{v:6d}" for v in vals))
    return "\n".join(out) + "\n"
