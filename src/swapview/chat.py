"""Chat message content as text: a string, or OpenAI-style content parts."""

from __future__ import annotations

import json
from typing import Any

_TEXT_PARTS = ("text", "input_text", "output_text")


def content_text(content: Any) -> str:
    """The text of a message's content; non-text parts become a short marker."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) for p in content):
        return "".join(_part_text(p) for p in content)
    return json.dumps(content, ensure_ascii=False)


def _part_text(part: dict[str, Any]) -> str:
    kind = str(part.get("type", ""))
    if kind in _TEXT_PARTS or (not kind and isinstance(part.get("text"), str)):
        return str(part.get("text", ""))
    return f"[{kind or 'part'}]"


def snippet_text(snippet: str) -> str:
    """A queue snippet that SQLite returned as a JSON list of parts, as text."""
    if not snippet.startswith("[{"):
        return snippet
    try:
        return content_text(json.loads(snippet))
    except ValueError:
        return snippet  # a truncated list (the snippet is cut at 160 characters)
