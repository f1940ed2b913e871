"""Random VM-to-PM mappings shaped like the VMR2L data (``schedkit generate vmr``).

PMs have 88 cores in two 44-core NUMA nodes and 184 388 MB per node (the real instance's
figures). VM types and their shares are those of the real Medium mapping
``reset_vm_pm0.json`` (2089 VMs): 2, 4, 8, 16, 32-core single-NUMA VMs and 4 to 88-core
double-NUMA VMs (split in halves), 2048 MB per core. VMs are drawn from that mix until the
target CPU utilisation is reached (real instance: 94.3 %), or, when ``vms`` is given, from
the mix tilted towards larger or smaller types (weights ``share * cores**theta``) so that
``vms`` VMs fill the target. VMs are placed largest first, each on a NUMA node (PM for
double-NUMA VMs) where it fits: with probability ``tight`` the tightest such node, otherwise
a uniformly random one (default 0: random placement, which leaves free CPU scattered as in
the data). A VM that fits nowhere is replaced by a type of the mix that still fits, so the
VM count is kept (the utilisation can then fall short of the target when the tilted mix has
too few small VMs to fill the gaps big ones leave). ``churn`` > 0 then removes that share of
the VMs at random and places as many new ones in random order (departures and arrivals
scatter the free CPU further). Everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np

from schedkit.errors import InvalidParameterError
from schedkit.problems.vmr import BOTH, DEFAULT_MNL, VMRescheduling

NODE_CPU = 44
NODE_MEM = 184388
MEM_PER_CORE = 2048
#: (type name, total cores, NUMA nodes, count in reset_vm_pm0.json)
REAL_MIX: tuple[tuple[str, int, int, int], ...] = (
    ("ecs.c1.large", 2, 1, 276),
    ("ecs.c1.xlarge", 4, 1, 776),
    ("ecs.c1.2xlarge", 8, 1, 271),
    ("ecs.c1.4xlarge", 16, 1, 161),
    ("ecs.c1.8xlarge", 32, 1, 54),
    ("ecs.c1.xlarge", 4, 2, 3),
    ("ecs.c1.2xlarge", 8, 2, 49),
    ("ecs.c1.4xlarge", 16, 2, 40),
    ("ecs.c1.8xlarge", 32, 2, 46),
    ("ecs.c1.16xlarge", 64, 2, 104),
    ("ecs.c1.22xlarge", 88, 2, 2),
)
REAL_UTILISATION = 0.943


def _tilted(weights: np.ndarray, cores: np.ndarray, mean: float) -> np.ndarray:
    """Mix weights ``w * cores**theta`` whose mean size is ``mean`` (bisection on theta)."""
    lo, hi = -8.0, 8.0
    logc = np.log(cores)
    for _ in range(80):
        mid = (lo + hi) / 2
        w = weights * np.exp(mid * logc)
        w /= w.sum()
        if float((w * cores).sum()) < mean:
            lo = mid
        else:
            hi = mid
    w = weights * np.exp(lo * logc)
    return w / w.sum()


def generate(
    pms: int = 279,
    vms: int | None = None,
    utilisation: float = REAL_UTILISATION,
    mnl: int = DEFAULT_MNL,
    seed: int = 0,
    anti_affinity: int = 0,
    group_size: int = 3,
    tight: float = 0.0,
    largest_first: bool = True,
    churn: float = 0.0,
) -> VMRescheduling:
    """A random mapping on ``pms`` PMs (see the module docstring).

    ``anti_affinity`` groups of ``group_size`` VMs each (on distinct PMs) are added when asked.
    """
    for name, value, low in (
        ("pms", pms, 1),
        ("mnl", mnl, 0),
        ("seed", seed, 0),
        ("anti_affinity", anti_affinity, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    if vms is not None and (isinstance(vms, bool) or not isinstance(vms, int) or vms < 0):
        raise InvalidParameterError(f"vms must be an integer >= 0, got {vms!r}")
    if isinstance(utilisation, bool) or not isinstance(utilisation, int | float) or not 0 < utilisation <= 1:
        raise InvalidParameterError(f"utilisation must be in (0, 1], got {utilisation!r}")
    for name, value in (("churn", churn), ("tight", tight)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise InvalidParameterError(f"{name} must be in [0, 1], got {value!r}")
    if not isinstance(largest_first, bool):
        raise InvalidParameterError(f"largest_first must be true or false, got {largest_first!r}")
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 2:
        raise InvalidParameterError(f"group_size must be an integer >= 2, got {group_size!r}")
    rng = np.random.default_rng(seed)
    cores = np.array([t[1] for t in REAL_MIX], dtype=np.float64)
    weights = np.array([t[3] for t in REAL_MIX], dtype=np.float64)
    weights /= weights.sum()
    target = utilisation * pms * 2 * NODE_CPU
    if vms is None:
        w = weights
        mean = float((weights * cores).sum())
        draws = rng.choice(len(REAL_MIX), size=int(target / mean * 1.5) + 16, p=weights)
        cum = np.cumsum(cores[draws])
        types = draws[: int(np.searchsorted(cum, target)) + 1]
    else:
        w = _tilted(weights, cores, target / max(vms, 1)) if vms else weights
        types = rng.choice(len(REAL_MIX), size=vms, p=w)
    order = np.argsort(-cores[types], kind="stable") if largest_first else rng.permutation(len(types))
    free = np.full((pms, 2), NODE_CPU, np.int64)
    placed = _place(rng, types[order], free, w, tight)
    if churn > 0 and placed:
        # departures at random, then as many arrivals in random order: scattered free CPU
        gone = set(rng.choice(len(placed), size=int(churn * len(placed)), replace=False).tolist())
        for i in gone:
            t, q, j = placed[i]
            if j == BOTH:
                free[q] += _HALF[t]
            else:
                free[q, j] += _HALF[t]
        kept = [x for i, x in enumerate(placed) if i not in gone]
        placed = kept + _place(rng, rng.choice(len(REAL_MIX), size=len(gone), p=w), free, w, tight)
    if vms is not None and len(placed) < vms:
        raise InvalidParameterError(
            f"{vms} VMs do not fit on {pms} PMs of {2 * NODE_CPU} cores (placed {len(placed)}): "
            "give more PMs or fewer VMs"
        )
    vm_type = [x[0] for x in placed]
    vm_pm = [x[1] for x in placed]
    vm_numa = [x[2] for x in placed]
    perm = rng.permutation(len(vm_pm))
    vm_pm_a = np.array(vm_pm, np.int64)[perm]
    vm_numa_a = np.array(vm_numa, np.int64)[perm]
    vm_type_a = np.array(vm_type, np.int64)[perm]
    per_node = (
        np.array([t[1] // t[2] for t in REAL_MIX], np.int64)[vm_type_a] if len(perm) else np.zeros(0, int)
    )
    groups = _groups(rng, vm_pm_a, anti_affinity, group_size)
    names = tuple(f"vm-{i:05d}" for i in range(len(perm)))
    type_names = tuple(REAL_MIX[t][0] for t in vm_type_a)
    return VMRescheduling(
        pm_cpu=np.full((pms, 2), NODE_CPU),
        pm_mem=np.full((pms, 2), NODE_MEM),
        vm_cpu=per_node,
        vm_mem=per_node * MEM_PER_CORE,
        vm_pm=vm_pm_a,
        vm_numa=vm_numa_a,
        mnl=mnl,
        anti_affinity=groups,
        pm_names=tuple(f"pm-{i:04d}" for i in range(pms)),
        vm_names=names,
        vm_types=type_names,
        name=f"vmr_{pms}pm_{len(perm)}vm_s{seed}",
        meta=_meta(seed),
    )


_HALF = np.array([t[1] // t[2] for t in REAL_MIX], np.int64)  # cores per used NUMA node
_DOUBLE = np.array([t[2] == 2 for t in REAL_MIX])


def _place(
    rng: np.random.Generator, types: np.ndarray, free: np.ndarray, w: np.ndarray, tight: float
) -> list[tuple[int, int, int]]:
    """Place VMs of ``types`` in order (updating ``free``); (type, PM, NUMA code) per VM."""
    out = []
    for t in types:
        t = int(t)
        if not _fits_somewhere(free, _HALF[t], _DOUBLE[t]):
            # replace by a type that still fits, drawn from the mix (keeps the VM count)
            ok = [u for u in range(len(REAL_MIX)) if _fits_somewhere(free, _HALF[u], _DOUBLE[u])]
            if not ok:
                continue
            t = int(rng.choice(ok, p=w[ok] / w[ok].sum()))
        half = _HALF[t]
        if _DOUBLE[t]:
            ok = np.flatnonzero((free >= half).all(axis=1))
            q = int(ok[_pick(rng, free[ok].min(axis=1) - half, tight)])
            free[q] -= half
            out.append((t, q, BOTH))
        else:
            ok = np.flatnonzero((free >= half).ravel())
            q, j = divmod(int(ok[_pick(rng, free.ravel()[ok] - half, tight)]), 2)
            free[q, j] -= half
            out.append((t, q, j))
    return out


def _fits_somewhere(free: np.ndarray, per_node: int, double: bool) -> bool:
    return bool((free >= per_node).all(axis=1).any() if double else (free >= per_node).any())


def _pick(rng: np.random.Generator, left: np.ndarray, tight: float) -> int:
    """Index of the chosen candidate: with probability ``tight`` the tightest fit (ties at
    random), else uniformly random (a mix of best-fit and random scheduling decisions)."""
    if rng.random() < tight:
        best = np.flatnonzero(left == left.min())
        return int(rng.choice(best))
    return int(rng.integers(len(left)))


def _groups(rng: np.random.Generator, vm_pm: np.ndarray, count: int, size: int) -> tuple[np.ndarray, ...]:
    """``count`` groups of ``size`` VMs on pairwise distinct PMs."""
    out = []
    for _ in range(count):
        order = rng.permutation(len(vm_pm))
        _, first = np.unique(vm_pm[order], return_index=True)
        pick = order[np.sort(first)]
        if len(pick) < size:
            break
        out.append(np.sort(rng.choice(pick, size=size, replace=False)))
    return tuple(out)


def _meta(seed: int) -> dict:
    seen: dict[str, dict] = {}
    for name, total, numas, _ in REAL_MIX:
        seen.setdefault(
            name,
            {
                "vm_type": name,
                "request_cpu": total,
                "request_mem_mb": total * MEM_PER_CORE,
                "numa": numas,
                "expected_newly_created_num": 0,
                "weight": 1.0 if (total == 16 and numas == 1) else 0.0,
            },
        )
    return {
        "top": {"vm_type_list": list(seen.values()), "general_requirement": {}},
        "clusters": [{"cluster_name": f"generated-s{seed}", "other_requirement": {"deployment_set": []}}],
    }
