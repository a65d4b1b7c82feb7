"""Decisions on pairs: tags, notes and corrected answers, with full history.

Every change is a new row in ``reviews`` holding the whole decision after it, and the
current decision per pair is kept in ``decisions`` in the same transaction. Undo writes
the state before an event back as a new event, so history is never rewritten and two
reviewers on one database never lose each other's work.

A second look (``SECOND_LOOK``) is the one exception: a second reviewer's own tag of a
pair someone else decided, made blind to that decision for the agreement between them.
It is a ``reviews`` row of its own (that reviewer's label, nothing else) and never
touches ``decisions``: the first decision stands, and the rows that make up the decision
history (undo's "state before", a correction's author) leave second looks out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .errors import NotFoundError, SwapviewError
from .store import now, write_transaction

DEFAULT_TAGS: dict[str, str] = {
    "regression": "r",
    "improvement": "i",
    "neutral": "n",
    "skip": "s",
}

_UNSET: Any = object()
SECOND_LOOK = "second_look"  # the action of a second reviewer's blind tag
DECISION_ROWS = f"action != '{SECOND_LOOK}'"  # the history rows that made the decisions


@dataclass(frozen=True, slots=True)
class Decision:
    """The current decision on one pair."""

    pair_id: int
    tag: str | None
    note: str | None
    corrected_output: str | None
    reviewer: str
    review_id: int
    stale: bool


def current(db: Database, pair_id: int) -> Decision | None:
    row = db.execute(
        "SELECT pair_id, tag, note, corrected_output, reviewer, review_id, stale"
        " FROM decisions WHERE pair_id = ?",
        [pair_id],
    ).fetchone()
    if row is None:
        return None
    pair_id, tag, note, corrected, reviewer, review_id, stale = row
    return Decision(pair_id, tag, note, corrected, reviewer, review_id, bool(stale))


def _pair_hash(db: Database, pair_id: int) -> str:
    row = db.execute("SELECT content_hash FROM pairs WHERE id = ?", [pair_id]).fetchone()
    if row is None:
        raise NotFoundError(f"no pair with id {pair_id}")
    return row[0]


def _write(
    db: Database,
    pair_id: int,
    reviewer: str,
    action: str,
    state: tuple[str | None, str | None, str | None],
    reverts: int | None = None,
) -> int:
    """Append one history row and make it the pair's current decision."""
    stamp = now()
    with write_transaction(db):
        pair_hash = _pair_hash(db, pair_id)
        review_id = _append(db, pair_id, reviewer, action, state, reverts, (pair_hash, stamp))
        tag, note, corrected = state
        db.execute(
            "INSERT INTO decisions (pair_id, tag, note, corrected_output, reviewer, review_id,"
            " pair_hash, stale, updated) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"
            " ON CONFLICT(pair_id) DO UPDATE SET tag = excluded.tag, note = excluded.note,"
            " corrected_output = excluded.corrected_output, reviewer = excluded.reviewer,"
            " review_id = excluded.review_id, pair_hash = excluded.pair_hash, stale = 0,"
            " updated = excluded.updated",
            [pair_id, tag, note, corrected, reviewer, review_id, pair_hash, stamp],
        )
    return review_id


def _append(
    db: Database,
    pair_id: int,
    reviewer: str,
    action: str,
    state: tuple[str | None, str | None, str | None],
    reverts: int | None = None,
    stamped: tuple[str, str] | None = None,
) -> int:
    """Append one history row (inside the caller's transaction); returns its id.
    ``stamped``: the pair's hash and the time, when the caller has them already."""
    if not reviewer:
        raise SwapviewError("a reviewer name is needed (--reviewer, config or $USER)")
    tag, note, corrected = state
    pair_hash, stamp = stamped or (_pair_hash(db, pair_id), now())
    cur = db.execute(
        "INSERT INTO reviews (pair_id, reviewer, action, tag, note, corrected_output,"
        " pair_hash, reverts, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [pair_id, reviewer, action, tag, note, corrected, pair_hash, reverts, stamp],
    )
    return int(cur.lastrowid or 0)


def second_look(
    db: Database, pair_id: int, reviewer: str, tag: str | None, reverts: int | None = None
) -> int:
    """Store ``reviewer``'s blind tag of a pair another reviewer decided, as their own label
    (the agreement reads it); the pair's decision is left as it stands."""
    with write_transaction(db):
        return _append(db, pair_id, reviewer, SECOND_LOOK, (tag, None, None), reverts)


def is_second_look(db: Database, review_id: int) -> bool:
    row = db.execute("SELECT action FROM reviews WHERE id = ?", [review_id]).fetchone()
    return row is not None and row[0] == SECOND_LOOK


def record(
    db: Database,
    pair_id: int,
    reviewer: str,
    *,
    tag: str | None = _UNSET,
    note: str | None = _UNSET,
    corrected_output: str | None = _UNSET,
) -> int:
    """Change a pair's decision (only the fields given); returns the history row id."""
    with write_transaction(db):  # the read of the old state and the write are one step
        return _record(db, pair_id, reviewer, tag, note, corrected_output)


