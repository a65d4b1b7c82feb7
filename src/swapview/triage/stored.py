"""What triage has already stored for a comparison: cheap existence checks.

The review screen asks these before deciding whether to announce a first refit, show
the cluster column, or compute an estimate (assigning bands reads every pair's
features, so it waits until the reviewer is triaging). Each is one indexed lookup.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

Conn = sqlite3.Connection | Database


def _any(conn: Conn, table: str, comparison_id: int | None) -> bool:
    # ``table`` is one of the fixed names below, never user input.
    if comparison_id is None:
        return conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
    sql = f"SELECT 1 FROM {table} WHERE comparison_id = ? LIMIT 1"
    return conn.execute(sql, [comparison_id]).fetchone() is not None


def has_scores(conn: Conn, comparison_id: int) -> bool:
    """True once a refit stored likely-regression scores for the comparison."""
    return _any(conn, "triage_scores", comparison_id)


def has_clusters(conn: Conn, comparison_id: int | None) -> bool:
    """True once the comparison (or, with None, any comparison) was grouped."""
    return _any(conn, "triage_clusters", comparison_id)


def has_bands(conn: Conn, comparison_id: int) -> bool:
    """True once the comparison's pairs were assigned to estimate bands."""
    return _any(conn, "triage_bands", comparison_id)


def pair_comparison(conn: Conn, pair_id: int) -> int | None:
    """The comparison a pair belongs to (None: no such pair)."""
    row = conn.execute("SELECT comparison_id FROM pairs WHERE id = ?", [pair_id]).fetchone()
    return None if row is None else int(row[0])


def data_version(conn: sqlite3.Connection) -> int:
    """SQLite's counter that changes whenever another connection commits (microseconds
    to ask: the screen re-reads what it shows only when someone actually wrote)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])
