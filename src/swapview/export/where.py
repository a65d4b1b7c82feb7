"""`--where FIELD=VALUE`: select exported pairs by their own metadata.

A team's labels arrive as extra columns kept in each pair's metadata (Winner, Rating,
a nested `human.preference`); `--where winner=baseline` exports only the pairs whose
human winner was the old model.
"""

from __future__ import annotations

from typing import Any

from .. import metapath
from ..errors import SwapviewError

Where = tuple[tuple[str, ...], str]  # (path parts, wanted value)


def parse_where(raw: list[str]) -> tuple[Where, ...]:
    """Parse `FIELD=VALUE` options; FIELD may be a dotted path into nested metadata."""
    parsed: list[Where] = []
    for item in raw:
        field, sep, value = item.partition("=")
        parts = metapath.split(field)
        if not sep or not all(parts):
            raise SwapviewError(
                f"--where {item!r}: expected FIELD=VALUE, e.g. winner=baseline or human.rating=5"
            )
        parsed.append((parts, value))
    return tuple(parsed)


def describe_where(where: tuple[Where, ...]) -> list[str]:
    return [f"{'.'.join(parts)}={value}" for parts, value in where]


def matches(meta: dict[str, Any] | None, where: tuple[Where, ...]) -> bool:
    """Whether every `--where` condition holds for this pair's metadata."""
    for parts, wanted in where:
        value = metapath.resolve(meta or {}, parts)
        # Without case, like the review app's metadata filter: hand-made labels come as
        # "Old", "old" and "OLD".
        if value is metapath.MISSING or metapath.as_text(value).casefold() != wanted.casefold():
            return False
    return True


def has_field(meta: dict[str, Any] | None, parts: tuple[str, ...]) -> bool:
    return metapath.resolve(meta or {}, parts) is not metapath.MISSING
