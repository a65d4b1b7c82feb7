"""The current pair's detail and diff, cached for paging back and forth (no Textual).

Details are bounded by the characters they hold (a few huge pairs must not pin memory),
diffs by count; both drop the least recently used first. A diff is keyed by what it
depends on: the pair, its content hash and whether whitespace is ignored.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

from ..detail import PairDetail, pair_detail
from ..diff import Diff

DETAIL_CACHE_CHARS = 20_000_000
DIFF_CACHE_SIZE = 64


def diff_key(detail: PairDetail, ignore_ws: bool) -> tuple:
    return (detail.pair_id, detail.content_hash, ignore_ws)


class DetailCache:
    """Pair details read on the UI thread's connection, and the diffs made of them."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        max_chars: int = DETAIL_CACHE_CHARS,
        max_diffs: int = DIFF_CACHE_SIZE,
    ) -> None:
        self.conn = conn
        self.max_chars = max_chars
        self.max_diffs = max_diffs
        self._details: OrderedDict[int, PairDetail] = OrderedDict()
        self._chars = 0
        self._diffs: OrderedDict[tuple, Diff] = OrderedDict()

    def detail(self, pair_id: int, fresh: bool = False) -> PairDetail:
        """The pair's detail; ``fresh`` re-reads it (its decision or note changed)."""
        cached = None if fresh else self._details.get(pair_id)
        if cached is not None:
            self._details.move_to_end(pair_id)
            return cached
        self.forget(pair_id)
        detail = pair_detail(self.conn, pair_id)
        self._details[pair_id] = detail
        self._chars += detail.size
        while self._chars > self.max_chars and len(self._details) > 1:
            _, dropped = self._details.popitem(last=False)
            self._chars -= dropped.size
        return detail

    def forget(self, pair_id: int) -> None:
        dropped = self._details.pop(pair_id, None)
        if dropped is not None:
            self._chars -= dropped.size

    def clear(self) -> None:
        """Forget every detail (what they show changed, e.g. clusters were built)."""
        self._details.clear()
        self._chars = 0

    def diff(self, key: tuple) -> Diff | None:
        found = self._diffs.get(key)
        if found is not None:
            self._diffs.move_to_end(key)
        return found

    def remember_diff(self, key: tuple, diff: Diff) -> None:
        self._diffs[key] = diff
        self._diffs.move_to_end(key)
        while len(self._diffs) > self.max_diffs:
            self._diffs.popitem(last=False)
