"""Fuzz campaign for the file readers: thousands of mutated files per format.

Every outcome must be a parsed problem that passes its own validation or a one-line
schedkit error; anything else (another exception, a reader crash caught by read()'s
safety net, a multi-line message) is counted as a failure and listed.

    python benchmarks/fuzz_readers.py --per-format 3000 --out benchmarks/fuzz_readers.md

Seeds: one small generated instance per writable format, plus (when ../shared/instances is
present) a few public instances per format.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test tooling lives in tests/

from tests.tooling.fuzz import fuzz  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "instances"
SHARED_SEEDS = {
    "jssp": ["jssp/ft/ft06.txt", "jssp/la/la01.txt"],
    "fjs": ["fjsp/brandimarte/mk01.fjs"],
    "psplib-sm": ["rcpsp/j30/j301_1.sm"],
    "vmr2l": ["vmr2l/example_synthetic.json"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-format", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="Markdown report to write")
    args = ap.parse_args()
    extra = {f: [SHARED / p for p in ps if (SHARED / p).exists()] for f, ps in SHARED_SEEDS.items()}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        results = fuzz(Path(tmp), args.per_format, seed=args.seed, extra=extra)
    wall = time.perf_counter() - t0
    cmd = f"python benchmarks/fuzz_readers.py --per-format {args.per_format} --seed {args.seed}"
    lines = [
        "# Reader fuzz campaign",
        "",
        f"Command: `{cmd}`  ",
        f"Each mutated file is read twice (format named, format detected); wall time {wall:.0f} s.",
        "",
        "| format | reads | parsed (valid problem) | rejected (one-line schedkit error) | failures |",
        "|---|---|---|---|---|",
    ]
    failures: list[str] = []
    for fmt, s in sorted(results.items()):
        lines.append(f"| {fmt} | {s.total} | {s.parsed} | {s.rejected} | {len(s.failures)} |")
        failures += s.failures
    total = sum(s.total for s in results.values())
    lines += ["", f"Total reads: {total}; failures: {len(failures)}."]
    if failures:
        lines += ["", "## Failures (first 50)", ""] + [f"- {f}" for f in failures[:50]]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
