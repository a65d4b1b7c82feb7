"""Lexical distance and length change: cheap, exact, and blind to meaning."""

from __future__ import annotations

from rapidfuzz.distance import Indel


def words(text: str | None) -> list[str]:
    """Whitespace-normalised tokens: reflowed or re-indented prose gives the same list."""
    return (text or "").split()


def lexical_distance(baseline: str | None, candidate: str | None) -> float:
    """Normalised insert/delete distance over words, 0.0 (same words) to 1.0 (none shared).

    Words rather than characters, so one changed word in a long answer counts as one edit
    and line wrapping counts as none. Indel over Levenshtein because a substitution there
    hides a deletion plus an insertion, which is what a reviewer sees in the diff.
    """
    a, b = words(baseline), words(candidate)
    if not a and not b:
        return 0.0
    return float(Indel.normalized_distance(a, b))


def length_change(baseline: str | None, candidate: str | None) -> float:
    """(len(candidate) - len(baseline)) / max(len(baseline), 1), in characters."""
    before, after = len(baseline or ""), len(candidate or "")
    return (after - before) / max(before, 1)
