"""Clusters of alike changes on planted cases; tag a whole cluster and undo it as one."""

from __future__ import annotations

import numpy as np
import pytest
from sqlite_utils import Database

from swapview import reviews
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    text_hash,
    write_transaction,
)
from swapview.triage.clusters import (
    build_clusters,
    cluster_members,
    cluster_of,
    more_like_this,
    tag_cluster,
    undo_group,
)
from swapview.triage.signature import changed_shingles, minhash, refusal_phrase, similarity

TOPICS = ["rivers", "bridges", "volcanoes", "tea", "owls", "glass", "maps", "bees", "salt"]


def _planted() -> list[PairRecord]:
    out = []
    for i, topic in enumerate(TOPICS):
        base = f"Here is a short history of {topic}. It starts long ago and goes on."
        # Three alike changes: a new refusal, a new disclaimer passage, an unrelated rewrite.
        out.append(
            PairRecord(
                f"refuse-{i}", topic, base, f"I'm sorry, but I cannot help with {topic} today."
            )
        )
        out.append(
            PairRecord(
                f"disclaim-{i}",
                topic,
                base,
                base + " Please remember that this summary was generated automatically"
                " and may contain mistakes, so verify it with a trusted source.",
            )
        )
        # Unrelated rewrites of unrelated answers share no change: no cluster.
        own = " ".join(f"{topic}{i}w{j}" for j in range(12))
        out.append(PairRecord(f"other-{i}", topic, own, f"{own[::-1]} {i * 7}."))
    out.append(PairRecord("same", "x", "unchanged answer.", "unchanged answer."))
    return out


def _load(db: Database) -> tuple[int, dict[str, int]]:
    cid = ensure_comparison(db, "m")
    with write_transaction(db):
        PairWriter(db, cid, LoadReport()).write(_planted())
    ids = {k: i for i, k in db.execute("SELECT id, key FROM pairs")}
    return cid, ids


def test_refusal_phrase_only_when_new() -> None:
    assert refusal_phrase("Sure.", "Well. Sorry, I can't do that. Here is why.") == (
        "i can t do that"
    )
    assert refusal_phrase("I cannot say.", "I cannot say for sure.") is None
    assert refusal_phrase("Sure.", "I'm sorry, but I can't help with that request.") == (
        "i m sorry but i can"
    )
    # What the scorer does not call a refusal makes no refusal cluster: prose, and a new
    # refusal where the old answer refused too.
    assert refusal_phrase("Sure.", "I can't stop delaying the launch, so here is a plan.") is None
    assert refusal_phrase("I'm unable to help.", "I cannot help with that.") is None


def test_minhash_tracks_jaccard_of_changed_bigrams() -> None:
    a = changed_shingles("one two three", "one two three four five six seven")
    b = changed_shingles("one two three", "one two three four five six eight")
    sa, sb = minhash(a), minhash(b)
    assert sa is not None and sb is not None
    assert 0.3 <= similarity(sa, sb) <= 0.85  # true Jaccard 3/5 = 0.6
    assert minhash({"+a b"}) is None  # too little changed to cluster on


def test_planted_clusters_are_found(db: Database) -> None:
    cid, ids = _load(db)
    assert build_clusters(db, cid) == 2
    refusal = cluster_of(db, ids["refuse-3"])
    disclaimer = cluster_of(db, ids["disclaim-5"])
    assert refusal.kind == "refusal" and refusal.label == "i m sorry but i cannot"
    assert disclaimer.kind == "similar" and disclaimer.label.startswith('added "')
    assert "please remember that this summary" in disclaimer.label
    assert set(cluster_members(db, refusal.id)) == {ids[f"refuse-{i}"] for i in range(9)}
    assert set(cluster_members(db, disclaimer.id)) == {ids[f"disclaim-{i}"] for i in range(9)}
    assert cluster_of(db, ids["other-4"]) is None and cluster_of(db, ids["same"]) is None
    # Rebuilding replaces, never duplicates.
    assert build_clusters(db, cid) == 2
    assert db.execute("SELECT count(*) FROM triage_cluster_members").fetchone()[0] == 18


def test_tag_cluster_then_undo_as_one(db: Database) -> None:
    cid, ids = _load(db)
    build_clusters(db, cid)
    cluster = cluster_of(db, ids["refuse-0"])
    reviews.record(db, ids["refuse-1"], "tester", tag="neutral")  # already judged: left alone
    done = tag_cluster(db, cluster.id, "tester", "regression")
    assert len(done) == 8
    assert reviews.current(db, ids["refuse-2"]).tag == "regression"
    assert reviews.current(db, ids["refuse-1"]).tag == "neutral"
    assert cluster_members(db, cluster.id, unreviewed_only=True) == []
    undone = undo_group(db, done, "tester")
    assert len(undone) == 8
    assert reviews.current(db, ids["refuse-2"]).tag is None
    assert len(cluster_members(db, cluster.id, unreviewed_only=True)) == 8


def test_more_like_this_starts_with_the_cluster(db: Database) -> None:
    cid, ids = _load(db)
    build_clusters(db, cid)
    alike = more_like_this(db, ids["disclaim-0"], limit=12)
    assert set(alike[:8]) == {ids[f"disclaim-{i}"] for i in range(1, 9)}
    assert len(alike) == 12 and ids["disclaim-0"] not in alike


def test_pairs_whose_meaning_moved_alike_cluster_by_embedding(db: Database) -> None:
    # Words differ everywhere (no text cluster), but the stored embeddings of half the
    # pairs moved in one direction: those form a "meaning" cluster.
    cid = ensure_comparison(db, "m")
    rng = np.random.default_rng(3)
    records = [
        PairRecord(
            f"k{i}",
            "p",
            " ".join(f"b{i}x{j}" for j in range(8)),
            " ".join(f"c{i}y{j}" for j in range(8)),
        )
        for i in range(20)
    ]
    with write_transaction(db):
        PairWriter(db, cid, LoadReport()).write(records)
    direction = rng.normal(size=32)
    rows = []
    for i, rec in enumerate(records):
        base = rng.normal(size=32)
        moved = direction if i % 2 == 0 else rng.normal(size=32)
        cand = base + 3 * moved / np.linalg.norm(moved) + 0.05 * rng.normal(size=32)
        for text, vec in ((rec.baseline_output, base), (rec.candidate_output, cand)):
            rows.append(("test-model", text_hash(text), 32, vec.astype(np.float32).tobytes()))
    with write_transaction(db):
        db.conn.executemany("INSERT INTO embeddings VALUES (?, ?, ?, ?)", rows)
        db.execute(
            "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
            " scored) SELECT id, content_hash, 'v', 'test-model', 'now' FROM pairs"
        )
    assert build_clusters(db, cid) == 1
    ids = {k: i for i, k in db.execute("SELECT id, key FROM pairs")}
    cluster = cluster_of(db, ids["k0"])
    assert cluster.kind == "meaning"
    assert set(cluster_members(db, cluster.id)) == {ids[f"k{i}"] for i in range(0, 20, 2)}


@pytest.mark.parametrize(
    "kind, label, line",
    [
        ("refusal", "i cannot", "cluster #4 (12): new refusal 'i cannot'"),
        ("signal", "json_broke", "cluster #4 (12): signal json_broke"),
        ("meaning", "shorter", "cluster #4 (12): meaning moved the same way (shorter)"),
        ("similar", 'added "x"', 'cluster #4 (12): added "x"'),
    ],
)
def test_one_rendering_of_a_cluster(kind, label, line):
    from swapview.triage.clusters import Cluster

    assert Cluster(4, kind, label, 12).describe() == line
