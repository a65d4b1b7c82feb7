"""Queue paging against a brute-force oracle: every order, ties, unscored tails, filters."""

from __future__ import annotations

import random

import pytest

from swapview import queue, reviews
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction


def load(db, n, name="m1", meta=None):
    report = LoadReport(comparison=name)
    with write_transaction(db):
        cid = ensure_comparison(db, name, baseline_model="old", candidate_model="new")
        recs = [
            PairRecord(
                f"{name}-k{i:04d}",
                f"prompt {i}",
                f"old {i}",
                f"new {i}",
                (meta or (lambda i: {"lang": "en" if i % 3 else "fr"}))(i),
            )
            for i in range(n)
        ]
        PairWriter(db, cid, report).write(recs)
    return cid


def score(db, rng, *, unscored=0.1, ties=True):
    """Random scores with many ties (values on a coarse grid) and some pairs unscored."""
    ids = [r[0] for r in db.execute("SELECT id FROM pairs ORDER BY id")]
    rows = []
    for pid in ids:
        if rng.random() < unscored:
            continue
        grid = (lambda: rng.randint(0, 5) / 5) if ties else rng.random
        sem = None if rng.random() < 0.05 else grid()
        rows.append((pid, "h", "v1", "m", sem, grid(), grid() - 0.5, rng.randint(0, 2), "t"))
    db.conn.executemany(
        "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
        " semantic_distance, lexical_distance, length_change, signal_count, scored)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    for pid, *_rest, signal_count, _ in rows:
        for k in range(signal_count):
            db.execute(
                "INSERT INTO signals (pair_id, name) VALUES (?, ?)",
                [pid, ["json_broke", "truncated"][k]],
            )
    # Some pairs refined by an accurate model: the meaning orders read that distance.
    db.execute(
        "UPDATE scores SET refined_model = 'acc', refined_distance = 0.3,"
        " refined_on_static = round(semantic_distance * 2, 1) / 2 + 0.1"
        " WHERE pair_id % 4 = 0 AND semantic_distance IS NOT NULL"
    )
    db.conn.commit()


def oracle(db, spec: queue.QueueSpec) -> list[int]:
    """The full expected order, computed in Python from plain rows."""
    rows = db.execute(
        "SELECT p.id, p.key, p.comparison_id, p.metadata,"
        " coalesce(s.refined_on_static, s.semantic_distance),"
        " s.lexical_distance, s.length_change, s.signal_count, d.tag"
        " FROM pairs p LEFT JOIN scores s ON s.pair_id = p.id"
        " LEFT JOIN decisions d ON d.pair_id = p.id"
    ).fetchall()
    sig = {}
    for pid, name in db.execute("SELECT pair_id, name FROM signals"):
        sig.setdefault(pid, set()).add(name)
    import json

    def keep(r):
        pid, key, cid, meta, *_s, tag = r
        if spec.comparison_id and cid != spec.comparison_id:
            return False
        if spec.untagged and tag is not None:
            return False
        if spec.tag and tag != spec.tag:
            return False
        if spec.signal and spec.signal not in sig.get(pid, ()):
            return False
        if spec.meta_field and str(json.loads(meta).get(spec.meta_field)) != spec.meta_value:
            return False
        return spec.ids is None or pid in spec.ids

    rows = [r for r in rows if keep(r)]
    name = spec.order
    if name in ("key", "random"):
        if name == "key":
            return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[0]))]
        # random: the SQL hash, evaluated by SQLite itself, is the oracle's sort value.
        expr = queue.get_order("random").sql_columns(spec.seed)[0]
        val = {pid: v for pid, v in db.execute(f"SELECT p.id, {expr} FROM pairs p")}
        return [r[0] for r in sorted(rows, key=lambda r: (val[r[0]], r[0]))]
    col = {"semantic": 4, "lexical": 5, "length": 6}.get(name)
    if name == "quirk":
        head = [r for r in rows if r[7] is not None and r[4] is not None]
        head.sort(key=lambda r: (r[7], r[4], r[0]), reverse=True)
    else:
        head = [r for r in rows if r[col] is not None]
        desc = name != "length"
        head.sort(key=lambda r: (r[col], r[0]), reverse=desc)
    tail = sorted((r for r in rows if r not in head), key=lambda r: r[0])
    return [r[0] for r in head + tail]


