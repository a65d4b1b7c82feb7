"""Markdown structure: headings, lists, code blocks, tables (where a text ends: truncation)."""

from __future__ import annotations

import re

# [ \t] rather than \s throughout: \s spans newlines, and with MULTILINE that lets one
# pattern try every later line from every start (seconds per text on long outputs).
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
LIST_ITEM = re.compile(r"^[ \t]{0,8}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.MULTILINE)
FENCE_LINE = re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.MULTILINE)
TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|[ \t|:-]*$", re.MULTILINE)


def markdown_features(text: str | None) -> dict[str, int]:
    """Counts of each structural element; a key is absent when there are none."""
    text = text or ""
    found = {
        "headings": len(HEADING.findall(text)),
        "lists": len(LIST_ITEM.findall(text)),
        "code blocks": len(FENCE_LINE.findall(text)) // 2 + len(FENCE_LINE.findall(text)) % 2,
        "tables": len(TABLE_RULE.findall(text)),
    }
    return {k: v for k, v in found.items() if v}


def markdown_change(baseline: str | None, candidate: str | None) -> str | None:
    """'tables removed; headings added' when the kinds of structure differ, else None.

    Kinds, not counts: a list growing from 5 to 6 items is content, not structure.
    """
    before, after = markdown_features(baseline), markdown_features(candidate)
    removed = [k for k in before if k not in after]
    added = [k for k in after if k not in before]
    parts = [f"{', '.join(removed)} removed"] if removed else []
    if added:
        parts.append(f"{', '.join(added)} added")
    return "; ".join(parts) or None
