"""Random job-shop instances with Taillard's generator (Taillard 1993, EJOR 64:278-285).

Taillard draws every number from a Lehmer ("minimal standard") linear congruential generator
``x <- 16807 x mod (2^31 - 1)``, computed with Schrage's decomposition (b = 127773,
c = 2836) so that it never overflows 32 bits, and maps it onto ``low..high`` as
``low + floor(x / (2^31 - 1) * (high - low + 1))``.

For an ``n x m`` job shop the durations are drawn first, job by job and operation by
operation, from the *time seed*; then each job's machine order starts as ``1..m`` and, for
``j = 1..m``, position ``j`` is swapped with position ``unif(j, m)`` drawn from the
*machine seed* (one stream for all jobs). The published instances ta01-ta80 are this
procedure with the seed pairs in :data:`TAILLARD_SEEDS`.
"""

from __future__ import annotations

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.jobshop import JobShop
from schedkit.problems.shop_extras import ShopExtras

_A, _B, _C, _M = 16807, 127773, 2836, 2**31 - 1

#: Taillard's job-shop seeds, in the order of his paper: (jobs, machines, time seed, machine seed).
TAILLARD_SEEDS: dict[str, tuple[int, int, int, int]] = {}

_GROUPS: list[tuple[int, int, list[tuple[int, int]]]] = [
    (15, 15, [(840612802, 398197754), (1314640371, 386720536), (1227221349, 316176388),
              (342269428, 1806358582), (1603221416, 1501949241), (1357584978, 1734077082),
              (44531661, 1374316395), (302545136, 2092186050), (1153780144, 1393392374),
              (73896786, 1544979948)]),
    (20, 15, [(533484900, 317419073), (1894307698, 1474268163), (874340513, 509669280),
              (1124986343, 1209573668), (1463788335, 529048107), (1056908795, 25321885),
              (195672285, 1717580117), (961965583, 1353003786), (1610169733, 1734469503),
              (532794656, 998486810)]),
    (20, 20, [(1035939303, 773961798), (5997802, 1872541150), (1357503601, 722225039),
              (806159563, 1166962073), (1902815253, 1879990068), (1503184031, 1850351876),
              (1032645967, 99711329), (229894219, 1158117804), (823349822, 108033225),
              (1297900341, 489486403)]),
    (30, 15, [(98640593, 1981283465), (1839268120, 248890888), (573875290, 2081512253),
              (1670898570, 788294565), (1118914567, 1074349202), (178750207, 294279708),
              (1549372605, 596993084), (798174738, 151685779), (553410952, 1329272528),
              (1661531649, 1173386294)]),
    (30, 20, [(1841414609, 1357882888), (2116959593, 1546338557), (796392706, 1230864158),
              (532496463, 254174057), (2020525633, 978943053), (524444252, 185526083),
              (1569394691, 487269855), (1460267840, 1631446539), (198324822, 1937476577),
              (38071822, 1541985579)]),
    (50, 15, [(17271, 718939), (660481279, 449650254), (352229765, 949737911),
              (1197518780, 166840558), (1376020303, 483922052), (2106639239, 955932362),
              (1765352082, 1209982549), (1105092880, 1349003108), (907248070, 919544535),
              (2011630757, 1845447001)]),
    (50, 20, [(8493988, 2738939), (1991925010, 709517751), (342093237, 786960785),
              (1634043183, 973178279), (341706507, 286513148), (320167954, 1411193018),
              (1089696753, 298068750), (433032965, 1589656152), (615974477, 331205412),
              (236150141, 592292984)]),
    (100, 20, [(302034063, 1203569070), (1437643198, 1692025209), (1792475497, 1039908559),
               (1647273132, 1012841433), (696480901, 1689682358), (1785569423, 1092647459),
               (117806902, 739059626), (1639154709, 1319962509), (2007423389, 749368241),
               (682761130, 262763021)]),
]  # fmt: skip
for _g, (_n, _m, _pairs) in enumerate(_GROUPS):
    for _i, (_ts, _ms) in enumerate(_pairs):
        TAILLARD_SEEDS[f"ta{10 * _g + _i + 1:02d}"] = (_n, _m, _ts, _ms)


