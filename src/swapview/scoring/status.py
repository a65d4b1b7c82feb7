"""Is a comparison scored, and if not, the command that scores it (CLI, report, review app)."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

from sqlite_utils import Database

from ..store import DEFAULT_DB, db_file
from .runner import SCORER_VERSION

# Both read indexes only (m130): the pair rows hold the texts, and the content hash after
# them, so reading the rows would read every text.
STATUS_SQL = """
SELECT count(*), coalesce(sum(s.pair_id IS NULL), 0),
  coalesce(sum(s.pair_id IS NOT NULL AND (s.content_hash != p.content_hash
               OR s.scorer_version != :version)), 0)
FROM pairs p INDEXED BY pairs_comparison_hash LEFT JOIN scores s ON s.pair_id = p.id
WHERE p.comparison_id = :cid
"""
PENDING_SQL = """
SELECT count(*), coalesce(sum(NOT EXISTS (SELECT 1 FROM scores s WHERE s.pair_id = p.id)), 0)
FROM pairs p INDEXED BY pairs_pending WHERE p.comparison_id = :cid
  AND (p.baseline_output IS NULL OR p.candidate_output IS NULL)
"""


@dataclass(frozen=True)
class ScoreStatus:
    """How many of a comparison's pairs have current scores."""

    pairs: int
    pending: int  # a side not loaded yet: nothing to score
    unscored: int  # never scored
    outdated: int  # scored before the pair or the scorer changed

    @property
    def to_score(self) -> int:
        return self.unscored + self.outdated


def score_status(db: Database, comparison_id: int) -> ScoreStatus:
    args = {"cid": comparison_id, "version": SCORER_VERSION}
    pairs, no_score, outdated = db.execute(STATUS_SQL, args).fetchone()
    pending, pending_no_score = db.execute(PENDING_SQL, args).fetchone()
    return ScoreStatus(pairs, pending, no_score - pending_no_score, outdated)


def score_command(db: Database, comparison: str) -> str:
    """The command line that scores the comparison in this database."""
    path = db_file(db)
    where = ""
    if path and os.path.abspath(path) != os.path.abspath(DEFAULT_DB):
        where = f" --db {shlex.quote(path)}"
    return f"swapview{where} score -c {shlex.quote(comparison)}"


def score_problem(db: Database, comparison: dict) -> str | None:
    """What is not scored ("demo is not scored yet"), or None when every pair is."""
    status = score_status(db, comparison["id"])
    if not status.to_score:
        return None
    name = comparison["name"]
    if status.unscored == status.pairs - status.pending:
        return f"{name} is not scored yet"
    if status.unscored:
        return f"{status.unscored} of {status.pairs} pairs of {name} are not scored"
    return (
        f"{status.outdated} of {status.pairs} pairs of {name} were scored before their text"
        " or the scorer changed"
    )


def score_hint(db: Database, comparison: dict) -> str | None:
    """One line saying what is not scored and how to score it, or None when all is."""
    problem = score_problem(db, comparison)
    if problem is None:
        return None
    return (
        f"{problem}: its distances and signals show as -;"
        f" run `{score_command(db, comparison['name'])}`"
    )
