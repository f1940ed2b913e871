"""Shared fixtures: where the public benchmark instances are (tests skip without them).

The session starts with ``schedkit warm-up``'s work (every method's numba kernels compiled or
loaded from the cache), as the README's install command does: no test then meets a first-use
compilation, whose announcement would add a line to the output a test checks.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCHEDKIT_SHARED", ROOT.parent / "shared"))
INSTANCES = SHARED / "instances"


def shared_path(*parts: str) -> Path:
    """Path under ``../shared/instances``; skips the calling test when it is absent."""
    path = INSTANCES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared instances not available: {path}")
    return path


def reference(*parts: str) -> dict[str, dict[str, str]]:
    """Rows of ``reference.csv`` in the given set folder, keyed by instance name."""
    path = shared_path(*parts, "reference.csv")
    with open(path, newline="") as fh:
        return {row["instance"]: row for row in csv.DictReader(fh)}


def pytest_sessionstart(session: pytest.Session) -> None:
    from schedkit import warmup

    warmup.warm_up_all()


@pytest.fixture
def instances_dir() -> Path:
    if not INSTANCES.exists():
        pytest.skip("shared instances not available")
    return INSTANCES


@pytest.fixture
def demo() -> Path:
    """The bundled job-shop example."""
    return ROOT / "instances" / "jssp_demo_8x5.txt"
