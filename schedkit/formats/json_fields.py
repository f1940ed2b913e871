"""Typed access to the fields of a parsed JSON instance, each failure a one-line
:class:`ParseError` naming the file and the entry (``where``). The JSON readers of the
problem classes subclass :class:`JsonFields` and add their own field kinds."""

from __future__ import annotations

import json
from typing import Any

from schedkit.errors import ParseError
from schedkit.formats.text import MAX_INT


def load_json(text: str, source: str) -> Any:
    """``json.loads`` with its failures as one-line :class:`ParseError` (line and column)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON: {exc.msg} (column {exc.colno})", source, exc.lineno) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", source) from None


class JsonFields:
    """Checks on the values of one JSON file (``source`` names it in every error)."""

    #: largest magnitude an integer field may have
    max_int: int = MAX_INT

    def __init__(self, source: str):
        self.source = source

    def error(self, message: str) -> ParseError:
        return ParseError(message, self.source)

    def obj(self, value: Any, where: str, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        """``value`` as a JSON object; with ``allowed``, any other key is an error."""
        if not isinstance(value, dict):
            raise self.error(f"{where} must be a JSON object, got {value!r:.60}")
        if allowed is not None:
            self.keys(value, where, allowed)
        return value

    def keys(self, rec: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        """Any key of ``rec`` outside ``allowed`` is an error."""
        extra = [k for k in rec if k not in allowed]
        if extra:
            raise self.error(f"{where}: unknown key {extra[0]!r} (known: {', '.join(allowed)})")

    def array(self, value: Any, where: str, length: int | None = None) -> list[Any]:
        """``value`` as a list, of exactly ``length`` entries when given."""
        if not isinstance(value, list):
            raise self.error(f"{where} must be a list, got {value!r:.60}")
        if length is not None and len(value) != length:
            raise self.error(f"{where} has {len(value)} entries, expected {length}")
        return value

    def integer(self, value: Any, where: str, minimum: int | None = None) -> int:
        """``value`` as an integer (a float with no fraction is accepted), at least ``minimum``."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{where} must be an integer, got {value!r:.60}")
        if minimum is not None and value < minimum:
            raise self.error(f"{where} must be >= {minimum}, got {value}")
        if abs(value) > self.max_int:
            raise self.error(f"{where}: {value} is too large (limit {self.max_int})")
        return value

    def string(self, value: Any, where: str) -> str:
        """``value`` as a non-empty string."""
        if not isinstance(value, str) or not value:
            raise self.error(f"{where} must be a non-empty string, got {value!r:.60}")
        return value
