"""Reviewer names typed into a browser: what is accepted on every tag."""

from __future__ import annotations

MAX_NAME = 64


def reviewer_problem(name: str) -> str | None:
    """Why ``name`` cannot be a reviewer name, or None when it can."""
    if not name.strip():
        return "Type a name first: tags need someone to attribute them to."
    if len(name) > MAX_NAME:
        return f"At most {MAX_NAME} characters, please."
    if not name.isprintable():
        return "Letters, digits, spaces and punctuation only (no control characters)."
    if name != name.strip():
        return "No spaces at the start or end."
    return None