@pytest.fixture
def scored_db(db):
    cid1 = load(db, 120, "m1")
    load(db, 40, "m2")
    score(db, random.Random(7))
    ids = [r[0] for r in db.execute("SELECT id FROM pairs WHERE comparison_id = ?", [cid1])]
    for pid in ids[:30:3]:
        reviews.record(db, pid, "ana", tag="regression")
    for pid in ids[1:30:4]:
        reviews.record(db, pid, "bo", tag="neutral")
    return db, cid1


SPECS = [
    dict(order="semantic"),
    dict(order="lexical"),
    dict(order="length"),
    dict(order="quirk"),
    dict(order="key"),
    dict(order="random", seed=3),
    dict(order="random", seed=4),
    dict(order="semantic", untagged=True),
    dict(order="semantic", tag="regression"),
    dict(order="lexical", signal="json_broke"),
    dict(order="key", meta_field="lang", meta_value="fr"),
    dict(order="semantic", comparison_id=None),
]


@pytest.mark.parametrize("spec_args", SPECS, ids=lambda a: "-".join(map(str, a.values())))
@pytest.mark.parametrize("page", [1, 7, 50])
def test_forward_and_backward_walks_match_oracle(scored_db, spec_args, page):
    db, cid = scored_db
    spec = queue.QueueSpec(**{"comparison_id": cid, **spec_args})
    expected = oracle(db, spec)
    conn = db.conn
    assert queue.count(conn, spec) == len(expected)
    # A full shape, none, or only the total (head not counted yet): all must walk alike.
    shape = {1: queue.shape(conn, spec), 7: None, 50: queue.Shape(len(expected))}[page]
    walked, key = [], None
    while True:
        rows = queue.page_after(conn, spec, key, page, shape)
        walked += [r.pair_id for r in rows]
        if len(rows) < page:
            break
        key = rows[-1].sort
    assert walked == expected
    back, key = [], None
    while True:
        rows = queue.page_before(conn, spec, key, page, shape)
        back = [r.pair_id for r in rows] + back
        if len(rows) < page:
            break
        key = rows[0].sort
    assert back == expected


@pytest.mark.parametrize("spec_args", SPECS[:6] + SPECS[7:8])
def test_offsets_positions_and_keys_agree(scored_db, spec_args):
    db, cid = scored_db
    spec = queue.QueueSpec(**{"comparison_id": cid, **spec_args})
    expected = oracle(db, spec)
    conn, total = db.conn, len(expected)
    shape = queue.shape(conn, spec)
    assert shape.total == total
    for offset in range(total + 1):
        for with_shape in (None, shape):
            got = [r.pair_id for r in queue.page_at(conn, spec, offset, 5, with_shape)]
            assert got == expected[offset : offset + 5], (offset, with_shape)
    for idx in range(total):
        pid = expected[idx]
        key = queue.sort_key(conn, spec, pid)
        assert queue.position(conn, spec, key, shape if idx % 2 else None) == idx
        assert queue.row_for(conn, spec, pid).pair_id == pid


def test_ties_on_a_page_boundary_lose_and_repeat_nothing(db):
    cid = load(db, 30)
    ids = [r[0] for r in db.execute("SELECT id FROM pairs ORDER BY id")]
    db.conn.executemany(
        "INSERT INTO scores (pair_id, content_hash, scorer_version, semantic_distance, scored)"
        " VALUES (?, 'h', 'v', 0.5, 't')",
        [(i,) for i in ids],
    )
    spec = queue.QueueSpec(comparison_id=cid)
    first = queue.page_after(db.conn, spec, None, 10)
    second = queue.page_after(db.conn, spec, first[-1].sort, 10)
    assert [r.pair_id for r in first + second] == sorted(ids, reverse=True)[:20]


