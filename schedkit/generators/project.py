"""Seeded random projects: a ProGen-style RCPSP network (:mod:`schedkit.generators.rcpsp`)
with extra modes, non-renewable resources, maximum time lags, unavailability periods,
release dates and deadlines added on request.

Each kind of addition draws from its own random stream, and its items are drawn in a fixed
order, so raising one count (``max_lags=3`` to ``max_lags=4``) adds one constraint to the
same instance and changes nothing else: the instances of a growing-constraints series are
nested. Maximum lags and deadlines are set around the resource-free earliest-start schedule
(``slack`` scales how much room they leave), so they may well make an instance infeasible.
"""

from __future__ import annotations

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.generators.rcpsp import generate as generate_rcpsp
from schedkit.problems.project import NO_DEADLINE, Project

_STREAMS = ("modes", "nonrenewable", "max_lags", "periods", "releases", "deadlines")


def _param(name: str, value: object, low: float, high: float, integer: bool = True) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:  # type: ignore[operator]
        what = "an integer" if integer else "a number"
        raise InvalidParameterError(f"{name} must be {what} in [{low:g}, {high:g}], got {value!r}")


def generate(
    n: int = 10,
    resources: int = 2,
    modes: int = 1,
    nonrenewable: int = 0,
    max_lags: int = 0,
    periods: int = 0,
    releases: int = 0,
    deadlines: int = 0,
    slack: float = 0.5,
    nc: float = 1.5,
    rf: float = 0.5,
    rs: float = 0.5,
    dmax: int = 10,
    rmax: int = 10,
    seed: int = 0,
) -> Project:
    """A random project with ``n`` non-dummy activities plus a dummy source and sink.

    ``modes`` per non-dummy activity (mode 1 is the base RCPSP's; later ones last longer and
    demand less); ``nonrenewable`` resources with a budget halfway between the cheapest and
    the dearest choice of modes; ``max_lags`` maximum time lags between an activity and one of
    its (transitive) successors, ``periods`` unavailability periods, ``releases`` release
    dates and ``deadlines`` deadlines, each on a random activity. ``slack`` in [0, 2]: room
    a maximum lag or deadline leaves beyond the resource-free earliest schedule, as a share
    of ``dmax``. ``nc``, ``rf``, ``rs``, ``dmax``, ``rmax``: as for the RCPSP generator.
    """
    _param("modes", modes, 1, 10)
    for name, value in (
        ("nonrenewable", nonrenewable),
        ("max_lags", max_lags),
        ("periods", periods),
        ("releases", releases),
        ("deadlines", deadlines),
    ):
        _param(name, value, 0, 100_000)
    _param("slack", slack, 0, 2, integer=False)
    base = generate_rcpsp(n=n, resources=resources, nc=nc, rf=rf, rs=rs, dmax=dmax, rmax=rmax, seed=seed)
    rng = {name: np.random.default_rng([seed, k]) for k, name in enumerate(_STREAMS)}
    total = base.num_activities
    real = range(1, total - 1)
    # modes: the base mode, then longer and lighter ones
    dur: list[int] = []
    dem: list[list[int]] = []
    ptr = [0]
    for j in range(total):
        count = modes if j in real else 1
        for k in range(count):
            extra = int(rng["modes"].integers(1, max(2, base.duration[j] // 2 + 2))) * k
            dur.append(int(base.duration[j]) + extra)
            dem.append([int(v) * (count - k) // count for v in base.demand[j]])
        ptr.append(len(dur))
    m = len(dur)
    cons = np.zeros((m, nonrenewable), dtype=np.int64)
    budget = np.zeros(nonrenewable, dtype=np.int64)
    for r in range(nonrenewable):
        for j in real:
            ms = range(ptr[j], ptr[j + 1])
            values = np.sort(rng["nonrenewable"].integers(1, rmax + 1, size=len(ms)))[::-1]
            cons[list(ms), r] = values  # the longer the mode, the cheaper
        low = sum(int(cons[ptr[j] : ptr[j + 1], r].min()) for j in range(total))
        high = sum(int(cons[ptr[j] : ptr[j + 1], r].max()) for j in range(total))
        budget[r] = (low + high) // 2
    frm, to = base.edge_from.tolist(), base.edge_to.tolist()
    lag = [0] * len(frm)
    fs = [True] * len(frm)
    es = base.earliest_starts()
    room = max(0, round(slack * dmax))
    reach = base.transitive_successors()
    pairs = [(i, j) for i in real for j in real if reach[i, j]]
    for _ in range(max_lags):
        if not pairs:
            break
        i, j = pairs[int(rng["max_lags"].integers(0, len(pairs)))]
        gap = int(es[j] - es[i]) + int(rng["max_lags"].integers(0, room + 1))
        frm.append(j)  # S_j <= S_i + gap
        to.append(i)
        lag.append(-gap)
        fs.append(False)
    horizon = int((es + base.duration).max())
    off = []
    for _ in range(periods):
        r = int(rng["periods"].integers(0, resources))
        start = int(rng["periods"].integers(0, max(1, horizon)))
        length = int(rng["periods"].integers(1, dmax + 1))
        off.append((r, start, start + length, int(rng["periods"].integers(1, base.capacity[r] + 1))))
    # one period per resource and time at most the capacity: overlapping ones are trimmed
    off = _fit_periods(off, base.capacity)
    release = np.zeros(total, dtype=np.int64)
    for _ in range(releases):
        j = int(rng["releases"].integers(1, total - 1)) if total > 2 else 0
        release[j] = max(release[j], int(rng["releases"].integers(0, int(es[j]) + dmax + 1)))
    deadline = np.full(total, NO_DEADLINE, dtype=np.int64)
    for _ in range(deadlines):
        j = int(rng["deadlines"].integers(1, total - 1)) if total > 2 else 0
        value = int(es[j] + base.duration[j]) + int(rng["deadlines"].integers(0, room + 1))
        deadline[j] = value if deadline[j] == NO_DEADLINE else min(deadline[j], value)
    name = f"project_n{n}_m{modes}_s{seed}"
    cols = list(zip(*off, strict=True)) if off else [[], [], [], []]
    return Project(
        np.array(ptr),
        np.array(dur, dtype=np.int64),
        np.array(dem, dtype=np.int64).reshape(m, resources),
        cons,
        base.capacity.copy(),
        budget,
        np.array(frm, dtype=np.int64),
        np.array(to, dtype=np.int64),
        np.array(lag, dtype=np.int64),
        np.array(fs, dtype=bool),
        release,
        deadline,
        *(np.array(c, dtype=np.int64) for c in cols),
        name=name,
        number_from=1,
    )


def _fit_periods(
    periods: list[tuple[int, int, int, int]], capacity: np.ndarray
) -> list[tuple[int, int, int, int]]:
    """The periods in order, each amount cut so that no resource loses more than its capacity
    at any time (a period cut to nothing is dropped)."""
    kept: list[tuple[int, int, int, int]] = []
    for r, s, e, a in periods:
        overlap = max(
            (sum(q[3] for q in kept if q[0] == r and q[1] <= t < q[2]) for t in range(s, e)), default=0
        )
        a = min(a, int(capacity[r]) - overlap)
        if a > 0:
            kept.append((r, s, e, a))
    return kept
