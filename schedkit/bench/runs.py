"""A campaign: instances x methods x seeds under one time limit, and the key of each run.

A run is identified by its instance (path and file content), method, seed, time limit,
workers and method options. Its key, a hash of these, is unique in the results store:
running a campaign again skips every run whose key is already stored.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from schedkit import registry
from schedkit.bench.discover import Instance, Reference
from schedkit.errors import InvalidParameterError


@dataclass(frozen=True)
class RunSpec:
    """Everything needed to perform one run, and nothing that depends on its outcome."""

    instance: Instance
    method: str
    seed: int
    time_limit: float
    workers: int = 1
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> dict[str, Any]:
        """The fields that make two runs the same run."""
        return {
            "instance": self.instance.path,
            "digest": self.instance.digest,
            "method": self.method,
            "seed": self.seed,
            "time_limit": float(self.time_limit),
            "workers": self.workers,
            "options": self.options,
        }

    @property
    def key(self) -> str:
        text = json.dumps(self.identity, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def label(self) -> str:
        return f"{self.instance.name} {self.method} seed {self.seed}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for another process or a Dask worker)."""
        data = asdict(self)
        data["key"] = self.key
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RunSpec:
        inst = dict(data["instance"])
        ref = inst.pop("reference", None)
        instance = Instance(**inst, reference=Reference(**ref) if ref else None)
        return RunSpec(
            instance, data["method"], data["seed"], data["time_limit"], data["workers"], dict(data["options"])
        )


def parse_methods(text: str | list[str]) -> list[str]:
    """``"cpsat,rule:mwkr"`` (or a list of such strings) -> ``["cpsat", "rule:mwkr"]``, in order.

    Names are matched ignoring case and come back as registered (``CPSAT`` -> ``cpsat``), so
    ``CPSAT,cpsat`` is one method; names no class registers are kept for build_campaign to refuse.
    """
    items = [text] if isinstance(text, str) else list(text)
    registered: dict[str, set[str]] = {}
    for kind in registry.kinds().values():
        for m in kind.methods:
            registered.setdefault(m.casefold(), set()).add(m)
    out: list[str] = []
    for item in items:
        for name in item.split(","):
            name = name.strip()
            spellings = registered.get(name.casefold(), set())
            if name not in spellings and len(spellings) == 1:
                name = next(iter(spellings))
            if name and name not in out:
                out.append(name)
    if not out:
        raise InvalidParameterError("no methods given (e.g. --methods cpsat,rule:mwkr)")
    return out


def parse_seeds(text: str | list[int]) -> list[int]:
    """``"0,1,2"`` or ``"0-4"`` (or a list of ints) -> sorted distinct seeds >= 0."""
    if not isinstance(text, str):
        seeds = list(text)
    else:
        seeds = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            a, dash, b = part.partition("-")
            try:
                lo, hi = (int(a), int(b)) if dash else (int(a), int(a))
            except ValueError:
                raise InvalidParameterError(f"seeds must look like 0,1,2 or 0-4, got {text!r}") from None
            if hi < lo:
                raise InvalidParameterError(f"empty seed range {part!r}")
            if hi - lo > 100_000:
                raise InvalidParameterError(f"seed range {part!r} is too long (at most 100000 seeds)")
            seeds.extend(range(lo, hi + 1))
    from schedkit.api import MAX_SEED

    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED:
            raise InvalidParameterError(f"seeds must be integers in [0, {MAX_SEED}], got {s!r}")
    if not seeds:
        raise InvalidParameterError("no seeds given")
    return sorted(set(seeds))


def split_options(options: dict[str, Any], methods: list[str], kinds: list[str]) -> dict[str, dict[str, Any]]:
    """Distribute options to methods.

    A key ``"name"`` goes to every method that declares option ``name`` for some class of
    the campaign; ``"method:name"`` (e.g. ``"rule:random:depth"``) to that method only.
    Raises InvalidParameterError for an option no method takes.
    """
    declared: dict[str, set[str]] = {m: set() for m in methods}
    for kind in kinds:
        for m in methods:
            info = registry.kind_info(kind).methods.get(m)
            if info is not None:
                declared[m].update(info.options)
    out: dict[str, dict[str, Any]] = {m: {} for m in methods}
    for key, value in options.items():
        method, sep, name = key.rpartition(":")
        if sep and method in out:
            if name not in declared[method]:
                known = ", ".join(sorted(declared[method])) or "none"
                raise InvalidParameterError(f"method {method} has no option {name!r} (options: {known})")
            out[method][name] = value
            continue
        takers = [m for m in methods if key in declared[m]]
        if not takers:
            raise InvalidParameterError(f"no method of the campaign takes option {key!r}")
        for m in takers:
            out[m][key] = value
    return out


def build_campaign(
    instances: list[Instance],
    methods: list[str],
    seeds: list[int],
    time_limit: float,
    *,
    workers: int = 1,
    options: dict[str, Any] | None = None,
) -> list[RunSpec]:
    """All runs of the campaign, instance-major. Checks every method exists for every class."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float):
        raise InvalidParameterError(f"time limit must be a number of seconds, got {time_limit!r}")
    if not math.isfinite(time_limit) or time_limit < 0:
        raise InvalidParameterError(f"time limit must be >= 0 seconds, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidParameterError(f"workers per run must be an integer >= 1, got {workers!r}")
    kinds = sorted({inst.kind for inst in instances})
    for kind in kinds:
        for m in methods:
            registry.method_info(kind, m)  # UnknownMethodError names the known ones
    per_method = split_options(options or {}, methods, kinds)
    return [
        RunSpec(inst, m, seed, float(time_limit), workers, per_method[m])
        for inst in instances
        for m in methods
        for seed in seeds
    ]
