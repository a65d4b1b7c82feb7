"""The ordered writer (tags committed before they are reported) and the config file."""

from __future__ import annotations

import threading

import pytest

from swapview import reviews
from swapview.config import Config, load_config
from swapview.errors import InputError
from swapview.session import ReviewSession
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)


@pytest.fixture
def pair_ids(db):
    with write_transaction(db):
        cid = ensure_comparison(db, "m")
        PairWriter(db, cid, LoadReport()).write(
            [PairRecord(f"k{i}", "p", "a", "b") for i in range(5)]
        )
    return [r[0] for r in db.execute("SELECT id FROM pairs ORDER BY id")]


def test_outcomes_arrive_after_commit_in_order(db_path, pair_ids):
    seen = []

    def on_outcome(outcome):
        # Reported only once committed: a fresh connection already sees it.
        other = open_db(db_path, migrate=False)
        seen.append(
            (
                outcome.action,
                outcome.pair_id,
                outcome.decision and outcome.decision.tag,
                reviews.current(other, outcome.pair_id).tag if outcome.pair_id else None,
            )
        )
        other.close()

    s = ReviewSession(db_path, "ana", on_outcome)
    s.tag(pair_ids[0], "regression")
    s.tag(pair_ids[1], "neutral")
    s.undo()
    s.undo()
    s.redo()
    s.note(pair_ids[2], "hmm")
    assert s.wait_idle(10)
    s.close()
    assert seen == [
        ("tag", pair_ids[0], "regression", "regression"),
        ("tag", pair_ids[1], "neutral", "neutral"),
        ("undo", pair_ids[1], None, None),
        ("undo", pair_ids[0], None, None),
        ("redo", pair_ids[0], "regression", "regression"),
        ("note", pair_ids[2], None, None),
    ]


def test_undo_never_overwrites_another_reviewers_later_decision(db, db_path, pair_ids):
    out = []
    s = ReviewSession(db_path, "ana", out.append)
    s.tag(pair_ids[0], "regression")
    s.wait_idle()
    reviews.record(db, pair_ids[0], "bo", tag="improvement")
    s.undo()
    s.wait_idle()
    s.close()
    assert "bo changed this pair" in out[-1].error
    assert reviews.current(db, pair_ids[0]).tag == "improvement"


def test_writes_wait_for_a_held_lock_without_blocking_the_caller(db, db_path, pair_ids):
    out = []
    s = ReviewSession(db_path, "ana", out.append)
    db.conn.execute("BEGIN IMMEDIATE")  # someone else holds the write lock
    t = threading.Thread(target=s.tag, args=(pair_ids[0], "skip"))
    t.start()
    t.join(1)
    assert not t.is_alive() and not out  # submitted at once, not committed yet
    db.conn.commit()
    assert s.wait_idle(10)
    s.close()
    assert out[0].decision.tag == "skip"


def test_config_defaults_custom_tags_and_errors(tmp_path):
    assert load_config(tmp_path / "missing.toml") == Config()
    good = tmp_path / "c.toml"
    good.write_text(
        'reviewer = "ana"\n[[tags]]\nname = "wrong_fact"\nkey = "f"\n[keys]\ntag_regression = "x"\n'
    )
    cfg = load_config(good)
    assert [t.name for t in cfg.all_tags()][-1] == "wrong_fact"
    assert cfg.keys == {"tag_regression": "x"} and cfg.reviewer == "ana"
    bad = tmp_path / "bad.toml"
    bad.write_text('reviewer = "ana"\ntheme = \n')
    with pytest.raises(InputError, match=r"bad.toml:2"):
        load_config(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[[tags]]\nname = "Bad Name"\nkey = "b"\n')
    with pytest.raises(InputError, match=r"field 'tags.0.name'"):
        load_config(wrong)
    extra = tmp_path / "extra.toml"
    extra.write_text('colour = "red"\n')
    with pytest.raises(InputError, match=r"field 'colour'"):
        load_config(extra)


def test_one_config_file_serves_review_replay_and_score(tmp_path):
    """A [replay] or [embeddings] table must not break the review app's config."""
    from swapview.replay.config import ReplayConfig  # noqa: F401  (imports cleanly)
    from swapview.scoring.embeddings.config import embeddings_settings

    path = tmp_path / "config.toml"
    path.write_text(
        'reviewer = "ana"\n[replay]\nmodel = "gpt-x"\n[embeddings]\nembedder = "static"\n',
        encoding="utf-8",
    )
    assert load_config(path).reviewer == "ana"
    assert embeddings_settings(path) == {"embedder": "static"}
    path.write_text('reviewer = "ana"\nreplay = 3\n', encoding="utf-8")
    with pytest.raises(InputError, match="replay"):
        load_config(path)


def test_a_corrected_answer_is_attributed_kept_with_the_tag_and_undoable(db, db_path, pair_ids):
    out = []
    s = ReviewSession(db_path, "ana", out.append)
    s.tag(pair_ids[0], "regression")
    s.correct(pair_ids[0], "The right answer, as the reviewer wrote it.")
    assert s.wait_idle(10)
    decision = reviews.current(db, pair_ids[0])
    assert (decision.tag, decision.corrected_output, decision.reviewer) == (
        "regression",
        "The right answer, as the reviewer wrote it.",
        "ana",
    )
    assert out[-1].action == "correct"
    s.undo()
    assert s.wait_idle(10)
    s.close()
    after = reviews.current(db, pair_ids[0])
    assert (after.tag, after.corrected_output) == ("regression", None)
