"""Markdown structure (headings, lists, code blocks, tables) and where a text ends."""

from __future__ import annotations

import re

from .language import FIELD_LINE

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
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if len(FENCE_LINE.findall(body)) % 2 and not _closing_prose(lines[-1]):
        # A fence closed at the end of a text line ("... this line. ```") leaves the count
        # odd; prose that ends a sentence after it shows the answer was not cut.
        return "ends inside an open code block"
    if body[0] in "[{" and body.count(body[0]) > body.count("]" if body[0] == "[" else "}"):
        return "ends inside an unclosed JSON value"
    if _structured_line(lines[-1]) or _signed_off(lines):
        return None  # list and table endings often carry no full stop
    if len(body.split()) < 20 and not SENTENCE_BREAK.search(body):
        return None  # a short one-sentence answer ("Yes", "The total is 42") may end so
    # A number ends many complete answers ("the total is $125"); verse, lists written as
    # plain lines and other text whose lines never close with punctuation show that style
    # on the line before.
    if not _open_ending(lines[-1]) or (len(lines) > 1 and _unpunctuated(lines[-2])):
        return None
    # A category, not the text itself: triage groups pairs by signal name and detail.
    return "ends mid-sentence"


def _open_ending(line: str) -> bool:
    """Does the line stop where a sentence cannot: on a word, comma or dash, in prose."""
    words = line.split()
    if words[-1].startswith(("#", "@")) or "@" in words[-1] or len(words) <= 4:
        return False  # hashtags, addresses, labels and sign-offs close a text
    if line[-1] in CLOSERS or not (line[-1].isalpha() or line[-1] in ",-–(/"):
        return False
    return not (
        _not_prose(line)
        or (FIELD_LINE.match(line) and len(words) <= LABEL_WORDS)
        or _ATTRIBUTION.search(line)
        or _comma_list(line)
    )


# "Location: Main Street" is a field; '"..." - A. A. Milne' an attribution; a line of
# symbols and numbers ("H = ml² + mgl cos θ", "5:00 am - 5:50 am TST") a formula or value.
_ATTRIBUTION = re.compile(r"[.!?\"”'’]\s*[-–—]+\s*\S+(?:\s+\S+){0,5}$")
PROSE_LETTERS = 0.75
LABEL_WORDS = 10


def _closing_prose(line: str) -> bool:
    """A sentence of prose closing the text: words, then a full stop, '!' or '?'."""
    return line[-1] in ".!?" and len(line.split()) >= CLOSING_WORDS and not _not_prose(line)


# A letter's valediction in the last lines: the name, title or team under it needs no stop.
_VALEDICTION = re.compile(
    r"^\**(?:best|kind|warm|warmest)?\s*(?:regards|wishes|sincerely|yours(?: truly| sincerely)?"
    r"|thanks|thank you|cheers|respectfully)\b[^\n]{0,20}$",
    re.IGNORECASE,
)
SIGNATURE_LINES = 4
CLOSING_WORDS = 4


def _signed_off(lines: list[str]) -> bool:
    return any(_VALEDICTION.match(line) for line in lines[-SIGNATURE_LINES:])


def _unpunctuated(line: str) -> bool:
    """A line of prose that ends with no closing mark (a heading or list item needs none)."""
    return line[-1] not in CLOSERS and not _structured_line(line)


def _not_prose(line: str) -> bool:
    chars = [c for c in line if not c.isspace()]
    return " = " in line or sum(c.isalpha() for c in chars) < PROSE_LETTERS * len(chars)


def _comma_list(line: str) -> bool:
    """'a, b, c, d': four or more short items, a list however it ends."""
    items = line.split(",")
    return len(items) >= 4 and all(len(item.split()) <= 4 for item in items)


def _structured_line(line: str) -> bool:
    return bool(
        LIST_ITEM.match(line)
        or HEADING.match(line)
        or line.startswith("|")
        or line.startswith(("http://", "https://"))
    )
