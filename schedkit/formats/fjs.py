"""The ``.fjs`` flexible job-shop format (Brandimarte, Hurink, Dauzère-Pérès–Paulli, ...).

First line: jobs, machines and optionally the average number of eligible machines per
operation (informative, may be a decimal). Then one line per job: its number of operations,
then per operation the number ``k`` of eligible machines followed by ``k`` pairs
``machine duration``, machines numbered from 1.
"""

from __future__ import annotations

import numpy as np

from schedkit.errors import ParseError
from schedkit.formats.jssp import instance_name
from schedkit.formats.text import Line, Lines, to_int, to_number
from schedkit.problems.flexible import FlexibleJobShop


def sniff(head: str) -> bool:
    """A header of 2-3 numbers (jobs, machines, optional average) and a numeric first job line
    starting with a positive operation count.

    Deliberately permissive, so that a damaged ``.fjs`` file still reaches this format's
    parser and its precise error message; the job-shop formats are tried before it for
    files without the ``.fjs`` extension.
    """
    rows = [ln.split() for ln in head.splitlines() if ln.split() and not ln.lstrip().startswith("#")]
    if len(rows) < 2 or len(rows[0]) not in (2, 3):
        return False
    if not (rows[0][0].isdigit() and rows[0][1].isdigit()):
        return False
    try:
        [float(t) for t in rows[0][2:] + rows[1]]
    except ValueError:
        return False
    return rows[1][0].isdigit() and int(rows[1][0]) >= 1


def read(text: str, source: str) -> FlexibleJobShop:
    """Parse an ``.fjs`` file; every defect is a one-line ParseError naming file and line."""
    lines = Lines(text, source)
    header = lines.next("the header 'jobs machines [machines per operation]'")
    if len(header.tokens) not in (2, 3):
        raise lines.error(
            header,
            f"header must be 'jobs machines [machines per operation]', got {len(header.tokens)} values",
        )
    n = to_int(header.tokens[0], source, header.number, "number of jobs")
    m = to_int(header.tokens[1], source, header.number, "number of machines")
    if len(header.tokens) == 3:
        to_number(header.tokens[2], source, header.number, "average machines per operation")
    if n < 1 or m < 1:
        raise lines.error(header, f"jobs and machines must be >= 1, got {n} {m}")
    job_start = [0]
    alt_start = [0]
    machines: list[int] = []
    durations: list[int] = []
    for j in range(n):
        line = lines.next(f"the line of job {j + 1} ({n} jobs declared)")
        n_ops = _parse_job(lines, line, j, m, alt_start, machines, durations)
        job_start.append(job_start[-1] + n_ops)
    lines.expect_end(f"the {n} job lines")
    return FlexibleJobShop(
        np.array(job_start),
        np.array(alt_start),
        np.array(machines, dtype=np.int64) - 1,
        np.array(durations, dtype=np.int64),
        m,
        instance_name(source),
    )


def _parse_job(
    lines: Lines,
    line: Line,
    j: int,
    m: int,
    alt_start: list[int],
    machines: list[int],
    durations: list[int],
) -> int:
    """Parse one job line, appending its alternatives; return its number of operations."""
    tok = line.tokens
    job = j + 1

    def num(pos: int, what: str) -> int:
        return to_int(tok[pos], lines.source, line.number, what)

    n_ops = num(0, f"job {job}: number of operations")
    if n_ops < 1:
        raise lines.error(line, f"job {job}: number of operations must be >= 1, got {n_ops}")
    pos = 1
    for k in range(1, n_ops + 1):
        where = f"job {job}, operation {k}"
        if pos >= len(tok):
            raise lines.error(
                line,
                f"{where}: line ends after {k - 1} of {n_ops} operations (truncated line or wrong count)",
            )
        count = num(pos, f"{where}: number of eligible machines")
        if count < 1:
            raise lines.error(line, f"{where}: no eligible machine (count {count})")
        if count > m:
            raise lines.error(line, f"{where}: {count} eligible machines declared, only {m} machines exist")
        pairs = tok[pos + 1 : pos + 1 + 2 * count]
        if len(pairs) < 2 * count:
            raise lines.error(
                line,
                f"{where}: declares {count} eligible machines but the line ends after "
                f"{len(pairs) / 2:g} 'machine duration' pairs (truncated line or wrong count)",
            )
        seen: set[int] = set()
        for i in range(count):
            mc = num(pos + 1 + 2 * i, f"{where}: machine")
            d = num(pos + 2 + 2 * i, f"{where}: duration")
            if not 1 <= mc <= m:
                raise lines.error(line, f"{where}: machine {mc} out of range 1..{m}")
            if mc in seen:
                raise lines.error(line, f"{where}: machine {mc} listed twice")
            if d < 0:
                raise lines.error(line, f"{where}: negative duration {d} on machine {mc}")
            seen.add(mc)
            machines.append(mc)
            durations.append(d)
        alt_start.append(alt_start[-1] + count)
        pos += 1 + 2 * count
    if pos != len(tok):
        extra = len(tok) - pos
        raise lines.error(
            line,
            f"job {job}: {extra} value(s) left after its {n_ops} operations "
            "(an operation or machine count does not match the pairs that follow)",
        )
    return n_ops


def write(problem: FlexibleJobShop) -> str:
    """Serialise ``problem`` as ``.fjs`` (machines written from 1); ParseError when it carries
    release or due dates, weights or setups, which ``.fjs`` cannot hold."""
    if problem.extras is not None:
        raise ParseError(
            "the .fjs format cannot carry release or due dates, weights or setups: use format fjsp-json",
            problem.name,
        )
    rows = [f"{problem.num_jobs} {problem.num_machines} {problem.flexibility():.2f}"]
    for job in problem.jobs():
        parts = [str(len(job))]
        for alts in job:
            parts.append(str(len(alts)))
            parts.extend(f"{mc + 1} {d}" for mc, d in alts)
        rows.append(" ".join(parts))
    return "\n".join(rows) + "\n"
