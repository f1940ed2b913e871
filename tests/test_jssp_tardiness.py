"""The weighted-tardiness job-shop construction of the literature and the CP-SAT bounds for the
sum objectives (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit.generators.jobshop import literature_weights, weighted_tardiness_instance


@pytest.mark.parametrize(("n", "fours", "twos"), [(10, 2, 6), (15, 3, 9), (20, 4, 12), (5, 1, 3)])
def test_literature_weights_go_by_job_index(n: int, fours: int, twos: int) -> None:
    w = literature_weights(n)
    assert w.tolist() == [4] * fours + [2] * twos + [1] * (n - fours - twos)


def test_literature_instance_is_deterministic_and_uses_floor_of_f_times_work() -> None:
    base = sk.generate("jssp", n=10, m=4, seed=3)
    p = weighted_tardiness_instance(base, 1.3)
    assert np.array_equal(p.due, np.floor(1.3 * base.job_lengths()).astype(np.int64))
    assert p.weight.tolist() == literature_weights(10).tolist()
    assert not p.release.any()
    q = sk.generate("jssp", base=base, due_tightness=1.3, weights="literature", seed=99)
    assert np.array_equal(q.due, p.due) and np.array_equal(q.weight, p.weight)
    seeded = sk.generate("jssp", base=base, due_tightness=1.3, weights="seeded", seed=1)
    assert sorted(seeded.weight.tolist()) == sorted(p.weight.tolist())


def test_weights_option_rejects_other_words() -> None:
    base = sk.generate("jssp", n=4, m=2, seed=3)
    with pytest.raises(sk.InvalidParameterError, match="literature"):
        sk.generate("jssp", base=base, due_tightness=1.3, weights="random")