class TaillardStream:
    """Taillard's random stream: ``unif(low, high)`` advances the seed and maps it to an int."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def unif(self, low: int, high: int) -> int:
        """Next integer, uniform in ``low..high`` (Taillard's ``unif``)."""
        k = self.seed // _B
        s = _A * (self.seed % _B) - k * _C
        if s < 0:
            s += _M
        self.seed = s
        return low + int(s / _M * (high - low + 1))


def _check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f">= {lo}" if hi is None else f"in {lo}..{hi}"
        raise InvalidParameterError(f"{name} must be {rng}, got {v}")
    return v


def generate(
    n: int | None = None,
    m: int | None = None,
    seed: int | None = None,
    machine_seed: int | None = None,
    low: int = 1,
    high: int = 99,
    taillard: str | None = None,
    name: str | None = None,
    due_tightness: float | None = None,
    weights: bool | str = False,
    setups: bool = False,
    setup_max: int = 20,
    triangle: bool = True,
    releases: bool = False,
    base: JobShop | None = None,
) -> JobShop:
    """A job shop drawn with Taillard's generator (or ``base`` with extras added).

    Parameters
    ----------
    n, m
        Jobs and machines (every job visits every machine once); 15 x 15 by default.
    seed
        Time seed, ``1 .. 2^31 - 2``; 1 by default.
    machine_seed
        Machine seed; ``seed + 1`` (wrapped into range) when omitted.
    low, high
        Duration range, inclusive (Taillard: 1..99).
    taillard
        ``"ta01" .. "ta80"``: Taillard's published instance (overrides n, m and the seeds).
    name
        Instance name; by default ``taNN`` or ``tai_<n>x<m>_<seed>_<machine_seed>``.
    due_tightness, weights, setups, setup_max, triangle, releases
        The extras (see :func:`add_extras`); without them the instance is Taillard's alone.
    base
        An instance (``schedkit generate jssp --base la16.txt``) to add the extras to, drawn
        from ``seed`` (default 1); n, m, machine_seed, low, high and taillard do not apply.
    """
    if base is not None:
        if not isinstance(base, JobShop):
            raise InvalidParameterError(f"base must be a job-shop instance, got {type(base).__name__}")
        own = (("n", n), ("m", m), ("machine_seed", machine_seed), ("taillard", taillard))
        given = [k for k, v in own if v is not None]
        if given:
            raise InvalidParameterError(f"base sets the jobs and machines itself; drop {', '.join(given)}")
        if base.extras is not None:
            raise InvalidParameterError(f"base {base.name} already has extras")
        seed = _check_int("seed", 1 if seed is None else seed, 0)
        named = JobShop(base.machine, base.duration, base.job_start, base.num_machines, name or base.name)
        return add_extras(named, seed, due_tightness, weights, setups, setup_max, triangle, releases)
    if taillard is not None:
        own = (("n", n), ("m", m), ("seed", seed), ("machine_seed", machine_seed))
        given = [k for k, v in own if v is not None]
        if given:
            raise InvalidParameterError(f"taillard sets n, m and the seeds itself; drop {', '.join(given)}")
        key = str(taillard).strip().lower()
        if key.startswith("ta") and key[2:].isdigit():
            key = f"ta{int(key[2:]):02d}"
        if key not in TAILLARD_SEEDS:
            raise InvalidParameterError(f"taillard must be one of ta01..ta80, got {taillard!r}")
        n, m, seed, machine_seed = TAILLARD_SEEDS[key]
        name = name or key
    n = 15 if n is None else n
    m = 15 if m is None else m
    seed = 1 if seed is None else seed
    n = _check_int("n (jobs)", n, 1)
    m = _check_int("m (machines)", m, 1)
    seed = _check_int("seed", seed, 1, _M - 1)
    if machine_seed is None:
        machine_seed = seed % (_M - 1) + 1
    machine_seed = _check_int("machine_seed", machine_seed, 1, _M - 1)
    low = _check_int("low", low, 0)
    high = _check_int("high", high, 0)
    if low > high:
        raise InvalidParameterError(f"low must be <= high, got low={low} high={high}")
    if n * m > 10_000_000:
        raise InvalidParameterError(f"n * m = {n * m} operations is too large (at most 10,000,000)")

    times = TaillardStream(seed)
    durations = [[times.unif(low, high) for _ in range(m)] for _ in range(n)]
    stream = TaillardStream(machine_seed)
    machines = []
    for _ in range(n):
        order = list(range(m))
        for j in range(m):
            k = stream.unif(j, m - 1)
            order[j], order[k] = order[k], order[j]
        machines.append(order)
    label = name or f"tai_{n}x{m}_{seed}_{machine_seed}"
    problem = JobShop(
        np.array(machines, dtype=np.int64).ravel(),
        np.array(durations, dtype=np.int64).ravel(),
        np.arange(n + 1, dtype=np.int64) * m,
        m,
        label,
    )
    if due_tightness is None and not (weights or setups or releases):
        return problem
    return add_extras(problem, seed, due_tightness, weights, setups, setup_max, triangle, releases)


def add_extras(
    problem: JobShop,
    seed: int,
    due_tightness: float | None = None,
    weights: bool | str = False,
    setups: bool = False,
    setup_max: int = 20,
    triangle: bool = True,
    releases: bool = False,
) -> JobShop:
    """``problem`` with extras drawn from a numpy stream seeded by ``seed`` (Taillard's numbers
    stay as they are):

    * ``releases``: job ``j`` released at a uniform integer in ``0 .. total work / (2 m)``;
    * ``due_tightness`` f: ``d_j = r_j + floor(f x work of job j)`` (the usual tightness
      factor of the weighted-tardiness job-shop literature: 1.3, 1.5, 1.6);
    * ``weights``: 20 % of the jobs weigh 4, 60 % weigh 2, 20 % weigh 1: with ``True`` (or
      ``"seeded"``) the jobs are drawn from the stream; with ``"literature"`` they go by job
      index (:func:`literature_weights`), as the published benchmarks do;
    * ``setups``: per machine, with ``triangle`` the Manhattan distances between random integer
      points (one per job, one for the initial state) in ``[0, setup_max / 2]^2``, which obey the
      triangle inequality; without, uniform integers in ``0 .. setup_max`` (0 on the diagonal).
    """
    extras = draw_extras(
        np.random.default_rng(seed),
        problem.num_machines,
        problem.job_lengths(),
        due_tightness,
        weights,
        setups,
        setup_max,
        triangle,
        releases,
    )
    m = problem.num_machines
    return JobShop(problem.machine, problem.duration, problem.job_start, m, problem.name, extras)


def draw_extras(
    rng: np.random.Generator,
    m: int,
    work: np.ndarray,
    due_tightness: float | None = None,
    weights: bool | str = False,
    setups: bool = False,
    setup_max: int = 20,
    triangle: bool = True,
    releases: bool = False,
) -> ShopExtras:
    """The extras of :func:`add_extras` for a shop of ``m`` machines and ``len(work)`` jobs of
    total work ``work`` (per job), drawn from ``rng``; shared by the job-shop and FJSP generators."""
    if due_tightness is not None:
        ok = isinstance(due_tightness, int | float) and not isinstance(due_tightness, bool)
        if not ok or not 0 < due_tightness <= 1000:
            raise InvalidParameterError(f"due_tightness must be a number in (0, 1000], got {due_tightness!r}")
    literature = isinstance(weights, str) and weights == "literature"
    if isinstance(weights, str) and weights in ("literature", "seeded"):
        weights = True
    flags = {"weights": weights, "setups": setups, "triangle": triangle, "releases": releases}
    for flag, value in flags.items():
        if not isinstance(value, bool | np.bool_):
            hint = " (weights: or 'literature' or 'seeded')" if flag == "weights" else ""
            raise InvalidParameterError(f"{flag} must be true or false{hint}, got {value!r}")
    setup_max = _check_int("setup_max", setup_max, 0)
    n = len(work)
    release = rng.integers(0, int(work.sum()) // (2 * m) + 1, size=n) if releases else None
    base = np.zeros(n, dtype=np.int64) if release is None else release
    due = None if due_tightness is None else base + np.floor(due_tightness * work).astype(np.int64)
    weight = None
    if literature:
        weight = literature_weights(n)
    elif weights:
        weight = np.ones(n, dtype=np.int64)
        order = rng.permutation(n)
        k4, k2 = round(0.2 * n), round(0.6 * n)
        weight[order[:k4]] = 4
        weight[order[k4 : k4 + k2]] = 2
    setup = None
    if setups:
        setup = np.zeros((m, n + 1, n), dtype=np.int64)
        for k in range(m):
            if triangle:
                pts = rng.integers(0, setup_max // 2 + 1, size=(n + 1, 2))
                dist = np.abs(pts[:, None, :] - pts[None, :, :]).sum(axis=2)
                setup[k] = dist[:, :n]
            else:
                s = rng.integers(0, setup_max + 1, size=(n + 1, n))
                s[np.arange(n), np.arange(n)] = 0
                setup[k] = s
    return ShopExtras(release=release, due=due, weight=weight, setup=setup)


def literature_weights(n: int) -> np.ndarray:
    """Weights 4 for the first 20 % of the ``n`` jobs, 2 for the next 60 %, 1 for the last 20 %,
    by job index (Singer and Pinedo 1998, and the weighted-tardiness job-shop papers after it)."""
    n = _check_int("n (jobs)", n, 0)
    k4, k2 = round(0.2 * n), round(0.6 * n)
    weight = np.ones(n, dtype=np.int64)
    weight[:k4] = 4
    weight[k4 : k4 + k2] = 2
    return weight


def weighted_tardiness_instance(base: JobShop, tightness: float, name: str | None = None) -> JobShop:
    """``base`` as in the weighted-tardiness job-shop literature: releases 0, due dates
    ``d_j = floor(tightness x work of job j)``, :func:`literature_weights` (nothing is drawn)."""
    return generate(base=base, due_tightness=tightness, weights="literature", name=name)
