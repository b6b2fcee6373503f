"""Identity types every layer shares, from the migration files down to the database's state tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import total_ordering


@total_ordering
@dataclass(frozen=True, slots=True)
class Version:
    """A migration version as written (``"0007"``, ``"1.2"``, ``"2024-01-31-120000"``), ordered numerically."""

    text: str
    key: tuple[int, ...] = field(compare=False, repr=False, default=())
    lexical: bool = field(compare=False, repr=False, default=False)

    @classmethod
    def parse_lexical(cls, text: str) -> Version:
        """diesel's versions: the digits with dashes removed, ordered as strings (``2016...`` < ``2017-...``)."""
        digits = text.replace("-", "")
        if not digits.isdigit():
            raise ValueError(f"{text!r} is not a version (digits, optionally separated by '-')")
        return cls(text, tuple(int(digit) for digit in digits), lexical=True)

    @classmethod
    def parse(cls, text: str) -> Version:
        """Read a version made of digit groups separated by ``.``, ``_`` or ``-``."""
        parts = text.replace("_", ".").replace("-", ".").split(".")
        if not text or not all(part.isdigit() for part in parts):
            raise ValueError(f"{text!r} is not a version (digits, optionally separated by '.', '_' or '-')")
        return cls(text, tuple(int(part) for part in parts))

    def _normalized(self) -> tuple[int, ...]:
        if self.lexical:
            return self.key
        key = list(self.key)
        while len(key) > 1 and key[-1] == 0:
            key.pop()
        return tuple(key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._normalized() == other._normalized()

    def __lt__(self, other: Version) -> bool:
        return self._normalized() < other._normalized()

    def __hash__(self) -> int:
        return hash(self._normalized())

    def __str__(self) -> str:
        return self.text
