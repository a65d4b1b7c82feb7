"""Fuzzy search over prompts and outputs, streamed so a million pairs stay bounded.

rapidfuzz's partial_ratio finds each word of the query inside long texts despite typos;
a pair matches when every word does, in any order. The scan
walks pairs in id order in chunks, stops after ``limit`` hits, and checks ``cancelled``
between chunks, so a front end runs it in a worker and can abandon it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

# A word matches with this partial_ratio (0-100): one typo in a word of five or more;
# words of four letters need 90 (in effect no typo), and ids,
# numbers and words of up to three letters must occur exactly (EXACT: no fuzzy pass).
CUTOFF = 80
SHORT_CUTOFF = 90
EXACT = 101.0
# Only the start of a huge output is searched: a 10 MB text would stall the scan.
MAX_CHARS = 100_000
CHUNK = 500


@dataclass(frozen=True, slots=True)
class SearchResult:
    ids: tuple[int, ...]
    scanned: int
    complete: bool


def search(
    conn: sqlite3.Connection,
    query: str,
    comparison_id: int | None,
    *,
    limit: int = 500,
    cancelled: Callable[[], bool] = lambda: False,
) -> SearchResult:
    """Pairs whose key, prompt or either output matches ``query``, best first."""
    needle = " ".join(query.lower().split())
    if not needle:
        return SearchResult((), 0, True)
    where, args = ("WHERE comparison_id = ?", [comparison_id]) if comparison_id else ("", [])
    cur = conn.execute(
        f"SELECT id, key, substr(prompt, 1, {MAX_CHARS}), substr(baseline_output, 1, {MAX_CHARS}),"
        f" substr(candidate_output, 1, {MAX_CHARS}) FROM pairs {where} ORDER BY id",
        args,
    )
    hits: list[tuple[float, int]] = []
    scanned = 0
    while len(hits) < limit:
        if cancelled():
            return SearchResult(_ranked(hits), scanned, False)
        chunk = cur.fetchmany(CHUNK)
        if not chunk:
            return SearchResult(_ranked(hits), scanned, True)
        for pid, *texts in chunk:
            score = _score(needle, texts)
            if score > 0:
                hits.append((score, pid))
        scanned += len(chunk)
    return SearchResult(_ranked(hits[:limit]), scanned, False)


def _score(needle: str, texts: list[str | None]) -> float:
    """The phrase anywhere scores 100; else every word must match somewhere (in any
    order, each fuzzily by its own cutoff) and the weakest word is the score."""
    lows = [text.lower() for text in texts if text]
    if any(needle in low for low in lows):
        return 100.0
    worst = 100.0
    for word in needle.split():
        cutoff = word_cutoff(word)
        best = 0.0
        for low in lows:
            if word in low:
                best = 100.0
                break
            if cutoff <= 100:
                best = max(best, fuzz.partial_ratio(word, low, score_cutoff=cutoff))
        if best < min(cutoff, 100.0):
            return 0.0
        worst = min(worst, best)
    return worst


def word_cutoff(word: str) -> float:
    """How close a word must come: ids, numbers and short words exactly (one typo in
    "0165" is another ticket); one typo in a word of five letters or more."""
    if len(word) <= 3 or any(ch.isdigit() for ch in word):
        return EXACT
    return SHORT_CUTOFF if len(word) == 4 else CUTOFF


def _ranked(hits: list[tuple[float, int]]) -> tuple[int, ...]:
    return tuple(pid for _, pid in sorted(hits, key=lambda h: (-h[0], h[1])))
