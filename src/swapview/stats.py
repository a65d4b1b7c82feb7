"""Per-comparison counts: pairs, reviewed, tags, and score summaries once scored."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database


def comparison_stats(db: Database) -> list[dict[str, Any]]:
    """One dict per comparison, ready to print or dump as JSON."""
    out = []
    for comp in db.query("SELECT * FROM comparisons ORDER BY id"):
        cid = comp["id"]
        out.append(
            {
                "comparison": comp["name"],
                "baseline_model": comp["baseline_model"],
                "candidate_model": comp["candidate_model"],
                "pairs": _scalar(db, "SELECT count(*) FROM pairs WHERE comparison_id = ?", cid),
                "reviewed": _scalar(
                    db,
                    "SELECT count(*) FROM decisions d JOIN pairs p ON p.id = d.pair_id"
                    " WHERE p.comparison_id = ? AND d.tag IS NOT NULL",
                    cid,
                ),
                "stale": _scalar(
                    db,
                    "SELECT count(*) FROM decisions d JOIN pairs p ON p.id = d.pair_id"
                    " WHERE p.comparison_id = ? AND d.stale = 1",
                    cid,
                ),
                "tags": _tag_counts(db, cid),
                "scores": _score_summary(db, cid),
            }
        )
    return out


def _scalar(db: Database, sql: str, *args: Any) -> int:
    return int(db.execute(sql, args).fetchone()[0])


def _tag_counts(db: Database, cid: int) -> dict[str, int]:
    rows = db.execute(
        "SELECT d.tag, count(*) FROM decisions d JOIN pairs p ON p.id = d.pair_id"
        " WHERE p.comparison_id = ? AND d.tag IS NOT NULL GROUP BY d.tag ORDER BY 2 DESC",
        [cid],
    )
    return {tag: n for tag, n in rows}


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
