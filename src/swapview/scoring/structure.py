"""Markdown structure (headings, lists, code blocks, tables) and where a text ends."""

from __future__ import annotations

import re

# [ \t] rather than \s throughout: \s spans newlines, and with MULTILINE that lets one
# pattern try every later line from every start (seconds per text on long outputs).
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
LIST_ITEM = re.compile(r"^[ \t]{0,8}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.MULTILINE)
FENCE_LINE = re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.MULTILINE)
TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|[ \t|:-]*$", re.MULTILINE)

# What may close a complete answer: sentence punctuation in several scripts, closing
# brackets and quotes, markdown emphasis, and emoji-like symbols.
SENTENCE_BREAK = re.compile(r"[.!?。！？]\s")  # a sentence ended before the last one
CLOSERS = set(".!?…:;)]}\"'`*_»”’。！？）」』】>|")


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


def unfinished_reason(text: str | None) -> str | None:
    """Why a text looks cut off (an open code fence, ends mid-sentence), or None."""
    body = (text or "").rstrip()
    if not body:
        return None
    if len(FENCE_LINE.findall(body)) % 2:
        return "ends inside an open code block"
    if body[0] in "[{" and body.count(body[0]) > body.count("]" if body[0] == "[" else "}"):
        return "ends inside an unclosed JSON value"
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if _structured_line(lines[-1]):
        return None  # list and table endings often carry no full stop
    if len(body.split()) < 20 and not SENTENCE_BREAK.search(body):
        return None  # a short one-sentence answer ("Yes", "The total is 42") may end so
    # A number ends many complete answers ("the total is $125"); verse and other lines
    # that never close with punctuation are a style, visible on the line before.
    if not _open_ending(lines[-1]) or (len(lines) > 1 and _open_ending(lines[-2])):
        return None
    # A category, not the text itself: triage groups pairs by signal name and detail.
    return "ends mid-sentence"


def _open_ending(line: str) -> bool:
    """Does the line stop where a sentence cannot: on a word, comma or dash."""
    last_word = line.split()[-1]
    if last_word.startswith(("#", "@")) or "@" in last_word or len(line.split()) <= 4:
        return False  # hashtags, addresses, labels and sign-offs close a text
    return line[-1] not in CLOSERS and (line[-1].isalpha() or line[-1] in ",-–(/")


def _structured_line(line: str) -> bool:
    return bool(
        LIST_ITEM.match(line)
        or HEADING.match(line)
        or line.startswith("|")
        or line.startswith(("http://", "https://"))
    )
