"""Does an output parse as JSON, and what shape (key paths and value types) does it have."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# A fenced block: ```json ... ``` (or a bare ``` fence whose body is JSON).
FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)\n[ \t]*```", re.DOTALL)
MAX_PATHS = 2000  # a huge document's shape is summarised, not enumerated


@dataclass(frozen=True, slots=True)
class ParsedJSON:
    value: Any
    fenced: bool  # True when only a fenced block parsed, not the whole text


def parse_json(text: str | None) -> ParsedJSON | None:
    """The output as a JSON object or array: the whole text, else its first JSON fence.

    Bare scalars ("42", "true") do not count: prose answers parse as those too often.
    """
    if not text:
        return None
    whole = _container(text.strip())
    if whole is not None:
        return ParsedJSON(whole, fenced=False)
    if "```" not in text:
        return None
    for match in FENCE.finditer(text):
        lang = match.group(1).lower()
        if lang in ("", "json", "jsonc", "json5"):
            value = _container(match.group(2).strip())
            if value is not None:
                return ParsedJSON(value, fenced=True)
    return None


def _container(text: str) -> Any:
    if not text or text[0] not in "[{":
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", dict: "object", list: "array"}.get(type(value), "unknown")


def shape(value: Any) -> dict[str, set[str]]:
    """Key path -> types seen there. Array items share the path ``name[]``."""
    paths: dict[str, set[str]] = {}
    _walk(value, "$", paths)
    return paths


def _walk(value: Any, path: str, paths: dict[str, set[str]]) -> None:
    if len(paths) >= MAX_PATHS:
        return
    paths.setdefault(path, set()).add(type_name(value))
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}", paths)
    elif isinstance(value, list):
        for item in value[:50]:  # items of one array usually share a shape
            _walk(item, f"{path}[]", paths)


def key_changes(before: dict[str, set[str]], after: dict[str, set[str]]) -> tuple[list, list]:
    """Key paths added and removed (a rename shows as one of each)."""
    added = sorted(p for p in after.keys() - before.keys())
    removed = sorted(p for p in before.keys() - after.keys())
    return added, removed


def type_changes(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    """'path: number -> string' for every shared path whose types differ."""
    out = []
    for path in sorted(before.keys() & after.keys()):
        if before[path] != after[path]:
            out.append(f"{path}: {'|'.join(sorted(before[path]))} -> "
                       f"{'|'.join(sorted(after[path]))}")
    return out


def string_leaves(value: Any, limit: int = 200) -> list[str]:
    """The string values inside a JSON document (an answer wrapped in {"answer": ...})."""
    out: list[str] = []
    stack = [value]
    while stack and len(out) < limit:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out
