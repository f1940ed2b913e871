"""Mutated instance files: every reader gives a valid problem or a one-line schedkit error."""

from __future__ import annotations

from pathlib import Path

import pytest

from schedkit import registry
from tests.tooling.fuzz import FuzzStats, fuzz, seed_texts

PER_FORMAT = 80  # bounded for the default suite; benchmarks/fuzz_readers.py runs thousands


def test_every_writable_format_has_a_seed() -> None:
    writable = {name for name, f in registry.formats().items() if f.writer}
    assert writable <= set(seed_texts())


@pytest.mark.parametrize("seed", [0, 1])
def test_mutated_files_never_crash_a_reader(tmp_path: Path, seed: int) -> None:
    results = fuzz(tmp_path, PER_FORMAT, seed=seed)
    failures = [f for stats in results.values() for f in stats.failures]
    assert not failures, "\n".join(failures[:20])
    total = FuzzStats()
    for stats in results.values():
        total.parsed += stats.parsed
        total.rejected += stats.rejected
    assert total.rejected > 0 and total.parsed + total.rejected == 2 * PER_FORMAT * len(results)
