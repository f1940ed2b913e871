"""Helpers shared by the text readers: numbered lines, integers with precise errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from schedkit.errors import ParseError

#: integers above this are rejected: they overflow solver models and are never real data
MAX_INT = 10**12


@dataclass
class Line:
    number: int  # 1-based line number in the file
    tokens: list[str]


class Lines:
    """Non-empty lines of a text, comments (``#`` to end of line) removed, with a cursor."""

    def __init__(self, text: str, source: str, comment: str | None = "#"):
        self.source = source
        self.items: list[Line] = []
        raw_lines = text.splitlines()
        for i, raw in enumerate(raw_lines, start=1):
            if comment is not None and comment in raw:
                raw = raw[: raw.index(comment)]
            tokens = raw.split()
            if tokens:
                self.items.append(Line(i, tokens))
        self.last_line = len(raw_lines)
        self.pos = 0

    def __iter__(self) -> Iterator[Line]:
        return iter(self.items)

    def at_end(self) -> bool:
        return self.pos >= len(self.items)

    def peek(self) -> Line | None:
        return None if self.at_end() else self.items[self.pos]

    def next(self, what: str) -> Line:
        """The next line; a ParseError saying the file is truncated where ``what`` was due."""
        if self.at_end():
            raise ParseError(f"file ends early: expected {what}", self.source, self.last_line + 1)
        line = self.items[self.pos]
        self.pos += 1
        return line

    def error(self, line: Line | int, message: str) -> ParseError:
        number = line.number if isinstance(line, Line) else line
        return ParseError(message, self.source, number)

    def ints(self, line: Line, what: str = "value") -> list[int]:
        return [to_int(t, self.source, line.number, what) for t in line.tokens]

    def header(self, names: str) -> tuple[Line, list[int]]:
        """The next line as a header of integers named by ``names`` (e.g. ``"jobs machines"``):
        exactly one integer per name, else a ParseError naming the line."""
        line = self.next(f"the header '{names}'")
        values = self.ints(line, "header value")
        if len(values) != len(names.split()):
            raise self.error(line, f"header must be '{names}', got {len(values)} numbers")
        return line, values

    def expect_end(self, what: str) -> None:
        """Raise if anything but blank lines/comments follows ``what``."""
        if not self.at_end():
            line = self.items[self.pos]
            raise ParseError(
                f"unexpected data after {what}: {' '.join(line.tokens[:6])!r}", self.source, line.number
            )


def to_int(token: str, source: str, line: int, what: str = "value") -> int:
    """Parse an integer token (``"7"``, ``"7.0"``); ParseError naming file, line and token."""
    try:
        value = int(token)
    except ValueError:
        try:
            f = float(token)
        except ValueError:
            raise ParseError(f"{what} {token!r} is not an integer", source, line) from None
        if not f.is_integer():
            raise ParseError(f"{what} {token!r} is not an integer", source, line) from None
        value = int(f)
    if abs(value) > MAX_INT:
        raise ParseError(f"{what} {token} is too large (limit {MAX_INT})", source, line)
    return value


def to_number(token: str, source: str, line: int, what: str = "value") -> float:
    try:
        value = float(token)
    except ValueError:
        raise ParseError(f"{what} {token!r} is not a number", source, line) from None
    if value != value or abs(value) > MAX_INT:
        raise ParseError(f"{what} {token!r} is out of range", source, line)
    return value
