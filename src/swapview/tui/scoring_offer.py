"""An unscored comparison in the review app: say so, and score it in a worker.

Reviewing pairs loaded but never scored shows ``-`` for every distance and the queue in
key order. ``ScoringOffer`` (a plain object the screen holds) counts the pairs without
scores in a thread worker, and on request runs the scoring runner's own
``score_comparison`` in another, its progress and result sent back as messages. Each
worker opens its own connection; the runner commits chunk by chunk, so the reviewer's
writes interleave with it (the session retries while a chunk holds the lock).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing

from textual.worker import get_current_worker

from ..scoring.embeddings import make_embedder
from ..scoring.runner import ScoreReport, score_comparison
from ..store import LOADING_PREFIX, connect, open_db
from .messages import ScoringFinished, ScoringProgressed, UnscoredCounted
from .reads import WorkerHost, start_thread

GROUP_CHECK, GROUP_SCORE = "unscored", "scoring"

UNSCORED_SQL = f"""
SELECT c.name, count(*) FROM pairs p JOIN comparisons c ON c.id = p.comparison_id
WHERE NOT EXISTS (SELECT 1 FROM scores s WHERE s.pair_id = p.id)
  AND c.name NOT LIKE '{LOADING_PREFIX}%'
  AND (:cid IS NULL OR p.comparison_id = :cid)
GROUP BY c.id ORDER BY c.id
"""


def unscored_pairs(conn: sqlite3.Connection, comparison_id: int | None) -> dict[str, int]:
    """{comparison name: pairs without a score} for one comparison (or all)."""
    return dict(conn.execute(UNSCORED_SQL, {"cid": comparison_id}).fetchall())


class ScoringOffer:
    """Knows whether the queue's comparison lacks scores, and scores it on request."""

    def __init__(self, host: WorkerHost, db_path: str) -> None:
        self.host = host
        self.db_path = db_path
        self.unscored: dict[str, int] = {}
        self.comparison_id: int | None = None
        self.running = False
        self.progress = ""
        self._checked: tuple[int | None] | None = None  # the comparison last counted

    @property
    def offered(self) -> bool:
        """There are pairs to score and no run is under way (the key applies)."""
        return bool(self.unscored) and not self.running

    def status(self) -> str:
        """The status line's part: the progress, the offer, or nothing."""
        if self.running:
            return self.progress or "scoring…"
        if self.unscored:
            return f"{sum(self.unscored.values()):,} unscored (Z)"
        return ""

    def check(self, comparison_id: int | None, again: bool = False) -> None:
        """Count the pairs without scores (once per comparison, unless ``again``)."""
        if self._checked == (comparison_id,) and not again:
            return
        self._checked = (comparison_id,)

        def job() -> None:
            with closing(connect(self.db_path)) as conn:
                found = unscored_pairs(conn, comparison_id)
            self.host.post_message(UnscoredCounted(comparison_id, found))

        self._run(job, GROUP_CHECK)

    def counted(self, msg: UnscoredCounted) -> str | None:
        """Take a count; what to tell the reviewer when it is news (else None)."""
        news = bool(msg.unscored) and msg.unscored != self.unscored
        self.comparison_id, self.unscored = msg.comparison_id, msg.unscored
        if not news or self.running:
            return None
        n = sum(msg.unscored.values())
        return (
            f"{n:,} pairs have no scores yet, so distances show '-' and the queue is in"
            " key order: press Z to score them now (or run swapview score)"
        )

    def start(self) -> None:
        """Score every comparison counted as unscored, one after the other."""
        names = list(self.unscored)
        if not names or self.running:
            return
        self.running, self.progress = True, "scoring: loading the embedding model…"

        def job() -> None:
            try:
                reports = self._score(names)
            except ScoringStopped:
                return  # the screen is gone; the chunks committed are kept
            except Exception as exc:  # reported on screen; the chunks done are kept
                self.host.post_message(ScoringFinished(error=f"scoring failed: {exc}"))
            else:
                self.host.post_message(ScoringFinished(reports))

        self._run(job, GROUP_SCORE)

    def finished(self, msg: ScoringFinished) -> str:
        """The run ended; what to tell the reviewer (the error, or how many were scored)."""
        self.running, self.progress = False, ""
        if msg.error is not None:
            return msg.error
        self.unscored = {}
        return f"scored {sum(r.scored for r in msg.reports):,} pairs"

    def _score(self, names: list[str]) -> list[ScoreReport]:
        def say(text: str) -> None:
            self.host.post_message(ScoringProgressed(f"scoring: {text}"))

        embedder = make_embedder(None, progress=say)
        db = open_db(self.db_path, migrate=False)
        try:
            return [
                score_comparison(db, name, embedder, progress=_progress(say, name))
                for name in names
            ]
        finally:
            db.close()

    def _run(self, job: Callable[[], None], group: str) -> None:
        start_thread(self.host, job, group, exclusive=True)


class ScoringStopped(Exception):
    """The worker was cancelled (the app quit): stop after the chunk just committed."""


def _progress(say: Callable[[str], None], name: str) -> Callable[[int, int], None]:
    def progress(done: int, todo: int) -> None:
        if get_current_worker().is_cancelled:
            raise ScoringStopped
        say(f"{name} {done:,}/{todo:,}")

    return progress
