"""Fuzzy search over prompts and outputs, streamed so a million pairs stay bounded.

rapidfuzz's partial_ratio finds the query inside long texts despite typos. The scan
walks pairs in id order in chunks, stops after ``limit`` hits, and checks ``cancelled``
between chunks, so a front end runs it in a worker and can abandon it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

# A hit needs this partial_ratio (0-100): one typo in a short word still matches.
CUTOFF = 80
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
            if score >= CUTOFF:
                hits.append((score, pid))
        scanned += len(chunk)
    return SearchResult(_ranked(hits[:limit]), scanned, False)


def _score(needle: str, texts: list[str | None]) -> float:
    best = 0.0
    for text in texts:
        if not text:
            continue
        low = text.lower()
        if needle in low:
            return 100.0
        if len(needle) > 2:
            best = max(best, fuzz.partial_ratio(needle, low, score_cutoff=CUTOFF))
    return best


def _ranked(hits: list[tuple[float, int]]) -> tuple[int, ...]:
    return tuple(pid for _, pid in sorted(hits, key=lambda h: (-h[0], h[1])))
