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

from typing import Any

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.generators.rcpsp import generate as generate_rcpsp
from schedkit.problems.project import NO_DEADLINE, Project

_NETWORK_DEFAULTS = {"n": 10, "resources": 2, "modes": 1, "nonrenewable": 0}
_NETWORK_DEFAULTS |= {"nc": 1.5, "rf": 0.5, "rs": 0.5, "dmax": 10, "rmax": 10}
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
    base: Any = None,
) -> Project:
    """A random project with ``n`` non-dummy activities plus a dummy source and sink, or,
    given a ``base`` project (or RCPSP), that project with the constraints added.

    ``modes`` per non-dummy activity (mode 1 is the base RCPSP's; later ones last longer and
    demand less); ``nonrenewable`` resources with a budget halfway between the cheapest and
    the dearest choice of modes; ``max_lags`` maximum time lags between an activity and one of
    its (transitive) successors, ``periods`` unavailability periods, ``releases`` release
    dates and ``deadlines`` deadlines, each on a random activity. ``slack`` in [0, 2]: room
    a maximum lag or deadline leaves beyond the resource-free earliest schedule, as a share
    of ``dmax``. ``nc``, ``rf``, ``rs``, ``dmax``, ``rmax``: as for the RCPSP generator.
    With ``base`` (:func:`constrain`), the network, modes and resources are its own, ``dmax``
    scales the room (default: its longest duration) and the other network parameters must
    keep their defaults.
    """
    counts = {"max_lags": max_lags, "periods": periods, "releases": releases, "deadlines": deadlines}
    if base is not None:
        given = {"n": n, "resources": resources, "modes": modes, "nonrenewable": nonrenewable}
        given |= {"nc": nc, "rf": rf, "rs": rs, "rmax": rmax}
        for key, value in given.items():
            if value != _NETWORK_DEFAULTS[key]:
                raise InvalidParameterError(f"{key} cannot be given with base (the base project fixes it)")
        scale = None if dmax == _NETWORK_DEFAULTS["dmax"] else dmax
        return constrain(base, **counts, slack=slack, scale=scale, seed=seed)
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
    project = Project(
        np.array(ptr),
        np.array(dur, dtype=np.int64),
        np.array(dem, dtype=np.int64).reshape(m, resources),
        cons,
        base.capacity.copy(),
        budget,
        base.edge_from.copy(),
        base.edge_to.copy(),
        np.zeros(len(base.edge_from), dtype=np.int64),
        np.ones(len(base.edge_from), dtype=bool),
        np.zeros(total, dtype=np.int64),
        np.full(total, NO_DEADLINE, dtype=np.int64),
        *(np.zeros(0, dtype=np.int64) for _ in range(4)),
        name=f"project_n{n}_m{modes}_s{seed}",
        number_from=1,
    )
    return constrain(project, **counts, slack=slack, scale=dmax, seed=seed)


