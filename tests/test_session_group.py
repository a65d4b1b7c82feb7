"""Group writes in the reviewer's session: one transaction, one undo step, one redo step,
and never over another reviewer's later decision."""

from __future__ import annotations

import queue as stdqueue

from swapview import reviews
from swapview.session import Outcome, ReviewSession
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)
from swapview.triage.clusters import build_clusters, cluster_of, tag_cluster

REFUSAL = "I'm sorry, but I can't help with that. Please contact support."


def _setup(path) -> list[int]:
    db = open_db(path)
    recs = [
        PairRecord(f"p{i}", f"question {i}?", f"A full answer about topic {i}.", REFUSAL, {})
        for i in range(6)
    ]
    recs.append(PairRecord("other", "hi?", "Hello there.", "Hello there!", {}))
    with write_transaction(db):
        cid = ensure_comparison(db, "c")
        PairWriter(db, cid, LoadReport()).write(recs)
    build_clusters(db, cid)
    ids = [r[0] for r in db.execute("SELECT id FROM pairs WHERE key LIKE 'p%' ORDER BY id")]
    db.close()
    return ids


def _run(session: ReviewSession, outcomes: stdqueue.Queue, call) -> Outcome:
    call()
    assert session.wait_idle(10)
    return outcomes.get_nowait()


def _tags(path, ids) -> list[tuple[str | None, str | None]]:
    db = open_db(path, migrate=False)
    out = []
    for pid in ids:
        d = reviews.current(db, pid)
        out.append((d.tag, d.reviewer) if d else (None, None))
    db.close()
    return out


def test_group_tag_undo_redo_as_one_step(db_path):
    ids = _setup(db_path)
    db = open_db(db_path, migrate=False)
    cluster = cluster_of(db, ids[0]).id
    db.close()
    outcomes: stdqueue.Queue = stdqueue.Queue()
    session = ReviewSession(db_path, "ana", outcomes.put)
    try:
        session.tag(ids[0], "neutral")  # reviewed already: the cluster tag leaves it
        assert session.wait_idle(10)
        outcomes.get_nowait()
        o = _run(
            session,
            outcomes,
            lambda: session.group(
                "tag_cluster", lambda db, who: tag_cluster(db, cluster, who, "regression")
            ),
        )
        assert o.error is None and [pid for pid, _ in o.group] == ids[1:]
        assert all(d.tag == "regression" and d.reviewer == "ana" for _, d in o.group)
        assert _tags(db_path, ids) == [("neutral", "ana")] + [("regression", "ana")] * 5

        o = _run(session, outcomes, session.undo)
        assert o.action == "undo" and len(o.group) == 5
        assert _tags(db_path, ids) == [("neutral", "ana")] + [(None, "ana")] * 5
        o = _run(session, outcomes, session.redo)
        assert _tags(db_path, ids) == [("neutral", "ana")] + [("regression", "ana")] * 5
        # The single tag before the group is the next undo step, on its own.
        o = _run(session, outcomes, session.undo)
        o = _run(session, outcomes, session.undo)
        assert o.pair_id == ids[0] and o.decision.tag is None
    finally:
        session.close()


def test_group_undo_keeps_another_reviewers_later_decision(db_path):
    ids = _setup(db_path)
    db = open_db(db_path, migrate=False)
    cluster = cluster_of(db, ids[0]).id
    db.close()
    outcomes: stdqueue.Queue = stdqueue.Queue()
    session = ReviewSession(db_path, "ana", outcomes.put)
    try:
        _run(
            session,
            outcomes,
            lambda: session.group(
                "tag_cluster", lambda db, who: tag_cluster(db, cluster, who, "regression")
            ),
        )
        other = open_db(db_path, migrate=False)
        reviews.record(other, ids[2], "bo", tag="improvement")
        other.close()
        o = _run(session, outcomes, session.undo)
        assert len(o.group) == 5 and "1 of 6 pairs kept" in o.error
        assert _tags(db_path, ids)[2] == ("improvement", "bo")
        assert [t for t, _ in _tags(db_path, ids)] == [None, None, "improvement", None, None, None]
    finally:
        session.close()


def test_a_group_that_changes_nothing_is_an_error_not_an_undo_step(db_path):
    _setup(db_path)
    outcomes: stdqueue.Queue = stdqueue.Queue()
    session = ReviewSession(db_path, "ana", outcomes.put)
    try:
        o = _run(session, outcomes, lambda: session.group("tag_cluster", lambda db, who: []))
        assert o.error and not o.group
        assert not session.can_undo
    finally:
        session.close()
