"""Lexical distance and length change: cheap, exact, and blind to meaning."""

from __future__ import annotations

import math
import zlib

from rapidfuzz.distance import Indel

# Indel's cost grows with len(a) * len(b) (bit-parallel, about 0.5 ns per cell here): 5e7
# cells is ~25 ms, and covers two answers of ~7,000 words each, far beyond usual LLM
# outputs, so those keep their exact word distance. Past it (a pair of 2 MB logs is ~2e11
# cells, ~17 s) the distance is computed on coarser tokens so one pair cannot stall a run.
MAX_CELLS = 50_000_000
GROUPING_TRIES = 8


def words(text: str | None) -> list[str]:
    """Whitespace-normalised tokens: reflowed or re-indented prose gives the same list."""
    return (text or "").split()


def lines(text: str | None) -> list[str]:
    """Each non-blank line's whitespace-normalised text, one token per line."""
    out = (" ".join(line.split()) for line in (text or "").splitlines())
    return [line for line in out if line]


def line_groups(tokens: list[str], size: int) -> list[str]:
    """Lines joined into groups of about ``size`` lines, cut where the content says.

    A group ends after a line whose checksum is 0 modulo ``size``: the cut points follow
    the text, not positions, so an inserted line changes one group instead of shifting all.
    """
    groups: list[str] = []
    current: list[str] = []
    for line in tokens:
        current.append(line)
        if zlib.crc32(line.encode()) % size == 0:
            groups.append("\n".join(current))
            current = []
    if current:
        groups.append("\n".join(current))
    return groups


def lexical_tokens(baseline: str | None, candidate: str | None) -> tuple[str, list, list]:
    """The unit the distance is computed on ("words", "lines", "line groups") and the tokens.

    Words when the pair is small enough (all usual outputs); else lines; else groups of
    lines just coarse enough that the comparison stays within MAX_CELLS.
    """
    a, b = words(baseline), words(candidate)
    if len(a) * len(b) <= MAX_CELLS:
        return "words", a, b
    a, b = lines(baseline), lines(candidate)
    if len(a) * len(b) <= MAX_CELLS:
        return "lines", a, b
    size = math.ceil(math.sqrt(len(a) * len(b) / MAX_CELLS))
    for _ in range(GROUPING_TRIES):
        ga, gb = line_groups(a, size), line_groups(b, size)
        if len(ga) * len(gb) <= MAX_CELLS:
            return "line groups", ga, gb
        size *= 2
    # Only a text made of one repeated cut line gets here: fixed-size groups always fit.
    return "line groups", _fixed_groups(a, size), _fixed_groups(b, size)


def _fixed_groups(tokens: list[str], size: int) -> list[str]:
    return ["\n".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]


def lexical_distance(baseline: str | None, candidate: str | None) -> float:
    """Normalised insert/delete distance over words, 0.0 (same words) to 1.0 (none shared).

    Words rather than characters, so one changed word in a long answer counts as one edit
    and line wrapping counts as none. Indel over Levenshtein because a substitution there
    hides a deletion plus an insertion, which is what a reviewer sees in the diff. Huge
    pairs are compared on lines instead (see ``lexical_tokens``): a changed line then counts
    as a whole edit, a coarser but still ordered measure of how much text differs.
    """
    _, a, b = lexical_tokens(baseline, candidate)
    if not a and not b:
        return 0.0
    return float(Indel.normalized_distance(a, b))


def length_change(baseline: str | None, candidate: str | None) -> float:
    """(len(candidate) - len(baseline)) / max(len(baseline), 1), in characters."""
    before, after = len(baseline or ""), len(candidate or "")
    return (after - before) / max(before, 1)
