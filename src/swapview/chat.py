"""Chat message content as text: a string, or OpenAI-style content parts."""

from __future__ import annotations

import json
import re
from typing import Any

_TEXT_PARTS = ("text", "input_text", "output_text")
# Reasoning the provider returns beside the answer: not what downstream code reads.
_HIDDEN_PARTS = ("thinking", "redacted_thinking", "reasoning")


def content_text(content: Any) -> str:
    """The text of a message's content; a tool call becomes a line naming it and its
    arguments, hidden reasoning is left out, other parts become a short marker."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) for p in content):
        out = ""
        for part in content:
            text, is_text = _part_text(part)
            if text and not is_text and out and not out.endswith("\n"):
                out += "\n"  # a marker on a line of its own, not glued to the prose
            out += text
        return out
    return json.dumps(content, ensure_ascii=False)


def _part_text(part: dict[str, Any]) -> tuple[str, bool]:
    """(text, whether it is the model's prose) of one content part."""
    kind = str(part.get("type", ""))
    if kind in _TEXT_PARTS or (not kind and isinstance(part.get("text"), str)):
        return str(part.get("text", "")), True
    if kind in _HIDDEN_PARTS:
        return "", False
    if kind == "tool_use":  # Anthropic
        return tool_call_text(part.get("name"), part.get("input")), False
    return f"[{kind or 'part'}]", False


def tool_call_text(name: Any, arguments: Any) -> str:
    """A tool call as one line of text, ``[tool call: name({"arg": ...})]``, so that a
    changed call shows in the diff. Arguments may be JSON text (OpenAI) or an object."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return f"[tool call: {name or '?'}({arguments})]"
    args = (
        "" if arguments in (None, {}) else json.dumps(arguments, ensure_ascii=False, sort_keys=True)
    )
    return f"[tool call: {name or '?'}({args})]"


def snippet_text(snippet: str) -> str:
    """A queue snippet that SQLite returned as a JSON list of parts, as text."""
    if not snippet.startswith("[{"):
        return snippet
    try:
        return content_text(json.loads(snippet))
    except ValueError:
        return snippet  # a truncated list (the snippet is cut at 160 characters)


# Anthropic's legacy prompt format and the HH-RLHF data set: "\n\nHuman: ...\n\nAssistant: ...".
_SPEAKER = re.compile(r"(?:^|\n\n)(Human|Assistant|H|A|System):[ \t]?")
_ROLES = {"Human": "user", "H": "user", "Assistant": "assistant", "A": "assistant"}


def transcript_turns(text: str) -> list[tuple[str, str]] | None:
    """A `Human:` / `Assistant:` transcript as (role, text) turns, or None when the text is
    not one: it must open with a speaker (after an optional preamble, the system prompt)
    and have a Human turn, so prose that mentions "Human:" once is left alone. A trailing
    empty `Assistant:` (the slot the model answers in) is dropped."""
    marks = list(_SPEAKER.finditer(text))
    if not marks or not any(m.group(1) in ("Human", "H") for m in marks):
        return None
    if len(marks) < 2 and marks[0].start() != 0:
        return None
    turns: list[tuple[str, str]] = []
    preamble = text[: marks[0].start()].strip()
    if preamble:
        turns.append(("system", preamble))
    for mark, nxt in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end() : nxt.start() if nxt else len(text)].strip()
        turns.append((_ROLES.get(mark.group(1), "system"), body))
    if turns and turns[-1][0] == "assistant" and not turns[-1][1]:
        turns.pop()
    return turns
