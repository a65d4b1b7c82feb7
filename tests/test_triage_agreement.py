"""Agreement between reviewers (#14): Cohen's kappa on pairs two reviewers tagged."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction
from swapview.triage.agreement import agreement, cohen_kappa

R, N, IMP = "regression", "neutral", "improvement"


@pytest.mark.parametrize(
    "pairs, kappa",
    [
        ([(R, R), (R, N), (N, N), (N, N)], 0.5),  # po 3/4, pe 1/2
        ([(R, R), (N, N), (IMP, IMP)], 1.0),
        ([(R, N), (N, R)], -1.0),
        ([(R, R), (R, R)], None),  # one kind on both sides: undefined
        ([], None),
    ],
)
def test_cohen_kappa(pairs, kappa):
    got = cohen_kappa(pairs)
    assert got == (pytest.approx(kappa) if kappa is not None else None)


@pytest.fixture
def pair_ids(db):
    with write_transaction(db):
        cid = ensure_comparison(db, "m")
        PairWriter(db, cid, LoadReport()).write(
            [PairRecord(f"k{i}", f"p{i}", "a", "b") for i in range(8)]
        )
    return cid, [r[0] for r in db.execute("SELECT id FROM pairs ORDER BY id")]


def test_each_reviewers_latest_tag_counts_and_notes_do_not(db, pair_ids):
    cid, ids = pair_ids
    ana = [R, R, N, N, R, N]
    bo = [R, N, N, N, R, N]
    for pid, a, b in zip(ids, ana, bo, strict=False):
        reviews.record(db, pid, "ana", tag=a)
        reviews.record(db, pid, "bo", tag=b)
    reviews.record(db, ids[1], "ana", tag=N)  # ana changes her mind: now they agree
    reviews.record(db, ids[6], "ana", tag=R)
    reviews.record(db, ids[6], "bo", note="looks bad")  # a note is no tag of bo's
    result = agreement(db, cid)
    assert (result["pairs"], result["agreed"]) == (6, 6)
    assert result["kappa"] == pytest.approx(1.0)


def test_custom_tags_compare_by_kind(db, pair_ids):
    cid, ids = pair_ids
    for pid, a, b in [(ids[0], "wrong-fact", R), (ids[1], N, N), (ids[2], "wrong-fact", N)]:
        reviews.record(db, pid, "ana", tag=a)
        reviews.record(db, pid, "bo", tag=b)
    result = agreement(db, cid, {"wrong-fact": "regression"})
    assert (result["pairs"], result["agreed"]) == (3, 2)
    assert result["low"] <= result["kappa"] <= result["high"]


def test_report_shows_and_gates_on_agreement(db, db_path, pair_ids):
    _cid, ids = pair_ids
    for pid, a, b in zip(ids, [R, R, N, N, R, N, IMP, N], [R, N, N, N, R, N, IMP, R], strict=True):
        reviews.record(db, pid, "ana", tag=a)
        reviews.record(db, pid, "bo", tag=b)
    result = CliRunner().invoke(main, ["--db", str(db_path), "report", "-c", "m"])
    assert result.exit_code == 0, result.output
    assert "## Agreement between reviewers" in result.output
    assert "8 pairs were tagged by two reviewers; they agreed on 6 (Cohen's kappa 0.58" in (
        result.output
    )
    gate = CliRunner().invoke(
        main, ["--db", str(db_path), "report", "-c", "m", "--fail-if", "reviewer_kappa<0.7"]
    )
    assert gate.exit_code == 3
