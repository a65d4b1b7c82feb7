"""Is a comparison scored, and if not, the command that scores it (CLI, report, review app)."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

from sqlite_utils import Database

from ..store import DEFAULT_DB, db_file
from .runner import SCORER_VERSION

STATUS_SQL = """
SELECT count(*),
  coalesce(sum(p.baseline_output IS NULL OR p.candidate_output IS NULL), 0),
  coalesce(sum(s.pair_id IS NULL AND p.baseline_output IS NOT NULL
               AND p.candidate_output IS NOT NULL), 0),
  coalesce(sum(s.pair_id IS NOT NULL AND (s.content_hash != p.content_hash
               OR s.scorer_version != :version)), 0)
FROM pairs p LEFT JOIN scores s ON s.pair_id = p.id WHERE p.comparison_id = :cid
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
    row = db.execute(STATUS_SQL, {"cid": comparison_id, "version": SCORER_VERSION}).fetchone()
    return ScoreStatus(*(int(v) for v in row))


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
