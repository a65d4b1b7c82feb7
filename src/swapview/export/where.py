"""`--where FIELD=VALUE`: select exported pairs by their own metadata.

A team's labels arrive as extra columns kept in each pair's metadata (Winner, Rating,
a nested `human.preference`); `--where winner=baseline` exports only the pairs whose
human winner was the old model.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import SwapviewError

Where = tuple[tuple[str, ...], str]  # (path parts, wanted value)


def parse_where(raw: list[str]) -> tuple[Where, ...]:
    """Parse `FIELD=VALUE` options; FIELD may be a dotted path into nested metadata."""
    parsed: list[Where] = []
    for item in raw:
        field, sep, value = item.partition("=")
        parts = tuple(p.strip() for p in field.split("."))
        if not sep or not all(parts):
            raise SwapviewError(
                f"--where {item!r}: expected FIELD=VALUE, e.g. winner=baseline or human.rating=5"
            )
        parsed.append((parts, value))
    return tuple(parsed)


def describe_where(where: tuple[Where, ...]) -> list[str]:
    return [f"{'.'.join(parts)}={value}" for parts, value in where]


_MISSING = object()


def lookup(meta: Any, parts: tuple[str, ...]) -> Any:
    """The value at a dotted path, matching each field name exactly or else ignoring case.

    A key that itself holds dots ("gen.model") is found too: the longest run of parts that
    names a key is taken first. Returns _MISSING when the path leads nowhere.
    """
    if not parts:
        return meta
    if not isinstance(meta, dict):
        return _MISSING
    for end in range(len(parts), 0, -1):
        key = _find_key(meta, ".".join(parts[:end]))
        if key is not None:
            found = lookup(meta[key], parts[end:])
            if found is not _MISSING:
                return found
    return _MISSING


def _find_key(meta: dict[str, Any], name: str) -> str | None:
    if name in meta:
        return name
    folded = name.casefold()
    # Several keys differing only by case: the first in sorted order, so it is repeatable.
    matches = sorted(k for k in meta if isinstance(k, str) and k.casefold() == folded)
    return matches[0] if matches else None


def as_text(value: Any) -> str:
    """How a metadata value compares: strings as they are, anything else as compact JSON
    (so `rating=5` matches the number 5, `flagged=true` the boolean)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def matches(meta: dict[str, Any] | None, where: tuple[Where, ...]) -> bool:
    """Whether every `--where` condition holds for this pair's metadata."""
    for parts, wanted in where:
        value = lookup(meta or {}, parts)
        # Without case, like the review app's metadata filter: hand-made labels come as
        # "Old", "old" and "OLD".
        if value is _MISSING or as_text(value).casefold() != wanted.casefold():
            return False
    return True


def has_field(meta: dict[str, Any] | None, parts: tuple[str, ...]) -> bool:
    return lookup(meta or {}, parts) is not _MISSING
