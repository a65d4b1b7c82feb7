"""A datasette metadata file for a swapview database: labels, facets and canned queries.

`datasette swapview.db -m metadata.json` (datasette 0.x; 1.0 reads the same ``databases``
block from ``-c``) then shows pairs by their key instead of a bare id wherever a table
points at one, facets the tables on what reviewers filter by, and offers the questions a
migration review asks as canned queries. Nothing in the database changes.

Pair metadata keys are flat dotted strings (``candidate.finish_reason``), so SQL reaches
them as ``json_extract(metadata, '$."candidate.finish_reason"')``; the queries also try the
nested spelling (``$.candidate.finish_reason``) and replay's ``$.replay.candidate...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

TABLES: dict[str, dict[str, Any]] = {
    "comparisons": {
        "label_column": "name",
        "description": "One model migration each: the old (baseline) and new (candidate) model.",
    },
    "pairs": {
        "label_column": "key",
        "description": "One input answered by both models. prompt_format 'chat': the prompt"
        " is a JSON message list. metadata: JSON with flat dotted keys"
        " (json_extract(metadata, '$.\"candidate.finish_reason\"')).",
        "facets": ["comparison_id", "prompt_format"],
    },
    "decisions": {
        "description": "Each reviewed pair's current decision (reviews holds the history).",
        "facets": ["tag", "reviewer", "stale"],
    },
    "reviews": {
        "description": "Every tag, note, undo and redo, with who made it and when.",
        "facets": ["reviewer", "action", "tag"],
    },
    "scores": {
        "description": "Distances between the two outputs, computed on content_hash.",
        "facets": ["embedding_model", "scorer_version"],
    },
    "signals": {"description": "Quirks that fired on a pair.", "facets": ["name"]},
    "replay_errors": {
        "description": "Why `swapview replay` got no answer for a pair and side.",
        "facets": ["side", "kind", "status"],
    },
}

# :comparison left empty means every comparison.
_IN_COMPARISON = "(:comparison = '' OR c.name = :comparison)"


def _side_meta(side: str, name: str) -> str:
    """A side's metadata value whichever way it was stored."""
    return (
        f"coalesce(json_extract(p.metadata, '$.\"{side}.{name}\"'),"
        f" json_extract(p.metadata, '$.{side}.{name}'),"
        f" json_extract(p.metadata, '$.replay.{side}.{name}'))"
    )


QUERIES: dict[str, dict[str, str]] = {
    "pairs_reviewed": {
        "title": "Pairs with their decision, scores and signals",
        "description": "Most changed first. Leave comparison empty for all of them.",
        "sql": f"""
SELECT c.name AS comparison, p.key, d.tag, d.reviewer, d.note, d.updated AS decided,
       d.stale, round(s.semantic_distance, 4) AS semantic_distance,
       round(s.lexical_distance, 4) AS lexical_distance,
       round(s.length_change, 3) AS length_change,
       (SELECT group_concat(g.name, ', ') FROM signals g WHERE g.pair_id = p.id) AS signals,
       p.prompt, p.baseline_output, p.candidate_output
FROM pairs p
JOIN comparisons c ON c.id = p.comparison_id
LEFT JOIN decisions d ON d.pair_id = p.id
LEFT JOIN scores s ON s.pair_id = p.id AND s.content_hash = p.content_hash
WHERE {_IN_COMPARISON}
ORDER BY s.semantic_distance DESC, p.id""",
    },
    "regressions": {
        "title": "Pairs tagged regression",
        "sql": f"""
SELECT c.name AS comparison, p.key, d.reviewer, d.note, d.corrected_output, d.updated,
       p.prompt, p.baseline_output, p.candidate_output
FROM decisions d
JOIN pairs p ON p.id = d.pair_id
JOIN comparisons c ON c.id = p.comparison_id
WHERE d.tag = 'regression' AND {_IN_COMPARISON}
ORDER BY c.name, p.key""",
    },
    "review_history": {
        "title": "Reviews with reviewer and time, newest first",
        "sql": f"""
SELECT r.created, r.reviewer, r.action, r.tag, r.note, c.name AS comparison, p.key
FROM reviews r
JOIN pairs p ON p.id = r.pair_id
JOIN comparisons c ON c.id = p.comparison_id
WHERE {_IN_COMPARISON}
ORDER BY r.id DESC""",
    },
    "comparison_summary": {
        "title": "Per comparison: pairs, reviews, tags, distances, signals",
        "sql": """
SELECT c.name AS comparison, c.baseline_model, c.candidate_model,
       count(p.id) AS pairs,
       count(d.pair_id) AS reviewed,
       sum(d.tag = 'regression') AS regressions,
       sum(d.tag = 'improvement') AS improvements,
       sum(d.tag = 'neutral') AS neutral,
       sum(d.stale) AS stale,
       round(avg(s.semantic_distance), 4) AS mean_semantic_distance,
       sum(s.signal_count > 0) AS with_signals
FROM comparisons c
LEFT JOIN pairs p ON p.comparison_id = c.id
LEFT JOIN decisions d ON d.pair_id = p.id AND d.tag IS NOT NULL
LEFT JOIN scores s ON s.pair_id = p.id
GROUP BY c.id
ORDER BY c.id""",
    },
    "signal_counts": {
        "title": "How often each signal fired, per comparison",
        "sql": """
SELECT c.name AS comparison, g.name AS signal, count(*) AS pairs
FROM signals g
JOIN pairs p ON p.id = g.pair_id
JOIN comparisons c ON c.id = p.comparison_id
GROUP BY c.id, g.name
ORDER BY c.id, pairs DESC""",
    },
    "finish_reason_changed": {
        "title": "Pairs whose finish reason changed (a new answer cut off, say)",
        "sql": f"""
SELECT c.name AS comparison, p.key,
       {_side_meta("baseline", "finish_reason")} AS baseline_finish_reason,
       {_side_meta("candidate", "finish_reason")} AS candidate_finish_reason,
       p.baseline_output, p.candidate_output
FROM pairs p
JOIN comparisons c ON c.id = p.comparison_id
WHERE {_IN_COMPARISON}
  AND {_side_meta("baseline", "finish_reason")}
      IS NOT {_side_meta("candidate", "finish_reason")}
ORDER BY c.name, p.key""",
    },
}


def database_name(db_path: str | Path) -> str:
    """The name datasette gives a database file: its name without the suffix."""
    return Path(db_path).stem


def datasette_metadata(db: Database, db_path: str | Path) -> dict[str, Any]:
    """The metadata for ``db``: only the tables it has, the queries, its datasette name."""
    present = set(db.table_names())
    tables = {name: spec for name, spec in TABLES.items() if name in present}
    queries = {name: {**q, "sql": q["sql"].strip()} for name, q in QUERIES.items()}
    return {
        "title": f"swapview: {Path(db_path).name}",
        "description": "Model-migration review data written by swapview.",
        "databases": {database_name(db_path): {"tables": tables, "queries": queries}},
    }