def test_rows_carry_decisions_signals_and_chat_snippet(db):
    report = LoadReport()
    with write_transaction(db):
        cid = ensure_comparison(db, "chat")
        PairWriter(db, cid, report).write(
            [
                PairRecord(
                    "c1",
                    [
                        {"role": "system", "content": "be nice"},
                        {"role": "user", "content": "first question"},
                        {"role": "assistant", "content": "answer"},
                        {"role": "user", "content": "[bold]second[/] question"},
                    ],
                    "a",
                    "b",
                ),
            ]
        )
    pid = db.execute("SELECT id FROM pairs").fetchone()[0]
    db.execute("INSERT INTO signals (pair_id, name) VALUES (?, 'refusal_appeared')", [pid])
    reviews.record(db, pid, "ana", tag="regression", note="worse")
    (row,) = queue.page_after(db.conn, queue.QueueSpec(comparison_id=cid), None, 5)
    assert row.snippet == "[bold]second[/] question"
    assert (row.tag, row.reviewer, row.has_note, row.signals) == (
        "regression",
        "ana",
        True,
        ("refusal_appeared",),
    )
    assert row.semantic is None and row.sort[0] == 1


def test_progress_and_find_key(scored_db):
    db, cid = scored_db
    prog = queue.progress(db.conn, cid)
    assert prog.total == 120
    # Two pairs got both tags; the later one (neutral) is their current decision.
    assert prog.tags == {"regression": 8, "neutral": 8}
    assert prog.summary() == "16 of 120 reviewed, 8 regressions"
    assert queue.find_key(db.conn, cid, "m1-k0042") is not None
    assert queue.find_key(db.conn, cid, "m1-k01") == queue.find_key(db.conn, cid, "m1-k0100")
    assert queue.find_key(db.conn, cid, "m2-k0001") is None  # other comparison
    assert queue.find_key(db.conn, cid, "zzz") is None


def test_unknown_order_names_the_choices():
    with pytest.raises(Exception, match="semantic"):
        queue.get_order("nope")


def test_the_likely_regression_order_pages_triage_scores(scored_db):
    # triage registers one entry over its own table (migration m030).
    db, cid = scored_db
    db.execute(
        "INSERT INTO triage_scores (pair_id, comparison_id, score, model_version, updated)"
        " SELECT id, comparison_id, (id * 37) % 11, 'test', 'now' FROM pairs"
    )
    spec = queue.QueueSpec(order="regression", comparison_id=cid)
    rows = queue.page_after(db.conn, spec, None, 200)
    scores = {p: s for p, s in db.execute("SELECT pair_id, score FROM triage_scores")}
    got = [(scores[r.pair_id], r.pair_id) for r in rows]
    assert got == sorted(got, reverse=True) and len(got) == 120


@pytest.mark.parametrize(
    "order, index",
    [
        ("semantic", "scores_semantic_refined"),
        ("lexical", "scores_lexical"),
        ("length", "scores_length"),
        ("quirk", "scores_quirk_refined"),
        ("key", "sqlite_autoindex_pairs_1"),
        ("random", "pairs_random"),
        ("regression", "triage_scores_order"),
    ],
)
def test_each_order_pages_by_its_index(scored_db, order, index):
    # A keyset page must seek in the order's index: a full scan plus sort is what makes
    # paging cost seconds at 1M rows.
    from swapview.queue.paging import _Query

    db, cid = scored_db
    spec = queue.QueueSpec(order=order, comparison_id=cid)
    key = queue.page_after(db.conn, spec, None, 3)[-1].sort
    q = _Query(db.conn, spec)
    extra, args = q._bound(0, key, q._desc(0, True))
    sql = (
        f"SELECT {q.select} FROM {q._from(0, True)}{q._where(0, extra)}"
        f"{q._order_by(0, q._desc(0, True))} LIMIT 10"
    )
    plan = " | ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, [*q.args, *args]))
    assert f"INDEX {index}" in plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan.split("CORRELATED")[0]
