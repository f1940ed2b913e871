"""Job-shop formats: the plain "n m" format and Taillard's "Times"/"Machines" format."""

from __future__ import annotations

import os

import numpy as np

from schedkit.errors import ParseError
from schedkit.formats.text import Line, Lines
from schedkit.problems.jobshop import JobShop


def instance_name(source: str) -> str:
    return os.path.splitext(os.path.basename(source))[0] or "instance"


# plain "n m" ------------------------------------------------------------------------------
def sniff_plain(head: str) -> bool:
    """First data line holds exactly two positive integers, the next an even count."""
    lines = [ln.split() for ln in head.splitlines() if ln.split() and not ln.lstrip().startswith("#")]
    if len(lines) < 2 or len(lines[0]) != 2:
        return False
    if not all(t.isdigit() for t in lines[0]):
        return False
    return all(t.lstrip("-").isdigit() for t in lines[1]) and len(lines[1]) % 2 == 0


def read_plain(text: str, source: str) -> JobShop:
    """Parse the plain format: ``n m``, then per job ``machine duration`` pairs (machines from 0)."""
    lines = Lines(text, source)
    header, (n, m) = lines.header("jobs machines")
    if n < 1 or m < 1:
        raise lines.error(header, f"jobs and machines must be >= 1, got {n} {m}")
    machines: list[list[int]] = []
    durations: list[list[int]] = []
    for j in range(n):  # rows are read before any allocation: a huge n fails as truncated
        line = lines.next(f"the line of job {j} ({n} jobs declared)")
        nums = lines.ints(line)
        if len(nums) != 2 * m:
            raise lines.error(
                line, f"job {j}: expected {2 * m} numbers ({m} 'machine duration' pairs), got {len(nums)}"
            )
        _check_job(lines, line, j, nums[0::2], nums[1::2], m, zero_based=True)
        machines.append(nums[0::2])
        durations.append(nums[1::2])
    lines.expect_end(f"the {n} job lines")
    return JobShop.from_matrices(np.array(machines), np.array(durations), name=instance_name(source))


def _check_job(
    lines: Lines, line: Line, j: int, machines: list[int], durations: list[int], m: int, zero_based: bool
) -> None:
    base = 0 if zero_based else 1
    for k, (mach, d) in enumerate(zip(machines, durations, strict=True)):
        if not base <= mach < m + base:
            raise lines.error(line, f"job {j}, op {k}: machine {mach} out of range {base}..{m - 1 + base}")
        if d < 0:
            raise lines.error(line, f"job {j}, op {k}: negative duration {d}")
    if len(set(machines)) != len(machines):
        dup = next(x for x in machines if machines.count(x) > 1)
        raise lines.error(line, f"job {j} visits machine {dup} twice (each job must visit each machine once)")


def _refuse_extras(problem: JobShop, fmt: str) -> None:
    if problem.extras is not None:
        raise ParseError(
            f"{fmt} cannot carry release or due dates, weights or setups: use format jssp-json", problem.name
        )


def write_plain(problem: JobShop) -> str:
    _refuse_extras(problem, "the plain format")
    if not problem.is_rectangular():
        raise ParseError("the plain format needs every job to visit every machine once", problem.name)
    rows = [f"{problem.num_jobs} {problem.num_machines}"]
    for job in problem.jobs():
        rows.append(" ".join(f"{m} {d}" for m, d in job))
    return "\n".join(rows) + "\n"


# Taillard -------------------------------------------------------------------------------
def sniff_taillard(head: str) -> bool:
    words = {ln.strip().lower() for ln in head.splitlines()}
    return "times" in words and ("machines" in words or len(head) >= 8192)


def read_taillard(text: str, source: str) -> JobShop:
    """Parse Taillard's format: optional header lines, then ``Times`` and ``Machines``
    blocks of n rows of m integers (machines numbered from 1)."""
    lines = Lines(text, source)
    header: Line | None = None
    while True:
        line = lines.next("a 'Times' block")
        if [t.lower() for t in line.tokens] == ["times"]:
            break
        if header is None and line.tokens[0].lstrip("-").isdigit():
            header = line
    times = _block(lines, line)
    marker = lines.next("a 'Machines' block")
    if [t.lower() for t in marker.tokens] != ["machines"]:
        raise lines.error(
            marker,
            f"expected 'Machines' after {len(times)} rows of times, got {' '.join(marker.tokens[:4])!r}",
        )
    machs = _block(lines, marker)
    lines.expect_end("the Machines block")
    n, m = len(times), len(times[0][1])
    if header is not None:
        hv = lines.ints(header, "header value")
        if len(hv) >= 2 and (hv[0], hv[1]) != (n, m):
            raise lines.error(
                header, f"header says {hv[0]} jobs x {hv[1]} machines, Times block has {n} x {m}"
            )
    if len(machs) != n:
        raise lines.error(marker, f"Machines block has {len(machs)} rows, Times block {n}")
    durations = np.empty((n, m), dtype=np.int64)
    machines = np.empty((n, m), dtype=np.int64)
    for j, ((tl, t), (ml, mrow)) in enumerate(zip(times, machs, strict=True)):
        if len(t) != m:
            raise lines.error(tl, f"job {j}: {len(t)} times, expected {m}")
        if len(mrow) != m:
            raise lines.error(ml, f"job {j}: {len(mrow)} machines, expected {m}")
        for k, d in enumerate(t):
            if d < 0:
                raise lines.error(tl, f"job {j}, op {k}: negative duration {d}")
        _check_job(lines, ml, j, mrow, t, m, zero_based=False)
        durations[j] = t
        machines[j] = np.array(mrow) - 1
    return JobShop.from_matrices(machines, durations, name=instance_name(source))


def _block(lines: Lines, title: Line) -> list[tuple[Line, list[int]]]:
    rows: list[tuple[Line, list[int]]] = []
    while (nxt := lines.peek()) is not None and nxt.tokens[0].lstrip("-").isdigit():
        lines.pos += 1
        rows.append((nxt, lines.ints(nxt)))
    if not rows:
        raise lines.error(title, f"empty {' '.join(title.tokens)} block")
    return rows


def write_taillard(problem: JobShop) -> str:
    _refuse_extras(problem, "Taillard's format")
    if not problem.is_rectangular():
        raise ParseError("Taillard's format needs every job to visit every machine once", problem.name)
    n, m = problem.num_jobs, problem.num_machines
    d = problem.duration.reshape(n, m)
    mm = problem.machine.reshape(n, m) + 1
    out = ["Nb of jobs, Nb of Machines", f"{n} {m}", "Times"]
    out += [" ".join(f"{x:3d}" for x in row) for row in d]
    out.append("Machines")
    out += [" ".join(f"{x:3d}" for x in row) for row in mm]
    return "\n".join(out) + "\n"
