"""Agreement between reviewers (#14): the share offered for a second look, and Cohen's
kappa of two reviewers' tags in `swapview report`, next to the regression rate."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli.app import main
from swapview.judge.stats import cohen_kappa
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction
from swapview.triage.agreement import LABELS, double_labels, second_look


@pytest.fixture
def pairs(db) -> list[int]:
    recs = [PairRecord(f"k{i:03d}", f"q{i}", f"old {i}", f"new {i}", {}) for i in range(400)]
    with write_transaction(db):
        cid = ensure_comparison(db, "m1")
        PairWriter(db, cid, LoadReport()).write(recs)
    return [pid for (pid,) in db.execute("SELECT id FROM pairs ORDER BY id")]


def test_a_share_of_each_reviewers_tags_is_offered_to_the_others(db, pairs):
    for pid in pairs:
        reviews.record(db, pid, "ana", tag="regression")
    offered = second_look(db, 1, "bo", share=0.05, limit=1000)
    assert 8 <= len(offered) <= 40  # about 5% of 400, chosen by a hash of the id
    assert set(offered) <= set(second_look(db, 1, "bo", share=0.2, limit=1000))
    assert second_look(db, 1, "ana", share=0.05) == []  # never one's own tags
    reviews.record(db, offered[0], "bo", tag="neutral")
    assert offered[0] not in second_look(db, 1, "bo", share=0.05, limit=1000)
    assert second_look(db, 1, "bo", share=0.0) == []


def test_double_labels_take_each_reviewers_latest_tag_by_kind(db, pairs):
    a, b, c = pairs[:3]
    reviews.record(db, a, "ana", tag="regression")
    reviews.record(db, a, "bo", tag="neutral")
    reviews.record(db, a, "bo", tag="wrong_fact")  # bo changed their mind: counts as regression
    reviews.record(db, b, "ana", tag="improvement")
    reviews.record(db, b, "bo", note="looked")  # a note is not bo's tag
    reviews.record(db, c, "ana", tag="skip")
    reviews.record(db, c, "bo", tag="neutral")  # a skip says nothing: left out
    assert double_labels(db, 1, {"wrong_fact": "regression"}) == [("regression", "regression")]


def test_report_shows_the_reviewers_kappa_with_an_interval(db, db_path, pairs):
    labels = [("regression", "regression")] * 12 + [("neutral", "neutral")] * 10
    labels += [("regression", "neutral")] * 3 + [("improvement", "improvement")] * 5
    for pid, (first, second) in zip(pairs, labels, strict=False):
        reviews.record(db, pid, "ana", tag=first)
        reviews.record(db, pid, "bo", tag=second)
    db.close()
    expected = cohen_kappa(labels, LABELS)
    result = CliRunner().invoke(main, ["--db", str(db_path), "report"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Agreement between reviewers" in text
    assert f"kappa {expected.kappa:.2f} (95% interval {expected.low:.2f} to" in text
    # Next to the regression rate.
    assert text.index("Regression rate") < text.index("Agreement between reviewers")
    data = json.loads(CliRunner().invoke(main, ["--db", str(db_path), "report", "--json"]).output)
    assert data["metrics"]["reviewer_kappa"] == expected.kappa
    assert data["metrics"]["reviewer_pairs_double_tagged"] == 30
    assert 0 < expected.low < expected.kappa < expected.high <= 1


def test_a_second_look_is_the_reviewers_own_label_and_leaves_the_decision(db, pairs):
    a = pairs[0]
    reviews.record(db, a, "ana", tag="regression", note="ana's note")
    reviews.record(db, a, "ana", corrected_output="ana's fix")
    look = reviews.second_look(db, a, "bo", "neutral")
    now = reviews.current(db, a)
    assert (now.tag, now.reviewer, now.note, now.corrected_output) == (
        "regression",
        "ana",
        "ana's note",
        "ana's fix",
    )
    assert double_labels(db, 1) == [("regression", "neutral")]
    assert a not in second_look(db, 1, "bo", share=1.0)  # looked at: not offered again
    # bo's later plain tag (made after seeing ana's) does not replace his blind label.
    reviews.record(db, a, "bo", tag="regression")
    assert double_labels(db, 1) == [("regression", "neutral")]
    # Undoing the look takes the label back, decision untouched; redo brings it again.
    back = reviews.undo(db, look, "bo")
    assert double_labels(db, 1) == []
    assert reviews.current(db, a).reviewer == "bo"  # his plain tag above, not the undo
    reviews.redo(db, look, "bo")
    assert double_labels(db, 1) == [("regression", "neutral")]
    assert back != look


def test_undo_of_a_decision_steps_over_second_looks(db, pairs):
    b = pairs[1]
    reviews.record(db, b, "ana", tag="regression")
    reviews.second_look(db, b, "bo", "neutral")
    later = reviews.record(db, b, "ana", tag="improvement")
    reviews.undo(db, later, "ana")  # back to ana's regression, never to bo's look
    now = reviews.current(db, b)
    assert (now.tag, now.note, now.corrected_output) == ("regression", None, None)


def test_an_undone_tag_is_no_longer_the_reviewers_label(db, pairs):
    a, b = pairs[:2]
    reviews.record(db, a, "ana", tag="regression")
    withdrawn = reviews.record(db, a, "bo", tag="neutral")
    reviews.undo(db, withdrawn, "bo")  # bo took it back: ana's decision stands alone
    assert double_labels(db, 1) == []
    reviews.record(db, b, "ana", tag="regression")
    reviews.record(db, b, "bo", tag="neutral")
    second = reviews.record(db, b, "bo", tag="improvement")
    reviews.undo(db, second, "bo")  # back to bo's earlier neutral, not ana's regression
    assert double_labels(db, 1) == [("regression", "neutral")]
    reviews.redo(db, second, "bo")
    assert double_labels(db, 1) == [("regression", "improvement")]
    reviews.redo(db, withdrawn, "bo")
    assert sorted(double_labels(db, 1)) == [
        ("regression", "improvement"),
        ("regression", "neutral"),
    ]
