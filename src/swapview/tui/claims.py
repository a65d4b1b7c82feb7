"""Reviewers sharing a database: this reviewer's claim on the pair under the cursor, and
the other reviewers' claims (a plain object the review screen holds).

The pair the cursor rests on is claimed for ``CLAIM_SECONDS`` and renewed while the
cursor stays; the others' claims are read every poll, so their "next" skips the pair
and the pair line says "ana is on this". The writes and reads run in ScreenReads'
workers; this object keeps only what they found and when to renew.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from sqlite_utils import Database

from ..reviews import CLAIM_SECONDS, release
from .reads import ScreenReads

CLAIM_POLL_SECONDS = 2.0  # how often the others' claims are read (and ours renewed)
CLAIM_SETTLE_SECONDS = 0.3  # the cursor rests this long on a pair before it is claimed


class ClaimKeeper:
    """Claims for one reviewer: ours (one pair at a time) and the others'."""

    def __init__(
        self,
        reads: ScreenReads,
        reviewer: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reads = reads
        self.reviewer = reviewer
        self.others: dict[int, str] = {}  # pair id -> the reviewer on it
        self._clock = clock
        self._claimed: int | None = None
        self._claimed_at = 0.0

    def poll(self) -> None:
        """Read the others' claims, and renew ours when half its time has gone."""
        self.reads.read_claims()
        if self._claimed is not None and self._clock() - self._claimed_at > CLAIM_SECONDS / 2:
            self.claim(self._claimed)  # still on it: keep it claimed

    def claim(self, pair_id: int) -> None:
        self._claimed, self._claimed_at = pair_id, self._clock()
        self.reads.claim(pair_id)

    def update(self, claims: dict[int, str], shown: int | None) -> bool:
        """Take the others' latest claims; True when the pair on screen changed hands."""
        before, self.others = self.others, claims
        return shown is not None and before.get(shown) != claims.get(shown)

    def claimed_by(self, pair_id: int | None) -> str | None:
        return self.others.get(pair_id) if pair_id is not None else None

    def release(self, conn: sqlite3.Connection) -> str | None:
        """Give up our claim as the app closes; why not, when another writer held the lock
        (the claim then expires by itself shortly)."""
        try:
            release(Database(conn), self.reviewer)
        except sqlite3.Error as exc:
            return str(exc)
        return None
