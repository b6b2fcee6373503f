"""Flyway-style placeholders (``${name}``) replaced before a file is parsed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class UndefinedPlaceholder:
    """A placeholder with no value: its name and the character offset where it stands."""

    name: str
    offset: int


def replace_placeholders(
    text: str, values: Mapping[str, str], *, prefix: str = "${", suffix: str = "}"
) -> tuple[str, tuple[UndefinedPlaceholder, ...]]:
    """Return ``text`` with every ``<prefix>name<suffix>`` replaced, and the placeholders left undefined."""
    out: list[str] = []
    missing: list[UndefinedPlaceholder] = []
    position = 0
    while (begin := text.find(prefix, position)) != -1:
        close = text.find(suffix, begin + len(prefix))
        if close == -1:
            break
        name = text[begin + len(prefix) : close]
        if not name or any(ch.isspace() for ch in name):
            out.append(text[position : begin + len(prefix)])
            position = begin + len(prefix)
            continue
        out.append(text[position:begin])
        if name in values:
            out.append(values[name])
        else:
            missing.append(UndefinedPlaceholder(name=name, offset=begin))
            out.append(text[begin : close + len(suffix)])
        position = close + len(suffix)
    out.append(text[position:])
    return "".join(out), tuple(missing)