def _record(db, pair_id, reviewer, tag, note, corrected_output) -> int:
    old = current(db, pair_id)
    state = (
        old.tag if tag is _UNSET and old else (None if tag is _UNSET else tag),
        old.note if note is _UNSET and old else (None if note is _UNSET else note),
        old.corrected_output
        if corrected_output is _UNSET and old
        else (None if corrected_output is _UNSET else corrected_output),
    )
    action = "tag" if tag is not _UNSET else ("note" if note is not _UNSET else "correct")
    return _write(db, pair_id, reviewer, action, state)


def _event(db: Database, review_id: int) -> tuple[int, str | None, str | None, str | None]:
    row = db.execute(
        "SELECT pair_id, tag, note, corrected_output FROM reviews WHERE id = ?", [review_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no review with id {review_id}")
    return row


def undo(db: Database, review_id: int, reviewer: str) -> int:
    """Put back the decision that stood before ``review_id``; returns the new row id."""
    with write_transaction(db):  # read the state before and write it back in one step
        return _undo(db, review_id, reviewer)


def _undo(db: Database, review_id: int, reviewer: str) -> int:
    pair_id = _event(db, review_id)[0]
    if is_second_look(db, review_id):
        return _undo_second_look(db, pair_id, review_id, reviewer)
    before = db.execute(
        f"SELECT tag, note, corrected_output FROM reviews WHERE pair_id = ? AND id < ?"
        f" AND {DECISION_ROWS} ORDER BY id DESC LIMIT 1",
        [pair_id, review_id],
    ).fetchone()
    tag, note, corrected = before or (None, None, None)
    return _write(db, pair_id, reviewer, "undo", (tag, note, corrected), review_id)


def _undo_second_look(db: Database, pair_id: int, review_id: int, reviewer: str) -> int:
    """Take back a second look: the reviewer's label goes back to their one before (or
    none), as another second-look row; the decision is untouched, as the look left it."""
    before = db.execute(
        "SELECT tag FROM reviews WHERE pair_id = ? AND id < ? AND action = ? AND reviewer = ?"
        " ORDER BY id DESC LIMIT 1",
        [pair_id, review_id, SECOND_LOOK, reviewer],
    ).fetchone()
    return second_look(db, pair_id, reviewer, before[0] if before else None, review_id)


def redo(db: Database, review_id: int, reviewer: str) -> int:
    """Apply again the decision that ``review_id`` made; returns the new row id."""
    pair_id, tag, note, corrected = _event(db, review_id)
    if is_second_look(db, review_id):
        return second_look(db, pair_id, reviewer, tag, review_id)
    return _write(db, pair_id, reviewer, "redo", (tag, note, corrected), review_id)


def history(db: Database, pair_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM reviews WHERE pair_id = ? ORDER BY id", [pair_id]))


def last_reviewed_pair(db: Database, reviewer: str, comparison_id: int | None = None) -> int | None:
    """The pair this reviewer touched last (to resume there), optionally in one comparison."""
    sql = "SELECT r.pair_id FROM reviews r"
    args: list[Any] = [reviewer]
    if comparison_id is not None:
        sql += " JOIN pairs p ON p.id = r.pair_id WHERE r.reviewer = ? AND p.comparison_id = ?"
        args.append(comparison_id)
    else:
        sql += " WHERE r.reviewer = ?"
    row = db.execute(sql + " ORDER BY r.id DESC LIMIT 1", args).fetchone()
    return row[0] if row else None


# ----- claims: the pair under a reviewer's cursor, for a short while
CLAIM_SECONDS = 120.0  # long enough to read a pair; a reviewer who left frees it soon


def claim(db: Database, reviewer: str, pair_id: int, seconds: float = CLAIM_SECONDS) -> None:
    """Claim ``pair_id`` for ``reviewer`` (their earlier claim, if any, moves here)."""
    with write_transaction(db):
        db.execute(
            "INSERT INTO review_claims (reviewer, pair_id, until) VALUES (?, ?, ?)"
            " ON CONFLICT(reviewer) DO UPDATE SET pair_id = excluded.pair_id,"
            " until = excluded.until",
            [reviewer, pair_id, time.time() + seconds],
        )


def release(db: Database, reviewer: str) -> None:
    """Drop the reviewer's claim (they quit)."""
    with write_transaction(db):
        db.execute("DELETE FROM review_claims WHERE reviewer = ?", [reviewer])


def claims_of_others(conn: Any, reviewer: str) -> dict[int, str]:
    """{pair id: reviewer} of the live claims held by anyone but ``reviewer``."""
    rows = conn.execute(
        "SELECT pair_id, reviewer FROM review_claims WHERE reviewer != ? AND until > ?"
        " ORDER BY until",
        [reviewer, time.time()],
    )
    return {pair_id: who for pair_id, who in rows}
