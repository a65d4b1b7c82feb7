"""Does an output parse as JSON, and what shape (key paths and value types) does it have."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_PATHS = 2000  # a huge document's shape is summarised, not enumerated
# A whole output that is one fenced block, after at most one short lead-in line
# ("Here is the JSON:"). Anything after the fence, or a second fence, makes it prose.
_ONE_FENCE = re.compile(
    r"(?:(?P<lead>[^\n`]*)\n\s*)?```[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[ \t]*\n"
    r"(?P<body>.*?)\n[ \t]*```",
    re.DOTALL,
)
MAX_LEAD_IN = 120  # characters: one sentence introducing the block, not a paragraph
JSON_FENCES = ("", "json", "jsonc", "json5")


@dataclass(frozen=True, slots=True)
class ParsedJSON:
    value: Any
    fenced: bool  # True when the output is one fenced JSON block rather than bare JSON


def parse_json(text: str | None) -> ParsedJSON | None:
    """The output as a JSON object or array: the whole text, or the whole text as one fence.

    Prose that merely contains a ```json snippet (a package.json in an explanation) is not
    JSON output: a parser fed it would fail, and its keys say nothing about the answer's
    shape. Bare scalars ("42", "true") do not count: prose answers parse as those too often.
    """
    if not text:
        return None
    stripped = text.strip()
    whole = _container(stripped)
    if whole is not None:
        return ParsedJSON(whole, fenced=False)
    if not stripped.endswith("```"):
        return None
    match = _ONE_FENCE.fullmatch(stripped)
    if match is None or len((match.group("lead") or "").strip()) > MAX_LEAD_IN:
        return None
    body = match.group("body")
    if match.group("lang").lower() not in JSON_FENCES or "\n```" in body:
        return None
    value = _container(body.strip())
    return None if value is None else ParsedJSON(value, fenced=True)


def _container(text: str) -> Any:
    if not text or text[0] not in "[{":
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None


_TYPE_NAMES: dict[type, str] = {str: "string", dict: "object", list: "array"}


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return _TYPE_NAMES.get(type(value), "unknown")


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
            out.append(
                f"{path}: {'|'.join(sorted(before[path]))} -> {'|'.join(sorted(after[path]))}"
            )
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
