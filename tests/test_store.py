"""The store: schema, pair writes, reloads, and decisions with history."""

from __future__ import annotations

import sqlite3

import pytest

from swapview import reviews
from swapview.errors import StoreError
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)


def _load(db, records, name="m1"):
    report = LoadReport(comparison=name)
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        PairWriter(db, cid, report).write(records)
    return report


def _recs(n, suffix=""):
    return [PairRecord(f"k{i}", f"p{i}", f"old {i}", f"new {i}{suffix}") for i in range(n)]


def test_schema_is_plain_tables_and_wal(db, db_path):
    tables = set(db.table_names())
    assert {"comparisons", "pairs", "reviews", "decisions", "scores", "signals"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Opening again applies nothing new and keeps the data.
    _load(db, _recs(3))
    again = open_db(db_path)
    assert again.execute("SELECT count(*) FROM pairs").fetchone()[0] == 3


def test_reload_same_changes_nothing_and_changed_marks_review_stale(db):
    first = _load(db, _recs(5))
    assert (first.loaded, first.updated, first.unchanged) == (5, 0, 0)
    pid = db.execute("SELECT id FROM pairs WHERE key = 'k2'").fetchone()[0]
    reviews.record(db, pid, "ana", tag="regression", note="lost the JSON")
    same = _load(db, _recs(5))
    assert (same.loaded, same.updated, same.unchanged) == (0, 0, 5)
    changed = _load(db, _recs(5, suffix=" v2"))
    assert (changed.loaded, changed.updated, changed.stale_reviews) == (0, 5, 1)
    decision = reviews.current(db, pid)
    assert decision.tag == "regression" and decision.stale


def test_duplicate_keys_reported_not_stored_twice(db):
    recs = _recs(2) + [PairRecord("k1", "p", "a", "b")]
    report = _load(db, recs)
    assert report.duplicate_keys == ["k1"]
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 2


def test_hostile_text_stored_byte_for_byte(db):
    nasty = "\x00NUL \x1b[31mred\x1b[0m [bold]x[/bold] [@click=app.quit]q[/] " + "é" * 10
    _load(db, [PairRecord("k", nasty, nasty, nasty * 2)])
    row = db.execute("SELECT prompt, baseline_output FROM pairs").fetchone()
    assert row == (nasty, nasty)


def test_tag_undo_redo_keeps_history_and_attribution(db):
    _load(db, _recs(1))
    pid = 1
    r1 = reviews.record(db, pid, "ana", tag="regression")
    reviews.record(db, pid, "ana", note="why")
    assert reviews.current(db, pid).tag == "regression"
    r3 = reviews.record(db, pid, "bo", tag="improvement")
    undo_id = reviews.undo(db, r3, "bo")
    cur = reviews.current(db, pid)
    assert (cur.tag, cur.note, cur.reviewer) == ("regression", "why", "bo")
    reviews.redo(db, r3, "bo")
    assert reviews.current(db, pid).tag == "improvement"
    reviews.undo(db, r1, "ana")
    actions = [(h["reviewer"], h["action"]) for h in reviews.history(db, pid)]
    assert actions == [
        ("ana", "tag"),
        ("ana", "note"),
        ("bo", "tag"),
        ("bo", "undo"),
        ("bo", "redo"),
        ("ana", "undo"),
    ]
    assert reviews.current(db, pid).tag is None
    assert undo_id > r3
    assert reviews.last_reviewed_pair(db, "bo") == pid


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not sqlite at all, just words " * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_db(bad)


def test_a_database_in_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match=r"x\.db: no folder .*nope to hold the database"):
        open_db(tmp_path / "nope" / "x.db")
    assert not (tmp_path / "nope").exists()  # nothing created on the way


def test_concurrent_writer_waits_instead_of_failing(db_path):
    a, b = open_db(db_path), open_db(db_path)
    _load(a, _recs(1))
    a.conn.execute("BEGIN IMMEDIATE")
    a.conn.execute("UPDATE pairs SET key = key")
    # b's write would fail at once without a busy timeout; with one it waits for a.
    import threading

    threading.Timer(0.3, a.conn.commit).start()
    reviews.record(b, 1, "bo", tag="neutral")
    assert reviews.current(a, 1).tag == "neutral"
    assert isinstance(a.conn, sqlite3.Connection)
