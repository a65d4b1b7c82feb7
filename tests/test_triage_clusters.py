"""Clusters of alike changes on planted cases; tag a whole cluster and undo it as one."""

from __future__ import annotations

from sqlite_utils import Database

from swapview import reviews
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction
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
        out.append(PairRecord(f"refuse-{i}", topic, base,
                              f"I'm sorry, but I cannot help with {topic} today."))
        out.append(PairRecord(f"disclaim-{i}", topic, base, base +
                              " Please remember that this summary was generated automatically"
                              " and may contain mistakes, so verify it with a trusted source."))
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
        "sorry i can t do that"
    )
    assert refusal_phrase("I cannot say.", "I cannot say for sure.") is None


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
    assert refusal["kind"] == "refusal" and refusal["label"] == "i m sorry but i cannot"
    assert disclaimer["kind"] == "similar" and disclaimer["label"].startswith('added "')
    assert "please remember that this summary" in disclaimer["label"]
    assert set(cluster_members(db, refusal["id"])) == {ids[f"refuse-{i}"] for i in range(9)}
    assert set(cluster_members(db, disclaimer["id"])) == {ids[f"disclaim-{i}"] for i in range(9)}
    assert cluster_of(db, ids["other-4"]) is None and cluster_of(db, ids["same"]) is None
    # Rebuilding replaces, never duplicates.
    assert build_clusters(db, cid) == 2
    assert db.execute("SELECT count(*) FROM triage_cluster_members").fetchone()[0] == 18


def test_tag_cluster_then_undo_as_one(db: Database) -> None:
    cid, ids = _load(db)
    build_clusters(db, cid)
    cluster = cluster_of(db, ids["refuse-0"])
    reviews.record(db, ids["refuse-1"], "tester", tag="neutral")  # already judged: left alone
    done = tag_cluster(db, cluster["id"], "tester", "regression")
    assert len(done) == 8
    assert reviews.current(db, ids["refuse-2"]).tag == "regression"
    assert reviews.current(db, ids["refuse-1"]).tag == "neutral"
    assert cluster_members(db, cluster["id"], unreviewed_only=True) == []
    undone = undo_group(db, done, "tester")
    assert len(undone) == 8
    assert reviews.current(db, ids["refuse-2"]).tag is None
    assert len(cluster_members(db, cluster["id"], unreviewed_only=True)) == 8


def test_more_like_this_starts_with_the_cluster(db: Database) -> None:
    cid, ids = _load(db)
    build_clusters(db, cid)
    alike = more_like_this(db, ids["disclaim-0"], limit=12)
    assert set(alike[:8]) == {ids[f"disclaim-{i}"] for i in range(1, 9)}
    assert len(alike) == 12 and ids["disclaim-0"] not in alike
