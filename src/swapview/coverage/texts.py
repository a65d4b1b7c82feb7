"""One text per input, whichever tool wrote it: what gets embedded for coverage.

A production prompt and an eval case must become the same text when they hold the same
input, or a case that covers a prompt would look far from it. Chat messages become their
contents joined (roles dropped: a swapview export of a text prompt becomes one user
message in some formats and stays a string in others); a mapping of variables becomes its
input-like variable, else all its text variables.
"""

from __future__ import annotations

import json
from typing import Any

from ..chat import content_text

# Variable names that hold the input itself, most specific first (promptfoo vars,
# LangSmith inputs, CSV columns). Anything else is context (language, persona...).
INPUT_KEYS = ("messages", "input", "prompt", "question", "query", "instruction", "text")


def input_text(value: Any) -> str:
    """The input as one text: a string, chat messages, or a mapping of variables."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if is_chat(value):
        return "\n\n".join(content_text(m.get("content")) for m in value)
    if isinstance(value, dict):
        return _variables_text(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def is_chat(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, dict) and "role" in m for m in value)
    )


def _variables_text(variables: dict[str, Any]) -> str:
    by_lower = {str(k).lower(): k for k in variables}
    for name in INPUT_KEYS:
        key = by_lower.get(name)
        if key is not None and variables[key] not in (None, "", []):
            return input_text(variables[key])
    if len(variables) == 1:
        return input_text(next(iter(variables.values())))
    # No input-like name: the template sees every variable, so the texts together stand
    # for the input (in key order, so the same case always gives the same text).
    parts = [v for _, v in sorted(variables.items()) if isinstance(v, str) and v.strip()]
    return "\n\n".join(parts)
