"""The judge's verdicts in the review queue: the current verdict per pair (judge_pairs),
the "judge" order and the "the judge disagrees" / "judged, not yet tagged" filters."""

from __future__ import annotations

import json

from swapview import queue, reviews
from swapview.config import Config
from swapview.detail import pair_detail
from swapview.judge.fields import import_field
from swapview.judge.pairs import disagreement_map, ensure_judge_pairs, judged
from swapview.queue.orders import available_orders
from swapview.store import open_db
from tests.support.judge_helpers import seed_pairs

# Per pair k0..k5: what the metadata's judge field says (None: not judged).
GRADES = {
    "k0": {"verdict": "baseline", "p_regression": 0.9},
    "k1": "candidate",
    "k2": {"verdict": "baseline", "p_regression": 0.6},
    "k3": "tie",
    "k4": None,
    "k5": {"verdict": "baseline", "p_regression": 0.75},
}


def _judged_db(tmp_path):
    db = open_db(tmp_path / "j.db")
    cid = seed_pairs(db, len(GRADES))
    for key, grade in GRADES.items():
        meta = {"row": key} if grade is None else {"grade": grade}
        db.execute("UPDATE pairs SET metadata = ? WHERE key = ?", [json.dumps(meta), key])
    db.conn.commit()
    return db, cid


def _keys(db, spec):
    shape = queue.shape(db.conn, spec)
    return [r.key for r in queue.page_at(db.conn, spec, 0, 50, shape)]


def test_a_judge_field_fills_the_queue_column_and_order(tmp_path):
    db, cid = _judged_db(tmp_path)
    assert not judged(db.conn, cid)
    assert "judge" not in [o.name for o in available_orders(db.conn)]  # no judge yet
    assert import_field(db, cid, "grade") == (5, 1)
    assert judged(db.conn, cid)
    assert "judge" in [o.name for o in available_orders(db.conn)]
    spec = queue.QueueSpec(order="judge", comparison_id=cid)
    # Most likely worse first; the unjudged pair after every judged one.
    assert _keys(db, spec)[:3] == ["k0", "k5", "k2"]
    assert _keys(db, spec)[-1] == "k4"
    row = queue.page_at(db.conn, spec, 0, 1, queue.shape(db.conn, spec))[0]
    assert (row.judge, row.judge_confidence) == ("new_worse", 0.9)
    detail = pair_detail(db.conn, row.pair_id)
    assert detail.judgement is not None
    assert detail.judgement.describe() == 'judge field:grade: new worse 90%: "from grade"'


def test_a_reloaded_pair_loses_its_verdict_in_the_detail(tmp_path):
    db, cid = _judged_db(tmp_path)
    import_field(db, cid, "grade")
    pid = db.execute("SELECT id FROM pairs WHERE key = 'k0'").fetchone()[0]
    db.execute("UPDATE pairs SET content_hash = 'other' WHERE id = ?", [pid])
    db.conn.commit()
    assert pair_detail(db.conn, pid).judgement is None  # judged on texts that are gone


def test_filters_disagreeing_and_judged_untagged(tmp_path):
    db, cid = _judged_db(tmp_path)
    import_field(db, cid, "grade")
    ids = dict(db.execute("SELECT key, id FROM pairs").fetchall())
    reviews.record(db, ids["k0"], "ana", tag="regression")  # agrees (new worse)
    reviews.record(db, ids["k1"], "ana", tag="regression")  # judge: new better
    reviews.record(db, ids["k3"], "ana", tag="skip")  # a skip says nothing
    reviews.record(db, ids["k4"], "ana", tag="neutral")  # not judged
    config = Config()
    agrees = disagreement_map([t.name for t in config.all_tags()], config.tag_kinds())
    assert ("regression", "new_worse") in agrees and all(t != "skip" for t, _ in agrees)
    base = queue.QueueSpec(order="key", comparison_id=cid)
    disagrees = base.with_(judge="disagrees", agrees_with=agrees)
    assert _keys(db, disagrees) == ["k1"]
    assert _keys(db, base.with_(judge="unreviewed")) == ["k2", "k5"]
    assert disagrees.describe_filters() == "judge disagrees"


def test_verdicts_stored_before_the_table_are_filled_in(tmp_path):
    db, cid = _judged_db(tmp_path)
    import_field(db, cid, "grade")
    db.execute("DELETE FROM judge_pairs")
    db.conn.commit()
    ensure_judge_pairs(db, [cid])
    assert db.execute("SELECT count(*) FROM judge_pairs").fetchone()[0] == 5
