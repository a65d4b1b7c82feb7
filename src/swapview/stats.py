"""Per-comparison counts: pairs, reviewed, tags, and score summaries once scored."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .store import VISIBLE


@dataclass(frozen=True, slots=True)
class TagCounts:
    """Tagged pairs of a comparison, by the one rule stats, report and the review status
    line share: a stale decision (made before the pair's outputs changed) counts as
    reviewed, but under ``stale``, never under its tag, until the pair is tagged again."""

    tags: dict[str, int]  # current decisions per tag, most used first
    stale: int

    @property
    def reviewed(self) -> int:
        return sum(self.tags.values()) + self.stale


def tag_counts(conn: sqlite3.Connection, comparison_id: int | None) -> TagCounts:
    """Current decisions per tag and stale decisions, in one comparison (None: all)."""
    scope, args = (" AND p.comparison_id = ?", [comparison_id]) if comparison_id else ("", [])
    # decisions is small next to pairs (people tag thousands, not millions), so drive
    # the join from it.
    rows = conn.execute(
        "SELECT d.tag, d.stale, count(*) FROM decisions d CROSS JOIN pairs p ON p.id = d.pair_id"
        f" WHERE d.tag IS NOT NULL{scope} GROUP BY d.tag, d.stale",
        args,
    ).fetchall()
    current = sorted(((tag, n) for tag, stale, n in rows if not stale), key=lambda r: (-r[1], r[0]))
    return TagCounts(dict(current), sum(n for _, stale, n in rows if stale))


def comparison_stats(db: Database) -> list[dict[str, Any]]:
    """One dict per comparison, ready to print or dump as JSON."""
    out = []
    for comp in db.query(f"SELECT * FROM comparisons WHERE {VISIBLE} ORDER BY id"):
        cid = comp["id"]
        counts = tag_counts(db.conn, cid)
        out.append(
            {
                "comparison": comp["name"],
                "baseline_model": comp["baseline_model"],
                "candidate_model": comp["candidate_model"],
                "pairs": _scalar(db, "SELECT count(*) FROM pairs WHERE comparison_id = ?", cid),
                "reviewed": counts.reviewed,
                "stale": counts.stale,
                "tags": counts.tags,
                "scores": _score_summary(db, cid),
            }
        )
    return out


def _scalar(db: Database, sql: str, *args: Any) -> int:
    return int(db.execute(sql, args).fetchone()[0])


def _score_summary(db: Database, cid: int) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT count(*), avg(s.semantic_distance), max(s.semantic_distance),"
        " avg(s.lexical_distance), sum(s.signal_count > 0)"
        " FROM scores s JOIN pairs p ON p.id = s.pair_id"
        " WHERE p.comparison_id = ? AND s.content_hash = p.content_hash",
        [cid],
    ).fetchone()
    if not row[0]:
        return None
    signals = db.execute(
        "SELECT g.name, count(*) FROM signals g JOIN pairs p ON p.id = g.pair_id"
        " WHERE p.comparison_id = ? GROUP BY g.name ORDER BY 2 DESC",
        [cid],
    )
    return {
        "scored": row[0],
        "semantic_mean": row[1],
        "semantic_max": row[2],
        "lexical_mean": row[3],
        "with_signals": row[4],
        "signals": {name: n for name, n in signals},
    }
