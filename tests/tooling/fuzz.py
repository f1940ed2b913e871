"""Mutation fuzzing of the file readers: every outcome must be a valid problem or a
one-line :class:`~schedkit.errors.SchedkitError`, never another exception.

Used by ``tests/test_fuzz_readers.py`` (a bounded number of cases) and by
``benchmarks/fuzz_readers.py`` (thousands of cases per format).
"""

from __future__ import annotations

import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schedkit as sk
from schedkit import registry
from schedkit.errors import SchedkitError

HUGE = ("99999999999999999999", "1e308", "4294967296", "-2147483649")
WORDS = ("x", "nan", "inf", "-", "1.5", "-7", "0", "[", "}", '"', "null", "true")


def _tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of whitespace-separated tokens."""
    out, i, n = [], 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        j = i
        while j < n and not text[j].isspace():
            j += 1
        if j > i:
            out.append((i, j))
        i = j
    return out


def _replace_token(text: str, rng: random.Random, new: str) -> str:
    toks = _tokens(text)
    if not toks:
        return new
    a, b = rng.choice(toks)
    return text[:a] + new + text[b:]


def _swap_tokens(text: str, rng: random.Random) -> str:
    toks = _tokens(text)
    if len(toks) < 2:
        return text
    (a1, b1), (a2, b2) = sorted(rng.sample(toks, 2))
    return text[:a1] + text[a2:b2] + text[b1:a2] + text[a1:b1] + text[b2:]


def _lines_op(text: str, rng: random.Random, op: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    k = rng.randrange(len(lines))
    if op == "drop":
        del lines[k]
    elif op == "dup":
        lines.insert(k, lines[k])
    else:  # shuffle two lines
        j = rng.randrange(len(lines))
        lines[k], lines[j] = lines[j], lines[k]
    return "".join(lines)


def _insert_bytes(text: str, rng: random.Random, raw: bytes) -> bytes:
    k = rng.randrange(len(text) + 1)
    return text[:k].encode() + raw + text[k:].encode()


MUTATIONS: dict[str, Callable[[str, random.Random], str | bytes]] = {
    "truncate": lambda t, r: t[: r.randrange(len(t) + 1)],
    "drop_token": lambda t, r: _replace_token(t, r, ""),
    "swap_tokens": _swap_tokens,
    "huge_number": lambda t, r: _replace_token(t, r, r.choice(HUGE)),
    "negative": lambda t, r: _replace_token(t, r, f"-{r.randint(1, 500)}"),
    "word": lambda t, r: _replace_token(t, r, r.choice(WORDS)),
    "drop_line": lambda t, r: _lines_op(t, r, "drop"),
    "dup_line": lambda t, r: _lines_op(t, r, "dup"),
    "swap_lines": lambda t, r: _lines_op(t, r, "swap"),
    "non_utf8": lambda t, r: (lambda k: t[:k].encode() + b"\xff\xfe\xc3" + t[k:].encode())(
        r.randrange(len(t) + 1)
    ),
    "nul_byte": lambda t, r: (lambda k: t[:k].encode() + b"\x00" + t[k:].encode())(r.randrange(len(t) + 1)),
    "empty": lambda t, r: "",
    "zero_all_numbers": lambda t, r: "".join("0" if c.isdigit() else c for c in t),
}


@dataclass
class FuzzStats:
    parsed: int = 0
    rejected: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.parsed + self.rejected + len(self.failures)


#: file-name stems that carry information a format needs (OR-Library: jobs per instance)
_STEM = {"orlib-wt": "wt6"}


def seed_texts() -> dict[str, list[tuple[str, str]]]:
    """Per format: (file extension, text) of small valid instances made by the generators."""
    fmts = registry.formats()
    samples = {
        "jssp": sk.generate("jssp", n=4, m=3, seed=1),
        "fjsp": sk.generate("fjsp", n=3, m=3, seed=1),
        "smtt": sk.generate("smtt", n=6, tf=0.6, rdd=0.4, weighted=True, seed=1),
        "rcpsp": sk.generate("rcpsp", n=6, seed=1),
        "vmr": sk.generate("vmr", pms=4, seed=1),
        "pods": sk.generate("pods", nodes=3, workloads=3, seed=1),
    }
    # projects: each format holds only some of the constraints, so three samples
    projects = [
        sk.generate("project", n=5, modes=2, nonrenewable=1, seed=1),  # .mm
        sk.generate("project", n=5, max_lags=2, seed=1),  # .sch
        sk.generate("project", n=5, modes=2, max_lags=2, periods=1, releases=1, deadlines=1, seed=1),
    ]
    # shops with every extra (release and due dates, weights, setups) for the JSON forms
    extras = {"due_tightness": 1.3, "weights": True, "setups": True, "releases": True}
    shops = {
        "jssp": [sk.generate("jssp", n=3, m=2, seed=1, **extras)],
        "fjsp": [sk.generate("fjsp", n=3, m=2, seed=1, **extras)],
    }
    out: dict[str, list[tuple[str, str]]] = {}
    for name, info in fmts.items():
        problems = projects if info.kind == "project" else [samples.get(info.kind), *shops.get(info.kind, [])]
        if info.writer is None:
            continue
        for problem in problems:
            if problem is None:
                continue
            try:
                text = sk.write(problem, format=name)
            except SchedkitError:
                continue
            out.setdefault(name, []).append((info.extensions[0] if info.extensions else ".txt", text))
    return out


def mutate(text: str, rng: random.Random) -> tuple[str, str | bytes]:
    """One to three stacked random mutations of ``text``: (names, mutated data)."""
    names: list[str] = []
    data: str | bytes = text
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(sorted(MUTATIONS))
        names.append(name)
        data = MUTATIONS[name](data, rng)  # type: ignore[arg-type]
        if isinstance(data, bytes):  # byte-level damage ends the stack
            break
    return "+".join(names), data


def check_one(path: Path, fmt: str | None, stats: FuzzStats) -> None:
    """Read ``path`` and classify the outcome; anything but a problem or a one-line
    SchedkitError naming the file is a failure."""
    try:
        problem = sk.read(path, format=fmt)
        problem.summary()
        problem.lower_bound()
    except SchedkitError as exc:
        msg = str(exc)
        cause = exc.__cause__
        if isinstance(cause, Exception) and not isinstance(cause, SchedkitError):
            # io.read's safety net turned a reader crash into a ParseError: still a reader bug
            stats.failures.append(f"{path.name} [{fmt}]: reader crashed: {msg}")
        elif "\n" in msg or not msg.strip():
            stats.failures.append(f"{path.name} [{fmt}]: multi-line or empty message {msg!r}")
        else:
            stats.rejected += 1
    except Exception:  # noqa: BLE001 - the point is to catch everything else
        stats.failures.append(
            f"{path.name} [{fmt}]: {traceback.format_exc(limit=3).strip().splitlines()[-1]}"
        )
    else:
        stats.parsed += 1


def fuzz(
    workdir: Path, per_format: int, seed: int = 0, extra: dict[str, list[Path]] | None = None
) -> dict[str, FuzzStats]:
    """Run ``per_format`` mutants of each seed text through detection and the forced reader."""
    rng = random.Random(seed)
    result: dict[str, FuzzStats] = {}
    seeds = seed_texts()
    for fmt, paths in (extra or {}).items():
        info = registry.formats().get(fmt)
        if info is None:
            continue
        for p in paths:
            seeds.setdefault(fmt, []).append((p.suffix or ".txt", p.read_text(encoding="utf-8")))
    for fmt, texts in sorted(seeds.items()):
        stats = result.setdefault(fmt, FuzzStats())
        for k in range(per_format):
            ext, text = texts[k % len(texts)]
            _, data = mutate(text, rng)
            path = workdir / f"{_STEM.get(fmt, fmt)}_{k}{ext}"
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
            check_one(path, fmt, stats)
            check_one(path, None, stats)
            path.unlink()
    return result