def constrain(
    base: Any,
    *,
    max_lags: int = 0,
    periods: int = 0,
    releases: int = 0,
    deadlines: int = 0,
    slack: float = 0.5,
    scale: int | None = None,
    seed: int = 0,
    name: str | None = None,
) -> Project:
    """``base`` (a :class:`Project`, or an RCPSP taken as one) with ``max_lags`` random maximum
    time lags, ``periods`` unavailability periods, ``releases`` release dates and ``deadlines``
    deadlines added to its own constraints.

    The additions fall on the activities other than the first and the last (the dummy source
    and sink of the PSPLIB formats) and are set around the earliest-start schedule with the
    shortest durations, resources ignored: a maximum lag from an activity to one of its
    (transitive) successors leaves up to ``slack x scale`` beyond their distance there, a
    deadline as much beyond the earliest finish, a release date falls in [0, earliest start +
    ``scale``]. ``scale`` defaults to the longest duration of ``base``. Each kind of addition
    has its own random stream of ``seed`` and draws its items in a fixed order, so raising one
    count adds constraints and keeps those of the smaller count: the results are nested.
    """
    for label, value in (
        ("max_lags", max_lags),
        ("periods", periods),
        ("releases", releases),
        ("deadlines", deadlines),
    ):
        _param(label, value, 0, 100_000)
    _param("slack", slack, 0, 2, integer=False)
    _param("seed", seed, 0, 2**63 - 1)
    base = as_project(base)
    if scale is None:
        scale = max(1, int(base.duration.max(initial=1)))
    _param("scale", scale, 1, 10**9)
    es = base.earliest_starts()
    if es is None:
        raise InvalidParameterError(
            f"{base.name}: its time lags hold a cycle of positive length (no schedule exists), "
            "so there is no earliest schedule to set constraints around"
        )
    rng = {k: np.random.default_rng([seed, _STREAMS.index(k)]) for k in _STREAMS[2:]}
    total = base.num_activities
    real = range(1, total - 1)
    dmin = base.min_durations()
    frm, to = base.arc_from.tolist(), base.arc_to.tolist()
    lag, fs = base.arc_lag.tolist(), base.arc_fs.tolist()
    room = max(0, round(slack * scale))
    reach = _reach(base)
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
    horizon = int((es + dmin).max(initial=0))
    resources = base.num_resources
    cols = (base.off_resource, base.off_start, base.off_end, base.off_amount)
    old = list(zip(*(c.tolist() for c in cols), strict=True))
    new = []
    for _ in range(periods if resources else 0):
        r = int(rng["periods"].integers(0, resources))
        start = int(rng["periods"].integers(0, max(1, horizon)))
        length = int(rng["periods"].integers(1, scale + 1))
        amount = int(rng["periods"].integers(1, max(1, int(base.capacity[r])) + 1))
        new.append((r, start, start + length, amount))
    # at most the capacity off per resource and time: overlapping periods are trimmed
    off = _fit_periods(old + new, base.capacity)
    release = base.release.copy()
    for _ in range(releases):
        j = int(rng["releases"].integers(1, total - 1)) if total > 2 else 0
        release[j] = max(release[j], int(rng["releases"].integers(0, int(es[j]) + scale + 1)))
    deadline = base.deadline.copy()
    for _ in range(deadlines):
        j = int(rng["deadlines"].integers(1, total - 1)) if total > 2 else 0
        value = int(es[j] + dmin[j]) + int(rng["deadlines"].integers(0, room + 1))
        deadline[j] = value if deadline[j] == NO_DEADLINE else min(deadline[j], value)
    out = list(zip(*off, strict=True)) if off else [[], [], [], []]
    return Project(
        base.mode_ptr.copy(),
        base.duration.copy(),
        base.demand.copy(),
        base.consumption.copy(),
        base.capacity.copy(),
        base.budget.copy(),
        np.array(frm, dtype=np.int64),
        np.array(to, dtype=np.int64),
        np.array(lag, dtype=np.int64),
        np.array(fs, dtype=bool),
        release,
        deadline,
        *(np.array(c, dtype=np.int64) for c in out),
        name=base.name if name is None else name,
        number_from=base.number_from,
    )


def growth(
    base: Any,
    steps: int,
    *,
    max_lags: int = 0,
    periods: int = 0,
    releases: int = 0,
    deadlines: int = 0,
    slack: float = 0.5,
    scale: int | None = None,
    seed: int = 0,
) -> list[Project]:
    """The growing-constraints series of ``base``: ``steps + 1`` projects, step ``k`` being
    ``base`` with ``k x max_lags`` maximum lags, ``k x periods`` unavailability periods,
    ``k x releases`` release dates and ``k x deadlines`` deadlines (:func:`constrain`), so
    step ``k + 1`` holds every constraint of step ``k`` (a release date or deadline drawn
    again on the same activity only tightens it) and step 0 is ``base`` itself. Step ``k`` is
    also ``schedkit generate project --base FILE --max-lags <k x max_lags> ...``."""
    _param("steps", steps, 0, 10_000)
    if not any((max_lags, periods, releases, deadlines)):
        raise InvalidParameterError(
            "growth adds nothing: give at least one of max_lags, periods, releases, deadlines per step"
        )
    base = as_project(base)
    return [
        constrain(
            base,
            max_lags=k * max_lags,
            periods=k * periods,
            releases=k * releases,
            deadlines=k * deadlines,
            slack=slack,
            scale=scale,
            seed=seed,
            name=f"{base.name}_step{k}",
        )
        for k in range(steps + 1)
    ]


def as_project(problem: Any) -> Project:
    """``problem`` as a :class:`Project` (an RCPSP becomes one; anything else is refused)."""
    if isinstance(problem, Project):
        return problem
    if getattr(problem, "kind", None) == "rcpsp":
        return Project.from_rcpsp(problem)
    raise InvalidParameterError(
        f"base must be a project or an RCPSP, got {getattr(problem, 'kind', type(problem).__name__)}"
    )


def _reach(p: Project) -> np.ndarray:
    """``reach[i, j]``: ``j`` follows ``i`` through arcs that never let it start earlier
    (a finish-to-start arc or a lag >= 0), transitively."""
    n = p.num_activities
    forward = (p.arc_fs | (p.arc_lag >= 0)).tolist()
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b, ok in zip(p.arc_from.tolist(), p.arc_to.tolist(), forward, strict=True):
        if ok:
            succ[a].append(b)
    reach = np.zeros((n, n), dtype=bool)
    for i in range(n):
        stack = list(succ[i])
        while stack:
            j = stack.pop()
            if not reach[i, j]:
                reach[i, j] = True
                stack.extend(succ[j])
    return reach


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
