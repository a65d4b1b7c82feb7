"""`export --judged` streams judge-labelled cases a page at a time, and pages change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from swapview.export import Selection, export, select
from swapview.judge.verdicts import JudgeKey, combined_verdicts
from swapview.reviews import record
from swapview.store import open_db, write_transaction
from tests.support.judge_helpers import seed_pairs

VERDICTS = ("new_worse", "new_better", "same")


def _judged_db(path: Path) -> tuple[Database, int]:
    """13 pairs (keys k0..k12: key order is not id order); the judge says worse, better or
    same by turn, one pair's orders disagree, one verdict is on texts since changed, one
    pair was never judged, and two judged pairs were reviewed."""
    db = open_db(path)
    cid = seed_pairs(db, 13)
    ids = dict(db.execute("SELECT key, id FROM pairs").fetchall())
    with write_transaction(db):
        db.execute("INSERT INTO judge_rubrics (hash, text, created) VALUES ('r', 'rubric', 't')")
        for i in range(12):  # k12 is never judged
            pid = ids[f"k{i}"]
            digest = db.execute("SELECT content_hash FROM pairs WHERE id = ?", [pid]).fetchone()[0]
            for order in ("old_first", "new_first"):
                verdict = VERDICTS[i % 3]
                if i == 4 and order == "new_first":
                    verdict = "new_better"  # the orders disagree: an inconsistent verdict
                db.execute(
                    "INSERT INTO judge_verdicts (pair_id, judge_model, rubric_hash, ask_order,"
                    " status, verdict, rationale, pair_hash, created)"
                    " VALUES (?, 'judge-1', 'r', ?, 'ok', ?, ?, ?, 't')",
                    [pid, order, verdict, f"why {i}", "stale" if i == 9 else digest],
                )
    record(db, ids["k0"], "ana", tag="neutral")
    record(db, ids["k6"], "ana", tag="regression")
    return db, cid


def _export(db: Database, out: Path, **selection: object) -> list[dict]:
    export(db, Selection(comparison="cmp", **selection), "inspect", str(out))
    return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.mark.parametrize("page", [1, 2, 3, 5])
def test_pages_give_the_file_one_page_gives(tmp_path, monkeypatch, page: int) -> None:
    db, _ = _judged_db(tmp_path / "s.db")
    whole = tmp_path / "whole.jsonl"
    _export(db, whole, judged="new_worse")
    monkeypatch.setattr(select, "PAGE", page)
    paged = tmp_path / "paged.jsonl"
    _export(db, paged, judged="new_worse")
    assert paged.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("verdict", VERDICTS)
def test_judged_cases_are_the_unreviewed_pairs_with_that_verdict_in_key_order(
    tmp_path, monkeypatch, verdict: str
) -> None:
    db, cid = _judged_db(tmp_path / "s.db")
    monkeypatch.setattr(select, "PAGE", 2)
    cases = _export(db, tmp_path / "out.jsonl", judged=verdict)
    by_judge = [c["metadata"]["reviewer"].startswith("judge:") for c in cases]
    reviewed = [c["metadata"]["key"] for c, j in zip(cases, by_judge, strict=True) if not j]
    judged = [c for c, j in zip(cases, by_judge, strict=True) if j]
    assert reviewed == ["k0", "k6"]  # the reviewer's word, whatever the judge said
    # The oracle: every current verdict read at once, then filtered and sorted.
    everything = combined_verdicts(db, cid, JudgeKey("judge-1", "r"))
    keys = dict(db.execute("SELECT id, key FROM pairs").fetchall())
    expected = sorted(
        keys[pid]
        for pid, pv in everything.items()
        if pv.combined.verdict == verdict and keys[pid] not in ("k0", "k6")
    )
    assert [c["metadata"]["key"] for c in judged] == expected
    assert expected and "k9" not in expected and "k12" not in expected
    for case in judged:
        mark = case["metadata"]["pair_metadata"]["swapview_judge"]
        assert mark["judge_labelled"] is True and mark["verdict"] == verdict
        assert mark["rationale"] == f"why {case['metadata']['key'][1:]}"
