"""Dotted paths into nested JSON: the one reader that load's ``--*-field`` flags, export's
``--where`` and the review app's metadata filter all use, so they find the same value.

``human.rating`` finds ``{"human": {"Rating": 5}}``: a key matches exactly, or else
ignoring case (hand-made sheets spell it "Rating", "rating" and "RATING"). A key may
hold dots itself (model names do: ``responses.gpt-4.1``), so at each level the longest
run of parts that names a key is tried first. A number indexes a list
(``choices.0.message.content``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

MISSING: Any = object()

Key = str | int  # a dict key as the data spells it, or a list index


def split(path: str) -> tuple[str, ...]:
    """The parts of a dotted path, each stripped of surrounding spaces."""
    return tuple(p.strip() for p in path.split("."))


def resolve_keys(value: Any, path: str | tuple[str, ...]) -> tuple[Key, ...] | None:
    """The keys (as the data spells them) and list indexes that a path leads through, or
    None when it leads nowhere."""
    parts = split(path) if isinstance(path, str) else path
    if not parts:
        return ()
    if isinstance(value, Mapping):
        return _in_mapping(value, parts)
    if isinstance(value, list):
        return _in_list(value, parts)
    return None


def _in_mapping(value: Mapping[str, Any], parts: tuple[str, ...]) -> tuple[Key, ...] | None:
    for end in range(len(parts), 0, -1):
        key = find_key(value, ".".join(parts[:end]))
        if key is None:
            continue
        rest = resolve_keys(value[key], parts[end:])
        if rest is not None:
            return (key, *rest)
    return None


def _in_list(items: list[Any], parts: tuple[str, ...]) -> tuple[Key, ...] | None:
    head = parts[0]
    if not head.isdigit() or int(head) >= len(items):
        return None
    rest = resolve_keys(items[int(head)], parts[1:])
    return None if rest is None else (int(head), *rest)


def find_key(value: Mapping[str, Any], name: str) -> str | None:
    """The key named ``name`` exactly, else the one equal ignoring case (the first in
    sorted order when several differ only by case, so the choice is repeatable)."""
    if name in value:
        return name
    folded = name.casefold()
    matches = sorted(k for k in value if isinstance(k, str) and k.casefold() == folded)
    return matches[0] if matches else None


def follow(value: Any, keys: tuple[Key, ...]) -> Any:
    """The value that resolved keys lead to."""
    for key in keys:
        value = value[key]
    return value


def resolve(value: Any, path: str | tuple[str, ...]) -> Any:
    """The value at a dotted path, or MISSING when the path leads nowhere."""
    keys = resolve_keys(value, path)
    return MISSING if keys is None else follow(value, keys)


def sql_path(keys: tuple[Key, ...]) -> str:
    """An exact SQLite JSON path (``$."human"."Rating"[0]``) for resolved keys; every key
    quoted, so dots and spaces in a key stay inside it."""
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f'."{k}"' for k in keys)


def as_text(value: Any) -> str:
    """How a value compares with a typed one: strings as they are, anything else as
    compact JSON (so ``rating=5`` matches the number 5, ``flagged=true`` the boolean)."""
    if isinstance(value, str):
        return value
    # Scalars spelt as json.dumps spells them, without its cost (shift stores the text of
    # every metadata field of every pair).
    if value is None or isinstance(value, bool):
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# The SQL twin of as_text for a value at a JSON path (placeholders: column, path).
SQL_AS_TEXT = (
    "CASE json_type({col}, {path}) WHEN 'text' THEN json_extract({col}, {path})"
    " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null'"
    " ELSE CAST(json_extract({col}, {path}) AS TEXT) END"
)
