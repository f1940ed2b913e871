"""Taillard's job-shop generator: the published instances, determinism, parameter checks."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.generators.jobshop import TAILLARD_SEEDS, TaillardStream


@pytest.mark.parametrize("number", range(1, 61))
def test_reproduces_taillard_files(number: int) -> None:
    name = f"ta{number:02d}"
    path = shared_path("jssp", "ta", f"{name}.txt")
    generated = sk.generate("jssp", taillard=name)
    assert generated == sk.read(path)
    assert generated.name == name


def test_verification_example_of_the_paper() -> None:
    # Taillard (1993) checks an implementation on a 4 x 4 instance drawn from seeds
    # 1166510396 (times) and 164000672 (machines); machines there are numbered from 1.
    p = sk.generate("jssp", n=4, m=4, seed=1166510396, machine_seed=164000672)
    assert p.duration.reshape(4, 4).tolist() == [
        [54, 34, 61, 2],
        [9, 15, 89, 70],
        [38, 19, 28, 87],
        [95, 34, 7, 29],
    ]
    assert (p.machine.reshape(4, 4) + 1).tolist() == [[3, 1, 4, 2], [4, 1, 2, 3], [1, 2, 3, 4], [1, 3, 2, 4]]


def test_seed_table_covers_ta01_to_ta80_with_their_sizes() -> None:
    assert len(TAILLARD_SEEDS) == 80
    sizes = [TAILLARD_SEEDS[f"ta{10 * g + 1:02d}"][:2] for g in range(8)]
    assert sizes == [(15, 15), (20, 15), (20, 20), (30, 15), (30, 20), (50, 15), (50, 20), (100, 20)]
    p = sk.generate("jssp", taillard="ta80")
    assert (p.num_jobs, p.num_machines, p.num_operations) == (100, 20, 2000)
    assert p.is_rectangular()
    assert sk.generate("jssp", taillard="TA7") == sk.generate("jssp", taillard="ta07")


def test_lehmer_stream_matches_the_minimal_standard_generator() -> None:
    # x_{k+1} = 16807 x_k mod (2^31 - 1); Park & Miller's check value: x_10000 = 1043618065 from x_0 = 1
    stream = TaillardStream(1)
    for _ in range(10000):
        stream.unif(0, 1)
    assert stream.seed == 1043618065


def test_any_size_deterministic_and_in_range() -> None:
    a = sk.generate("jssp", n=7, m=3, seed=12345, low=5, high=9)
    b = sk.generate("jssp", n=7, m=3, seed=12345, low=5, high=9)
    assert a == b
    assert (a.num_jobs, a.num_machines) == (7, 3)
    assert a.is_rectangular()
    assert a.duration.min() >= 5 and a.duration.max() <= 9
    assert a != sk.generate("jssp", n=7, m=3, seed=12346, low=5, high=9)
    # the machine seed defaults to seed + 1
    assert a == sk.generate("jssp", n=7, m=3, seed=12345, machine_seed=12346, low=5, high=9)
    assert a != sk.generate("jssp", n=7, m=3, seed=12345, machine_seed=999, low=5, high=9)
    const = sk.generate("jssp", n=3, m=2, seed=8, low=4, high=4)
    assert set(const.duration.tolist()) == {4}
    one = sk.generate("jssp", n=1, m=1)
    assert one.num_operations == 1


def test_durations_spread_over_the_whole_range() -> None:
    p = sk.generate("jssp", n=50, m=20, seed=77)
    counts = np.bincount(p.duration, minlength=100)[1:]
    assert counts.min() > 0  # every value of 1..99 drawn in 1000 draws
    assert p.duration.min() == 1 and p.duration.max() == 99


@pytest.mark.parametrize(
    "params",
    [
        {"n": 0},
        {"m": 0},
        {"n": -3},
        {"n": 2.5},
        {"n": "x"},
        {"low": 10, "high": 5},
        {"low": -1},
        {"seed": 0},
        {"seed": 2**31 - 1},
        {"machine_seed": 0},
        {"taillard": "ta81"},
        {"taillard": "ft06"},
    ],
)
def test_bad_parameters_raise_one_line_errors(params: dict) -> None:
    with pytest.raises(sk.InvalidParameterError) as info:
        sk.generate("jssp", **params)
    assert "\n" not in str(info.value)


def test_unknown_parameter_is_rejected() -> None:
    with pytest.raises(sk.InvalidParameterError):
        sk.generate("jssp", jobs=3)


def test_cli_generate_writes_taillard_instance(tmp_path) -> None:
    out = tmp_path / "ta03.txt"
    cp = subprocess.run(
        ["schedkit", "generate", "-o", str(out), "jssp", "--taillard", "ta03"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cp.returncode == 0, cp.stderr
    assert sk.read(out) == sk.generate("jssp", taillard="ta03")
    bad = subprocess.run(
        ["schedkit", "generate", "jssp", "--n", "0"], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr + bad.stdout
