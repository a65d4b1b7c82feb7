"""The existence checks the review screen asks before triage work (triage.stored)."""

from __future__ import annotations

import sqlite3

from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)
from swapview.triage.stored import (
    data_version,
    has_bands,
    has_clusters,
    has_scores,
    pair_comparison,
)


def test_checks_follow_what_is_stored(tmp_path):
    path = tmp_path / "t.db"
    db = open_db(path)
    with write_transaction(db):
        cid = ensure_comparison(db, "c")
        PairWriter(db, cid, LoadReport()).write([PairRecord("k", "p", "a", "b", {})])
    pid = db.execute("SELECT id FROM pairs").fetchone()[0]
    assert pair_comparison(db, pid) == cid and pair_comparison(db, pid + 99) is None
    assert not (has_scores(db, cid) or has_clusters(db, cid) or has_clusters(db, None))
    assert not has_bands(db, cid)
    db.execute(
        "INSERT INTO triage_bands (pair_id, comparison_id, band, sample_key) VALUES (?,?,0,0.5)",
        [pid, cid],
    )
    db.execute(
        "INSERT INTO triage_clusters (comparison_id, kind, label, size, created)"
        " VALUES (?, 'refusal', 'x', 1, 't')",
        [cid],
    )
    db.conn.commit()
    assert has_bands(db, cid) and not has_bands(db, cid + 1)
    assert has_clusters(db, cid) and has_clusters(db, None) and not has_clusters(db, cid + 1)
    db.close()


def test_data_version_moves_when_another_connection_commits(tmp_path):
    path = tmp_path / "t.db"
    open_db(path).close()
    mine, other = sqlite3.connect(path), sqlite3.connect(path)
    before = data_version(mine)
    assert data_version(mine) == before  # nobody wrote
    other.execute("CREATE TABLE x (a)")
    other.commit()
    assert data_version(mine) != before
    mine.close()
    other.close()
