"""What a method receives besides the problem: limits, seed, hint, stop signal."""

from __future__ import annotations

import math
import numbers
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from schedkit.errors import InvalidParameterError


@dataclass
class SolveContext:
    """Parameters of one solve call, handed to the method.

    ``time_limit`` is a wall-clock limit for the whole call counted from ``started`` (a
    ``time.perf_counter()`` value); ``None`` means no limit. ``stop`` is set when the user
    interrupts (Ctrl-C in the CLI): anytime methods poll it and return their incumbent.
    ``incumbent`` may be updated by anytime methods so that an interrupted call still has
    the best solution found so far.
    """

    method: str
    time_limit: float | None = None
    workers: int = 1
    seed: int = 0
    hint: Any | None = None
    options: dict[str, Any] = field(default_factory=dict)
    verbose: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.perf_counter)
    incumbent: Any | None = None
    #: the objective to minimise: None is the problem class's default
    objective: str | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self, reserve: float = 0.0) -> float | None:
        """Seconds left before the deadline, minus ``reserve``; ``None`` without a limit."""
        if self.time_limit is None:
            return None
        return max(0.0, self.time_limit - self.elapsed() - reserve)

    def expired(self) -> bool:
        """True once the deadline passed or a stop was requested."""
        if self.stop.is_set():
            return True
        return self.time_limit is not None and self.elapsed() >= self.time_limit

    def option(self, name: str, default: Any = None) -> Any:
        """The raw value of option ``name`` (``default`` when not given)."""
        return self.options.get(name, default)

    def int_option(self, name: str, default: int, minimum: int | None = None) -> int:
        """Option ``name`` as an integer ``>= minimum``; a one-line error otherwise."""
        value = self.options.get(name, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            at_least = "" if minimum is None else f" >= {minimum}"
            raise InvalidParameterError(f"option {name} must be an integer{at_least}, got {value!r}")
        return value

    def float_option(self, name: str, default: float, low: float, high: float) -> float:
        """Option ``name`` as a number in ``[low, high]``; a one-line error otherwise."""
        value = self.options.get(name, default)
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or not low <= value <= high:
            span = f"[{low:g}, {high:g}]"
            raise InvalidParameterError(f"option {name} must be a number in {span}, got {value!r}")
        return float(value)

    def bool_option(self, name: str, default: bool) -> bool:
        """Option ``name`` as a boolean (true/false, yes/no, 1/0 are accepted)."""
        value = self.options.get(name, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in _BOOLEANS:
            return _BOOLEANS[value.lower()]
        raise InvalidParameterError(f"option {name} must be true or false, got {value!r}")

    def choice_option(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """Option ``name`` as one of ``choices``; a one-line error otherwise."""
        value = self.options.get(name, default)
        if value not in choices:
            raise InvalidParameterError(f"option {name} must be one of {', '.join(choices)}, got {value!r}")
        return value


_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
